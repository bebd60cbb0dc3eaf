import XCTest
@testable import StyleFilter

/// The sliced Wasserstein style loss: its sort, its directions, its painting's quantiles, and its
/// gradient against finite differences.
final class SlicedWassersteinTests: XCTestCase {
    func testArgsortOrdersAsFloatsDo() {
        var rng = SplitMix64(seed: 4)
        for n in [1, 2, 7, 1000, 5000] {
            var values = (0..<n).map { _ in Float(rng.nextUnit() * 200 - 100) }
            if n > 10 { values[3] = values[5]; values[6] = -0.0; values[7] = 0; values[8] = -1e-30; values[9] = .greatestFiniteMagnitude }
            let scratch = SortScratch()
            scratch.reserve(count: n, projections: 1)
            let order = values.withUnsafeBufferPointer { v in
                Array(UnsafeBufferPointer(start: SlicedWassersteinLoss.argsort(v.baseAddress!, count: n, scratch: scratch.part(0)), count: n))
            }
            XCTAssertEqual(Set(order).count, n, "a permutation")
            let sorted = order.map { values[Int($0)] }
            XCTAssertEqual(sorted, values.sorted(), "n \(n)")
        }
    }

    func testDirectionsAreUnitAndFollowTheSeed() {
        let a = SliceDirections(channels: 64, count: 32, seed: 7), b = SliceDirections(channels: 64, count: 32, seed: 7)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, SliceDirections(channels: 64, count: 32, seed: 8))
        for row in 0..<32 {
            let norm = (0..<64).map { a.values[row * 64 + $0] * a.values[row * 64 + $0] }.reduce(0, +)
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        // Uniform on the sphere: the mean of many directions is near 0.
        let many = SliceDirections(channels: 8, count: 4000, seed: 1)
        for c in 0..<8 { XCTAssertEqual((0..<4000).map { many.values[$0 * 8 + c] }.reduce(0, +) / 4000, 0, accuracy: 0.03) }
    }

    /// The loss is 0 for the painting's own features (all of its quantiles kept), the same for any
    /// rearrangement of the positions (it sees distributions, not places), and positive otherwise.
    func testTheLossComparesDistributions() {
        let painting = TestSupport.random(channels: 5, height: 6, width: 8, seed: 2)
        let directions = SliceDirections(channels: 5, count: 7, seed: 3)
        let loss = SlicedWassersteinLoss(layer: 0, weight: 2, target: SliceTargets(features: painting, directions: directions, quantiles: 48))
        XCTAssertEqual(loss.evaluate(painting, addingGradientTo: nil), 0, accuracy: 1e-10)
        let shuffled = Tensor(channels: 5, height: 6, width: 8)
        for c in 0..<5 { for i in 0..<48 { shuffled.data[c * 48 + i] = painting.data[c * 48 + (i * 17) % 48] } }
        XCTAssertEqual(loss.evaluate(shuffled, addingGradientTo: nil), 0, accuracy: 1e-10)
        let other = TestSupport.random(channels: 5, height: 6, width: 8, seed: 9)
        XCTAssertGreaterThan(loss.evaluate(other, addingGradientTo: nil), 0.01)
        // Fewer quantiles than positions: the stored ones interpolate the painting's sorted values.
        let coarse = SliceTargets(features: painting, directions: directions, quantiles: 12)
        XCTAssertEqual(coarse.values.count, 7 * 12)
        for row in 0..<7 { for k in 1..<12 { XCTAssertLessThanOrEqual(coarse.values[row * 12 + k - 1], coarse.values[row * 12 + k]) } }
    }

}

extension LayerGradientTests {
    func testSlicedWassersteinGradient() {
        let f = TestSupport.random(channels: 6, height: 5, width: 7, scale: 3, seed: 8)
        let painting = TestSupport.random(channels: 6, height: 9, width: 11, scale: 2, seed: 9)
        let directions = SliceDirections(channels: 6, count: 5, seed: 3)
        let loss = SlicedWassersteinLoss(layer: 0, weight: 5, target: SliceTargets(features: painting, directions: directions, quantiles: 64))
        let grad = Tensor(channels: 6, height: 5, width: 7)
        let value = loss.evaluate(f, addingGradientTo: grad)
        XCTAssertEqual(loss.evaluate(f, addingGradientTo: nil), value, "the gradient pass leaves the loss as it is")
        checkDirectional(input: f, eps: 1e-3, loss: { loss.evaluate($0, addingGradientTo: nil) }, gradient: grad)
    }
}

