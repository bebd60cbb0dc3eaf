import Foundation
import XCTest
@testable import StyleFilter

/// Large photos: the coarse-to-fine schedule, the memory budget that picks tile sizes, Adam's
/// half-precision state, tiled and one-pass runs of an image that fits one tile, and a run that
/// is interrupted and resumed.
final class LargePhotoTests: FilterctlTestCase {
    func testScheduleStepsDownFromTheFinalSize() {
        // The base is the preview's own size; the halvings from the top stop √2 above it: a scale
        // at 647 px, 1.26× the base, would paint noise in a beat with the base's grid.
        let boston = ScaleSchedule.make(finalSize: 5176, base: 512, step: 2, baseIterations: 300, refineIterations: 8)
        XCTAssertEqual(boston, [Scale(size: 512, iterations: 300), Scale(size: 1294, iterations: 32),
                                Scale(size: 2588, iterations: 16), Scale(size: 5176, iterations: 8)])
        // A quarter of the pixels: the same steps, one fewer.
        XCTAssertEqual(ScaleSchedule.make(finalSize: 2588, base: 512, step: 2, baseIterations: 300, refineIterations: 8).map(\.size),
                       [512, 1294, 2588])
        // Within √2 of the base: one scale at its own size.
        XCTAssertEqual(ScaleSchedule.make(finalSize: 700, base: 512, step: 2, baseIterations: 300, refineIterations: 8),
                       [Scale(size: 700, iterations: 300)])
        XCTAssertEqual(ScaleSchedule.make(finalSize: 1100, base: 512, step: 2, baseIterations: 300, refineIterations: 8).map(\.size),
                       [512, 1100])
        XCTAssertEqual(ScaleSchedule.make(finalSize: 2048, base: 512, step: 2.0.squareRoot(), baseIterations: 100, refineIterations: 10).map(\.size),
                       [512, 724, 1024, 1448, 2048])
        // Refining scales never get more than the base.
        XCTAssertEqual(ScaleSchedule.make(finalSize: 4096, base: 512, step: 2, baseIterations: 20, refineIterations: 8).map(\.iterations),
                       [20, 20, 16, 8])
    }

    func testMemoryBudgetParsesSizesAndPicksTiles() throws {
        XCTAssertEqual(try MemoryBudget(parsing: "2G").bytes, 2 << 30)
        XCTAssertEqual(try MemoryBudget(parsing: "1500M").bytes, 1500 << 20)
        XCTAssertEqual(try MemoryBudget(parsing: "3.5GiB").bytes, 3584 << 20)
        for bad in ["", "two", "-1G", "0", "1T"] { XCTAssertThrowsError(try MemoryBudget(parsing: bad), bad) }
        var adam = TransferOptions()
        adam.optimizer = .adam
        let budget = try MemoryBudget(parsing: "2G")
        XCTAssertNil(try budget.tiles(width: 647, height: 433, options: TransferOptions()), "the base scale runs in one pass")
        for (width, height) in [(5176, 3464), (2588, 1732), (1294, 866)] {
            let tiles = try XCTUnwrap(try budget.tiles(width: width, height: height, options: adam))
            XCTAssertEqual(tiles.width % 16, 0)
            XCTAssertGreaterThanOrEqual(tiles.width * tiles.height, 256 * 256, "useful tiles at \(width)×\(height)")
            // The model's own total stays inside the budget.
            let window = Double(min(width, tiles.width + 2 * adam.tileHalo + 15) * min(height, tiles.height + 2 * adam.tileHalo + 15))
            let total = Double(MemoryBudget.fixedBytes) + Double(width * height) * MemoryBudget.stateBytesPerPixel(adam, tiled: true)
                + window * MemoryBudget.passBytesPerPixel(deepest: adam.deepestLayer)
            XCTAssertLessThanOrEqual(total, Double(budget.bytes))
            print("\(width)×\(height) in 2 GiB: tiles \(tiles.width)×\(tiles.height), model \(Int(total) >> 20) MiB")
        }
        // L-BFGS's history does not fit at 18 MP: the error says what to do.
        XCTAssertThrowsError(try budget.tiles(width: 5176, height: 3464, options: TransferOptions())) {
            XCTAssertTrue("\($0)".contains("raise --max-memory"), "\($0)")
        }
    }

    /// Adam's half-precision, scaled moments against the same update in Float32 on a quadratic
    /// whose gradients span four decades: after 30 steps the two paths are within 0.05 levels.
    func testAdamHalfPrecisionMomentsMatchFloat() {
        let n = 3 * 40 * 40
        let x = Tensor(channels: 3, height: 40, width: 40), g = Tensor(channels: 3, height: 40, width: 40)
        var reference = [Float](repeating: 0, count: n), m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
        var rng = SplitMix64(seed: 3)
        let target = (0..<n).map { _ in Float(rng.nextUnit() * 100 - 50) }
        let curvature = (0..<n).map { Float(pow(10, Double($0 % 5) - 2)) }
        let adam = Adam(learningRate: 4)
        for t in 1...30 {
            for i in 0..<n { g.data[i] = curvature[i] * (x.data[i] - target[i]) }
            adam.step(x, gradient: g, loss: 0)
            let c1 = 1 - pow(Float(0.9), Float(t)), c2 = 1 - pow(Float(0.999), Float(t))
            for i in 0..<n {
                let gi = curvature[i] * (reference[i] - target[i])
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                reference[i] -= 4 / c1 * m[i] / ((v[i] / c2).squareRoot() + 1e-8)
            }
        }
        let worst = (0..<n).map { abs(x.data[$0] - reference[$0]) }.max()!
        XCTAssertLessThan(worst, 0.05)
        XCTAssertGreaterThan((0..<n).map { abs(reference[$0]) }.max()!, 50, "the steps went somewhere")
    }

