import CShim

/// Johnson, Alahi & Fei-Fei's image transformation network, with Ulyanov et al.'s instance
/// normalisation: a 9×9 convolution, two stride-2 convolutions, residual blocks, two
/// upsample-and-convolve stages and a 9×9 convolution back to three channels, every convolution
/// reflection-padded. Width and depth are options (`Shape`): the training budget picks them.
///
/// It maps a photo to its stylised version in the VGG19 input space (BGR minus the mean, the
/// space the optimizer works in), so its output goes to the loss without a conversion; a bounded
/// network's output is squashed into the pixel range (`BoundedOutput`).
public final class TransformerNetwork: @unchecked Sendable {
    public struct Shape: Sendable, Equatable, Codable {
        /// Channels after the first convolution; the stride-2 stages double it twice.
        public var width: Int
        public var residualBlocks: Int
        /// The output squashed into the pixel range (every network trained since 2026-12-03);
        /// false for the linear output of the networks trained before, which still load.
        public var boundedOutput: Bool

        public init(width: Int = 32, residualBlocks: Int = 5, boundedOutput: Bool = true) {
            self.width = width
            self.residualBlocks = residualBlocks
            self.boundedOutput = boundedOutput
        }

        /// Sides must be multiples of this: two stride-2 stages down, two upsamplings back.
        public static let sizeMultiple = 4
        public static let widthRange = 1...64
        public static let blockRange = 0...10
    }

    /// One convolution with what surrounds it.
    struct Unit {
        let upsample: Bool
        let pad: Int
        let conv: Conv2D
        let norm: InstanceNorm?
        let relu: Bool
        /// A residual block's second unit adds the block's input (unit `skipFrom`'s input).
        let skipFrom: Int?
    }

    public let shape: Shape
    public let parameters: Parameters
    let units: [Unit]

    public init(shape: Shape = Shape(), seed: UInt64 = 1) {
        precondition(Shape.widthRange.contains(shape.width) && Shape.blockRange.contains(shape.residualBlocks))
        self.shape = shape
        let w = shape.width
        // (input, output, kernel, stride, upsample, norm and ReLU, skip from the unit before)
        var plan: [(Int, Int, Int, Int, Bool, Bool, Bool)] = [(3, w, 9, 1, false, true, false),
                                                              (w, 2 * w, 3, 2, false, true, false),
                                                              (2 * w, 4 * w, 3, 2, false, true, false)]
        for _ in 0..<shape.residualBlocks {
            plan.append((4 * w, 4 * w, 3, 1, false, true, false))
            plan.append((4 * w, 4 * w, 3, 1, false, true, true))
        }
        plan += [(4 * w, 2 * w, 3, 1, true, true, false), (2 * w, w, 3, 1, true, true, false), (w, 3, 9, 1, false, false, false)]
        let count = plan.reduce(0) { $0 + Conv2D.parameterCount(inChannels: $1.0, outChannels: $1.1, kernel: $1.2) + ($1.5 ? 2 * $1.1 : 0) }
        parameters = Parameters(capacity: count)
        var units: [Unit] = []
        for (i, o, k, s, up, normed, skip) in plan {
            let conv = Conv2D(inChannels: i, outChannels: o, kernel: k, stride: s, parameters: parameters)
            let norm = normed ? InstanceNorm(channels: o, parameters: parameters) : nil
            units.append(Unit(upsample: up, pad: k / 2, conv: conv, norm: norm, relu: normed && !skip,
                              skipFrom: skip ? units.count - 1 : nil))
        }
        self.units = units
        var rng = SplitMix64(seed: seed)
        for (n, unit) in units.enumerated() {
            // The last convolution starts small: the untrained network then returns a flat grey,
            // not noise at full contrast that the loss must first undo.
            unit.conv.initialise(&rng, gain: n == units.count - 1 ? 0.1 : 1)
        }
    }
}

extension TransformerNetwork {
    /// Per unit, for an input of `height` × `width`: the size its convolution reads (after its
    /// upsampling, before its padding) and the size it writes.
    func unitSizes(height: Int, width: Int) -> [(read: (height: Int, width: Int), written: (height: Int, width: Int))] {
        let m = Shape.sizeMultiple
        precondition(height % m == 0 && width % m == 0 && height >= 4 * m && width >= 4 * m, "transformer input must be a multiple of 4 px, at least 16")
        var (h, w) = (height, width)
        return units.map { unit in
            if unit.upsample { (h, w) = (2 * h, 2 * w) }
            let read = (height: h, width: w)
            (h, w) = unit.conv.outputSize(height: h + 2 * unit.pad, width: w + 2 * unit.pad)
            return (read, (height: h, width: w))
        }
    }
}

/// A transformer's activations for one input size, kept between forward and backward.
public final class TransformerPass: @unchecked Sendable {
    public let network: TransformerNetwork
    public let height: Int
    public let width: Int
    let workspace = Workspace()
    /// activations[i] is unit i's input; the last is the network's output (the last conv's).
    private var activations: [Tensor] = []
    private var upsampled: [Tensor?] = []
    private var padded: [Tensor] = []
    private var convolved: [Tensor] = []
    private var gradients: [Tensor] = []

    public init(network: TransformerNetwork, height: Int, width: Int) {
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
