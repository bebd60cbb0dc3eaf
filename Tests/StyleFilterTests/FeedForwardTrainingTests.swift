import XCTest
@testable import StyleFilter

/// Training a feed-forward network against the optimizer's loss (issue 21): the loss goes down, and
/// a training stopped and resumed from its checkpoint ends where an uninterrupted one does.
final class FeedForwardTrainingTests: XCTestCase {
    static let painting = RGBImage.pattern(width: 48, height: 48, seed: 71)

    func makeTraining(network: VGG19, steps: Int, styleLoss: StyleLossKind = .gram, paletteWeight: Float = 0) throws -> FeedForwardTraining {
        let style = Self.painting
        var transfer = TransferOptions()
        transfer.styleLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        transfer.contentLayers = [try LayerWeight("relu2_2")]
        transfer.styleLoss = styleLoss
        transfer.projections = 16
        let statistics = try StyleStatistics(network: network, styles: [(style, 1)], layers: transfer.activeStyleLayers,
                                             sliced: styleLoss == .sliced ? transfer : nil)
        var options = FeedForwardTraining.Options()
        options.cropSize = 32
        options.batch = 2
        options.learningRate = 1e-2
        options.steps = steps
        options.paletteWeight = paletteWeight
        let feedForward = FeedForwardNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 7)
        return try FeedForwardTraining(network: network, feedForward: feedForward, style: statistics, transfer: transfer, options: options,
                                       painting: Self.painting)
    }

    func photos() -> TrainingPhotos {
        TrainingPhotos(photos: [RGBImage.pattern(width: 40, height: 36, seed: 72), RGBImage.pattern(width: 48, height: 32, seed: 73)],
                       cropSize: 32, seed: 5)
    }

    /// Training against the optimizer's own loss through VGG19 (a small network, 32 px crops of
    /// two photos, a few steps) lowers that loss on the crops it sees.
    /// The same with the sliced loss (issue 39: a network that learns the painting's distribution).
    func testTrainingAgainstTheStyleLossLowersIt() throws {
        let network = try TestSupport.network()
        var firstStyle: [StyleLossKind: Double] = [:]
        for styleLoss in StyleLossKind.allCases {
            let training = try makeTraining(network: network, steps: 25, styleLoss: styleLoss)
            let crops = [RGBImage.pattern(width: 32, height: 32, seed: 72).networkTensor(), RGBImage.pattern(width: 32, height: 32, seed: 73).networkTensor()]
            firstStyle[styleLoss] = training.evaluate(crops[0]).style
            let before = crops.map { training.evaluate($0).total }.reduce(0, +)
            for _ in 0..<25 { training.step(crops) }
            let after = crops.map { training.evaluate($0).total }.reduce(0, +)
            XCTAssertLessThan(after, 0.7 * before, "\(styleLoss): \(before) → \(after)")
        }
        // Two losses, not one loss twice: the same network's first output scores differently.
        XCTAssertNotEqual(firstStyle[.gram], firstStyle[.sliced])
    }

    /// The palette term (issue 39: mosaic painted salmon and blue where the painting is red, green,
    /// yellow, purple) moves the network's colours towards the painting's own: measured by an
    /// independent distance (other directions), the same steps with the term end nearer.
    func testThePaletteTermBringsThePaintingsColours() throws {
        let network = try TestSupport.network()
        let crops = [RGBImage.pattern(width: 32, height: 32, seed: 72).networkTensor(), RGBImage.pattern(width: 32, height: 32, seed: 73).networkTensor()]
        let judge = SlicedWassersteinLoss(layer: -1, weight: 1, target: SliceTargets(features: Self.painting.networkTensor(),
                                                                                      directions: SliceDirections(channels: 3, count: 64, seed: 99)))
        func distance(_ training: FeedForwardTraining) -> Double {
            let pass = FeedForwardPass(network: training.feedForward, height: 32, width: 32)
            return crops.map { judge.evaluate(pass.forward($0), addingGradientTo: nil) }.reduce(0, +)
        }
        var after: [Float: Double] = [:]
        for weight: Float in [0, 2000] {
            let training = try makeTraining(network: network, steps: 30, paletteWeight: weight)
            for _ in 0..<30 { training.step(crops) }
            after[weight] = distance(training)
        }
        XCTAssertLessThan(after[2000]!, 0.85 * after[0]!, "palette distance without the term \(after[0]!), with it \(after[2000]!)")
        var options = FeedForwardTraining.Options()
        options.paletteWeight = 1
        XCTAssertThrowsError(try FeedForwardTraining(network: network, feedForward: FeedForwardNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 7),
                                                     style: StyleStatistics(network: network, styles: [(Self.painting, 1)], layers: TransferOptions().activeStyleLayers),
                                                     transfer: TransferOptions(), options: options)) {
            XCTAssertTrue("\($0)".contains("painting"), "\($0)")
        }
    }

    func testResumedTrainingEndsWhereAnUninterruptedOneDoes() throws {
        let network = try TestSupport.network()
        let straight = try makeTraining(network: network, steps: 6)
        try straight.run(photos: photos()) { _, _ in true }
        XCTAssertEqual(straight.adam.steps, 6)

        let first = try makeTraining(network: network, steps: 6), firstPhotos = photos()
        var checkpoint: [UInt8] = []
        XCTAssertThrowsError(try first.run(photos: firstPhotos) { step, _ in
            guard step == 3 else { return true }
            checkpoint = FeedForwardFile(network: first.feedForward, fields: ["crops": String(firstPhotos.state)], adam: first.adam).encoded()
            return false
        }) { error in
            guard case StyleFilterError.cancelled = error else { return XCTFail("\(error)") }
        }

        let file = try FeedForwardFile(decoding: checkpoint)
        let resumed = try makeTraining(network: network, steps: 6), resumedPhotos = photos()
        try resumed.restore(file)
        resumedPhotos.state = try XCTUnwrap(file.fields["crops"].flatMap(UInt64.init))
        var steps: [Int] = []
        try resumed.run(photos: resumedPhotos) { step, _ in steps.append(step); return true }
        XCTAssertEqual(steps, [4, 5, 6])
        XCTAssertEqual(resumed.feedForward.parameters.valueArray, straight.feedForward.parameters.valueArray)
    }

    /// A crop is a square of one photo in the network's space, mirrored or not.
    func testCropsComeFromThePhotos() {
        let photo = RGBImage.pattern(width: 40, height: 36, seed: 81), whole = photo.networkTensor()
        let sampler = TrainingPhotos(photos: [photo], cropSize: 32, seed: 2)
        var mirroredSeen = false, plainSeen = false
        for _ in 0..<12 {
            let crop = sampler.nextCrop()
            let found = (0...8).contains { left in
                (0...4).contains { top in
                    for mirrored in [false, true] {
                        let same = (0..<3).allSatisfy { c in
                            (0..<32).allSatisfy { y in
                                (0..<32).allSatisfy { x in crop[c, y, x] == whole[c, top + y, left + (mirrored ? 31 - x : x)] }
                            }
                        }
                        if same { if mirrored { mirroredSeen = true } else { plainSeen = true }; return true }
                    }
                    return false
                }
            }
            XCTAssertTrue(found)
        }
        XCTAssertTrue(mirroredSeen && plainSeen)
    }
}
