import CShim

/// A k×k convolution with a stride, over an input padded beforehand (the feed-forward network pads by
/// reflection), with the weight and bias gradients training needs. VGG19's Conv3x3 never needs
/// them: its weights are fixed. Forward and backward are im2col products in bands of output rows,
/// so the column matrix stays within the workspace at any image size.
final class Conv2D: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let weightGradient: UnsafeMutablePointer<Float>
    let biasGradient: UnsafeMutablePointer<Float>

    /// Rows of the column matrix: one per input channel and kernel position.
    var patch: Int { inChannels * kernel * kernel }

    init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, parameters: Parameters) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        (weights, weightGradient) = parameters.take(outChannels * inChannels * kernel * kernel)
        (bias, biasGradient) = parameters.take(outChannels)
    }

    static func parameterCount(inChannels: Int, outChannels: Int, kernel: Int) -> Int {
        outChannels * (inChannels * kernel * kernel + 1)
    }

    /// He et al.'s uniform initialisation for a layer followed by a ReLU; biases zero.
    func initialise(_ rng: inout SplitMix64, gain: Float = 1) {
        let bound = gain * (6 / Float(patch)).squareRoot()
        for i in 0..<(outChannels * patch) { weights[i] = (Float(rng.nextUnit()) * 2 - 1) * bound }
        bias.update(repeating: 0, count: outChannels)
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height - kernel) / stride + 1, (width - kernel) / stride + 1)
    }

    // MARK: forward

    /// out[k][y][x] = bias[k] + Σ_c,dy,dx w[k][c][dy][dx] · in[c][y·s + dy][x·s + dx], the input
    /// padded by reflection with `pad` on the way (inference: no padded copy) or beforehand (0).
    func forward(_ input: Tensor, reflectionPad pad: Int = 0, into output: Tensor, workspace: Workspace) {
        precondition(input.channels == inChannels && output.channels == outChannels)
        precondition(pad < input.height && pad < input.width, "reflection padding needs an image larger than the padding")
        let size = outputSize(height: input.height + 2 * pad, width: input.width + 2 * pad)
        precondition(output.height == size.height && output.width == size.width, "conv output has the wrong size")
        let w = size.width, plane = output.plane
        let band = bandRows(outputWidth: w, buffers: 1, workspace: workspace)
        let columns = SendablePointer(workspace.reserve(patch * band * w))
        for k in 0..<outChannels { (output.data + k * plane).update(repeating: bias[k], count: plane) }
        let wts = SendablePointer(weights), patch = patch, outChannels = outChannels
        var top = 0
        while top < size.height {
            let rows = min(band, size.height - top), n = rows * w
            im2col(input, pad: pad, top: top, rows: rows, outputWidth: w, into: columns.pointer)
            let out = SendablePointer(output.data + top * w)
            parallel(n) { range in
                sf_sgemm(false, false, Int32(outChannels), Int32(range.count), Int32(patch), 1, wts.pointer, Int32(patch),
                         columns.pointer + range.lowerBound, Int32(n), 1, out.pointer + range.lowerBound, Int32(plane))
            }
            top += rows
        }
    }

    /// The forward pass of an unpadded input by its definition (ReferenceConvolution): what the
    /// banded im2col product is checked against (FeedForwardLayerTests).
    func referenceForward(_ input: Tensor) -> Tensor {
        ReferenceConvolution.forward(input, weights: weights, bias: bias, outChannels: outChannels, kernel: kernel, stride: stride)
    }

    // MARK: backward

    /// Adds ∂L/∂weights and ∂L/∂bias to the gradients; writes ∂L/∂input to `gradInput` when given
    /// (the first layer's input is the photo, which needs none).
    func backward(_ input: Tensor, gradOutput: Tensor, into gradInput: Tensor?, workspace: Workspace) {
        let size = outputSize(height: input.height, width: input.width)
        precondition(gradOutput.channels == outChannels && gradOutput.height == size.height && gradOutput.width == size.width)
        let w = size.width, plane = gradOutput.plane
        for k in 0..<outChannels {
            let g = gradOutput.data + k * plane
            var sum: Double = 0
            for i in 0..<plane { sum += Double(g[i]) }
            biasGradient[k] += Float(sum)
        }
        gradInput?.zero()
        let band = bandRows(outputWidth: w, buffers: 2, workspace: workspace)
        let storage = workspace.reserve(2 * patch * band * w)
        let columns = SendablePointer(storage), columnGradient = SendablePointer(storage + patch * band * w)
        let wts = SendablePointer(weights), dW = SendablePointer(weightGradient), patch = patch, outChannels = outChannels
        var top = 0
        while top < size.height {
            let rows = min(band, size.height - top), n = rows * w
            im2col(input, pad: 0, top: top, rows: rows, outputWidth: w, into: columns.pointer)
            let g = SendablePointer(gradOutput.data + top * w)
            // dW += dY · columnsᵀ, each core a range of output channels (rows of dW).
            parallel(outChannels) { ks in
                sf_sgemm(false, true, Int32(ks.count), Int32(patch), Int32(n), 1, g.pointer + ks.lowerBound * plane, Int32(plane),
                         columns.pointer, Int32(n), 1, dW.pointer + ks.lowerBound * patch, Int32(patch))
            }
            if let gradInput {
                // d columns = Wᵀ · dY, each core a range of positions; then scattered back onto the input.
                parallel(n) { range in
                    sf_sgemm(true, false, Int32(patch), Int32(range.count), Int32(outChannels), 1, wts.pointer, Int32(patch),
                             g.pointer + range.lowerBound, Int32(plane), 0, columnGradient.pointer + range.lowerBound, Int32(n))
                }
                col2im(columnGradient.pointer, top: top, rows: rows, outputWidth: w, into: gradInput)
            }
            top += rows
        }
    }

    // MARK: column matrix

    /// Output rows per band so `buffers` column matrices fit the workspace.
    private func bandRows(outputWidth w: Int, buffers: Int, workspace: Workspace) -> Int {
        let perRow = buffers * patch * w
        precondition(perRow <= workspace.capacity, "workspace too small for one row of the column matrix")
        return max(1, workspace.capacity / perRow)
    }

    /// Row (c·k + dy)·k + dx, column r·W' + x of output rows [top, top + rows) holds
    /// in[c][(top + r)·s + dy][x·s + dx] of the input padded by reflection with `pad`. Each core a
    /// range of input channels.
    private func im2col(_ input: Tensor, pad: Int, top: Int, rows: Int, outputWidth w: Int, into columns: UnsafeMutablePointer<Float>) {
        let k = kernel, s = stride, n = rows * w, inPlane = input.plane, inWidth = input.width, inHeight = input.height
        let src = SendablePointer(input.data), dst = SendablePointer(columns)
        parallel(inChannels) { channels in
            for c in channels {
                for dy in 0..<k {
                    for dx in 0..<k {
                        let row = dst.pointer + ((c * k + dy) * k + dx) * n
                        // Output columns whose source lies inside the image: copied as a run.
                        let inside = s == 1 ? max(0, pad - dx)..<max(max(0, pad - dx), min(w, inWidth + pad - dx)) : 0..<0
                        for r in 0..<rows {
                            let y = ReflectionPad.source((top + r) * s + dy - pad, inHeight)
                            let line = src.pointer + c * inPlane + y * inWidth, out = row + r * w
                            if pad == 0 && s == 1 {
                                out.update(from: line + dx, count: w)
                            } else if s == 1 {
                                (out + inside.lowerBound).update(from: line + inside.lowerBound + dx - pad, count: inside.count)
                                for x in 0..<inside.lowerBound { out[x] = line[ReflectionPad.source(x + dx - pad, inWidth)] }
                                for x in inside.upperBound..<w { out[x] = line[ReflectionPad.source(x + dx - pad, inWidth)] }
                            } else {
                                for x in 0..<w { out[x] = line[ReflectionPad.source(x * s + dx - pad, inWidth)] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: each column entry added back onto the input position it came from.
    private func col2im(_ columns: UnsafeMutablePointer<Float>, top: Int, rows: Int, outputWidth w: Int, into gradInput: Tensor) {
        let k = kernel, s = stride, n = rows * w, inPlane = gradInput.plane, inWidth = gradInput.width
        let src = SendablePointer(columns), dst = SendablePointer(gradInput.data)
        parallel(inChannels) { channels in
            for c in channels {
                for dy in 0..<k {
                    for dx in 0..<k {
                        let row = src.pointer + ((c * k + dy) * k + dx) * n
                        for r in 0..<rows {
                            let line = dst.pointer + c * inPlane + ((top + r) * s + dy) * inWidth + dx, from = row + r * w
                            for x in 0..<w { line[x * s] += from[x] }
                        }
                    }
                }
            }
        }
    }
}
