#if canImport(Glibc)
import Glibc
#endif

/// Carries a picture's colours onto a painting's palette: iterative distribution transfer (Pitié,
/// Kokaram & Dahyot, "N-dimensional probability density function transfer and its application to
/// colour transfer", ICCV 2005). Each round turns the RGB cube to a new orthonormal frame and maps
/// each of its three axes monotonically, quantile to quantile, so the picture's colours along it are
/// distributed as the painting's; a dozen rounds match the joint distribution closely.
///
/// A trained network learns strokes more readily than a palette: on photos it was not tuned on it
/// paints salmon and olive where the painting is saturated red, blue and green. The map is learnt
/// once, on a small picture, and is a function of the colour alone, so it applies alike to every
/// size of the same picture and to the detail carried up to full size.
struct PaletteTransfer: Sendable, Equatable {
    /// One round: the frame (rows are its axes) and, per axis, the monotone map sampled evenly
    /// over `lower ... upper`.
    struct Round: Sendable, Equatable {
        var frame: [Float]
        var lower: [Float]
        var upper: [Float]
        var tables: [[Float]]
    }

    var rounds: [Round]

    /// Rounds of the transfer, and how many evenly spread samples of each picture it learns from.
    public static let defaultRounds = 12
    static let samples = 1 << 16
    static let tableSize = 1024
    /// Quantiles per axis: enough for a painting's few flat colours to keep their own steps.
    static let quantiles = 256

    /// The map that takes `source`'s colour distribution to `target`'s.
    public init(from source: FloatRGBImage, to target: RGBImage, rounds: Int = defaultRounds, seed: UInt64 = 1) {
        var s = Self.sample(source.values, pixels: source.width * source.height)
        let t = Self.sample(target.pixels.map(Float.init), pixels: target.width * target.height)
        var rng = SplitMix64(seed: seed)
        self.rounds = (0..<rounds).map { _ in
            let frame = Self.randomFrame(&rng)
            var round = Round(frame: frame, lower: [], upper: [], tables: [])
            for axis in 0..<3 {
                let a = Array(frame[3 * axis..<3 * axis + 3])
                let from = Self.project(s, on: a).sorted(), to = Self.project(t, on: a).sorted()
                let (lower, upper, table) = Self.monotoneTable(from: from, to: to)
                round.lower.append(lower)
                round.upper.append(upper)
                round.tables.append(table)
            }
            Self.apply(round, to: &s, pixels: s.count / 3)
            return round
        }
    }

    /// `image` with its colours mapped (unclamped: saving clamps, a refinement projects).
    public func applied(to image: FloatRGBImage) -> FloatRGBImage {
        var out = image
        let pixels = image.width * image.height
        out.values.withUnsafeMutableBufferPointer { buffer in
            let values = SendablePointer(buffer.baseAddress!)
            let rounds = self.rounds
            parallel(pixels) { range in
                let part = UnsafeMutableBufferPointer(start: values.pointer + 3 * range.lowerBound, count: 3 * range.count)
                for round in rounds { Self.apply(round, to: part, pixels: range.count) }
            }
        }
        return out
    }

    // MARK: - Learning

    /// Up to `samples` pixels spread evenly over the picture (every k-th), as RGB triples.
    static func sample(_ values: [Float], pixels: Int) -> [Float] {
        let step = max(1, pixels / samples)
        var out: [Float] = []
        out.reserveCapacity(3 * (pixels / step + 1))
        for p in stride(from: 0, to: pixels, by: step) { out += values[3 * p..<3 * p + 3] }
        return out
    }

    static func project(_ rgb: [Float], on axis: [Float]) -> [Float] {
        (0..<rgb.count / 3).map { rgb[3 * $0] * axis[0] + rgb[3 * $0 + 1] * axis[1] + rgb[3 * $0 + 2] * axis[2] }
    }

