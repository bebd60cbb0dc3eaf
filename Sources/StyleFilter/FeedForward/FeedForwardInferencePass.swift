import CShim

/// The feed-forward network's forward pass for applying it, not training it: no activation is kept for a
/// backward, so three buffers serve every layer (two in turn, one for a residual block's middle),
/// the padding and the decoder's upsampling happen while the convolutions read their input, and
/// the 3×3 stride-1 convolutions (the residual blocks and the decoder, most of the work) run as
/// Winograd F(4×4, 3×3). About 290 bytes per pixel of window against FeedForwardPass's 1,300.
///
/// The weights are read when the pass is made: a network changed afterwards needs a new pass.
final class FeedForwardInferencePass: @unchecked Sendable {
    public let network: FeedForwardNetwork
    public let height: Int
    public let width: Int
    private let workspace = Workspace()
    private let ping: Tensor, pong: Tensor, middle: Tensor
    /// Per unit: its output's shape, and its Winograd kernels when it is a 3×3 stride-1 convolution.
    private let shapes: [(channels: Int, height: Int, width: Int)]
    private let winograd: [WinogradKernels?]

    public init(network: FeedForwardNetwork, height: Int, width: Int) {
        self.network = network
        self.height = height
        self.width = width
        let units = network.units
        let shapes = zip(units, network.unitSizes(height: height, width: width)).map {
            (channels: $0.conv.outChannels, height: $1.written.height, width: $1.written.width)
        }
        let isMiddle = { (i: Int) in i + 1 < units.count && units[i + 1].skipFrom == i }
        let largest = { (indices: [Int]) in indices.map { shapes[$0].channels * shapes[$0].height * shapes[$0].width }.max() ?? 1 }
        let turns = largest(units.indices.filter { !isMiddle($0) }), middles = largest(units.indices.filter(isMiddle))
        ping = Tensor(channels: 1, height: 1, width: turns)
        pong = Tensor(channels: 1, height: 1, width: turns)
        middle = Tensor(channels: 1, height: 1, width: middles)
        self.shapes = shapes
        winograd = units.map { unit in
            guard unit.conv.kernel == 3 && unit.conv.stride == 1 else { return nil }
            let conv = unit.conv
            return WinogradKernels(weights: Array(UnsafeBufferPointer(start: conv.weights, count: conv.outChannels * conv.patch)),
                                   inChannels: conv.inChannels, outChannels: conv.outChannels)
        }
        for (i, kernels) in winograd.enumerated() where kernels != nil {
            precondition(WinogradKernels.fits(width: shapes[i].width, inChannels: units[i].conv.inChannels,
                                              outChannels: units[i].conv.outChannels, capacity: workspace.capacity),
                         "a network window too wide for the workspace")
        }
    }

    /// Each instance-norm layer's statistics in the last forward.
    public var statistics: [InstanceNorm.Statistics] { network.units.compactMap { $0.norm?.last } }

    /// The network's output for `image` (valid until the next forward). Instance-norm statistics
    /// are given per norm layer (a tiled photo's whole-image ones), or measured when nil.
    @discardableResult
    public func forward(_ image: Tensor, statistics: [InstanceNorm.Statistics]? = nil) -> Tensor {
        precondition(image.channels == 3 && image.height == height && image.width == width)
        let units = network.units
        var x = image
        // The buffer that holds x (nil: the caller's image); a residual block's input stays in it
        // while the block's middle goes to `middle`.
        var holding: Tensor?
        var normIndex = 0
        for (i, unit) in units.enumerated() {
            let shape = shapes[i]
            let isMiddle = i + 1 < units.count && units[i + 1].skipFrom == i
            let storage = isMiddle ? middle : (holding === ping ? pong : ping)
            let y = Tensor(viewing: storage, channels: shape.channels, height: shape.height, width: shape.width)
            if let kernels = winograd[i] {
                kernels.convolve(x, border: unit.upsample ? .reflectedUpsampled : .reflected, bias: unit.conv.bias, into: y, workspace: workspace)
            } else {
                precondition(!unit.upsample, "upsampling is fused into the 3×3 convolutions only")
                unit.conv.forward(x, reflectionPad: unit.pad, into: y, workspace: workspace)
            }
            if let norm = unit.norm {
                norm.forward(y, into: y, statistics: statistics?[normIndex])
                normIndex += 1
                if unit.relu { ReLU.forward(y) }
            }
            if unit.skipFrom != nil, let blockInput = holding {
                // The block's input is still in `holding`, untouched by the block's middle.
                sf_saxpy(Int32(y.count), 1, blockInput.data, y.data)
            }
            x = y
            if !isMiddle { holding = storage }
        }
        if network.shape.boundedOutput { BoundedOutput.forward(x) }
        return x
    }
}
