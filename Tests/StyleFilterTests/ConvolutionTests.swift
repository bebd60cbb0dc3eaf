import XCTest
@testable import StyleFilter

/// The im2col + sgemm and Winograd convolutions against the one written the obvious way
/// (`Conv3x3.referenceForward`).
final class ConvolutionTests: XCTestCase {
    func testSgemmConvolutionMatchesDirect() {
        let conv = TestSupport.randomConv(6, 5, seed: 21)
        let x = TestSupport.random(channels: 6, height: 13, width: 17, seed: 22)
        let expected = conv.referenceForward(x)
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

    /// Winograd F(4×4, 3×3) against the obvious convolution: odd sizes (partial tiles at the right
    /// and bottom edges) and workspaces of one and two tile rows (banding). Its transforms add
    /// rounding: within 1e-5 of the output's scale (measured 2.8e-6).
    func testWinogradMatchesDirect() {
        let conv = TestSupport.randomConv(20, 18, seed: 31)
        XCTAssertEqual(conv.algorithm, .winograd)
        let x = TestSupport.random(channels: 20, height: 13, width: 17, scale: 50, seed: 32)
        let expected = conv.referenceForward(x)
        let scale = (0..<expected.count).map { abs(expected.data[$0]) }.max()!
        let oneRow = 36 * (20 + 18) * 5 + Parallel.workers * WinogradKernels.scratchFloats(width: 17)
        XCTAssertTrue(WinogradKernels.fits(width: 17, inChannels: 20, outChannels: 18, capacity: oneRow))
        XCTAssertFalse(WinogradKernels.fits(width: 17, inChannels: 20, outChannels: 18, capacity: oneRow - 1))
        for workspace in [Workspace(capacity: oneRow), Workspace(capacity: oneRow + 36 * 38 * 5), Workspace()] {
            let out = Tensor(channels: 18, height: 13, width: 17)
            conv.forward(x, into: out, workspace: workspace)
            let worst = (0..<out.count).map { abs(out.data[$0] - expected.data[$0]) }.max()!
            XCTAssertLessThan(worst, 1e-5 * scale, "capacity \(workspace.capacity)")
        }
    }

    /// The Winograd input gradient is the adjoint of the Winograd forward, and equals the direct one.
    func testWinogradInputGradient() {
        let conv = TestSupport.randomConv(24, 16, seed: 33)
        let fast = Conv3x3(inChannels: 24, outChannels: 16, weights: conv.weights, bias: [Float](repeating: 0, count: 16))
        let direct = fast.with(algorithm: .direct)
        let x = TestSupport.random(channels: 24, height: 10, width: 9, seed: 34)
        let y = TestSupport.random(channels: 16, height: 10, width: 9, seed: 35)
        let ws = Workspace()
        let fx = Tensor(channels: 16, height: 10, width: 9), gy = Tensor(channels: 24, height: 10, width: 9)
        let gyDirect = Tensor(channels: 24, height: 10, width: 9)
        fast.forward(x, into: fx, workspace: ws)
        fast.backwardInput(y, into: gy, workspace: ws)
        direct.backwardInput(y, into: gyDirect, workspace: ws)
        let lhs = (0..<fx.count).reduce(0.0) { $0 + Double(fx.data[$1] * y.data[$1]) }
        let rhs = (0..<gy.count).reduce(0.0) { $0 + Double(x.data[$1] * gy.data[$1]) }
        // Relative to the terms' magnitudes, not to the sum: the sum cancels (3.24 from terms
        // whose magnitudes add up to 253), so float rounding that differs between CPUs moved it
        // by 1e-5 of itself (3.3e-5; the bound here is 2.5e-4). A wrong adjoint misses by units.
        let magnitude = (0..<fx.count).reduce(0.0) { $0 + abs(Double(fx.data[$1] * y.data[$1])) }
        print("adjoint: \(lhs) against \(rhs), terms summing to \(magnitude) in magnitude")
        XCTAssertEqual(lhs, rhs, accuracy: 1e-6 * magnitude)
        for i in 0..<gy.count { XCTAssertEqual(gy.data[i], gyDirect.data[i], accuracy: 1e-5) }
    }

    /// The real VGG19 with Winograd against the same with direct convolutions: every layer's
    /// activations to relu5_1 and the loss's input gradient agree within 1e-4 of their scale.
    func testWinogradNetworkMatchesDirect() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 70, height: 54, seed: 4), style = RGBImage.pattern(width: 60, height: 60, seed: 5)
        var results: [(outputs: [[Float]], gradient: [Float])] = []
        for algorithm in ConvolutionAlgorithm.allCases {
            let net = network.with(algorithm: algorithm)
            let pass = VGG19Pass(network: net, height: 54, width: 70, deepest: VGG19.index(of: "relu5_1")!)
            pass.forward(content.networkTensor())
            var options = TransferOptions()
            options.initialization = .noise
            let transfer = try StyleTransfer(network: net, content: content, styles: [(style, 1)], options: options)
            let gradient = Tensor(channels: 3, height: 54, width: 70)
            _ = transfer.objective.evaluate(transfer.image, gradient: gradient)
            results.append((pass.outputs.map { $0.toArray() }, gradient.toArray()))
        }
        func assertClose(_ a: [Float], _ b: [Float], _ what: String) {
            let scale = a.map { abs($0) }.max()!
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4 * scale, what)
        }
        for (i, layer) in VGG19.layers.prefix(results[0].outputs.count).enumerated() {
            assertClose(results[0].outputs[i], results[1].outputs[i], layer.name)
        }
        assertClose(results[0].gradient, results[1].gradient, "input gradient")
    }
}
