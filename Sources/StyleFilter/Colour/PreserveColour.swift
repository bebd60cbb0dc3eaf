import CShim

/// Keeping the photo's colours (Gatys, Bethge, Hertzmann & Shechtman, "Preserving Color in Neural
/// Artistic Style Transfer", 2016): either transfer luminance only and put the photo's chroma
/// back, or recolour the painting to the photo's colour statistics before the transfer.
public enum ColourPreservation: String, Sendable, CaseIterable {
    case none
    /// The optimization sees lightness only (the painting's matched to the photo's mean and
    /// deviation); the result's L* is recombined with the photo's a*, b* in CIE Lab.
    case luminance
    /// The painting's RGB mean and covariance are matched to the photo's before the transfer.
    case histogram
}

/// CIE Lab (D50) pixels: L* 0 … 100, a*, b* roughly −128 … 127.
struct LabImage: Sendable {
    public let width: Int
    public let height: Int
    public var lab: [Float]

    public init(_ image: FloatRGBImage) throws {
        let srgb = try ProfileHandle.sRGB()
        lab = try ColourConversion.convert(image.values.map { $0 / 255 }, pixels: image.width * image.height,
                                           from: srgb, SF_SPACE_RGB, to: .lab(), SF_SPACE_LAB)
        width = image.width
        height = image.height
    }

    public init(_ image: RGBImage) throws { try self.init(FloatRGBImage(image)) }

    public func rgb() throws -> FloatRGBImage {
        let srgb = try ColourConversion.convert(lab, pixels: width * height, from: .lab(), SF_SPACE_LAB,
                                                to: ProfileHandle.sRGB(), SF_SPACE_RGB)
        return FloatRGBImage(width: width, height: height, values: srgb.map { $0 * 255 })
    }

    /// Mean and standard deviation of L*.
    var lightnessStatistics: (mean: Double, deviation: Double) {
        let n = Double(width * height)
        var sum = 0.0, squares = 0.0
        for p in 0..<(width * height) {
            let l = Double(lab[3 * p])
            sum += l
            squares += l * l
        }
        let mean = sum / n
        return (mean, max(squares / n - mean * mean, 0).squareRoot())
    }
}

extension ColourPreservation {
    /// The grey picture of an image's lightness: L* with a* = b* = 0, which is what the network
    /// sees in luminance mode. `match` maps L* to another image's mean and deviation first.
    static func lightness(of image: FloatRGBImage, matching target: (mean: Double, deviation: Double)? = nil) throws -> FloatRGBImage {
        var lab = try LabImage(image)
        let own = lab.lightnessStatistics
        for p in 0..<(lab.width * lab.height) {
            var l = Double(lab.lab[3 * p])
            if let target { l = (l - own.mean) * target.deviation / max(own.deviation, 1e-6) + target.mean }
            lab.lab[3 * p] = Float(min(max(l, 0), 100))
            lab.lab[3 * p + 1] = 0
            lab.lab[3 * p + 2] = 0
        }
        return try lab.rgb()
    }

    /// What the optimization should see: (content, styles) prepared for this mode.
    public func prepare(content: FloatRGBImage, styles: [(image: RGBImage, weight: Float)]) throws
        -> (content: FloatRGBImage, styles: [(image: RGBImage, weight: Float)]) {
        switch self {
        case .none:
            return (content, styles)
        case .luminance:
            let target = try LabImage(content).lightnessStatistics
            return (try Self.lightness(of: content),
                    try styles.map { (try Self.lightness(of: FloatRGBImage($0.image), matching: target).rounded, $0.weight) })
        case .histogram:
            return (content, styles.map { (Self.matchColours(of: $0.image, to: content), $0.weight) })
        }
    }

    /// The final picture: in luminance mode the result's L* with the photo's a* and b*.
    public func finish(_ result: FloatRGBImage, content: FloatRGBImage) throws -> FloatRGBImage {
        guard self == .luminance else { return result }
        let lightness = try LabImage(result)
        var combined = try LabImage(content)
        for p in 0..<(combined.width * combined.height) { combined.lab[3 * p] = lightness.lab[3 * p] }
        return try combined.rgb()
    }

    /// x' = A (x − μ_s) + μ_c with A = L_c L_s⁻¹ (Cholesky factors of the covariances), so the
    /// painting's colours get the photo's mean and covariance.
    static func matchColours(of image: RGBImage, to target: FloatRGBImage) -> RGBImage {
        let (ms, cs) = moments(FloatRGBImage(image)), (mc, cc) = moments(target)
        let ls = cholesky(cs), lc = cholesky(cc)
        let a = multiply(lc, invertLower(ls))
        var pixels = image.pixels
        for p in 0..<(image.width * image.height) {
            let x = (0..<3).map { Double(image.pixels[3 * p + $0]) - ms[$0] }
            for r in 0..<3 {
                let v = mc[r] + a[r][0] * x[0] + a[r][1] * x[1] + a[r][2] * x[2]
                pixels[3 * p + r] = Quantize.byte(Float(v))
            }
        }
        return RGBImage(width: image.width, height: image.height, pixels: pixels)
    }

    /// Mean and covariance of the RGB values (a little added to the diagonal: flat images too).
    static func moments(_ image: FloatRGBImage) -> (mean: [Double], covariance: [[Double]]) {
        let n = Double(image.width * image.height)
        var mean = [0.0, 0.0, 0.0]
        for p in 0..<(image.width * image.height) { for c in 0..<3 { mean[c] += Double(image.values[3 * p + c]) } }
        mean = mean.map { $0 / n }
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in 0..<(image.width * image.height) {
            let x = (0..<3).map { Double(image.values[3 * p + $0]) - mean[$0] }
            for i in 0..<3 { for j in 0..<3 { cov[i][j] += x[i] * x[j] } }
        }
        for i in 0..<3 { for j in 0..<3 { cov[i][j] = cov[i][j] / n + (i == j ? 1e-3 : 0) } }
        return (mean, cov)
    }

    static func cholesky(_ m: [[Double]]) -> [[Double]] {
        var l = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0...i {
                var s = m[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                l[i][j] = i == j ? max(s, 1e-9).squareRoot() : s / l[j][j]
            }
        }
        return l
    }

    static func invertLower(_ l: [[Double]]) -> [[Double]] {
        var inv = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            inv[i][i] = 1 / l[i][i]
            for j in 0..<i {
                var s = 0.0
                for k in j..<i { s -= l[i][k] * inv[k][j] }
                inv[i][j] = s / l[i][i]
            }
        }
        return inv
    }

    static func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
    }
}
