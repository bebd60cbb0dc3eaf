import XCTest
@testable import StyleFilter

final class OptimizerTests: XCTestCase {
    /// A convex quadratic with very different curvatures: L-BFGS must beat plain scaling by far.
    func testLBFGSMinimisesAnIllConditionedQuadratic() {
        let n = 50
        let x = Tensor(channels: 1, height: 1, width: n), g = Tensor(channels: 1, height: 1, width: n)
        let curvature = (0..<n).map { Float(1 + $0 * 2) }
        let centre = (0..<n).map { Float($0 % 7) - 3 }
        func f() -> Double {
            var s = 0.0
            for i in 0..<n {
                let d = x.data[i] - centre[i]
                s += Double(0.5 * curvature[i] * d * d)
                g.data[i] = curvature[i] * d
            }
            return s
        }
        let bounds = PixelBounds(lower: [-100], upper: [100])
        let lbfgs = LBFGS(history: 10, bounds: bounds)
        let start = f()
        var loss = start
        for _ in 0..<60 {
            lbfgs.step(x, gradient: g, loss: loss)
            loss = f()
        }
        XCTAssertLessThan(f(), start * 1e-8)
    }

    /// A step that raises the loss by more than 50 % is taken back halfway, and the point after it
    /// is judged against the loss where the step began.
    func testLBFGSBacktracksAnOvershoot() {
        let n = 8
        let x = Tensor(channels: 1, height: 1, width: n), g = Tensor(channels: 1, height: 1, width: n)
        for i in 0..<n { g.data[i] = Float(i) - 3.5 }
        let lbfgs = LBFGS(history: 5, bounds: PixelBounds(lower: [-100], upper: [100]))
        let start = Array(UnsafeBufferPointer(start: x.data, count: n))
        lbfgs.step(x, gradient: g, loss: 10)
        let stepped = Array(UnsafeBufferPointer(start: x.data, count: n))
        XCTAssertNotEqual(stepped, start)
        lbfgs.step(x, gradient: g, loss: 50)  // worse: halve back
        for i in 0..<n { XCTAssertEqual(x.data[i], start[i] + 0.5 * (stepped[i] - start[i]), accuracy: 1e-6) }
        lbfgs.step(x, gradient: g, loss: 14)  // within 50 %: accepted, a new step is taken
        XCTAssertNotEqual(x.data[0], start[0] + 0.5 * (stepped[0] - start[0]))
    }

    func testBoundsAreRespected() {
        let x = Tensor(channels: 3, height: 2, width: 2), g = Tensor(channels: 3, height: 2, width: 2)
        for i in 0..<g.count { g.data[i] = i % 2 == 0 ? 1e6 : -1e6 }
        let adam = Adam(learningRate: 1000)
        adam.step(x, gradient: g, loss: 0)
        for c in 0..<3 {
            for i in 0..<4 {
                let v = x.data[c * 4 + i]
                XCTAssertGreaterThanOrEqual(v, PixelBounds.network.lower[c])
                XCTAssertLessThanOrEqual(v, PixelBounds.network.upper[c])
            }
        }
    }

    /// With the real weights on a small image, both optimizers cut the style loss by a large
    /// factor while the content loss stays bounded.
    func testShortRunsConverge() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 64, height: 48, seed: 1)
        let style = RGBImage.pattern(width: 64, height: 48, seed: 5)
        for kind in OptimizerKind.allCases {
            var options = TransferOptions()
            options.iterations = 40
            options.optimizer = kind
            let transfer = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
            var first = LossBreakdown(), last = LossBreakdown()
            try transfer.run { p in
                if p.iteration == 0 { first = p.losses }
                last = p.losses
                return true
            }
            XCTAssertEqual(first.content, 0, accuracy: 1e-6, "starts from the content image")
            XCTAssertLessThan(last.style, first.style / 10, "\(kind): style \(first.style) → \(last.style)")
            XCTAssertLessThan(last.total, first.total / 10, "\(kind)")
            XCTAssertLessThan(last.content, first.style, "\(kind): content stays bounded")
        }
    }
}