extension LayerGradientTests {
    /// The whole objective with sliced style losses, through a random VGG19-shaped network down
    /// to relu5_1, against finite differences with respect to the image.
    func testWholeObjectiveGradientWithSlicedLoss() throws {
        let (network, _) = TestSupport.randomVGG(pooling: .max)
        let h = 20, w = 24
        let painting = TestSupport.random(channels: 3, height: h, width: w, scale: 50, seed: 10)
        var options = TransferOptions()
        options.styleLoss = .sliced
        options.projections = 6
        let style = try StyleStatistics(network: network, styles: [(RGBImage(networkTensor: painting), 1)],
                                        layers: options.activeStyleLayers, sliced: options)
        XCTAssertEqual(style.slices.map { $0.layer }, ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
        let content = TestSupport.random(channels: 3, height: h, width: w, scale: 50, seed: 12)
        let objective = try StyleTransfer.wholeImageObjective(network: network, content: content, style: style, options: options)
        XCTAssertTrue(objective.styleLosses.allSatisfy { $0 is SlicedWassersteinLoss })
        let x = TestSupport.random(channels: 3, height: h, width: w, scale: 50, seed: 11)
        let grad = Tensor(channels: 3, height: h, width: w)
        _ = objective.evaluate(x, gradient: grad)
        // Ranks swap where two values cross, a kink in the loss: a small step crosses few.
        checkDirectional(input: x, eps: 2e-3, tolerance: 1e-2, loss: { objective.evaluate($0, gradient: nil).total }, gradient: grad)
    }
}

/// `--style-loss sliced` through the command line: the optimization lowers it, a seed gives one
/// picture, and a tiled scale without style regions refuses it before any work.
final class SlicedLossCLITests: FilterctlTestCase {
    func testStylizeWithTheSlicedLoss() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 64, height: 48), style = try makeImage("style.png", width: 64, height: 64)
        let arguments = ["stylize", photo, style, "--size", "64", "--iterations", "20", "--style-loss", "sliced", "--projections", "16"]
        let first = try run(arguments + ["-o", file("a.png")])
        XCTAssertEqual(first.status, 0, first.stderr)
        let totals = PresetTrainTests.reportedTotals(first.stderr)
        XCTAssertGreaterThan(totals.count, 2, first.stderr)
        XCTAssertLessThan(totals.last!, 0.5 * totals.first!, "the loss goes down: \(totals)")
        XCTAssertEqual(try run(arguments + ["-o", file("b.png")]).status, 0)
        XCTAssertEqual(try ImageIO.load(file("a.png")).pixels, try ImageIO.load(file("b.png")).pixels, "one seed, one picture")
        XCTAssertEqual(try run(arguments + ["-o", file("c.png"), "--seed", "9"]).status, 0)
        XCTAssertNotEqual(try ImageIO.load(file("a.png")).pixels, try ImageIO.load(file("c.png")).pixels, "the seed draws the directions")

        try assertFails(["stylize", photo, style, "-o", file("t.png"), "--size", "64", "--tile-size", "32", "--style-loss", "sliced"],
                        mentions: "only refining scales have regions")
        try assertFails(["stylize", photo, style, "-o", file("t.png"), "--style-loss", "wasserstein"], mentions: "--style-loss")
        try assertFails(["stylize", photo, style, "-o", file("t.png"), "--style-loss", "sliced", "--projections", "0"], mentions: "projections")
        // Where the loss cannot be kept yet, it is refused rather than dropped.
        try assertFails(["preset", "create", "s", "--style", style, "--style-loss", "sliced", "--preset-dir", file("p")], mentions: "keeps Gram matrices")
        try assertFails(["serve", "--stdio", "--style", style, "--style-loss", "sliced"], mentions: "keeps Gram matrices")
    }
}

extension TilingTests {
    /// One style region covering the whole image, matched with the sliced loss in the tiled
    /// objective (its relu1_1 packed in two bands), is the whole-image sliced objective: the same
    /// loss and gradient. And a painting's quantiles gathered window by window, every position
    /// kept, are its one-pass quantiles.
    func testSlicedRegionEqualsTheWholeImage() throws {
        let network = try TestSupport.network()
        let h = 208, w = 336
        var options = TransferOptions()
        options.styleLoss = .sliced
        options.projections = 8
        options.contentWeight = 0
        options.styleLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        options.styleRegion = 1024
        let painting = RGBImage.pattern(width: 240, height: 176, seed: 2)
        let style = try StyleStatistics(network: network, styles: [(painting, 1)], layers: options.activeStyleLayers, sliced: options)
        let image = RGBImage.pattern(width: w, height: h, seed: 3).networkTensor()
        let whole = try StyleTransfer.wholeImageObjective(network: network, content: image, style: style, options: options)
        let tiled = try TiledObjective(network: network, content: image, style: style, options: options, tiles: TileShape(height: h, width: w), halo: 64)
        let wholeGradient = Tensor(channels: 3, height: h, width: w), tiledGradient = Tensor(channels: 3, height: h, width: w)
        let a = whole.evaluate(image, gradient: wholeGradient).style, b = tiled.evaluate(image, gradient: tiledGradient).style
        XCTAssertGreaterThan(a, 0)
        XCTAssertEqual(b, a, accuracy: 1e-4 * a)
        var largest: Float = 0, difference: Float = 0
        for i in 0..<wholeGradient.count {
            largest = max(largest, abs(wholeGradient.data[i]))
            difference = max(difference, abs(wholeGradient.data[i] - tiledGradient.data[i]))
        }
        XCTAssertLessThan(difference, 1e-3 * largest)

        let gathered = try TiledObjective.sliceTargets(network: network, image: painting.networkTensor(), layers: options.activeStyleLayers,
                                                       options: options, tiles: TileShape(height: 64, width: 64), halo: 64)
        for (layer, targets) in zip(options.activeStyleLayers, gathered) {
            let own = try XCTUnwrap(style.slices.first { $0.layer == layer.name }?.targets)
            XCTAssertEqual(targets.directions, own.directions)
            let spread = own.values.map(abs).max()!
            for (x, y) in zip(targets.values, own.values) { XCTAssertEqual(x, y, accuracy: 1e-3 * spread, layer.name) }
        }
    }
}
