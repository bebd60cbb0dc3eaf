import Foundation
import XCTest
@testable import StyleFilter

/// What a hostile or careless user tries: nothing the tool did not make is deleted or overwritten,
/// no input ends in a crash, a hang or unbounded memory, and no failed run reports success.
final class ReliabilityTests: FilterctlTestCase {
    /// Two scales (20 and 40 px), so the run keeps a work directory.
    func twoScaleRun(_ content: String, _ style: String, _ extra: [String]) -> [String] {
        ["stylize", content, style, "--size", "40", "--base-size", "20", "--iterations", "2", "--refine-iterations", "1",
         "--quiet"] + extra
    }

    func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func testAnExistingWorkDirectoryIsRefusedUntouched() throws {
        try requireWeights()
        let content = try makeImage("content.png"), style = try makeImage("style.png", width: 32, height: 32)
        try FileManager.default.createDirectory(atPath: file("mine"), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: file("mine/notes.txt")))
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path))

        for workDir in [file("mine"), ".", scratch.path] {
            let run = try run(twoScaleRun(content, style, ["-o", file("out.png"), "--work-dir", workDir]))
            XCTAssertNotEqual(run.status, 0, workDir)
            XCTAssertTrue(run.stderr.contains("not a work directory this tool made"), run.stderr)
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path)), before, workDir)
            XCTAssertEqual(contents(file("mine/notes.txt")), Data("keep me".utf8))
        }
        // The default work directory (OUTPUT.work) is refused the same way when the user owns it.
        try FileManager.default.createDirectory(atPath: file("out.png.work"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: file("out.png.work/scale-0.f32")))
        let refused = try run(twoScaleRun(content, style, ["-o", file("out.png")]))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertEqual(contents(file("out.png.work/scale-0.f32")), Data("mine".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("out.png")))

        // A directory this tool made is reused and removed at the end; a stranger's file in it stays.
        let ok = try run(twoScaleRun(content, style, ["-o", file("ok.png"), "--work-dir", file("w")]))
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("w")), "the finished run's work directory is gone")
        _ = try WorkDirectory(path: file("w2"), identity: "x", resume: false)
        try Data("user".utf8).write(to: URL(fileURLWithPath: file("w2/user.txt")))
        let again = try run(twoScaleRun(content, style, ["-o", file("ok2.png"), "--work-dir", file("w2")]))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: file("w2")), ["user.txt"])
    }

    func testOutputsNeverOverwriteInputs() throws {
        let content = try makeImage("content.png"), style = try makeImage("style.png", width: 32, height: 32)
        try FileManager.default.createSymbolicLink(atPath: file("link.png"), withDestinationPath: content)
        let original = contents(content)
        for (arguments, text) in [
            (["stylize", content, style, "-o", "./link.png"], "is the input"),
            (["stylize", content, style, "-o", file("./content.png")], "is the input"),
            (["stylize", content, style, "-o", file("style.png")], "is the input"),
            (["stylize", content, style, "-o", file("out.png"), "--loss-log", file("out.png")], "both name"),
            (["stylize", content, style, "-o", file("out.png"), "--loss-plot", style], "is the input"),
            (["stylize", content, style, "-o", file("out.png"), "--loss-log", content], "is the input"),
            (["stylize", content, style, "-o", file("out.png"), "--init", file("init.png"), "--loss-log", file("init.png")], "is the input"),
            (["stylize", content, style, "-o", scratch.path], "is a directory"),
        ] {
            if arguments.contains(file("init.png")) { _ = try makeImage("init.png") }
            try assertFails(arguments + ["--size", "32", "--iterations", "1"], mentions: text)
        }
        XCTAssertEqual(contents(content), original)

        // frames: results written into the frames' own folder in their own format would replace them.
        try FileManager.default.createDirectory(atPath: file("clip"), withIntermediateDirectories: true)
        for i in 0..<2 { try FileManager.default.moveItem(atPath: try makeImage("f\(i).png"), toPath: file("clip/f\(i).png")) }
        let frame = contents(file("clip/f0.png"))
        try assertFails(["frames", file("clip"), "-o", file("clip"), "--style", style, "--iterations", "1"], mentions: "is the input")
        XCTAssertEqual(contents(file("clip/f0.png")), frame)

        // apply: the photo is the output.
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/ink.json").path,
                                         toPath: file("presets/ink.json"))
        let applied = try run(["apply", "--preset", "ink", content, "-o", file("link.png")])
        XCTAssertNotEqual(applied.status, 0)
        XCTAssertTrue(applied.stderr.contains("is the input"), applied.stderr)
        XCTAssertEqual(contents(content), original)
    }

    func testPresetCreateNeverReplacesSilently() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 48, height: 48)
        let other = try makeImage("other.png", width: 40, height: 40)
        let create = ["preset", "create", "same", "--preset-dir", file("p"), "--style-size", "32", "--scales", "32:2"]
        // Two at once: exactly one wins, the other says why; the winner's preset and cache are whole.
        let processes = try [style, other].map { image -> (Process, Pipe) in
            let p = try filterctlProcess(create + ["--style", image])
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            return (p, err)
        }
        var statuses: [Int32] = [], messages = ""
        for (p, err) in processes {
            messages += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            statuses.append(p.terminationStatus)
        }
        XCTAssertEqual(statuses.sorted(), [0, 64], messages)
        XCTAssertTrue(messages.contains("already exists"), messages)
        let cache = presetCache(file("p/same.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache), "the winner's cache survived")
        let json = contents(file("p/same.json"))

        let third = try run(create + ["--style", other])
        XCTAssertEqual(third.status, 64)
        XCTAssertEqual(contents(file("p/same.json")), json)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache))

        // Standard input cannot be a preset's style: refused, nothing written.
        let piped = try run(["preset", "create", "piped", "--preset-dir", file("p"), "--style", "-"], stdin: Data(repeating: 0, count: 10))
        XCTAssertNotEqual(piped.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("p/piped.json")))
        // A style that fails while its statistics are made leaves no preset behind.
        // (a 200×10 painting passes the check at 64 px, but at 16 px it is 16×1, too small for relu5_1)
        let thin = try makeImage("thin.png", width: 200, height: 10)
        let failed = try run(["preset", "create", "thin", "--preset-dir", file("p"), "--style", thin, "--style-size", "16", "--scales", "16:1"])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("p/thin.json")), failed.stderr)
    }

    /// A run killed at its final rename leaves `.NAME.PID.partial.ext`: the next write of NAME
    /// removes it (the process is gone); a live process's temporary, or another file's, stays.
    func testAKilledRunsTemporaryIsCleanedUp() throws {
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let stale = file(".out.png.\(dead).partial.png"), live = file(".out.png.\(getpid()).partial.png")
        let unrelated = file(".other.png.\(dead).partial.png")
        for path in [stale, unrelated] { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
        try ImageIO.save(RGBImage.pattern(width: 20, height: 20, seed: 1), to: file("out.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: unrelated))
        XCTAssertEqual(Files.partialTarget(Files.basename(live)), "out.png")
        XCTAssertEqual(Files.partialTarget(".scale-3.f32.12.partial"), "scale-3.f32")
        XCTAssertNil(Files.partialTarget(".out.png.x12.partial.png"))
        XCTAssertNil(Files.partialTarget("out.png"))
    }

    func testEmptyAndEndlessStandardInputEndWithAMessage() throws {
        try requireWeights()
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/ink.json").path,
                                         toPath: file("presets/ink.json"))
        let style = try makeImage("style.png", width: 32, height: 32)
        for arguments in [["apply", "--preset", "ink", "-", "-o", file("out.png")],
                          ["stylize", "-", style, "-o", file("out.png"), "--size", "32"],
                          ["stylize", style, style, "--init", "-", "-o", file("out.png"), "--size", "32"]] {
            try assertFails(arguments, mentions: "standard input is empty", stdin: Data())
            // (less than a pipe's buffer, so the write never meets a reader that has gone)
            try assertFails(arguments, mentions: "standard input", stdin: Data(repeating: 0, count: 60_000))
        }
        // /dev/zero itself, not a few megabytes of it: the first bytes decide.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec '\(filterctl.path)' apply --preset ink - -o out.png < /dev/zero"]
        process.currentDirectoryURL = scratch
        process.standardError = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 65, "not an image")
    }

    func testSpecialFilesAreRefusedWithoutReadingThem() throws {
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file("presets/zero.json"), withDestinationPath: "/dev/zero")
        XCTAssertEqual(mkfifo(file("presets/fifo.json"), 0o600), 0)
        for name in ["zero", "fifo"] {
            XCTAssertThrowsError(try PresetStore.load(path: file("presets/\(name).json"))) { error in
                XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Files.read(file("presets/fifo.json"), limit: 10).get())
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: file("big")))
        XCTAssertThrowsError(try Files.read(file("big"), limit: 99).get())
        XCTAssertEqual(try Files.read(file("big"), limit: 100).get().count, 100)
        // Weights: a link to /dev/zero is refused at once, a larger file before it is read.
        try FileManager.default.createSymbolicLink(atPath: file("w.bin"), withDestinationPath: "/dev/urandom")
        XCTAssertThrowsError(try VGG19Weights.load(path: file("w.bin")))
        try Data(count: VGG19Weights.byteCount + 1).write(to: URL(fileURLWithPath: file("big.bin")))
        XCTAssertThrowsError(try VGG19Weights.load(path: file("big.bin"))) { XCTAssertTrue("\($0)".contains("bytes"), "\($0)") }
    }

    func testOversizedAndUntrustedImagesAreRefusedBeforeDecoding() throws {
        let style = try makeImage("style.png", width: 32, height: 32)
        let content = try makeImage("content.png", width: 48, height: 40)
        try assertFails(["stylize", content, style, "-o", file("out.png"), "--max-pixels", "1000"], mentions: "over the limit")
        // An SVG that asks for 8 gigapixels in 90 bytes: its loader is not trusted by default, and
        // the pixel limit holds when it is allowed.
        try Data(#"<svg xmlns="http://www.w3.org/2000/svg" width="90000" height="90000"></svg>"#.utf8)
            .write(to: URL(fileURLWithPath: file("bomb.svg")))
        try assertFails(["stylize", file("bomb.svg"), style, "-o", file("out.png")], mentions: "not safe with untrusted files")
        try assertFails(["stylize", file("bomb.svg"), style, "-o", file("out.png"), "--allow-untrusted-loaders"],
                        mentions: "over the limit")
        XCTAssertThrowsError(try ImageIO.loadPhoto(file("bomb.svg")))
    }

    func testAVeryWidePhotoIsShrunkNotRefused() throws {
        try requireWeights()
        try ImageIO.save(RGBImage.pattern(width: 16_400, height: 400, seed: 2), to: file("wide.png"))
        let style = try makeImage("style.png", width: 32, height: 32)
        let run = try run(["stylize", file("wide.png"), style, "-o", file("out.png"), "--size", "1024", "--base-size", "1024",
                           "--iterations", "1", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try ImageIO.load(file("out.png")).width, 1024)
        // The shrink-then-reduce path agrees with a direct reduce where both work.
        let photo = RGBImage.pattern(width: 2000, height: 60, seed: 3)
        try ImageIO.save(photo, to: file("p.png"))
        let viaBox = try ImageIO.load(file("p.png")) { _, _ in (40, 1) }
        XCTAssertEqual([viaBox.width, viaBox.height], [40, 1])
    }

    func testLossesThatOverflowFailTheRun() throws {
        let style = try makeImage("style.png", width: 32, height: 32)
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--style-weight", "3e38"], mentions: "--style-weight must be 0 … 1e15")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--style-weight", "0", "--content-weight", "0"],
                        mentions: "nothing to optimize")
        // Targets that overflow single precision: the run throws instead of returning its start.
        let network = try TestSupport.network()
        var options = TransferOptions()
        options.iterations = 3
        options.styleLayers = [try LayerWeight("relu1_1")]
        options.contentLayers = [try LayerWeight("relu1_1")]
        options.styleWeight = Defaults.styleWeight.range.upperBound
        let huge = StyleStatistics(grams: [("relu1_1", [Float](repeating: 1e30, count: 64 * 64))])
        let transfer = try StyleTransfer(network: network, content: RGBImage.pattern(width: 32, height: 32, seed: 4), style: huge, options: options)
        XCTAssertThrowsError(try transfer.run()) { XCTAssertTrue("\($0)".contains("not finite"), "\($0)") }
    }

    func testBadOutputNamesFailBeforeTheRun() throws {
        let content = try makeImage("content.png"), style = try makeImage("style.png", width: 32, height: 32)
        let start = Date()
        try assertFails(["stylize", content, style, "-o", file("out.jpg[Q=abc]"), "--iterations", "300"], mentions: "not an integer")
        try assertFails(["stylize", content, style, "-o", "-", "--format", "jpg[Q=abc]"], mentions: "--format")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "refused before the optimization")
    }

    /// A process with little address space gets errors, not aborts: a style too large for it, and
    /// a serve tile too large for it (the stream goes on).
    func testAnAddressSpaceLimitGivesErrorsNotAborts() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 40)
        let content = try makeImage("content.png", width: 48, height: 40)
        func limited(_ arguments: [String], stdin: String? = nil) throws -> (Int32, Process.TerminationReason, String) {
            // filterctl's own environment and folder, started through a shell that limits it first.
            let process = try filterctlProcess([])
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
            process.arguments = ["-c", "ulimit -v 2500000; exec '\(filterctl.path)' \(quoted)" + (stdin.map { " < '\($0)'" } ?? "")]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason, text)
        }
        let (status, reason, text) = try limited(["stylize", content, style, "-o", file("out.png"), "--style-size", "16384", "--size", "32"])
        XCTAssertEqual(reason, .exit, text)
        XCTAssertEqual(status, 64, text)
        XCTAssertTrue(text.contains("this process can have"), text)

        var frame = TileFrame(isRequest: true, kind: .tile, id: 7, width: 2048, height: 2048, bands: 3, format: .u8, margin: 0, iterations: 1)
        frame.payloadLength = frame.pixelBytes
        var small = TileFrame(isRequest: true, kind: .tile, id: 8, width: 16, height: 16, bands: 3, format: .u8, margin: 0, iterations: 1)
        small.payloadLength = small.pixelBytes
        let stream = frame.encoded() + [UInt8](repeating: 90, count: Int(frame.pixelBytes)) + small.encoded() + [UInt8](repeating: 90, count: 768)
        try Data(stream).write(to: URL(fileURLWithPath: file("frames.bin")))
        let served = try limited(["serve", "--stdio", "--style", style, "--style-size", "32", "--verbose"], stdin: file("frames.bin"))
        XCTAssertEqual(served.1, .exit, served.2)
        XCTAssertEqual(served.0, 0, served.2)
        XCTAssertTrue(served.2.contains("frame 7: a 2048×2048 tile needs about"), served.2)
        XCTAssertTrue(served.2.contains("served 1 tiles"), served.2)
    }
}
