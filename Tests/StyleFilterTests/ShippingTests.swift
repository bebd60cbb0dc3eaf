import Foundation
import XCTest
@testable import StyleFilter

/// What a new user meets first: a quiet run that is quiet, a progress line that fits the
/// terminal, libvips' output conventions, and presets found where an installed tool keeps them.
final class ShippingTests: FilterctlTestCase {
    func sh(_ command: String) throws -> (status: Int32, output: String) { try shell(["sh", "-c", command]) }

    func testQuietPrintsNothingButErrors() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 48, height: 40)
        // A photo with alpha written as JPEG: a run that has a note to make.
        XCTAssertEqual(try sh("vips bandjoin_const content.png alpha.png 200").status, 0)
        let arguments = ["stylize", file("alpha.png"), content, "--size", "32", "--iterations", "2"]
        let loud = try run(arguments + ["-o", file("loud.jpg")])
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertTrue(loud.stderr.contains("note: ") && loud.stderr.contains("iteration 2/2"), loud.stderr)
        for flag in ["-q", "--quiet"] {
            let quiet = try run(arguments + ["-o", file("quiet\(flag).jpg"), flag])
            XCTAssertEqual(quiet.status, 0, quiet.stderr)
            XCTAssertEqual(quiet.stderr, "", "\(flag) prints nothing")
        }
        let failing = try run(["stylize", file("missing.png"), content, "-o", file("x.png"), "-q"])
        XCTAssertNotEqual(failing.status, 0)
        XCTAssertTrue(failing.stderr.contains("missing.png"), "errors still show: \(failing.stderr)")
    }

    /// On a 60-column terminal every update of the live line fits in 59 columns: a wrapped line
    /// leaves a trail of copies.
    func testTheLiveProgressLineFitsTheTerminal() throws {
        try requireWeights()
        try TestSupport.require(try sh("command -v script").status == 0, "script (bsdutils)")
        _ = try makeImage("content.png", width: 48, height: 40)
        let command = "stty cols 60 rows 20; '\(filterctl.path)' stylize content.png content.png -o out.png --size 32 --iterations 3"
        let result = try sh("script -qec \"\(command)\" /dev/null")
        XCTAssertEqual(result.status, 0, result.output)
        // "\r\n" is one Character in Swift: split on the scalars.
        let updates = result.output.replacingOccurrences(of: "\u{1B}[2K", with: "").unicodeScalars
            .split(whereSeparator: { $0 == "\r" || $0 == "\n" }).map { String(String.UnicodeScalarView($0)) }
        XCTAssertTrue(updates.contains { $0.contains("3/3") && $0.contains("ETA") }, result.output)
        for update in updates { XCTAssertLessThanOrEqual(update.count, 59, update) }
    }

    func testABareSuffixWritesThatFormatToStandardOutput() throws {
        let png = try run(["preset", "paint", "mosaic", "--size", "32", "-o", ".png"])
        XCTAssertEqual(png.status, 0, png.stderr)
        XCTAssertEqual(Array(png.stdout.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG on standard output")
        let jpeg = try run(["preset", "paint", "mosaic", "--size", "32", "-o", ".jpg[Q=95]"])
        XCTAssertEqual(jpeg.status, 0, jpeg.stderr)
        XCTAssertEqual(Array(jpeg.stdout.prefix(3)), [0xFF, 0xD8, 0xFF], "a JPEG on standard output")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }, [],
                       "no hidden file named after the suffix")
        try assertFails(["preset", "paint", "mosaic", "-o", ".png", "--format", "jpg"], mentions: "contradicts")
    }

    /// The networks shipped beside the presets (the README names them) load for their presets as
    /// they are now (checksum, style, weights, pooling, layers) and paint: a pass changes a photo.
    func testShippedNetworksAreCurrent() throws {
        try requireWeights()
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets").path
        let names = try FileManager.default.contentsOfDirectory(atPath: shipped).filter { $0.hasSuffix(".network") }
        XCTAssertEqual(Set(names), ["swirls.network", "ink.network", "mosaic.network"])
        let photo = try ImageIO.load(try makeImage("photo.png", width: 64, height: 48))
        for name in names {
            let located = try PresetStore.load(path: shipped + "/" + name.replacingOccurrences(of: ".network", with: ".json"))
            let network = try XCTUnwrap(try located.trainedNetwork(), name)
            let painted = RGBImage(networkTensor: try TransformerInference.run(network, image: photo.networkTensor()))
            XCTAssertEqual([painted.width, painted.height], [64, 48], name)
            XCTAssertGreaterThan(OneEngineTests.meanDifference(painted.pixels, photo.pixels), 10, name)
        }
    }

    func testPaintTakesAPresetPaintedByAPainter() throws {
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets").path
        let ink = try run(["preset", "paint", "ink", "--preset-dir", shipped, "--size", "48", "-o", file("ink.png")])
        XCTAssertEqual(ink.status, 0, ink.stderr)
        let hatching = try run(["preset", "paint", "hatching", "--seed", "1", "--size", "48", "-o", file("hatching.png")])
        XCTAssertEqual(hatching.status, 0, hatching.stderr)
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: self.file(name))) }
        XCTAssertEqual(try bytes("ink.png"), try bytes("hatching.png"), "ink is hatching with seed 1")
        try assertFails(["preset", "paint", "nonsense", "-o", file("x.png")], mentions: "no preset named 'nonsense'")
        // A preset that exists but does not load is reported as such, not as unknown.
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: file("broken.json")))
        try assertFails(["preset", "paint", file("broken.json"), "-o", file("x.png")], mentions: "broken.json")
    }

    /// An installed tool's presets (share/stylefilter/presets under a data directory) are found,
    /// after the user's own.
    func testInstalledPresetsAreFoundAfterTheUsersOwn() throws {
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets/mosaic.json").path
        let installed = file("system-data/stylefilter/presets"), own = file("config/stylefilter/presets")
        for directory in [installed, own] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: shipped, toPath: installed + "/mosaic.json")
        let found = try run(["preset", "show", "mosaic"])
        XCTAssertEqual(found.status, 0, found.stderr)
        let shown = String(decoding: found.stdout, as: UTF8.self)
        XCTAssertTrue(shown.hasPrefix("# \(installed)/mosaic.json"), shown)
        // The package's folder holds only the package's files, even where the user could write.
        XCTAssertTrue(shown.contains("# statistics cache: \(file("cache"))/stylefilter/presets/mosaic-"), shown)
        try assertFails(["preset", "delete", "mosaic"], mentions: "not made by it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: installed + "/mosaic.json"), "an installed preset is never deleted")
        try FileManager.default.copyItem(atPath: shipped, toPath: own + "/mosaic.json")
        let mine = try run(["preset", "show", "mosaic"])
        XCTAssertTrue(String(decoding: mine.stdout, as: UTF8.self).hasPrefix("# \(own)/mosaic.json"))
    }
}

extension ShippingTests {
    /// The house rule the installed tool's size rests on: the library imports Glibc, never
    /// Foundation (which links itself and ICU into the library and the tool, about 50 MB each).
    func testTheLibraryDoesNotImportFoundation() throws {
        let sources = TestSupport.packageRoot.appendingPathComponent("Sources/StyleFilter").path
        let found = try sh("grep -rln '^import Foundation' '\(sources)' || true").output
        XCTAssertEqual(found, "", "files of the library that import Foundation")
    }
}
