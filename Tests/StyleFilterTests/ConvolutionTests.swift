import XCTest
@testable import StyleFilter

/// The im2col + sgemm convolution against a direct 3×3 convolution written the obvious way.
final class ConvolutionTests: XCTestCase {
    func naive(_ conv: Conv3x3, _ x: Tensor) -> Tensor {
        let out = Tensor(channels: conv.outChannels, height: x.height, width: x.width)
        for k in 0..<conv.outChannels {
            for y in 0..<x.height {
                for i in 0..<x.width {
                    var sum = Double(conv.bias[k])
                    for c in 0..<conv.inChannels {
                        for dy in 0..<3 {
                            for dx in 0..<3 {
                                let sy = y + dy - 1, sx = i + dx - 1
                                guard sy >= 0, sy < x.height, sx >= 0, sx < x.width else { continue }
                                sum += Double(conv.weights[((k * conv.inChannels + c) * 3 + dy) * 3 + dx]) * Double(x[c, sy, sx])
                            }
                        }
                    }
                    out[k, y, i] = Float(sum)
                }
            }
        }
        return out
    }

    func testSgemmConvolutionMatchesDirect() {
        let conv = TestSupport.randomConv(6, 5, seed: 21)
        let x = TestSupport.random(channels: 6, height: 13, width: 17, seed: 22)
        let expected = naive(conv, x)
        // A workspace that fits one row per band exercises the banding; the default fits all.
        for workspace in [Workspace(capacity: 6 * 9 * 17), Workspace(capacity: 6 * 9 * 17 * 5), Workspace()] {
            let out = Tensor(channels: 5, height: 13, width: 17)
            conv.forward(x, into: out, workspace: workspace)
            for i in 0..<out.count {
                XCTAssertEqual(out.data[i], expected.data[i], accuracy: 1e-4, "element \(i), capacity \(workspace.capacity)")
            }
        }
    }

    /// ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ for the bias-free part: the backward really is the adjoint.
    func testInputGradientIsTheAdjoint() {
        let conv = TestSupport.randomConv(4, 3, seed: 23)
        let zeroBias = Conv3x3(inChannels: 4, outChannels: 3, weights: conv.weights, bias: [0, 0, 0])
        let x = TestSupport.random(channels: 4, height: 6, width: 5, seed: 24)
        let y = TestSupport.random(channels: 3, height: 6, width: 5, seed: 25)
        let ws = Workspace()
        let fx = Tensor(channels: 3, height: 6, width: 5), gy = Tensor(channels: 4, height: 6, width: 5)
        zeroBias.forward(x, into: fx, workspace: ws)
        zeroBias.backwardInput(y, into: gy, workspace: ws)
        let lhs = (0..<fx.count).reduce(0.0) { $0 + Double(fx.data[$1] * y.data[$1]) }
        let rhs = (0..<gy.count).reduce(0.0) { $0 + Double(x.data[$1] * gy.data[$1]) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * abs(lhs))
    }
}
