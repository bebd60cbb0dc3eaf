/// The convolutional part of VGG19 (Simonyan & Zisserman), as Gatys et al. used it.
///
/// Layers are named after their outputs: `relu1_1` … `relu5_4` and `pool1` … `pool5`. A pass runs
/// only as deep as the deepest layer anybody asked for.
public struct VGG19: Sendable {
    /// Conv layers per block and their output channels.
    static let blocks: [(convs: Int, channels: Int)] = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]

    public enum Stage: Sendable, Equatable {
        case convReLU(conv: Int)
        case pool
    }

    /// Every layer in order: its name and what produces it.
    public static let layers: [(name: String, stage: Stage)] = {
        var result: [(String, Stage)] = []
        var conv = 0
        for (b, block) in blocks.enumerated() {
            for n in 1...block.convs {
                result.append(("relu\(b + 1)_\(n)", .convReLU(conv: conv)))
                conv += 1
            }
            result.append(("pool\(b + 1)", .pool))
        }
        return result
    }()

    /// Output channels of each entry of `layers` (a block's pooling keeps its channels).
    public static let layerChannels: [Int] = blocks.flatMap { Array(repeating: $0.channels, count: $0.convs + 1) }

    /// Names of the 16 conv layers in the weight file's spelling (`block1_conv1`, …).
    public static let convNames: [String] = blocks.enumerated().flatMap { b, block in
        (1...block.convs).map { "block\(b + 1)_conv\($0)" }
    }

    /// (in, out) channels of each conv layer.
    public static let convShapes: [(input: Int, output: Int)] = {
        var shapes: [(Int, Int)] = []
        var channels = 3
        for block in blocks {
            for _ in 0..<block.convs {
                shapes.append((channels, block.channels))
                channels = block.channels
            }
        }
        return shapes
    }()

    public static func index(of name: String) -> Int? { layers.firstIndex { $0.name == name } }

    let convs: [Conv3x3]
    public let pooling: PoolingMode

    init(convs: [Conv3x3], pooling: PoolingMode = .max) {
        precondition(convs.count == VGG19.convShapes.count, "VGG19 needs 16 conv layers")
        self.convs = convs
        self.pooling = pooling
    }

    /// The same network with every conv layer computed by `algorithm` (weights shared).
    public func with(algorithm: ConvolutionAlgorithm) -> VGG19 {
        VGG19(convs: convs.map { $0.with(algorithm: algorithm) }, pooling: pooling)
    }

    /// The same network pooling by `pooling` (weights shared); nil: this one.
    public func with(pooling: PoolingMode?) -> VGG19 {
        guard let pooling, pooling != self.pooling else { return self }
        return VGG19(convs: convs, pooling: pooling)
    }

    /// The mean pixel of the Caffe training set, BGR, subtracted from 0…255 inputs.
    public static let meanBGR: [Float] = [103.939, 116.779, 123.68]
}

/// One network evaluated at one input size, with every activation and gradient buffer allocated
/// once, so repeated forward/backward passes (one per optimizer iteration) allocate nothing.
final class VGG19Pass: @unchecked Sendable {
    public let network: VGG19
    public let depth: Int
    public let height: Int
    public let width: Int
    /// outputs[i] is the output of layer i (0 ..< depth).
    public let outputs: [Tensor]
    /// One gradient buffer per resolution, large enough for any layer at it: where the deepest
    /// layer's gradient starts and where pooling layers put theirs. Convolutions put the gradient
    /// of their input into their own output's storage instead (see `backward`).
    private var gradients: [Int: Tensor] = [:]
    private let inputGradient: Tensor
    private let workspace: Workspace
    /// Poolings up to the deepest layer: the resolution level the backward pass starts at.
    private let levels: Int

