import XCTest
@testable import StyleFilter

/// Detail scales' parts: the composition lock and local style statistics, and the tiles they get.
final class CompositionLockTests: XCTestCase {
    /// The lock puts a picture's blurred area means back to the preview's and leaves its detail:
    /// another picture enlarged, with a checkerboard of ±20 levels on it, ends with the preview's
    /// means and the same checkerboard.
    func testLockKeepsThePreviewAndTheDetail() throws {
        let preview = RGBImage.pattern(width: 24, height: 16, seed: 3).networkTensor()
        let image = try ImageIO.resize(FloatRGBImage(networkTensor: RGBImage.pattern(width: 24, height: 16, seed: 4).networkTensor()),
                                       width: 96, height: 64).networkTensor()
        func checker(_ i: Int) -> Float { (i % 96 + (i / 96) % 64) % 2 == 0 ? 1 : -1 }
        for i in 0..<image.count { image.data[i] += 20 * checker(i) }
        func checkerboard(_ t: Tensor) -> Float { (0..<t.count).reduce(0) { $0 + t.data[$1] * checker($1) } / Float(t.count) }
        let before = checkerboard(image)
        let lock = CompositionLock(preview: preview, width: 96, height: 64)
        let first = lock.apply(image, rounds: 8)
        let after = lock.apply(image, rounds: 1)
        XCTAssertGreaterThan(first, 20, "the two pictures differ")
        XCTAssertLessThan(after, 0.05 * first, "the means are the preview's: \(first) → \(after) levels RMS")
        XCTAssertEqual(checkerboard(image), before, accuracy: 0.5, "the detail stays")
        XCTAssertEqual(before, 20, accuracy: 1)
    }

    /// Where the preview is black or white, detail clipped at the pixel range lifts (lowers) the
    /// mean: the lock with the range keeps the preview there too, and stays inside the range. A
    /// preview with a tenth of its pixels at 0 or 255; ±20 levels of detail at 4× its size.
    func testLockHoldsThePreviewAtTheRangesEdges() throws {
        var pixels = [UInt8](repeating: 0, count: 24 * 16 * 3)
        for y in 0..<16 {
            for x in 0..<24 {
                let v = 110 + 150 * sin(Double(x) * 0.3) * cos(Double(y) * 0.2) + Double((x / 4 + y / 6) % 2) * 40
                for c in 0..<3 { pixels[(y * 24 + x) * 3 + c] = UInt8(min(max(v.rounded(), 0), 255)) }
            }
        }
        XCTAssertEqual(Double(pixels.filter { $0 == 0 || $0 == 255 }.count) / Double(pixels.count), 0.1, accuracy: 0.03)
        let preview = RGBImage(width: 24, height: 16, pixels: pixels).networkTensor()
        func detailed() throws -> Tensor {
            let image = try ImageIO.resize(FloatRGBImage(networkTensor: preview), width: 96, height: 64).networkTensor()
            for i in 0..<image.count { image.data[i] += (i % 96 + (i / 96) % 64) % 2 == 0 ? 20 : -20 }
            return image
        }
        let lock = CompositionLock(preview: preview, width: 96, height: 64)
        let clippedAfter = try detailed(), clippedEach = try detailed()
        lock.apply(clippedAfter, rounds: 12)
        PixelBounds.network.clamp(clippedAfter)
        lock.apply(clippedEach, bounds: .network, rounds: 12)
        let reclamped = try detailed()
        reclamped.copy(from: clippedEach)
        PixelBounds.network.clamp(reclamped)
        XCTAssertEqual((0..<reclamped.count).map { reclamped.data[$0] }, (0..<clippedEach.count).map { clippedEach.data[$0] }, "inside the range")
        let driftAfter = lock.apply(clippedAfter, rounds: 1), driftEach = lock.apply(clippedEach, rounds: 1)
        // Measured (the same lock in numpy): 3.7 → 0.73 levels RMS.
        XCTAssertGreaterThan(driftAfter, 2.5, "clipping once after the lock moves the means where the preview is black or white")
        XCTAssertLessThan(driftEach, 0.25 * driftAfter, "clipping in every round keeps them: \(driftAfter) → \(driftEach) levels RMS")
    }

