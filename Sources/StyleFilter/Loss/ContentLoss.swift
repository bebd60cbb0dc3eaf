/// Content loss at one layer: weight · mean((F − F_content)²).
final class ContentLoss: @unchecked Sendable {
    public let layer: Int
    public let weight: Float
    let target: Tensor

    /// `target` is copied: the pass that produced it reuses its buffers.
    public init(layer: Int, weight: Float, target: Tensor) {
        self.layer = layer
        self.weight = weight
        self.target = Tensor(channels: target.channels, height: target.height, width: target.width)
        self.target.copy(from: target)
    }

    /// The loss; when `grad` is given, adds d loss / d features into it.
    public func evaluate(_ features: Tensor, addingGradientTo grad: Tensor?) -> Double {
        precondition(features.count == target.count)
        let n = features.count, f = features.data, t = target.data
        let scale = 2 * weight / Float(n)
        var sum = 0.0
        for i in 0..<n {
            let d = f[i] - t[i]
            sum += Double(d * d)
            if let g = grad?.data { g[i] += scale * d }
        }
        return Double(weight) * sum / Double(n)
    }
}
