import XCTest
@testable import StyleFilter

/// Every backward pass against central finite differences of its forward pass, along random
/// directions: ⟨∇f, v⟩ ≈ (f(x + εv) − f(x − εv)) / 2ε with f = ⟨forward(x), r⟩ for a random r.
final class LayerGradientTests: XCTestCase {
    /// Checks an analytic gradient with respect to `input` (perturbed in place, then put back).
    func checkDirectional(input: Tensor, eps: Float = 1e-2, tolerance: Double = 2e-3, directions: Int = 4,
                          loss: (Tensor) -> Double, gradient: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        FiniteDifferences.check(input.data, count: input.count, gradient: gradient.toArray(), eps: eps, tolerance: tolerance,
                                directions: directions, seed: 900, loss: { loss(input) }, file: file, line: line)
    }

    func dotWith(_ r: Tensor) -> (Tensor) -> Double {
        { t in (0..<t.count).reduce(0.0) { $0 + Double(t.data[$1]) * Double(r.data[$1]) } }
    }

    func testConvInputGradient() {
        let conv = TestSupport.randomConv(5, 7, seed: 1)
        let x = TestSupport.random(channels: 5, height: 9, width: 11, seed: 2)
        let r = TestSupport.random(channels: 7, height: 9, width: 11, seed: 3)
        let ws = Workspace()
        let forward = { (t: Tensor) -> Tensor in
            let out = Tensor(channels: 7, height: 9, width: 11)
            conv.forward(t, into: out, workspace: ws)
            return out
        }
        let grad = Tensor(channels: 5, height: 9, width: 11)
        conv.backwardInput(r, into: grad, workspace: ws)
        checkDirectional(input: x, loss: { self.dotWith(r)(forward($0)) }, gradient: grad)
    }

    func testReLUGradient() {
        let x = TestSupport.random(channels: 3, height: 6, width: 7, seed: 4)
        let r = TestSupport.random(channels: 3, height: 6, width: 7, seed: 5)
        let forward = { (t: Tensor) -> Tensor in
            let out = Tensor(channels: 3, height: 6, width: 7)
            out.copy(from: t)
            ReLU.forward(out)
            return out
        }
        let grad = Tensor(channels: 3, height: 6, width: 7)
        grad.copy(from: r)
        ReLU.backward(output: forward(x), grad: grad)
        // Small eps: the random input keeps every value far from the kink relative to it.
        checkDirectional(input: x, eps: 1e-4, tolerance: 1e-2, loss: { self.dotWith(r)(forward($0)) }, gradient: grad)
    }

    func testPoolingGradients() {
        for mode in PoolingMode.allCases {
            for (h, w) in [(8, 10), (7, 9)] {  // even and odd (floored) sizes
                let x = TestSupport.random(channels: 4, height: h, width: w, seed: 6)
                let r = TestSupport.random(channels: 4, height: h / 2, width: w / 2, seed: 7)
                let forward = { (t: Tensor) -> Tensor in
                    let out = Tensor(channels: 4, height: h / 2, width: w / 2)
                    Pool2x2.forward(t, into: out, mode: mode)
                    return out
                }
                let grad = Tensor(channels: 4, height: h, width: w)
                Pool2x2.backward(input: x, gradOutput: r, into: grad, mode: mode)
                checkDirectional(input: x, eps: 1e-4, tolerance: 1e-2, loss: { self.dotWith(r)(forward($0)) }, gradient: grad)
                if h % 2 == 1 {
                    XCTAssertEqual(grad[0, h - 1, 0], 0, "a dropped row gets no gradient")
                }
            }
        }
    }

    func testContentStyleAndTVLossGradients() {
        let f = TestSupport.random(channels: 6, height: 5, width: 7, seed: 8)
        let target = TestSupport.random(channels: 6, height: 5, width: 7, seed: 9)
        let content = ContentLoss(layer: 0, weight: 3, target: target)
        var grad = Tensor(channels: 6, height: 5, width: 7)
        _ = content.evaluate(f, addingGradientTo: grad)
        checkDirectional(input: f, loss: { content.evaluate($0, addingGradientTo: nil) }, gradient: grad)

        let style = StyleLoss(layer: 0, weight: 5, target: StyleLoss.gram(of: target))
        grad = Tensor(channels: 6, height: 5, width: 7)
        _ = style.evaluate(f, addingGradientTo: grad)
        checkDirectional(input: f, loss: { style.evaluate($0, addingGradientTo: nil) }, gradient: grad)

        grad = Tensor(channels: 6, height: 5, width: 7)
        _ = TotalVariation.evaluate(f, weight: 2, addingGradientTo: grad)
        checkDirectional(input: f, loss: { TotalVariation.evaluate($0, weight: 2, addingGradientTo: nil) }, gradient: grad)
    }

    /// The composition lock's reduction: every output's tent weights sum to 1, each input is
    /// shared out in proportion (the tent is an even reduction), and a constant stays constant.
    func testTentReductionWeights() {
        for (n, m) in [(9, 4), (10, 5), (7, 7), (1294, 512), (5176, 512)] {
            let weights = TentWeights(from: n, to: m)
            for taps in weights.taps { XCTAssertEqual(taps.map(\.1).reduce(0, +), 1, accuracy: 1e-5, "\(n) → \(m)") }
            var share = [Float](repeating: 0, count: n)
            for taps in weights.taps { for (i, a) in taps { share[i] += a } }
            // Inside (away from the clipped tents at the ends), each input carries m/n of an output.
            for s in share[(n / 4)..<(3 * n / 4)] where m < n { XCTAssertEqual(s, Float(m) / Float(n), accuracy: 0.2 * Float(m) / Float(n), "\(n) → \(m)") }
            XCTAssertEqual(weights.taps.count, m)
            if m == n { XCTAssertTrue(weights.taps.allSatisfy { $0.count == 1 }, "the identity") }
        }
    }

    /// The whole objective (network, content, style, TV) with respect to the image, on a tiny
    /// image through a random VGG19-shaped network down to relu5_1.
    func testWholeObjectiveGradient() {
        for pooling in PoolingMode.allCases {
            let (network, _) = TestSupport.randomVGG(pooling: pooling)
            let h = 20, w = 24
            let pass = VGG19Pass(network: network, height: h, width: w, deepest: VGG19.index(of: "relu5_1")!)
            let targetImage = TestSupport.random(channels: 3, height: h, width: w, scale: 50, seed: 10)
            pass.forward(targetImage)
            let content = ContentLoss(layer: VGG19.index(of: "relu4_2")!, weight: 1, target: pass.outputs[VGG19.index(of: "relu4_2")!])
            let styles = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"].map {
                StyleLoss(layer: VGG19.index(of: $0)!, weight: 100, target: StyleLoss.gram(of: pass.outputs[VGG19.index(of: $0)!]))
            }
            let objective = Objective(pass: pass, contentLosses: [content], styleLosses: styles, tvWeight: 0.5)
            let x = TestSupport.random(channels: 3, height: h, width: w, scale: 50, seed: 11)
            let grad = Tensor(channels: 3, height: h, width: w)
            _ = objective.evaluate(x, gradient: grad)
            checkDirectional(input: x, eps: 1e-2, tolerance: 1e-2,
                             loss: { objective.evaluate($0, gradient: nil).total }, gradient: grad)
        }
    }
}