    /// An image that fits in one window gives nearly the same run through the tiled objective as
    /// in one pass. They differ only in rounding (summation order; content features kept in half
    /// precision), which the optimizer amplifies. With Adam (what tiled scales use) 15 iterations
    /// ended 0.13 levels apart on average (of 255; 4.9 at the worst pixel) with losses 0.03 %
    /// apart. Tolerances: 0.5 levels mean, losses within 0.5 %. (L-BFGS without a line search
    /// amplifies far more: 0.84 levels and 7 % after 15 iterations, in the steep early phase.)
    func testOneTileImageRunsAlikeTiledAndWhole() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 128, height: 96, seed: 11), style = RGBImage.pattern(width: 96, height: 96, seed: 12)
        var options = TransferOptions()
        options.iterations = 15
        options.optimizer = .adam  // what tiled scales run with
        var results: [(values: [Float], loss: Double)] = []
        var judge: StyleTransfer?
        for tile in [nil, 64] {
            options.tileSize = tile
            options.tileHalo = 64  // window 64 + 2·64 ≥ 128: the whole image is one window
            let transfer = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
            XCTAssertEqual(transfer.objective is TiledObjective, tile != nil)
            try transfer.run()
            judge = judge ?? transfer
            results.append((transfer.floatResult.values, judge!.objective.evaluate(transfer.image, gradient: nil).total))
        }
        let differences = zip(results[0].values, results[1].values).map { abs($0 - $1) }
        let mean = differences.reduce(0, +) / Float(differences.count)
        print("one-tile image, tiled against one pass after 15 iterations: mean \(mean), max \(differences.max()!) levels; losses \(results[0].loss), \(results[1].loss)")
        XCTAssertLessThan(mean, 0.5)
        XCTAssertEqual(results[1].loss, results[0].loss, accuracy: 0.005 * results[0].loss)
        XCTAssertGreaterThan(zip(results[0].values, FloatRGBImage(content).values).map { abs($0 - $1) }.reduce(0, +) / Float(differences.count),
                             10 * mean, "the run moved the image far more than the two runs differ")
    }

    /// Tiled style statistics (a style larger than the tile) equal the one-pass ones where the
    /// halo covers the layers' reach.
    func testTiledStyleStatisticsEqualOnePass() throws {
        let network = try TestSupport.network()
        let style = RGBImage.pattern(width: 160, height: 112, seed: 13)
        let layers = [try LayerWeight("relu1_1"), try LayerWeight("relu2_1")]
        let whole = try StyleStatistics(network: network, styles: [(style, 1)], layers: layers)
        let tiled = try StyleStatistics(network: network, styles: [(style, 1)], layers: layers, tiles: TileShape(height: 48, width: 48), halo: 32)
        for (a, b) in zip(whole.grams, tiled.grams) {
            let scale = a.gram.map { abs($0) }.max()!
            XCTAssertLessThan(zip(a.gram, b.gram).map { abs($0 - $1) }.max()!, 1e-4 * scale, a.layer)
        }
    }

    /// SIGTERM during the second scale stops the run with status 143, no output and the first
    /// scale kept; --resume then skips that scale and finishes, however the same job is typed; a
    /// changed job is not resumed.
    func testInterruptedRunResumesAfterFinishedScales() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 200, height: 150), style = try makeImage("style.png", width: 96, height: 96)
        let output = file("out.png"), work = output + ".work"
        let arguments = ["stylize", photo, style, "-o", output, "--base-size", "64", "--iterations", "200", "--refine-iterations", "50"]
        let stopped = try runTerminated(arguments, once: work + "/scale-0.f32", within: 120)
        XCTAssertEqual(stopped.status, 128 + 15, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("--resume"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output from a stopped run")
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/scale-0.f32"))

        try assertFails(arguments.dropLast(2) + ["--refine-iterations", "3", "--resume"], mentions: "another run")
        // The same job typed another way, with a budget that changes only its speed: resumed.
        let resumed = try run(["stylize", photo, style, "--refine-iterations", "50", "--iterations", "200", "-o", output,
                               "--base-size=64", "--max-memory", "3G", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming"), resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("scale 1/"), "the finished scale is not redone: \(resumed.stderr)")
        XCTAssertTrue(resumed.stderr.contains("scale 3/3"), resumed.stderr)
        let result = try ImageIO.load(output)
        XCTAssertEqual([result.width, result.height], [200, 150])
        XCTAssertFalse(FileManager.default.fileExists(atPath: work), "the work directory goes when the run ends")
    }
}
