import XCTest
@testable import StyleFilter

/// The 4- and 8-pixel grid of large results: pooling evaluates the picture on a fixed grid, so
/// detail scales see it moved a little every evaluation.
final class GridTests: XCTestCase {
    /// The evaluation sees the picture moved by (dy, dx) with mirrored strips; afterwards the
    /// picture is exactly as before and the gradient is back in its place, zero where the moved
    /// picture had no pixel.
    func testGridShiftMovesThePictureAndTheGradientBack() {
        let image = TestSupport.random(channels: 3, height: 9, width: 11, seed: 4)
        let original = Array(image.buffer)
        let gradient = Tensor(channels: 3, height: 9, width: 11)
        let shift = GridShift(dy: 2, dx: 3)
        var seen: [Float] = []
        let value = shift.around(image, gradient: gradient) { () -> Int in
            seen = Array(image.buffer)
            gradient.copy(from: image)  // a gradient that is the picture it saw, to follow it back
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(Array(image.buffer), original, "the picture is restored exactly")
        func at(_ values: [Float], _ c: Int, _ y: Int, _ x: Int) -> Float { values[(c * 9 + y) * 11 + x] }
        for c in 0..<3 {
            for y in 0..<9 {
                for x in 0..<11 {
                    if y >= 2 && x >= 3 { XCTAssertEqual(at(seen, c, y, x), at(original, c, y - 2, x - 3), "moved") }
                    if y >= 2 && x < 3 { XCTAssertEqual(at(seen, c, y, x), at(seen, c, y, 5 - x), "the left strip mirrors") }
                    if y < 2 { XCTAssertEqual(at(seen, c, y, x), at(seen, c, 3 - y, x), "the top strip mirrors") }
                    let back = gradient[c, y, x]
                    XCTAssertEqual(back, y < 7 && x < 8 ? at(original, c, y, x) : 0, "gradient at \(c) \(y) \(x)")
                }
            }
        }
        let shifts = (0..<32).map { GridShift(evaluation: $0, origin: (3, 6), limit: 16, height: 300, width: 300) }
        XCTAssertEqual(Set(shifts.map(\.dy)), Set(0..<16))
        XCTAssertEqual(Set(shifts.map(\.dx)), Set(0..<16))
        for first in 0..<28 {
            let four = shifts[first..<(first + 4)]
            XCTAssertEqual(Set(four.map { $0.dx % 4 }), Set(0..<4), "any four evaluations take every column phase of relu3_1's grid")
            if first % 2 == 0 { XCTAssertEqual(Set(four.map { 2 * ($0.dy % 2) + $0.dx % 2 }), Set(0..<4), "and every parity of a 2×2 window") }
        }
        XCTAssertTrue(GridShift(evaluation: 3, origin: (7, 9), limit: 16, height: 1, width: 1).isNone, "nothing to move in one pixel")
    }

    /// A detail scale's evaluations are shifted: the style loss of one image differs between
    /// evaluations (each on another grid) where without the shift it is the same every time.
    func testDetailScalesEvaluateOnMovingGrids() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
        let network = try TestSupport.network().with(pooling: .average)
        let photo = RGBImage.pattern(width: 64, height: 48, seed: 3)
        var options = TransferOptions()
        options.contentWeight = 0
        options.styleLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        options.optimizer = .adam
        options.iterations = 4
        options.learningRate = 1e-9  // the picture stays put; only the grid moves
        let painting = RGBImage.pattern(width: 48, height: 48, seed: 8)
        func losses(shift: Int) throws -> [Double] {
            options.gridShift = shift
            let transfer = try StyleTransfer(network: network, content: photo, styles: [(painting, 1)], options: options)
            var seen: [Double] = []
            try transfer.run { seen.append($0.losses.style); return true }
            return seen
        }
        let still = try losses(shift: 0), moving = try losses(shift: 16)
        XCTAssertEqual(Set(still.map { ($0 * 1e4).rounded() }).count, 1, "\(still)")
        XCTAssertGreaterThan(Set(moving.map { ($0 * 1e4).rounded() }).count, 1, "\(moving)")
        options.contentWeight = 1
        options.gridShift = 4
        XCTAssertThrowsError(try options.validate(), "a content loss cannot be moved")
    }
}
