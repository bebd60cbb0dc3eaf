import CShim
import Synchronization

/// How a 3×3 convolution is computed: both give the same result within float rounding.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// im2col + one sgemm: 9 multiplications per input–output pair and pixel.
    case direct
    /// Winograd F(4×4, 3×3): 2.25 per pair and pixel, plus the tile transforms.
    case winograd
}

/// A 3×3 convolution with zero padding 1 and stride 1, as in every VGG19 conv layer.
///
/// Forward: Winograd (Winograd.swift) when 16 or more channels go in, else im2col in bands of
/// rows and one sgemm per band (the reference the fast path is tested against); either way the
/// scratch memory stays bounded whatever the image size. Input gradient: the same convolution run
/// on the output gradient with the weights transposed (in ↔ out) and flipped (180°), which is
/// exactly the adjoint of the forward pass with padding 1. No weight gradient: only the image is
/// optimized.
struct Conv3x3: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// [out][in][3][3], the row-major K × (C·9) matrix of the forward sgemm.
    let weights: [Float]
    let bias: [Float]
    /// [in][out][3][3] with each 3×3 kernel rotated by 180°: the adjoint's weights.
    let adjointWeights: [Float]
    public let algorithm: ConvolutionAlgorithm
    /// Winograd kernels of the forward pass and the adjoint, made on first use: a network loads
    /// all 16 layers and a style transfer uses 13, and these take 4× the weights' memory.
    private let winograd: WinogradCache

    /// Winograd needs enough channels going in for its sgemms to pay for the transforms: conv1_1
    /// (3 channels) runs forward direct, while its input gradient (64 channels in) is Winograd.
    public static let winogradMinimumChannels = 16

    public init(inChannels: Int, outChannels: Int, weights: [Float], bias: [Float], algorithm: ConvolutionAlgorithm = .winograd) {
        precondition(weights.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weights = weights
        self.bias = bias
        var adjoint = [Float](repeating: 0, count: weights.count)
        for k in 0..<outChannels {
            for c in 0..<inChannels {
                for tap in 0..<9 {
                    adjoint[(c * outChannels + k) * 9 + (8 - tap)] = weights[(k * inChannels + c) * 9 + tap]
                }
            }
        }
        adjointWeights = adjoint
        self.algorithm = algorithm
        winograd = WinogradCache()
    }

    /// The same layer computed with `algorithm` (weights shared).
    public func with(algorithm: ConvolutionAlgorithm) -> Conv3x3 {
        Conv3x3(inChannels: inChannels, outChannels: outChannels, weights: weights, bias: bias, algorithm: algorithm)
    }

    /// Winograd when asked for, when enough channels go in, and when a row of tiles fits the
    /// workspace (only images tens of thousands of pixels wide do not).
    private func useWinograd(_ input: Tensor, _ workspace: Workspace) -> Bool {
        algorithm == .winograd && input.channels >= Conv3x3.winogradMinimumChannels
            && WinogradKernels.fits(width: input.width, inChannels: inChannels, outChannels: outChannels, capacity: workspace.capacity)
    }

    private var forwardKernels: WinogradKernels {
        winograd.forward.value { WinogradKernels(weights: weights, inChannels: inChannels, outChannels: outChannels) }
    }

    private var adjointKernels: WinogradKernels {
        winograd.adjoint.value { WinogradKernels(weights: adjointWeights, inChannels: outChannels, outChannels: inChannels) }
    }

    /// output = W ∗ input + b.
    public func forward(_ input: Tensor, into output: Tensor, workspace: Workspace) {
        precondition(input.channels == inChannels && output.channels == outChannels)
        if useWinograd(input, workspace) {
            bias.withUnsafeBufferPointer { forwardKernels.convolve(input, bias: $0.baseAddress!, into: output, workspace: workspace) }
            return
        }
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Conv3x3.convolve(input, weights: w.baseAddress!, bias: b.baseAddress!, outChannels: outChannels,
                                 into: output, workspace: workspace)
            }
        }
    }

    /// The forward pass by its definition (ReferenceConvolution): what the im2col and Winograd
    /// paths are checked against (ConvolutionTests).
    func referenceForward(_ input: Tensor) -> Tensor {
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                ReferenceConvolution.forward(input, weights: w.baseAddress!, bias: b.baseAddress!, outChannels: outChannels, kernel: 3, pad: 1)
            }
        }
    }

    /// gradInput = Wᵀ ⋆ gradOutput (overwrites gradInput).
    public func backwardInput(_ gradOutput: Tensor, into gradInput: Tensor, workspace: Workspace) {
        precondition(gradOutput.channels == outChannels && gradInput.channels == inChannels)
        if useWinograd(gradOutput, workspace) {
            adjointKernels.convolve(gradOutput, bias: nil, into: gradInput, workspace: workspace)
            return
        }
        adjointWeights.withUnsafeBufferPointer { w in
            Conv3x3.convolve(gradOutput, weights: w.baseAddress!, bias: nil, outChannels: inChannels,
                             into: gradInput, workspace: workspace)
        }
    }

    /// out[k] = Σ_c,dy,dx w[k][c][dy][dx] · in[c][y+dy−1][x+dx−1] (+ bias[k]).
    static func convolve(_ input: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         outChannels: Int, into output: Tensor, workspace: Workspace) {
        let channels = input.channels, height = input.height, width = input.width
        precondition(output.height == height && output.width == width)
        // Each core takes a share of the rows and of the workspace, and bands within it.
        let rowFloats = channels * 9 * width
        let parts = max(1, min(Parallel.workers, height, workspace.capacity / rowFloats))
        let share = workspace.capacity / parts
        let rowsPerBand = max(1, min(height, share / rowFloats))
        let storage = SendablePointer(workspace.reserve(parts * channels * 9 * min(rowsPerBand, height) * width))
        let w = SendablePointer(weights), b = bias.map { SendablePointer($0) }
        parallel(parts) { range in
            for part in range {
                let columns = storage.pointer + part * channels * 9 * min(rowsPerBand, height) * width
                var top = height * part / parts
                let end = height * (part + 1) / parts
                while top < end {
                    let rows = min(rowsPerBand, end - top)
                    let n = rows * width
                    im2col(input, top: top, rows: rows, into: columns)
                    let out = output.data + top * width
                    if let b {
                        for k in 0..<outChannels { (out + k * output.plane).update(repeating: b.pointer[k], count: n) }
                    }
                    sf_sgemm(false, false, Int32(outChannels), Int32(n), Int32(channels * 9),
                                1, w.pointer, Int32(channels * 9), columns, Int32(n),
                                b == nil ? 0 : 1, out, Int32(output.plane))
                    top += rows
                }
            }
        }
    }

    /// Column matrix for output rows [top, top+rows): row (c·9 + dy·3 + dx), column (y−top)·W + x.
    static func im2col(_ input: Tensor, top: Int, rows: Int, into columns: UnsafeMutablePointer<Float>) {
        let height = input.height, width = input.width, n = rows * width
        for c in 0..<input.channels {
            let plane = input.data + c * input.plane
            for dy in 0..<3 {
                for dx in 0..<3 {
                    let row = columns + (c * 9 + dy * 3 + dx) * n
                    for r in 0..<rows {
                        let dst = row + r * width
                        let sy = top + r + dy - 1
                        guard sy >= 0 && sy < height else {
                            dst.update(repeating: 0, count: width)
                            continue
                        }
                        let src = plane + sy * width
                        switch dx {
                        case 0:
                            dst[0] = 0
                            (dst + 1).update(from: src, count: width - 1)
                        case 1:
                            dst.update(from: src, count: width)
                        default:
                            dst.update(from: src + 1, count: width - 1)
                            dst[width - 1] = 0
                        }
                    }
                }
            }
        }
    }
}

/// Holds a layer's Winograd kernels once made; shared by copies of the layer.
final class WinogradCache: Sendable {
    let forward = MadeOnce<WinogradKernels>()
    let adjoint = MadeOnce<WinogradKernels>()
}

/// A value made by the first caller that needs it, under a lock so two threads make it once.
final class MadeOnce<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    func value(_ make: () -> Value) -> Value {
        slot.withLock { cached in
            if let cached { return cached }
            let made = make()
            cached = made
            return made
        }
    }
}