    /// `deepest` is the index of the last layer needed.
    public init(network: VGG19, height: Int, width: Int, deepest: Int, workspace: Workspace = Workspace()) {
        precondition(deepest >= 0 && deepest < VGG19.layers.count)
        self.network = network
        self.height = height
        self.width = width
        depth = deepest + 1
        self.workspace = workspace
        var outputs: [Tensor] = []
        var h = height, w = width, maxChannels: [Int: Int] = [:]
        var level = 0
        for i in 0..<depth {
            switch VGG19.layers[i].stage {
            case .convReLU(let conv):
                let c = network.convs[conv].outChannels
                outputs.append(Tensor(channels: c, height: h, width: w))
                maxChannels[level] = max(maxChannels[level] ?? 0, c)
            case .pool:
                precondition(h >= 2 && w >= 2, "image too small for pooling")
                h = Pool2x2.outputSize(h)
                w = Pool2x2.outputSize(w)
                level += 1
                let c = outputs.last!.channels
                outputs.append(Tensor(channels: c, height: h, width: w))
                maxChannels[level] = max(maxChannels[level] ?? 0, c)
            }
        }
        self.outputs = outputs
        levels = level
        inputGradient = Tensor(channels: 3, height: height, width: width)
        h = height
        w = width
        for l in 0...level {
            let c = maxChannels[l]!
            gradients[l] = Tensor(channels: c, height: h, width: w)
            h /= 2
            w /= 2
        }
    }

    /// Forward from an input in the network's space (BGR, mean subtracted, 3 × H × W).
    public func forward(_ input: Tensor) {
        precondition(input.channels == 3 && input.height == height && input.width == width)
        var previous = input
        for i in 0..<depth {
            let out = outputs[i]
            switch VGG19.layers[i].stage {
            case .convReLU(let conv):
                network.convs[conv].forward(previous, into: out, workspace: workspace)
                ReLU.forward(out)
            case .pool:
                Pool2x2.forward(previous, into: out, mode: network.pooling)
            }
            previous = out
        }
    }

    /// Backward after `forward`. `inject(i, grad)` adds the loss gradient with respect to layer i's
    /// output into `grad` (zeroed before the deepest layer). Returns the gradient at the input.
    ///
    /// Once a conv layer's ReLU mask has been applied, its output is not read again in this pass,
    /// and every VGG19 conv has at least as many output channels as input channels at the same
    /// resolution: so the gradient of its input goes into its output's storage. That saves a
    /// second gradient buffer per resolution (a fifth of a pass's memory, which bounds the tile
    /// size of large photos). After `backward`, `outputs` no longer hold the forward values.
    public func backward(inject: (Int, Tensor) -> Void) -> Tensor {
        var level = levels
        var grad = view(gradients[level]!, like: outputs[depth - 1])
        grad.zero()
        for i in stride(from: depth - 1, through: 0, by: -1) {
            inject(i, grad)
            let input = i > 0 ? outputs[i - 1] : nil
            switch VGG19.layers[i].stage {
            case .convReLU(let conv):
                ReLU.backward(output: outputs[i], grad: grad)
                let target = input.map { view(outputs[i], like: $0) } ?? inputGradient
                network.convs[conv].backwardInput(grad, into: target, workspace: workspace)
                grad = target
            case .pool:
                // Max pooling reads its input to route the gradient: the target is a separate buffer.
                level -= 1
                let target = view(gradients[level]!, like: input!)
                Pool2x2.backward(input: input!, gradOutput: grad, into: target, mode: network.pooling)
                grad = target
            }
        }
        return grad
    }

    /// Views into the gradient buffers, made on the first backward pass and reused after it.
    private var views: [ViewKey: Tensor] = [:]
    private struct ViewKey: Hashable {
        let base: UnsafeMutablePointer<Float>
        let channels: Int
    }

    /// A tensor with `shape`'s geometry over the front of `storage` (same resolution, ≤ channels).
    private func view(_ storage: Tensor, like shape: Tensor) -> Tensor {
        if storage.channels == shape.channels { return storage }
        let key = ViewKey(base: storage.data, channels: shape.channels)
        if let cached = views[key] { return cached }
        let v = Tensor(viewing: storage, channels: shape.channels)
        views[key] = v
        return v
    }
}
