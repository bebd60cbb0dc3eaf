#if canImport(Glibc)
import Glibc
#endif

/// A trainable network's weights in one flat block, with their gradient beside them: layers take
/// their slices at construction, the optimizer and the file format see one vector.
final class Parameters: @unchecked Sendable {
    public private(set) var count = 0
    private var capacity: Int
    public private(set) var values: UnsafeMutablePointer<Float>
    public private(set) var gradients: UnsafeMutablePointer<Float>

    /// `capacity`: the number of values every layer will take, known from the network's shape.
    init(capacity: Int) {
        self.capacity = capacity
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        gradients = .allocate(capacity: capacity)
        gradients.initialize(repeating: 0, count: capacity)
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    /// The next `n` values and their gradient: a layer's share.
    func take(_ n: Int) -> (values: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        precondition(count + n <= capacity, "the network takes more parameters than it was sized for")
        defer { count += n }
        return (values + count, gradients + count)
    }

    public func zeroGradients() { gradients.update(repeating: 0, count: count) }

    public var valueArray: [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }
    public var gradientArray: [Float] { Array(UnsafeBufferPointer(start: gradients, count: count)) }

    public func load(_ array: [Float]) {
        precondition(array.count == count, "parameter count does not match the network")
        array.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
    }
}

/// Adam on a network's parameters (Kingma & Ba, with bias correction). The image optimizer's Adam
/// keeps its moments in half precision and clamps to the pixel range; weights want neither.
public final class ParameterAdam {
    public var learningRate: Float
    let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    private var m: [Float], v: [Float]
    public private(set) var steps = 0

    public init(count: Int, learningRate: Float) {
        self.learningRate = learningRate
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    /// The moments, for a checkpoint that resumes exactly.
    public var state: (steps: Int, m: [Float], v: [Float]) { (steps, m, v) }

    public func restore(steps: Int, m: [Float], v: [Float]) {
        precondition(m.count == self.m.count && v.count == self.v.count)
        self.steps = steps
        self.m = m
        self.v = v
    }

    func step(_ parameters: Parameters) {
        precondition(parameters.count == m.count)
        steps += 1
        let t = Float(steps)
        let stepSize = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let p = parameters.values, g = parameters.gradients
        for i in 0..<m.count {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            p[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
