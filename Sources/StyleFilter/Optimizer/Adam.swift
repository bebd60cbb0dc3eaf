#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba) on the pixels, with bias correction; pixels projected into range after
/// each step. The learning rate is in pixel units (0…255).
public final class Adam: Optimizer {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    let bounds: PixelBounds
    private var m: UnsafeMutablePointer<Float>?
    private var v: UnsafeMutablePointer<Float>?
    private var n = 0
    public private(set) var iterations = 0

    public init(learningRate: Float = 10, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                bounds: PixelBounds = .network) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.bounds = bounds
    }

    deinit {
        m?.deallocate()
        v?.deallocate()
    }

    /// Adam's steps are bounded by the learning rate, so it needs no safeguard on the loss.
    public func step(_ x: Tensor, gradient: Tensor, loss: Double) {
        if m == nil {
            n = x.count
            m = .allocate(capacity: n)
            v = .allocate(capacity: n)
            m!.initialize(repeating: 0, count: n)
            v!.initialize(repeating: 0, count: n)
        }
        precondition(x.count == n && gradient.count == n)
        iterations += 1
        let t = Float(iterations)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let stepSize = learningRate / correction1
        let g = gradient.data, p = x.data, m = m!, v = v!
        for i in 0..<n {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            p[i] -= stepSize * m[i] / ((v[i] / correction2).squareRoot() + epsilon)
        }
        bounds.clamp(x)
    }
}
