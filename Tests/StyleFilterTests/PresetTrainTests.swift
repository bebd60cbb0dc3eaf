import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// `filterctl preset train`: the network file beside the preset, the loss log, a training stopped
/// by a signal that resumes to the same network, and the inputs it refuses.
final class PresetTrainTests: FilterctlTestCase {
    /// Content + style of every `iteration i/n` line a run reported, in order.
    static func reportedTotals(_ stderr: String) -> [Double] {
        stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { line in
            let words = line.split(separator: " ")
            guard words.first == "iteration", let c = words.firstIndex(of: "content"), let s = words.firstIndex(of: "style"),
                  c + 1 < words.count, s + 1 < words.count, let content = Double(words[c + 1]), let style = Double(words[s + 1]) else { return nil }
            return content + style
        }
    }

    func makePreset() throws {
        let created = try run(["preset", "create", "tiny", "--procedural", "hatching", "--style-size", "48", "--scales", "64:4",
                               "--style-layers", "relu1_1,relu2_1", "--content-layers", "relu2_2", "--preset-dir", file("mine")])
        guard created.status == 0 else { throw StyleFilterError.io("preset create failed: \(created.stderr)") }
        try FileManager.default.createDirectory(atPath: file("photos"), withIntermediateDirectories: true)
        for k in 0..<3 { try ImageIO.save(RGBImage.pattern(width: 80 + 8 * k, height: 60, seed: UInt64(k)), to: file("photos/p\(k).png")) }
    }

    /// A fine-tuning (`--start-from`) takes its shape from its network, so `shaped: false` leaves it out.
    func train(_ extra: [String], shaped: Bool = true) -> [String] {
        ["preset", "train", "tiny", "--preset-dir", file("mine"), "--photos", file("photos"), "--crop-size", "32", "--learning-rate", "0.01"]
            + (shaped ? ["--width", "4", "--blocks", "1"] : []) + extra
    }

