/// A convolution as its definition reads, in double precision and plain loops: out[k][y][x] =
/// bias[k] + Σ w[k][c][dy][dx] · in[c][y·stride + dy − pad][x·stride + dx − pad], zero outside the
/// input. What the fast paths (im2col, Winograd, the banded products) are checked against in the
/// tests; never run for a picture.
enum ReferenceConvolution {
    static func forward(_ input: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outChannels: Int,
                        kernel: Int, stride: Int = 1, pad: Int = 0) -> Tensor {
        let inChannels = input.channels
        let height = (input.height + 2 * pad - kernel) / stride + 1, width = (input.width + 2 * pad - kernel) / stride + 1
        let output = Tensor(channels: outChannels, height: height, width: width)
        for k in 0..<outChannels {
            for y in 0..<height {
                for x in 0..<width {
                    var sum = Double(bias[k])
                    for c in 0..<inChannels {
                        for dy in 0..<kernel {
                            for dx in 0..<kernel {
                                let sy = y * stride + dy - pad, sx = x * stride + dx - pad
                                guard sy >= 0, sy < input.height, sx >= 0, sx < input.width else { continue }
                                sum += Double(weights[((k * inChannels + c) * kernel + dy) * kernel + dx]) * Double(input[c, sy, sx])
                            }
                        }
                    }
                    output[k, y, x] = Float(sum)
                }
            }
        }
        return output
    }
}
