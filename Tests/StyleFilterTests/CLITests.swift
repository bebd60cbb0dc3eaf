import Foundation
import XCTest
@testable import StyleFilter

/// filterctl as a user runs it: bad input gives a clear message, a non-zero exit and no output.
final class CLITests: FilterctlTestCase {
    func testBadInputsFailCleanly() throws {
        let style = try makeImage("style.png")
        try assertFails(["stylize", file("missing.jpg"), style, "-o", file("out.png")], mentions: "no such file")

        try Data("this is not an image\n".utf8).write(to: scratch.appendingPathComponent("notes.jpg"))
        try assertFails(["stylize", file("notes.jpg"), style, "-o", file("out.png")], mentions: "not a readable image")

        let jpeg = try makeImage("whole.jpg", width: 256, height: 200)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: jpeg))
        try bytes.prefix(bytes.count / 2).write(to: scratch.appendingPathComponent("truncated.jpg"))
        try assertFails(["stylize", file("truncated.jpg"), style, "-o", file("out.png")], mentions: "truncated")

        try assertFails(["stylize", style, style, "-o", file("out.unknownformat")], mentions: "no image format")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--size", "0"], mentions: "--size")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--optimizer", "sgd"], mentions: "--optimizer")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--init", "blend:2"], mentions: "blend")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--style-layers", "relu9_1"], mentions: "unknown layer")
        try assertFails(["stylize", style, style, "-o", file("out.png"), "--weights", file("none.bin")], mentions: "weights not found")
    }

    func testStylizeWritesTheImageAndNothingElse() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
        let content = try makeImage("content.png", width: 64, height: 48)
        let style = try makeImage("style.jpg", width: 40, height: 40)
        let result = try run(["stylize", content, style, "-o", file("out.png"), "--size", "40", "--iterations", "3",
                              "--save-every", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = try ImageIO.load(file("out.png"))
        XCTAssertEqual([out.width, out.height], [40, 30])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path)),
                       ["content.png", "style.jpg", "out.png", "out-iter0002.png"])
        XCTAssertTrue(result.stderr.contains("iteration 3/3"), result.stderr)
    }

    /// `filterctl … 2>&1 | head -1` closes the progress pipe early: the run must still finish.
    func testAClosedProgressPipeDoesNotStopTheRun() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 48, height: 40)
        let process = Process()
        process.executableURL = filterctl
        process.arguments = ["stylize", content, content, "-o", file("out.png"), "--size", "32", "--iterations", "4"]
        var environment = TestSupport.programEnvironment
        environment["STYLEFILTER_WEIGHTS"] = TestSupport.weightsPath
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        try err.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(process.terminationReason, .exit, "not killed by SIGPIPE")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("out.png")))
    }

    func testStandardInputToStandardOutput() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
        let content = try Data(contentsOf: URL(fileURLWithPath: try makeImage("content.png", width: 64, height: 48)))
        let style = try makeImage("style.png")
        let result = try run(["stylize", "-", style, "-o", "-", "--format", "png", "--size", "32", "--iterations", "2", "--quiet"],
                             stdin: content)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Array(result.stdout.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG on standard output")
        XCTAssertEqual(result.stderr, "", "--quiet prints nothing")
    }

    /// JPEG is written at quality 92 unless the name sets Q (libvips' own 75 blocks fine brushwork).
    func testJPEGIsWrittenAtAHighQualityUnlessTheNameSaysOtherwise() throws {
        XCTAssertEqual(ImageIO.withDefaultQuality("out.jpg"), "out.jpg[Q=92]")
        XCTAssertEqual(ImageIO.withDefaultQuality("Out.JPEG[strip]"), "Out.JPEG[strip,Q=92]")
        XCTAssertEqual(ImageIO.withDefaultQuality("out.jpg[Q=60]"), "out.jpg[Q=60]")
        XCTAssertEqual(ImageIO.withDefaultQuality("out.png"), "out.png")
        let picture = RGBImage.pattern(width: 64, height: 48, seed: 5)
        for name in ["default.jpg", "q92.jpg[Q=92]", "q75.jpg[Q=75]"] { try ImageIO.save(picture, to: file(name)) }
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: self.file(name))) }
        XCTAssertEqual(try bytes("default.jpg"), try bytes("q92.jpg"))
        XCTAssertNotEqual(try bytes("default.jpg"), try bytes("q75.jpg"))
    }

    func testInfoReportsTheWeights() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
        let ok = try run(["info"])
        XCTAssertEqual(ok.status, 0)
        XCTAssertTrue(String(decoding: ok.stdout, as: UTF8.self).contains("sha256 verified"))
        let bad = try run(["info", "--weights", file("none.bin")])
        XCTAssertNotEqual(bad.status, 0)
    }
}