    /// `--style-loss sliced` trains against the painting's distributions; the network file says so.
    func testTrainingWithTheSlicedLoss() throws {
        try requireWeights()
        try makePreset()
        let trained = try run(train(["--steps", "3", "--style-loss", "sliced", "--projections", "8", "-q"]))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let network = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))))
        XCTAssertTrue(network.fields["training"]?.hasSuffix("style-loss=sliced projections=8") ?? false, "\(network.fields)")
        try assertFails(train(["--steps", "3", "--projections", "8"]), mentions: "--projections is for --style-loss sliced")
    }

    /// `--start-from` fine-tunes a network (a shipped one on more photos, say): one small step
    /// from it stays near it, where a fresh start is elsewhere; `--palette-weight` and the start's own
    /// training are recorded; a shape asked for beside it is refused.
    func testTrainingStartsFromAGivenNetwork() throws {
        try requireWeights()
        try makePreset()
        func parameters(_ path: String) throws -> (FeedForwardFile, [Float]) {
            let f = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            return (f, try f.network().parameters.valueArray)
        }
        let first = try run(train(["--steps", "3", "-q"]))
        XCTAssertEqual(first.status, 0, first.stderr)
        try FileManager.default.moveItem(atPath: file("mine/tiny.network"), toPath: file("start.network"))
        let (_, start) = try parameters(file("start.network"))
        let tuned = try run(train(["--steps", "1", "--learning-rate", "0.0001", "--seed", "2", "--palette-weight", "10",
                                   "--start-from", file("start.network"), "-q"], shaped: false))
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        let (file1, after) = try parameters(file("mine/tiny.network"))
        XCTAssertTrue(file1.fields["training"]?.hasSuffix("palette=10.0 from=start.network") ?? false, "\(file1.fields)")
        XCTAssertEqual(file1.fields["lineage"], "steps=3 crop=32 batch=1 lr=0.01 content-factor=4.0 seed=1 photos=3 size=64")
        XCTAssertEqual(file1.shape, FeedForwardNetwork.Shape(width: 4, residualBlocks: 1))
        try FileManager.default.copyItem(atPath: file("mine/tiny.network"), toPath: file("second.network"))
        let again = try run(train(["--steps", "1", "--learning-rate", "0.0001", "--force", "--start-from", file("second.network"), "-q"], shaped: false))
        XCTAssertEqual(again.status, 0, again.stderr)
        let file2 = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))))
        XCTAssertEqual(file2.fields["lineage"], file1.fields["lineage"]! + " | " + file1.fields["training"]!)
        try assertFails(train(["--steps", "1", "--force", "--start-from", file("start.network")]), mentions: "--start-from network's own")
        let fresh = try run(train(["--steps", "1", "--learning-rate", "0.0001", "--seed", "2", "--force", "-q"]))
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        let (_, elsewhere) = try parameters(file("mine/tiny.network"))
        // Mean differences: a finished network is stored in 8-bit blocks, so a value may move by a step.
        func gap(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Float(a.count) }
        XCTAssertLessThan(gap(after, start), 0.1 * gap(elsewhere, start), "from the start \(gap(after, start)), fresh \(gap(elsewhere, start))")
        try assertFails(train(["--steps", "1", "--force", "--start-from", file("missing.network")], shaped: false), mentions: "missing.network")
        try assertFails(train(["--steps", "1", "--force", "--start-from", file("photos/p0.png")], shaped: false), mentions: "network")
        try assertFails(train(["--steps", "1", "--palette-weight", "-1"]), mentions: "--palette-weight")
    }

    func testTrainingWritesTheNetworkAndItsLog() throws {
        try requireWeights()
        try makePreset()
        let trained = try run(train(["--steps", "6", "--loss-log", file("loss.jsonl"), "--checkpoint-every", "2", "--loss-plot", file("loss.svg")]))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertEqual(String(decoding: trained.stdout, as: UTF8.self), file("mine/tiny.network") + "\n")
        let network = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))))
        XCTAssertNil(network.adam, "the finished network carries no training state")
        XCTAssertEqual(network.shape, FeedForwardNetwork.Shape(width: 4, residualBlocks: 1))
        XCTAssertEqual(network.fields["preset"], "tiny")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("mine/tiny.network.checkpoint")))
        // The log and the plot are stylize's: JSON lines (the step as the iteration) and an SVG chart.
        let log = try String(contentsOfFile: file("loss.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.count, 6)
        let records = try log.map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Double]) }
        XCTAssertEqual(records.map { $0["iteration"] }, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Set(records[0].keys), ["iteration", "seconds", "content", "style", "tv", "total"])
        XCTAssertTrue(trained.stderr.contains("step 6/6"), trained.stderr)
        let plot = try String(contentsOfFile: file("loss.svg"), encoding: .utf8)
        XCTAssertTrue(plot.hasPrefix("<svg") && plot.contains("loss per training step") && plot.contains("polyline"), plot)
        try assertFails(train(["--steps", "1", "--force", "--loss-plot", file("loss.svg")]), mentions: "never overwritten")
        try assertFails(train(["--steps", "1", "--loss-plot", file("loss.png")]), mentions: ".svg")
        // A network is never replaced unasked (checked before training, not after it); --force does.
        let first = try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))
        try assertFails(train(["--steps", "1"]), mentions: "--force")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network"))), first)
        let again = try run(train(["--steps", "1", "--force"]))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network"))), first)
    }

    func testStoppedTrainingResumesToTheSameNetwork() throws {
        try requireWeights()
        try makePreset()
        let steps = ["--steps", "400", "--checkpoint-every", "1"]
        let stopped = try runTerminated(train(steps), once: file("mine/tiny.network.checkpoint"), within: 120)
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("--resume"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("mine/tiny.network")), "no network from a stopped training")
        try assertFails(train(steps), mentions: "holds a stopped training")
        try assertFails(train(["--steps", "401", "--checkpoint-every", "1", "--resume"]), mentions: "other settings")
        // On --resume too a plot is never drawn over an existing file: the user's picture stays.
        let picture = file("drawing.svg")
        try "<svg/>".write(toFile: picture, atomically: true, encoding: .utf8)
        let kept = try Data(contentsOf: URL(fileURLWithPath: picture))
        try assertFails(train(steps + ["--resume", "--loss-plot", picture]), mentions: "never overwritten")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: picture)), kept)
        let resumed = try run(train(steps + ["--resume"]))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming at step"), resumed.stderr)
        let afterResume = try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))
        try FileManager.default.removeItem(atPath: file("mine/tiny.network"))
        let straight = try run(train(steps))
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network"))), afterResume,
                       "a stopped and resumed training ends with the uninterrupted one's network")
    }

    /// A checkpoint written before networks' outputs were bounded (no `output` field) resumes, and
    /// its network stays linear as it began.
    func testACheckpointFromBeforeBoundedOutputsResumes() throws {
        try requireWeights()
        try makePreset()
        let steps = ["--steps", "400", "--checkpoint-every", "1"]
        let checkpoint = file("mine/tiny.network.checkpoint")
        let stopped = try runTerminated(train(steps), once: checkpoint, within: 120)
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        var old = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: checkpoint))))
        XCTAssertEqual(old.fields["output"], "bounded")
        old.fields["output"] = nil
        try Data(old.encoded()).write(to: URL(fileURLWithPath: checkpoint))
        let resumed = try run(train(steps + ["--resume"]))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let network = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))))
        XCTAssertEqual(network.shape?.boundedOutput, false)
    }

    func testBadInputsAreRefused() throws {
        try requireWeights()
        try makePreset()
        try "not an image".write(toFile: file("notes.jpg"), atomically: true, encoding: .utf8)
        try assertFails(["preset", "train", "tiny", "--preset-dir", file("mine"), "--photos", file("notes.jpg"), "--steps", "2"],
                        mentions: "no training photo could be read")
        try assertFails(train(["--crop-size", "30"]), mentions: "--crop-size")
        try assertFails(train(["--content-factor", "0"]), mentions: "--content-factor")
        try assertFails(train(["--content-factor", "nan"]), mentions: "--content-factor")
        // Without --photos: the set-up's default photos, or an error that says how to get them.
        let defaults = ["preset", "train", "tiny", "--preset-dir", file("mine"), "--steps", "1", "--crop-size", "32", "--width", "2", "--blocks", "0"]
        let installed = TrainingPhotos.defaultDirectories.filter { FileManager.default.fileExists(atPath: $0) }
        if !installed.isEmpty {
            let trained = try run(defaults)
            XCTAssertEqual(trained.status, 0, trained.stderr)
            let network = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))))
            // Every photo of every default folder there is: the twelve wallpapers, the 22 samples.
            let count = try installed.map { try FileManager.default.contentsOfDirectory(atPath: $0).count }.reduce(0, +)
            XCTAssertTrue(network.fields["training"]?.contains("photos=\(count)") ?? false, network.fields["training"] ?? "")
            try FileManager.default.removeItem(atPath: file("mine/tiny.network"))
        } else {
            try assertFails(defaults, mentions: "scripts/setup --for-training")
        }
        try assertFails(train(["--resume", "--steps", "3"]), mentions: "no checkpoint")
        try "mine".write(toFile: file("kept.jsonl"), atomically: true, encoding: .utf8)
        try assertFails(train(["--steps", "2", "--loss-log", file("kept.jsonl")]), mentions: "never overwritten")
        XCTAssertEqual(try String(contentsOfFile: file("kept.jsonl"), encoding: .utf8), "mine")
        try assertFails(["preset", "train", "missing", "--preset-dir", file("mine"), "--photos", file("photos")], mentions: "missing")
    }

    /// `apply` paints with the trained network when the preset has one: its one pass over the
    /// photo, to the rounding of the saved file; `--method optimize` runs the optimization instead.
    func testApplyUsesTheTrainedNetwork() throws {
        try requireWeights()
        try makePreset()
        let photo = file("photos/p1.png")
        try assertFails(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("none.png"), "--method", "fast"],
                        mentions: "preset train tiny")
        XCTAssertEqual(try run(train(["--steps", "3"])).status, 0)
        let fast = try run(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("fast.png")])
        XCTAssertEqual(fast.status, 0, fast.stderr)
        // The preset paints its look at 64 px (its last scale); the 88 px photo gets it carried up
        // with a second pass's strokes at its own size.
        XCTAssertTrue(fast.stderr.contains("its network (\(file("mine/tiny.network"))) at 64, 88 px"), fast.stderr)
        let network = try FeedForwardFile(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network"))))).network()
        let input = try PhotoInput(path: photo)
        let painted = try StrokePyramid.paint(try input.colour(width: 88, height: 60), base: 64) {
            try FeedForwardInference.stylize(network, $0)
        }
        let expected = painted.result.rounded
        // Strokes twice the preset's size: the look painted at 32 px; outside the range, refused.
        let larger = try run(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("larger.png"), "--stroke-scale", "2"])
        XCTAssertTrue(larger.stderr.contains("at 32, 88 px"), larger.stderr)
        try assertFails(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("none.png"), "--stroke-scale", "0.1"],
                        mentions: "--stroke-scale must be 0.25 … 8")
        // The painting's palette: hatching is dark ink on paper, so the network's tints go.
        let inked = try run(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("inked.png"), "--palette", "painting"])
        XCTAssertTrue(inked.stderr.contains("in the painting's palette"), inked.stderr)
        let located = try PresetStore(extraDirectory: file("mine")).find("tiny")
        let paper = try located.styleImage(longSide: located.preset.styleLongSide(forScaleSize: 64)).image
        let inkedExpected = PaletteTransfer(from: painted.base, to: paper).applied(to: painted.result).rounded
        // Within rounding of the network's pass, which the map's steep steps (ink or paper) can
        // magnify at a few pixels.
        XCTAssertLessThan(OneEngineTests.meanDifference(try ImageIO.load(file("inked.png")).pixels, inkedExpected.pixels), 3,
                          "the palette learnt at the look's size, applied to the whole")
        XCTAssertGreaterThan(OneEngineTests.meanDifference(inkedExpected.pixels, expected.pixels), 5)
        let onePass = RGBImage(networkTensor: try FeedForwardInference.run(network, image: try ImageIO.load(photo).networkTensor()))
        XCTAssertGreaterThan(zip(onePass.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max()!, 1, "the pyramid is not the one pass")
        let result = try ImageIO.load(file("fast.png"))
        XCTAssertEqual([result.width, result.height], [expected.width, expected.height])
        XCTAssertLessThanOrEqual(zip(result.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max()!, 1)
        XCTAssertNotEqual(result, try ImageIO.load(photo))

        let optimized = try run(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("slow.png"), "--method", "optimize"])
        XCTAssertEqual(optimized.status, 0, optimized.stderr)
        XCTAssertFalse(optimized.stderr.contains("its network ("), optimized.stderr)
        XCTAssertNotEqual(try ImageIO.load(file("slow.png")), result)

        // --refine: Adam from the network's result, with the preset's losses (the preset's own
        // optimizer is L-BFGS), lowering them.
        let refined = try run(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("refined.png"), "--refine", "3"])
        XCTAssertEqual(refined.status, 0, refined.stderr)
        XCTAssertTrue(refined.stderr.contains("then 3 iterations at full size"), refined.stderr)
        let totals = Self.reportedTotals(refined.stderr)
        XCTAssertEqual(totals.count, 4, refined.stderr)
        XCTAssertLessThan(totals.last ?? .infinity, totals.first ?? 0, "the refinement lowers the network result's loss")
        let polished = try ImageIO.load(file("refined.png"))
        XCTAssertNotEqual(polished, result)
        XCTAssertLessThan(OneEngineTests.meanDifference(polished.pixels, result.pixels), OneEngineTests.meanDifference(polished.pixels, try ImageIO.load(photo).pixels),
                          "3 iterations from the network's result stay nearer it than the photo")
        try assertFails(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("none.png"), "--refine", "3",
                         "--method", "optimize"], mentions: "--refine")

        // The C ABI (and through it the libvips operation) runs the same pass when the preset has a network.
        for (method, same) in [(SF_METHOD_AUTOMATIC, true), (SF_METHOD_FAST, true), (SF_METHOD_OPTIMIZE, false)] {
            let c = try TestSupport.cContext { $0.method = Int32(method) }
            defer { sf_context_destroy(c) }
            XCTAssertEqual(sf_context_load_preset(c, "tiny", file("mine")), SF_OK, String(cString: sf_context_last_error(c)))
            let pixels = OneEngineTests.stylizeInPlace(c, try ImageIO.load(photo))
            let worst = zip(pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max()!
            if same { XCTAssertLessThanOrEqual(worst, 1, "method \(method)") } else { XCTAssertGreaterThan(worst, 8, "method \(method)") }
        }

        // Single tiles (sf_stylize_tile, serve's tile frames) are the network's pass over the tile
        // alone, normalised with its own statistics; with the optimization they are not.
        let tile = RGBImage.pattern(width: 40, height: 36, seed: 6), margin = 4
        let alone = RGBImage(networkTensor: try FeedForwardInference.run(network, image: tile.networkTensor()))
        func core(_ image: RGBImage) -> [UInt8] {
            var bytes: [UInt8] = []
            for y in margin..<(tile.height - margin) {
                let start: Int = (y * tile.width + margin) * 3, end: Int = (y * tile.width + tile.width - margin) * 3
                bytes += image.pixels[start..<end]
            }
            return bytes
        }
        for (method, same) in [(SF_METHOD_AUTOMATIC, true), (SF_METHOD_FAST, true), (SF_METHOD_OPTIMIZE, false)] {
            let c = try TestSupport.cContext { $0.method = Int32(method); $0.iterations = 3 }
            defer { sf_context_destroy(c) }
            XCTAssertEqual(sf_context_load_preset(c, "tiny", file("mine")), SF_OK, String(cString: sf_context_last_error(c)))
            var input = tile.pixels, output = [UInt8](repeating: 0, count: (tile.width - 2 * margin) * (tile.height - 2 * margin) * 3)
            let status = input.withUnsafeMutableBytes { i in
                output.withUnsafeMutableBytes { o in
                    var from = sf_image(data: i.baseAddress, width: Int32(tile.width), height: Int32(tile.height), stride: tile.width * 3, bands: 3, format: SF_FORMAT_U8)
                    var to = sf_image(data: o.baseAddress, width: Int32(tile.width - 2 * margin), height: Int32(tile.height - 2 * margin),
                                      stride: (tile.width - 2 * margin) * 3, bands: 3, format: SF_FORMAT_U8)
                    return sf_stylize_tile(c, &from, Int32(margin), &to)
                }
            }
            XCTAssertEqual(status, SF_OK, String(cString: sf_context_last_error(c)))
            let worst = zip(output, core(alone)).map { abs(Int($0) - Int($1)) }.max()!
            if same { XCTAssertLessThanOrEqual(worst, 1, "tile, method \(method)") } else { XCTAssertGreaterThan(worst, 8, "tile, method \(method)") }
        }
        var request = TileFrame(isRequest: true, kind: .tile, id: 7, x: 0, y: 0, width: UInt32(tile.width), height: UInt32(tile.height),
                                bands: 3, format: .u8, margin: UInt32(margin), iterations: 3)
        request.payloadLength = request.pixelBytes
        for (flags, same) in [([String](), true), (["--method", "optimize"], false)] {
            let served = try run(["serve", "--stdio", "--preset", "tiny", "--preset-dir", file("mine")] + flags,
                                 stdin: Data(request.encoded() + tile.pixels))
            XCTAssertEqual(served.status, 0, served.stderr)
            let reply = Array(served.stdout.dropFirst(TileFrame.headerSize))
            XCTAssertEqual(reply.count, core(alone).count, served.stderr)
            let worst = zip(reply, core(alone)).map { abs(Int($0) - Int($1)) }.max() ?? .max
            if same { XCTAssertLessThanOrEqual(worst, 1, "serve \(flags)") } else { XCTAssertGreaterThan(worst, 8, "serve \(flags)") }
        }
        try assertFails(["serve", "--stdio", "--style", photo, "--method", "fast"], mentions: "--preset")

        // A network trained for other layers than the preset has now is refused, not applied.
        let changed = try run(["preset", "create", "tiny", "--procedural", "hatching", "--style-size", "48", "--scales", "64:4", "--force",
                               "--style-layers", "relu1_1", "--content-layers", "relu2_2", "--preset-dir", file("mine")])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        try assertFails(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("stale.png")], mentions: "trained for another layers")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("stale.png")))
        try FileManager.default.removeItem(atPath: file("mine/tiny.json"))
        try FileManager.default.removeItem(atPath: presetCache(file("mine/tiny.json")))
        try makePreset()

        // A damaged network is an error that says what to do, never a silent fallback.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file("mine/tiny.network")))
        bytes[bytes.count / 2] ^= 1
        try bytes.write(to: URL(fileURLWithPath: file("mine/tiny.network")))
        try assertFails(["apply", "--preset", "tiny", "--preset-dir", file("mine"), photo, "-o", file("broken.png")], mentions: "train it again")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("broken.png")))
        // Deleting the preset deletes its network with it.
        XCTAssertEqual(try run(["preset", "delete", "tiny", "--preset-dir", file("mine")]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("mine/tiny.network")))
    }
}
