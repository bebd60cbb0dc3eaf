#if canImport(Glibc)
import Glibc
#endif

/// What a refining scale keeps of the scale before it: weight · mean((G A x − G t)²), where t is
/// the previous scale's result, A averages the image down to t's size (each pixel of t is the mean
/// of the area it covers) and G is a Gaussian blur of `sigma` pixels of t. It holds the
/// composition, colours and strokes the small scale made and leaves the finest octave free for
/// the fine style layers to paint: without G, every area's mean would be pinned to one pixel of
/// t, and the picture would be built of blocks. It stands in for the content loss at those
/// scales: the photo's features at a deep layer would cost the full network at the largest size,
/// and the previous scale already matched them.
public struct ScaleAnchor: @unchecked Sendable {
    /// G t, in the network's space.
    public let target: Tensor
    public let weight: Float
    public let sigma: Float
    let rows: AreaWeights
    let columns: AreaWeights
    let blur: [Float]
    /// A x, then the residual: made once, not per evaluation (54 MB below an 18 MP scale).
    let small: Tensor

    /// `previous` (the previous scale's result, in the network's space) for an image of `width` × `height`.
    public init(previous: Tensor, weight: Float, width: Int, height: Int, sigma: Float = 1) {
        precondition(previous.width <= width && previous.height <= height, "the anchor is not larger than the image")
        self.weight = weight
        self.sigma = sigma
        rows = AreaWeights(from: height, to: previous.height)
        columns = AreaWeights(from: width, to: previous.width)
        blur = ScaleAnchor.gaussian(sigma)
        target = Tensor(channels: 3, height: previous.height, width: previous.width)
        target.copy(from: previous)
        small = Tensor(channels: 3, height: previous.height, width: previous.width)
        ScaleAnchor.convolve(target, blur)
    }

    /// Normalised taps of a Gaussian, out to 3 sigma (none for sigma 0).
    static func gaussian(_ sigma: Float) -> [Float] {
        guard sigma > 0 else { return [1] }
        let radius = Int((3 * sigma).rounded(.up))
        let taps = (-radius...radius).map { Float(exp(-0.5 * Double($0 * $0) / Double(sigma * sigma))) }
        let sum = taps.reduce(0, +)
        return taps.map { $0 / sum }
    }

    /// Separable convolution in place, edges clamped. Clamping makes it not quite symmetric at
    /// the borders, so the gradient uses `convolveTransposed`.
    static func convolve(_ t: Tensor, _ taps: [Float]) { filter(t, taps, transposed: false) }
    static func convolveTransposed(_ t: Tensor, _ taps: [Float]) { filter(t, taps, transposed: true) }

    private static func filter(_ t: Tensor, _ taps: [Float], transposed: Bool) {
        let r = taps.count / 2, w = t.width, h = t.height
        guard r > 0 else { return }
        var line = [Float](repeating: 0, count: max(w, h)), out = line
        func pass(_ n: Int, _ get: (Int) -> Float, _ set: (Int, Float) -> Void) {
            for i in 0..<n { line[i] = get(i); out[i] = 0 }
            for i in 0..<n {
                for k in -r...r {
                    let j = min(max(i + k, 0), n - 1)
                    // y[i] = Σ a_k x[clamp(i+k)]; its transpose sends y[i] back to x[clamp(i+k)].
                    if transposed { out[j] += taps[k + r] * line[i] } else { out[i] += taps[k + r] * line[j] }
                }
            }
            for i in 0..<n { set(i, out[i]) }
        }
        for c in 0..<t.channels {
            let p = t.data + c * t.plane
            for y in 0..<h { pass(w, { p[y * w + $0] }, { p[y * w + $0] = $1 }) }
            for x in 0..<w { pass(h, { p[$0 * w + x] }, { p[$0 * w + x] = $1 }) }
        }
    }

    /// The loss at `image`; with `grad`, its gradient is added there. The area average works row
    /// by row, so only t-sized buffers exist: an image-sized one at 18 megapixels would be 215 MB.
    public func evaluate(_ image: Tensor, addingGradientTo grad: Tensor?) -> Double {
        guard weight != 0 else { return 0 }
        let w = image.width, tw = target.width, th = target.height
        var rowSum = [Float](repeating: 0, count: w)
        for c in 0..<3 {
            let x = image.data + c * image.plane, s = small.data + c * small.plane
            for j in 0..<th {
                for i in 0..<w { rowSum[i] = 0 }
                for (y, a) in rows.taps[j] { for i in 0..<w { rowSum[i] += a * x[y * w + i] } }
                for k in 0..<tw {
                    var v: Float = 0
                    for (i, a) in columns.taps[k] { v += a * rowSum[i] }
                    s[j * tw + k] = v
                }
            }
        }
        ScaleAnchor.convolve(small, blur)
        var sum = 0.0
        for i in 0..<small.count {
            small.data[i] -= target.data[i]
            sum += Double(small.data[i] * small.data[i])
        }
        guard let grad else { return Double(weight) * sum / Double(target.count) }
        // Backward: the residual through the blur and the area average, transposed.
        ScaleAnchor.convolveTransposed(small, blur)
        let scale = 2 * weight / Float(target.count)
        var back = [Float](repeating: 0, count: w)
        for c in 0..<3 {
            let g = grad.data + c * image.plane, s = small.data + c * small.plane
            for j in 0..<th {
                for i in 0..<w { back[i] = 0 }
                for k in 0..<tw { for (i, a) in columns.taps[k] { back[i] += a * s[j * tw + k] } }
                for (y, a) in rows.taps[j] { for i in 0..<w { g[y * w + i] += scale * a * back[i] } }
            }
        }
        return Double(weight) * sum / Double(target.count)
    }
}

/// One axis of an area average from `from` samples down to `to`: each output's inputs and their
/// weights (the share of the output's interval each input covers; they sum to 1).
struct AreaWeights {
    let taps: [[(Int, Float)]]

    init(from n: Int, to m: Int) {
        precondition(m >= 1 && m <= n)
        let ratio = Double(n) / Double(m)
        taps = (0..<m).map { k in
            let start = Double(k) * ratio, end = Double(k + 1) * ratio
            return (Int(start)..<min(n, Int(end.rounded(.up)))).compactMap { i in
                let covered = min(end, Double(i + 1)) - max(start, Double(i))
                return covered > 1e-9 ? (i, Float(covered / ratio)) : nil
            }
        }
    }
}