    /// Local style statistics: each core's own Gram matrices. The gradient against central
    /// differences of the loss along the gradient itself (along random directions single
    /// precision leaves too few digits of a loss of 1e7), beside the same check of the whole
    /// image's statistics; the same grid for all three evaluations (objectives with one seed draw
    /// the same offsets).
    func testLocalStyleGradient() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 160, height: 128, seed: 6), style = RGBImage.pattern(width: 64, height: 64, seed: 7)
        var options = TransferOptions()
        options.contentWeight = 0
        options.styleLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        options.tileSize = 64
        options.tileHalo = 32
        let statistics = try StyleStatistics(network: network, styles: [(style, 1)], layers: options.styleLayers)
        func objective() throws -> TiledObjective {
            try XCTUnwrap(StyleTransfer(network: network, content: content, style: statistics, options: options).objective as? TiledObjective)
        }
        let x = content.networkTensor()
        var losses: [Double] = []
        for region in [nil, 64] as [Int?] {
            options.styleRegion = region
            let gradient = Tensor(channels: 3, height: 128, width: 160)
            losses.append(try objective().evaluate(x, gradient: gradient).style)
            let norm = (0..<gradient.count).reduce(0.0) { $0 + Double(gradient.data[$1] * gradient.data[$1]) }.squareRoot()
            let eps: Float = 0.5
            let plus = Tensor(channels: 3, height: 128, width: 160), minus = Tensor(channels: 3, height: 128, width: 160)
            for i in 0..<x.count {
                plus.data[i] = x.data[i] + eps * 100 * gradient.data[i] / Float(norm)
                minus.data[i] = x.data[i] - eps * 100 * gradient.data[i] / Float(norm)
            }
            let numeric = (try objective().evaluate(plus, gradient: nil).style - objective().evaluate(minus, gradient: nil).style) / Double(2 * eps)
            // Measured: 0.8 % apart in both modes.
            XCTAssertLessThan(TestSupport.relativeError(numeric, 100 * norm), 0.015, "region \(String(describing: region)): numeric \(numeric) analytic \(100 * norm)")
        }
        XCTAssertGreaterThan(losses[1], losses[0] * 1.01, "regions differ from each other, so their losses add up to more than the whole image's")
    }

    /// With local statistics the memory budget's tiles are the regions, even where one pass fits.
    func testRegionsBoundTheTiles() throws {
        var options = TransferOptions()
        options.optimizer = .adam
        options.contentWeight = 0
        options.styleLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        options.tileHalo = 32
        let budget = MemoryBudget(bytes: 2 << 30)
        XCTAssertNil(try budget.tiles(width: 640, height: 480, options: options), "one pass fits")
        options.styleRegion = 512
        let small = try XCTUnwrap(budget.tiles(width: 640, height: 480, options: options))
        let large = try XCTUnwrap(budget.tiles(width: 5176, height: 3464, options: options))
        for shape in [small, large] {
            XCTAssertLessThanOrEqual(shape.width, 512)
            XCTAssertLessThanOrEqual(shape.height, 512)
        }
        XCTAssertNil(try budget.tiles(width: 500, height: 400, options: options), "one region")
        // Without a budget, and under a larger --tile-size, the tiles are the regions too.
        XCTAssertEqual(options.tiles, TileShape(height: 512, width: 512))
        XCTAssertFalse(options.tilesSet)
        options.tileSize = 1024
        XCTAssertEqual(options.tiles, TileShape(height: 512, width: 512))
        options.tileSize = 256
        XCTAssertEqual(options.tiles, TileShape(height: 256, width: 256))
        XCTAssertTrue(options.tilesSet)
    }
}
