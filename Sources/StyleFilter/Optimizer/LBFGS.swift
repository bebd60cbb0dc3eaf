import CShim

/// Limited-memory BFGS with a fixed step and no line search: one function evaluation per
/// iteration, as torch.optim.LBFGS(max_iter=1) and neural-style run it. The first step is scaled
/// by 1/‖g‖₁; afterwards the two-loop recursion with the usual γ = sᵀy / yᵀy initial Hessian.
/// After each step the image is projected back into the pixel box, and the curvature pair uses
/// the projected step so the history stays consistent with where the image really went.
///
/// Without a line search a quasi-Newton step can overshoot badly (seen on tiles started far from
/// their content: the style loss ×5 in one step, then noise). So a step that raises the loss by
/// more than `overshoot` (50 %) is not taken: the image goes back halfway towards where the step began,
/// and the next call judges that point, as a backtracking line search spread over iterations.
/// Each overshoot also halves `damping`, which scales later steps until they succeed again.
final class LBFGS: Optimizer {
    public let history: Int
    public let learningRate: Float
    let bounds: PixelBounds

    private var n = 0
    private var s: [UnsafeMutablePointer<Float>] = []
    private var y: [UnsafeMutablePointer<Float>] = []
    private var rho: [Double] = []
    private var alpha: [Double] = []
    private var stored = 0, newest = -1
    private var direction: UnsafeMutablePointer<Float>?
    private var previousX: UnsafeMutablePointer<Float>?
    private var previousGradient: UnsafeMutablePointer<Float>?
    private var gamma = 1.0
    public private(set) var iterations = 0
    /// The loss where the current step began, and how often it has been halved since.
    private var acceptedLoss: Double?
    private var halvings = 0
    /// Step multiplier in (0, 1]: halved by an overshoot, grown back by 1.5 per good step.
    public private(set) var damping: Float = 1
    /// Relative loss increase that counts as an overshoot: rises of 10–20 % are normal for
    /// L-BFGS early on and it recovers by itself; the blow-ups this guards against are 5× and more.
    static let overshoot = 0.5
    static let maxHalvings = 8

    public init(history: Int = 100, learningRate: Float = 1, bounds: PixelBounds = .network) {
        precondition(history >= 1)
        self.history = history
        self.learningRate = learningRate
        self.bounds = bounds
    }

    deinit {
        for p in s + y { p.deallocate() }
        direction?.deallocate()
        previousX?.deallocate()
        previousGradient?.deallocate()
    }

    private func allocate(_ count: Int) {
        n = count
        direction = .allocate(capacity: n)
        previousX = .allocate(capacity: n)
        previousGradient = .allocate(capacity: n)
        rho = [Double](repeating: 0, count: history)
        alpha = [Double](repeating: 0, count: history)
    }

    public func step(_ x: Tensor, gradient: Tensor, loss: Double) {
        if direction == nil { allocate(x.count) }
        precondition(x.count == n && gradient.count == n)
        let g = gradient.data, d = direction!, px = previousX!, pg = previousGradient!
        var stepSize: Float

        if let accepted = acceptedLoss, !(loss <= accepted * (1 + LBFGS.overshoot)), halvings < LBFGS.maxHalvings {
            // Halfway between two points of the box is inside it: no clamp needed.
            for i in 0..<n { x.data[i] = px[i] + 0.5 * (x.data[i] - px[i]) }
            halvings += 1
            damping = max(damping * 0.5, 1e-3)
            iterations += 1
            return
        }
        if halvings == 0 { damping = min(1, damping * 1.5) }
        acceptedLoss = loss
        halvings = 0

        if iterations > 0 { recordCurvature(x: x.data, g: g) }
        if stored == 0 {
            // No curvature pair yet (the first step, or every pair so far failed sᵀy > 0): an
            // unscaled gradient step would jump by ‖g‖ pixel levels, so scale it as the first.
            var l1 = 0.0
            for i in 0..<n { l1 += Double(abs(g[i])) }
            stepSize = Float(min(1, 1 / max(l1, 1e-30))) * learningRate
            for i in 0..<n { d[i] = -g[i] }
        } else {
            twoLoop(g: g, into: d)
            stepSize = learningRate * damping
        }
        px.update(from: x.data, count: n)
        pg.update(from: g, count: n)
        sf_saxpy(Int32(n), stepSize, d, x.data)
        bounds.clamp(x)
        iterations += 1
    }

    /// s = x − x_prev, y = g − g_prev; kept when sᵀy > 0 (the curvature condition).
    private func recordCurvature(x: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>) {
        let slot = (newest + 1) % history
        if s.count < history {
            s.append(.allocate(capacity: n))
            y.append(.allocate(capacity: n))
        }
        let sv = s[slot], yv = y[slot], px = previousX!, pg = previousGradient!
        for i in 0..<n {
            sv[i] = x[i] - px[i]
            yv[i] = g[i] - pg[i]
        }
        let ys = dot(yv, sv, n)
        guard ys > 1e-10 else { return }
        rho[slot] = 1 / ys
        gamma = ys / dot(yv, yv, n)
        newest = slot
        stored = min(stored + 1, history)
    }

    /// d = −H g by the two-loop recursion over the stored pairs.
    private func twoLoop(g: UnsafeMutablePointer<Float>, into d: UnsafeMutablePointer<Float>) {
        for i in 0..<n { d[i] = -g[i] }
        guard stored > 0 else { return }
        for k in 0..<stored {
            let i = (newest - k + history) % history
            alpha[i] = rho[i] * dot(s[i], d, n)
            sf_saxpy(Int32(n), Float(-alpha[i]), y[i], d)
        }
        sf_sscal(Int32(n), Float(gamma), d)
        for k in stride(from: stored - 1, through: 0, by: -1) {
            let i = (newest - k + history) % history
            let beta = rho[i] * dot(y[i], d, n)
            sf_saxpy(Int32(n), Float(alpha[i] - beta), s[i], d)
        }
    }
}