    /// An orthonormal frame drawn uniformly: Gram–Schmidt on three Gaussian vectors.
    static func randomFrame(_ rng: inout SplitMix64) -> [Float] {
        func gaussian() -> Double {
            let u = max(rng.nextUnit(), 1e-12), v = rng.nextUnit()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        var axes: [[Double]] = []
        while axes.count < 3 {
            var v = (0..<3).map { _ in gaussian() }
            for a in axes {
                let d = zip(v, a).map(*).reduce(0, +)
                v = zip(v, a).map { $0 - d * $1 }
            }
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            if norm > 1e-6 { axes.append(v.map { $0 / norm }) }
        }
        return axes.flatMap { $0.map(Float.init) }
    }

    /// The map from sorted `from` to sorted `to`, quantile to quantile, tabulated evenly over
    /// `from`'s range. Quantiles where `from` does not move (a flat colour) share the mean of their
    /// targets, so the map stays a function.
    static func monotoneTable(from: [Float], to: [Float]) -> (Float, Float, [Float]) {
        var xs: [Float] = [], ys: [Float] = [], counts: [Float] = []
        for k in 0..<quantiles {
            let q = Double(k) / Double(quantiles - 1)
            let x = from[Int((q * Double(from.count - 1)).rounded())], y = to[Int((q * Double(to.count - 1)).rounded())]
            if let last = xs.last, x <= last + 1e-3 {
                ys[ys.count - 1] += y
                counts[counts.count - 1] += 1
            } else {
                xs.append(x)
                ys.append(y)
                counts.append(1)
            }
        }
        ys = zip(ys, counts).map { $0 / $1 }
        let lower = xs[0], upper = xs[xs.count - 1]
        guard xs.count > 1 else { return (lower, upper, [Float](repeating: ys[0], count: 2)) }
        var table = [Float](repeating: 0, count: tableSize)
        var j = 0
        for i in 0..<tableSize {
            let x = lower + (upper - lower) * Float(i) / Float(tableSize - 1)
            while j < xs.count - 2 && xs[j + 1] < x { j += 1 }
            let f = min(max((x - xs[j]) / (xs[j + 1] - xs[j]), 0), 1)
            table[i] = ys[j] + f * (ys[j + 1] - ys[j])
        }
        return (lower, upper, table)
    }

    // MARK: - Applying

    static func apply(_ round: Round, to rgb: inout [Float], pixels: Int) {
        rgb.withUnsafeMutableBufferPointer { apply(round, to: $0, pixels: pixels) }
    }

    /// Each pixel moved along the frame's axes by what the maps add: x += Σ_a a (m_a(a·x) − a·x).
    /// Outside the learnt range a map keeps its end's offset.
    static func apply(_ round: Round, to rgb: UnsafeMutableBufferPointer<Float>, pixels: Int) {
        let f = round.frame
        for p in 0..<pixels {
            let r = rgb[3 * p], g = rgb[3 * p + 1], b = rgb[3 * p + 2]
            var dr: Float = 0, dg: Float = 0, db: Float = 0
            for axis in 0..<3 {
                let a0 = f[3 * axis], a1 = f[3 * axis + 1], a2 = f[3 * axis + 2]
                let x = a0 * r + a1 * g + a2 * b
                let table = round.tables[axis], lower = round.lower[axis], upper = round.upper[axis]
                let last = table.count - 1
                let mapped: Float
                if x <= lower {
                    mapped = table[0] + (x - lower)
                } else if x >= upper {
                    mapped = table[last] + (x - upper)
                } else {
                    let position = (x - lower) / (upper - lower) * Float(last)
                    let i = min(Int(position), last - 1), t = position - Float(i)
                    mapped = table[i] + t * (table[i + 1] - table[i])
                }
                let d = mapped - x
                dr += a0 * d
                dg += a1 * d
                db += a2 * d
            }
            rgb[3 * p] = r + dr
            rgb[3 * p + 1] = g + dg
            rgb[3 * p + 2] = b + db
        }
    }
}
