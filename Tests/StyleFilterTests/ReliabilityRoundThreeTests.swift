import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// The third adversarial round (issue 40): panoramas, batches that finish, one exit-status
/// contract, non-finite pixels, --skip-existing that only skips results, long names, budgets on
/// the network path. Each test failed on the code before that round.
final class ReliabilityRoundThreeTests: FilterctlTestCase {
    func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func header(_ path: String) throws -> (width: Int, height: Int) {
        let image = try ImageIO.load(path)
        return (image.width, image.height)
    }

    /// A copy of a shipped preset (its network too) in scratch/presets.
    func shippedPreset(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        for suffix in [".json", ".network"] {
            try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/\(name)\(suffix)").path,
                                             toPath: file("presets/\(name)\(suffix)"))
        }
    }

    /// A banner at its own size has refining scales wider than a style region and lower than the
    /// smallest tile: it is stylized (it "needed 876 MiB" whatever the budget); a scale whose short
    /// side the network cannot take is said of the result, before any work, as bad input.
    func testPanoramasAreStylized() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 64)
        let banner = try makeImage("banner.png", width: 1200, height: 100)
        let run = try run(["stylize", banner, style, "-o", file("out.png"), "--iterations", "1", "--refine-iterations", "1", "-q"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try header(file("out.png")).width, 1200)
        XCTAssertEqual(try header(file("out.png")).height, 100)

        let thin = try makeImage("thin.png", width: 2000, height: 16)
        let refused = try self.run(["stylize", thin, style, "-o", file("thin-out.png"), "--size", "1024", "--iterations", "1"])
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("1024×8") && refused.stderr.contains("at least 16 px"), refused.stderr)
        // A 1×1 photo is the photo's fault, not the painting's.
        let dot = try makeImage("dot.png", width: 1, height: 1)
        let tiny = try self.run(["stylize", dot, style, "-o", file("dot-out.png"), "--iterations", "1"])
        XCTAssertEqual(tiny.status, 65, tiny.stderr)
        XCTAssertTrue(tiny.stderr.contains("1×1 result") && !tiny.stderr.contains("style image"), tiny.stderr)
    }

    /// Every photo of a batch runs: those whose runs fail (a 1×1 photo; one over the memory
    /// budget, which is a usage status and stopped the batch) are reported by name and counted;
    /// photos named like options, or with nothing before their suffix, or with names of 240 bytes,
    /// are photos like any other; nothing goes to standard output.
    func testOneBadPhotoDoesNotStopABatch() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 32, height: 32)
        let long = String(repeating: "p", count: 240)
        for name in ["a.png", "-dash.png", ".png", "\(long).png", "b.png"] { _ = try makeImage(name) }
        _ = try makeImage("dot.png", width: 1, height: 1)
        _ = try makeImage("big.png", width: 2500, height: 2500)
        // A name like an option comes from a list (on the command line it would be batch's own option).
        try "-dash.png\n.png\n".write(toFile: file("list.txt"), atomically: true, encoding: .utf8)
        let batch = try run(["batch", "a.png", "dot.png", "big.png", "--list", "list.txt", "\(long).png", "b.png", "-o", "out/{name}.png", "--",
                             "stylize", "--style", style, "--iterations", "1", "--max-memory", "1G", "-q"])
        XCTAssertEqual(batch.status, 1, batch.stderr)
        XCTAssertTrue(batch.stdout.isEmpty, "nothing on standard output")
        XCTAssertTrue(batch.stderr.contains("Error: dot.png:") && batch.stderr.contains("Error: big.png:"), batch.stderr)
        XCTAssertTrue(batch.stderr.contains("5 done, 0 skipped, 2 failed: dot.png, big.png"), batch.stderr)
        for name in ["a", "-dash", ".png", long, "b"] {
            XCTAssertEqual(try header(file("out/\(name).png")).width, 48, name)
        }
    }

    /// `--list -` stops reading at the same 64 MiB as a list file.
    func testABatchListOnStandardInputIsBounded() throws {
        let run = try run(["batch", "--list", "-", "-o", "{name}.png", "--", "apply", "--preset", "ink"],
                          stdin: Data(count: (64 << 20) + 65536))
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("64 MiB"), run.stderr)
    }

    /// --skip-existing skips only an image that decodes whole; an empty, damaged or other file is
    /// left alone as promised but is not a result, so the run fails (and a batch says so); an
    /// output that is the input is refused, never skipped.
    func testSkipExistingSkipsOnlyResults() throws {
        try requireWeights()
        let photo = try makeImage("photo.png"), style = try makeImage("style.png", width: 32, height: 32)
        let arguments = ["stylize", photo, style, "--iterations", "1", "--size", "24", "--skip-existing", "-q"]
        for (name, bytes) in [("empty.png", Data()), ("text.png", Data("not an image".utf8)), ("cut.png", contents(photo)!.prefix(200))] {
            try bytes.write(to: URL(fileURLWithPath: file(name)))
            let run = try run(arguments + ["-o", file(name)])
            XCTAssertEqual(run.status, 74, run.stderr)
            XCTAssertTrue(run.stderr.contains("is not a whole image"), run.stderr)
            XCTAssertEqual(contents(file(name)), bytes, name)
        }
        let made = try run(arguments + ["-o", file("result.png")])
        XCTAssertEqual(made.status, 0, made.stderr)
        let result = contents(file("result.png"))
        let skipped = try run(arguments + ["-o", file("result.png"), "--json"])
        XCTAssertTrue(String(decoding: skipped.stdout, as: UTF8.self).contains("\"skipped\""))
        XCTAssertEqual(contents(file("result.png")), result)
        let original = contents(photo)
        let same = try run(arguments + ["-o", photo])
        XCTAssertEqual(same.status, 64, same.stderr)
        XCTAssertTrue(same.stderr.contains("is the input"), same.stderr)
        XCTAssertEqual(contents(photo), original)
    }

    /// The exit-status table of the README, a row each: what is wrong with an input is 65 whether
    /// the input is an image or not.
    func testEveryBadInputHasTheBadInputStatus() throws {
        try requireWeights()
        try shippedPreset("ink")
        let photo = try makeImage("photo.png"), style = try makeImage("style.png", width: 32, height: 32)
        func status(_ arguments: [String]) throws -> Int32 { try run(arguments).status }
        let apply = ["apply", "--preset-dir", file("presets"), photo, "-o", file("out.png"), "--size", "24"]
        try "{ bad".write(toFile: file("presets/broken.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try status(apply + ["--preset", "broken"]), 65, "malformed preset JSON")
        try ("{\"name\": \"" + String(repeating: "x", count: 1 << 20) + "\"}").write(toFile: file("presets/huge.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try status(apply + ["--preset", "huge"]), 65, "a preset over 1 MiB")
        var ink = try String(contentsOfFile: file("presets/ink.json"), encoding: .utf8)
        ink = ink.replacingOccurrences(of: "\"ink\"", with: "\"damaged\"")
        try ink.write(toFile: file("presets/damaged.json"), atomically: true, encoding: .utf8)
        try Data(contents(file("presets/ink.network"))!.prefix(4000)).write(to: URL(fileURLWithPath: file("presets/damaged.network")))
        XCTAssertEqual(try status(apply + ["--preset", "damaged"]), 65, "a damaged network")
        let painting = try makeImage("painting.png", width: 32, height: 32)
        let created = try run(["preset", "create", "fifo", "--style", painting, "--preset-dir", file("presets")])
        XCTAssertEqual(created.status, 0, created.stderr)
        try FileManager.default.removeItem(atPath: painting)
        XCTAssertEqual(mkfifo(painting, 0o600), 0)
        try FileManager.default.removeItem(atPath: presetCache(file("presets/fifo.json")))
        XCTAssertEqual(try status(apply + ["--preset", "fifo", "--method", "optimize"]), 65, "a preset image that is a FIFO")
        let wide = try makeImage("wide.png", width: 80, height: 20)
        XCTAssertEqual(try status(apply + ["--preset", "ink", "--mask", wide]), 65, "a mask of other proportions")
        XCTAssertEqual(try status(["apply", "--preset-dir", file("presets"), "--preset", "ink", file("none.png"), "-o", file("out.png")]), 65,
                       "a missing photo")
        XCTAssertEqual(try status(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", file("no/such/folder/out.png")]), 74,
                       "an output folder that does not exist")
        XCTAssertEqual(try status(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", photo + "/out.png"]), 74,
                       "an output folder that is a file")
        XCTAssertEqual(try status(apply + ["--preset", "ink", "--no-such-flag"]), 64, "a wrong flag")
        XCTAssertEqual(try status(["preset", "create", "a/b", "--style", style, "--preset-dir", file("presets")]), 64, "a wrong preset name")
        XCTAssertEqual(try status(apply + ["--preset", "ink", "--weights", photo]), 78, "weights that are not the weights")
        XCTAssertEqual(try status(["info", "--weights", photo]), 78, "info with weights that do not verify")
        XCTAssertEqual(try status(apply + ["--preset", "ink"]), 0)
        XCTAssertEqual(try status(["stylize", photo, style, "-o", file("o2.png"), "--iterations", "1", "--size", "24"]), 0)
    }

    /// Float photos with NaN or infinite samples are refused on both paths (they painted black
    /// with success); a float mask beyond its range is as white as it goes, not black.
    func testNonFiniteSamplesAreRefused() throws {
        try requireWeights()
        try shippedPreset("ink")
        func pfm(_ name: String, _ value: Float) throws -> String {
            var bytes = Data("PF\n24 20\n-1.0\n".utf8)
            for i in 0..<(24 * 20 * 3) {
                var v: Float = i == 7 ? value : 0.5
                bytes.append(Data(bytes: &v, count: 4))
            }
            try bytes.write(to: URL(fileURLWithPath: file(name)))
            return file(name)
        }
        for value in [Float.nan, .infinity] {
            let photo = try pfm("bad\(value).pfm", value)
            for method in ["fast", "optimize"] {
                let run = try run(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", file("out.png"), "--method", method,
                                   "--iterations", "1"])
                XCTAssertEqual(run.status, 65, "\(value) \(method): \(run.stderr)")
                XCTAssertTrue(run.stderr.contains("not finite"), run.stderr)
            }
        }
        let photo = try makeImage("photo.png", width: 24, height: 20)
        var mask = Data("Pf\n24 20\n-1.0\n".utf8)
        for _ in 0..<(24 * 20) {
            var v: Float = 1e20
            mask.append(Data(bytes: &v, count: 4))
        }
        try mask.write(to: URL(fileURLWithPath: file("mask.pfm")))
        let apply = ["apply", "--preset-dir", file("presets"), "--preset", "ink", photo]
        XCTAssertEqual(try run(apply + ["-o", file("masked.png"), "--mask", file("mask.pfm")]).status, 0)
        XCTAssertEqual(try run(apply + ["-o", file("whole.png")]).status, 0)
        XCTAssertEqual(try ImageIO.load(file("masked.png")).pixels, try ImageIO.load(file("whole.png")).pixels)
    }

    /// A network whose values overflow (hand-edited, finite) is an error, not a black picture; and
    /// the network path keeps to --max-memory (it was ignored there).
    func testTheNetworkPathChecksItsOutputAndItsBudget() throws {
        try requireWeights()
        try shippedPreset("ink")
        let photo = try makeImage("photo.png")
        let fits = try run(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", file("ok.png")])
        XCTAssertEqual(fits.status, 0, fits.stderr)
        let small = try run(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", file("small.png"), "--max-memory", "200M"])
        XCTAssertEqual(small.status, 64, small.stderr)
        XCTAssertTrue(small.stderr.contains("--max-memory must be 1G … 1024G"), small.stderr)
        // Below every door's floor, so through the library: the network's windows must fit.
        let located = try PresetStore.load(path: file("presets/ink.json"))
        let tight = try StyleJob.preset(located, network: try TestSupport.network(), photo: try PhotoInput(path: photo), size: (48, 40),
                                        memory: MemoryBudget(bytes: 200 << 20))
        XCTAssertThrowsError(try tight.run { _ in true }) { XCTAssertTrue("\($0)".contains("raise --max-memory"), "\($0)") }

        let network = FeedForwardNetwork(shape: FeedForwardNetwork.Shape(width: 4, residualBlocks: 1, boundedOutput: false), seed: 3)
        network.parameters.load(network.parameters.valueArray.map { $0 * 1e30 })
        try Data(FeedForwardFile(network: network, fields: try located.networkFields()).encoded())
            .write(to: URL(fileURLWithPath: file("presets/ink.network")))
        let run = try run(["apply", "--preset-dir", file("presets"), "--preset", "ink", photo, "-o", file("out.png")])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("not finite"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("out.png")))
    }

    /// An output name of 255 bytes is written (the temporary beside it, and the work directory
    /// of a run of several scales, were longer than a name may be).
    func testTheLongestNamesAreWritten() throws {
        try requireWeights()
        let photo = try makeImage("photo.png"), style = try makeImage("style.png", width: 32, height: 32)
        let name = String(repeating: "n", count: 251) + ".png"
        let run = try run(["stylize", photo, style, "-o", file(name), "--size", "40", "--base-size", "20", "--iterations", "1",
                           "--refine-iterations", "1", "-q"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try header(file(name)).width, 40)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted(), [name, "photo.png", "style.png"],
                       "no temporary or work directory left")
    }

    /// Messages about a photo on standard input name standard input, not the spool file.
    func testStandardInputIsCalledThat() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 32, height: 32)
        let cut = contents(try makeImage("photo.png"))!.prefix(300)
        let run = try run(["stylize", "-", style, "-o", file("out.png"), "--iterations", "1"], stdin: Data(cut))
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("standard input") && !run.stderr.contains("filterctl-stdin"), run.stderr)
    }

    /// A banner through the C API's whole-image door (the same job as the CLI's).
    func testACBannerIsStylized() throws {
        try requireWeights()
        let context = try TestSupport.cContext {
            $0.iterations = 1
            $0.refine_iterations = 1
        }
        defer { sf_context_destroy(context) }
        XCTAssertEqual(sf_context_load_style(context, try makeImage("style.png", width: 64, height: 64)), SF_OK)
        var pixels = RGBImage.pattern(width: 1200, height: 100, seed: 5).pixels
        let status = pixels.withUnsafeMutableBytes { bytes in
            var image = sf_image(data: bytes.baseAddress, width: 1200, height: 100, stride: 1200 * 3, bands: 3, format: SF_FORMAT_U8)
            var output = image
            return sf_stylize(context, &image, &output)
        }
        XCTAssertEqual(status, SF_OK, String(cString: sf_context_last_error(context)))
    }

    /// sf_context_load_style: an image too thin for the network is the header's STYLE status.
    func testACStyleTooThinIsAStyleError() throws {
        try requireWeights()
        let context = try TestSupport.cContext { $0.style_size = 64 }
        defer { sf_context_destroy(context) }
        XCTAssertEqual(sf_context_load_style(context, try makeImage("thin.png", width: 400, height: 16)), SF_ERROR_STYLE)
        XCTAssertTrue(String(cString: sf_context_last_error(context)).contains("needs at least"))
    }
}

/// Trainings that never lose work: a network that appears while one trains is kept, a resumed
/// loss log appends only to a log, a damaged checkpoint is bad input, a full disk leaves a state
/// to resume from.
extension PresetTrainTests {
    /// Another training (here: a file written mid-run) takes the name first: its network stays
    /// byte for byte, this training's is kept beside it and said, and the run does not report success.
    func testASecondTrainingOfOneNameKeepsBothNetworks() throws {
        try requireWeights()
        try makePreset()
        let process = try filterctlProcess(train(["--steps", "300", "--checkpoint-every", "1"]))
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: file("mine/tiny.network.checkpoint")) && Date() < deadline { usleep(20_000) }
        let other = Data("the other training's network".utf8)
        try other.write(to: URL(fileURLWithPath: file("mine/tiny.network")))
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: file("mine/tiny.network")), other)
        XCTAssertTrue(stderr.contains("tiny.network.2"), stderr)
        XCTAssertNoThrow(try FeedForwardFile(decoding: Array(FileManager.default.contents(atPath: file("mine/tiny.network.2")) ?? Data())).network())
    }

    /// --resume --loss-log appends to a log a training wrote, never to another file; a damaged
    /// checkpoint is bad input (65), not a failure of the tool (1).
    func testAResumedTrainingWritesOnlyItsOwnLog() throws {
        try requireWeights()
        try makePreset()
        let steps = ["--steps", "400", "--checkpoint-every", "1"]
        let stopped = try runTerminated(train(steps + ["--loss-log", file("loss.jsonl")]), once: file("mine/tiny.network.checkpoint"), within: 120)
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        let preset = try XCTUnwrap(FileManager.default.contents(atPath: file("mine/tiny.json")))
        for path in [file("mine/tiny.json"), try makeImage("photo.png")] {
            let kept = FileManager.default.contents(atPath: path)
            let run = try run(train(steps + ["--resume", "--loss-log", path]))
            XCTAssertEqual(run.status, 64, run.stderr)
            XCTAssertTrue(run.stderr.contains("not a training's loss log"), run.stderr)
            XCTAssertEqual(FileManager.default.contents(atPath: path), kept)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: file("mine/tiny.json")), preset)

        let checkpoint = try XCTUnwrap(FileManager.default.contents(atPath: file("mine/tiny.network.checkpoint")))
        var damaged = checkpoint
        damaged[damaged.count / 2] ^= 0xff
        try damaged.write(to: URL(fileURLWithPath: file("mine/tiny.network.checkpoint")))
        let refused = try run(train(steps + ["--resume"]))
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot be resumed"), refused.stderr)
        try checkpoint.write(to: URL(fileURLWithPath: file("mine/tiny.network.checkpoint")))

        let resumed = try run(train(steps + ["--resume", "--loss-log", file("loss.jsonl")]))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let lines = try String(contentsOfFile: file("loss.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("{\"iteration\":1,") ?? false, "\(lines.first ?? "")")
        XCTAssertTrue(lines.last?.hasPrefix("{\"iteration\":400,") ?? false, "\(lines.last ?? "")")
    }

    /// On a full disk the training goes on with a warning, and its end (where the network cannot be
    /// written either) leaves the training resumable in the temporary folder and says where.
    func testAFullDiskNeverLosesTheTraining() throws {
        try requireWeights()
        try makePreset()
        // The preset's folder on a file system that has room for no new file: every write there fails.
        let full = file("full")
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: file("mine"))
        guard try shell(["mount", "-t", "tmpfs", "-o", "size=16m,nr_inodes=\(files.count + 1)", "tmpfs", full]).status == 0 else {
            throw XCTSkip("mounting a tmpfs needs root")
        }
        defer { _ = try? shell(["umount", full]) }
        for name in files { try FileManager.default.copyItem(atPath: file("mine/" + name), toPath: full + "/" + name) }
        try FileManager.default.createDirectory(atPath: file("tmp"), withIntermediateDirectories: true)
        let run = try run(["preset", "train", "tiny", "--preset-dir", full, "--photos", file("photos"), "--crop-size", "32",
                           "--width", "4", "--blocks", "1", "--steps", "4", "--checkpoint-every", "1"], environment: ["TMPDIR": file("tmp")])
        let stderr = run.stderr
        XCTAssertEqual(run.status, 74, stderr)
        XCTAssertEqual(stderr.components(separatedBy: "warning: cannot write the checkpoint").count, 2, "warned once: \(stderr)")
        let spare = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: file("tmp")).first { $0.hasPrefix("tiny.network.checkpoint.") })
        XCTAssertTrue(stderr.contains(file("tmp/" + spare)) && stderr.contains("--resume"), stderr)
        let kept = try FeedForwardFile(decoding: Array(try XCTUnwrap(FileManager.default.contents(atPath: file("tmp/" + spare)))))
        XCTAssertEqual(kept.adam?.steps, 4, "the finished training, resumable")
    }
}
