#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba) on the pixels, with bias correction; pixels projected into range after
/// each step. The learning rate is in pixel units (0…255).
///
/// The two moments are stored in half precision: at 18 megapixels they would otherwise be 430 MB,
/// a fifth of the memory a large run may use. The step m/√v does not change when both are
/// multiplied by one factor, so they are stored multiplied by `scale` (set at the first step to
/// put the largest gradient at 1024, far from Float16's limits), and v as √v, whose range is that
/// of the gradient. Half precision keeps about three significant digits: the step's direction and
/// size are unaffected in any way that matters for an image.
public final class Adam: Optimizer {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    let bounds: PixelBounds
    private var m: UnsafeMutablePointer<Float16>?
    private var rootV: UnsafeMutablePointer<Float16>?
    private var scale: Float = 1
    private var n = 0
    public private(set) var iterations = 0

    init(learningRate: Float = 10, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                bounds: PixelBounds = .network) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.bounds = bounds
    }

    deinit {
        m?.deallocate()
        rootV?.deallocate()
    }

    /// Adam's steps are bounded by the learning rate, so it needs no safeguard on the loss.
    public func step(_ x: Tensor, gradient: Tensor, loss: Double) {
        let g = gradient.data, p = x.data
        if m == nil {
            n = x.count
            m = .allocate(capacity: n)
            rootV = .allocate(capacity: n)
            m!.initialize(repeating: 0, count: n)
            rootV!.initialize(repeating: 0, count: n)
            var largest: Float = 0
            for i in 0..<n { largest = max(largest, abs(g[i])) }
            scale = largest > 0 && largest.isFinite ? 1024 / largest : 1
        }
        precondition(x.count == n && gradient.count == n)
        iterations += 1
        let t = Float(iterations)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let stepSize = learningRate / correction1, limit = Float(Float16.greatestFiniteMagnitude)
        let m = m!, rootV = rootV!, scale = scale, eps = epsilon * scale
        for i in 0..<n {
            let gi = g[i] * scale
            let mi = min(max(beta1 * Float(m[i]) + (1 - beta1) * gi, -limit), limit)
            let previous = Float(rootV[i])
            let vi = min(beta2 * previous * previous + (1 - beta2) * gi * gi, limit * limit)
            m[i] = Float16(mi)
            rootV[i] = Float16(vi.squareRoot())
            p[i] -= stepSize * mi / ((vi / correction2).squareRoot() + eps)
        }
        bounds.clamp(x)
    }
}
