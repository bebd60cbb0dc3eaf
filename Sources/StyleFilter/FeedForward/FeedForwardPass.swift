import CShim

/// The feed-forward network's activations for one input size, kept between forward and backward.
final class FeedForwardPass: @unchecked Sendable {
    public let network: FeedForwardNetwork
    public let height: Int
    public let width: Int
    let workspace = Workspace()
    /// activations[i] is unit i's input; the last is the network's output (the last conv's).
    private var activations: [Tensor] = []
    private var upsampled: [Tensor?] = []
    private var padded: [Tensor] = []
    private var convolved: [Tensor] = []
    private var gradients: [Tensor] = []

    public init(network: FeedForwardNetwork, height: Int, width: Int) {
        let sizes = network.unitSizes(height: height, width: width)
        self.network = network
        self.height = height
        self.width = width
        activations.append(Tensor(channels: 3, height: height, width: width))
        for (unit, size) in zip(network.units, sizes) {
            let (h, w) = size.read
            upsampled.append(unit.upsample ? Tensor(channels: unit.conv.inChannels, height: h, width: w) : nil)
            padded.append(Tensor(channels: unit.conv.inChannels, height: h + 2 * unit.pad, width: w + 2 * unit.pad))
            let z = Tensor(channels: unit.conv.outChannels, height: size.written.height, width: size.written.width)
            convolved.append(z)
            activations.append(unit.norm == nil ? z : Tensor(channels: unit.conv.outChannels, height: z.height, width: z.width))
        }
        precondition(sizes.last!.written == (height, width))
    }

    public var output: Tensor { activations.last! }

    /// Each instance-norm layer's statistics in the last forward: measured on a whole image, they
    /// normalise its tiles alike.
    public var statistics: [InstanceNorm.Statistics] { network.units.compactMap { $0.norm?.last } }

    /// Instance-norm statistics given per norm layer (a tiled photo's whole-image ones), or
    /// measured on this input when nil.
    @discardableResult
    public func forward(_ image: Tensor, statistics: [InstanceNorm.Statistics]? = nil) -> Tensor {
        precondition(image.channels == 3 && image.height == height && image.width == width)
        activations[0].copy(from: image)
        var normIndex = 0
        for (i, unit) in network.units.enumerated() {
            var x = activations[i]
            if let up = upsampled[i] {
                Upsample2x.forward(x, into: up)
                x = up
            }
            ReflectionPad.forward(x, pad: unit.pad, into: padded[i])
            unit.conv.forward(padded[i], into: convolved[i], workspace: workspace)
            guard let norm = unit.norm else { continue }
            let y = activations[i + 1]
            norm.forward(convolved[i], into: y, statistics: statistics?[normIndex])
            normIndex += 1
            if unit.relu { ReLU.forward(y) }
            if let j = unit.skipFrom { add(activations[j], into: y) }
        }
        if network.shape.boundedOutput { BoundedOutput.forward(output) }
        return output
    }

    /// Adds the parameters' gradients of L given ∂L/∂output (which it may overwrite).
    public func backward(_ gradOutput: Tensor) {
        if gradients.isEmpty { makeGradientBuffers() }
        let units = network.units
        var g = gradOutput
        if network.shape.boundedOutput { BoundedOutput.backward(output: output, grad: g) }
        var skipped: [Int: Tensor] = [:]
        for i in units.indices.reversed() {
            let unit = units[i]
            if let j = unit.skipFrom { skipped[j] = g }
            if unit.relu { ReLU.backward(output: activations[i + 1], grad: g) }
            var gz = g
            if let norm = unit.norm {
                gz = gradients[4 * i]
                norm.backward(convolved[i], gradOutput: g, into: gz)
            }
            let gp = i == 0 ? nil : gradients[4 * i + 1]
            unit.conv.backward(padded[i], gradOutput: gz, into: gp, workspace: workspace)
            guard let gp else { break }
            let gx = gradients[4 * i + 3]
            if unit.upsample {
                ReflectionPad.backward(gp, pad: unit.pad, into: gradients[4 * i + 2])
                Upsample2x.backward(gradients[4 * i + 2], into: gx)
            } else {
                ReflectionPad.backward(gp, pad: unit.pad, into: gx)
            }
            if let s = skipped[i] { add(s, into: gx) }
            g = gx
        }
    }

    /// Per unit: ∂/∂conv output, ∂/∂padded input, ∂/∂upsampled input, ∂/∂input. Made on the first
    /// backward, so a pass that only infers never holds them.
    private func makeGradientBuffers() {
        let like = { (t: Tensor) in Tensor(channels: t.channels, height: t.height, width: t.width) }
        let placeholder = Tensor(channels: 1, height: 1, width: 1)
        for i in network.units.indices {
            gradients.append(network.units[i].norm == nil ? placeholder : like(convolved[i]))
            gradients.append(i == 0 ? placeholder : like(padded[i]))
            gradients.append(upsampled[i].map(like) ?? placeholder)
            gradients.append(i == 0 ? placeholder : like(activations[i]))
        }
    }

    private func add(_ x: Tensor, into y: Tensor) {
        precondition(x.count == y.count)
        sf_saxpy(Int32(x.count), 1, x.data, y.data)
    }
}
