import Foundation
import XCTest
import CShim
@testable import StyleFilter

/// The modes from the literature through filterctl: texture, reconstruction, blended styles,
/// frames, loss logs and plots, and parameter grids.
final class ModesTests: FilterctlTestCase {
    struct LogLine: Decodable {
        let iteration: Int
        let content: Double
        let style: Double
        let tv: Double
        let total: Double
    }

    /// Pages (frames) in an image file, as libvips counts them.
    func pageCount(_ path: String) throws -> Int {
        try ImageIO.start()
        let image = try XCTUnwrap(sf_vips_open_file(path, 0, 1))
        defer { g_object_unref(image) }
        return Int(vips_image_get_n_pages(image))
    }

    func readLog(_ name: String) throws -> [LogLine] {
        let text = try String(contentsOfFile: file(name), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(LogLine.self, from: Data($0.utf8)) }
    }

    func testTextureSynthesisMatchesStyleAtAnySize() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 64)
        let result = try run(["stylize", "--mode", "texture", style, "-o", file("texture.png"), "--width", "96", "--height", "40",
                              "--iterations", "15", "--loss-log", file("loss.jsonl"), "--loss-plot", file("loss.svg")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let texture = try ImageIO.load(file("texture.png"))
        XCTAssertEqual([texture.width, texture.height], [96, 40])
        let log = try readLog("loss.jsonl")
        XCTAssertEqual(log.map(\.iteration), Array(0...15))
        XCTAssertTrue(log.allSatisfy { $0.content == 0 }, "texture mode has no content term")
        XCTAssertLessThan(log.last!.style, log.first!.style / 10, "the style loss falls from noise")
        let svg = try String(contentsOfFile: file("loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2, "total and style; zero content and tv left out")
    }

    func testReconstructionFromNoiseApproachesThePhoto() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 64, height: 48)
        let result = try run(["stylize", "--mode", "reconstruct", photo, "-o", file("r.png"), "--size", "64",
                              "--content-layers", "relu1_1", "--iterations", "40", "--loss-log", file("loss.jsonl"), "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let log = try readLog("loss.jsonl")
        XCTAssertTrue(log.allSatisfy { $0.style == 0 })
        XCTAssertLessThan(log.last!.content, log.first!.content / 20)
        // Closer to the photo than the noise it started from, pixel for pixel.
        let original = try ImageIO.load(photo), rebuilt = try ImageIO.load(file("r.png"))
        var rng = SplitMix64(seed: 0)
        let noise = (0..<original.pixels.count).map { _ in rng.nextUnit() * 255 }
        func distance(_ a: [Double]) -> Double { zip(a, original.pixels).map { abs($0 - Double($1)) }.reduce(0, +) }
        XCTAssertLessThan(distance(rebuilt.pixels.map(Double.init)), distance(noise) / 2)

        try assertFails(["stylize", "--mode", "reconstruct", photo, photo, "-o", file("x.png")], mentions: "one CONTENT image")
        try assertFails(["stylize", "--mode", "texture", "-o", file("x.png")], mentions: "needs a STYLE")
        try assertFails(["stylize", photo, photo, "-o", file("x.png"), "--width", "64"], mentions: "texture mode")
    }

    func testSeveralStylesBlendTheirStatistics() throws {
        let network = try TestSupport.network()
        let a = RGBImage.pattern(width: 40, height: 40, seed: 1), b = RGBImage.pattern(width: 48, height: 32, seed: 2)
        let layers = TransferOptions().styleLayers
        let sa = try StyleStatistics(network: network, styles: [(a, 1)], layers: layers)
        let sb = try StyleStatistics(network: network, styles: [(b, 1)], layers: layers)
        let blend = try StyleStatistics(network: network, styles: [(a, 0.7), (b, 0.3)], layers: layers)
        for layer in 0..<layers.count {
            let ga = sa.grams[layer].gram, gb = sb.grams[layer].gram, g = blend.grams[layer].gram
            var worst = 0.0, scale = 0.0
            for i in g.indices {
                let expected = 0.7 * Double(ga[i]) + 0.3 * Double(gb[i])
                worst = max(worst, abs(Double(g[i]) - expected))
                scale = max(scale, abs(expected))
            }
            XCTAssertLessThan(worst, 1e-5 * scale, "blended Gram = 0.7·Gram(a) + 0.3·Gram(b)")
        }

        let photo = try makeImage("photo.png", width: 48, height: 40)
        let s1 = try makeImage("s1.png"), s2 = try makeImage("s2.png", width: 40, height: 48)
        let ok = try run(["stylize", photo, "--style", s1, "--style", s2, "--style-weights", "0.7,0.3", "-o", file("out.png"),
                          "--size", "48", "--iterations", "2", "--quiet"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        try assertFails(["stylize", photo, s1, s2, "--style-weights", "1", "-o", file("x.png")], mentions: "--style-weights needs 2")
        try assertFails(["stylize", photo, s1, "--style-weights", "0", "-o", file("x.png")], mentions: "not all 0")
    }

    func testFramesStartFromThePreviousResultAndAnimate() throws {
        try requireWeights()
        try FileManager.default.createDirectory(atPath: file("clip"), withIntermediateDirectories: true)
        // Two identical frames and a third: with no iterations after the first frame, frame 2
        // must be frame 1's result exactly, which shows where it started.
        let frame = RGBImage.pattern(width: 64, height: 48, seed: 4)
        try ImageIO.save(frame, to: file("clip/a.png"))
        try ImageIO.save(frame, to: file("clip/b.png"))
        try ImageIO.save(RGBImage.pattern(width: 64, height: 48, seed: 5), to: file("clip/c.jpg"))
        let style = try makeImage("style.png")
        let result = try run(["frames", file("clip"), "-o", file("out"), "--style", style, "--size", "48", "--iterations", "5",
                              "--frame-iterations", "0", "--animation", file("clip.gif"), "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try ImageIO.load(file("out/a.png")), b = try ImageIO.load(file("out/b.png")), c = try ImageIO.load(file("out/c.png"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(c, a, "frame 3 also starts from frame 2's result, and does not move with 0 iterations")
        XCTAssertNotEqual(a, try ImageIO.resize(frame, width: 48, height: 36), "the first frame is stylized")
        XCTAssertEqual(try pageCount(file("clip.gif")), 3)

        let glob = try run(["frames", file("clip/*.png"), "-o", file("out2"), "--style", style, "--size", "32", "--iterations", "1", "--quiet"])
        XCTAssertEqual(glob.status, 0, glob.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: file("out2")).sorted(), ["a.png", "b.png"])
        try assertFails(["frames", file("nothing/*.png"), "-o", file("out3"), "--style", style], mentions: "no frames found")
        try ImageIO.save(frame, to: file("clip/a.jpg"))
        try assertFails(["frames", file("clip"), "-o", file("out3"), "--style", style], mentions: "two frames are named a.*")
        try assertFails(["frames", file("clip"), "-o", file("out3")], mentions: "--style")
        try assertFails(["frames", file("clip/*.png"), "-o", file("out3"), "--style", style, "--weights", file("none.bin")],
                        mentions: "weights not found")  // and no out3 folder
    }

    func testGridWritesALabelledContactSheet() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 64, height: 48)
        let style = try makeImage("style.png")
        let result = try run(["grid", photo, style, "-o", file("sheet.png"), "--size", "64", "--iterations", "2",
                              "--vary", "style-weight=10,1000", "--vary", "style-layers=relu1_1;relu1_1,relu2_1", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let sheet = try ImageIO.load(file("sheet.png"))
        // Two columns of 200 px cells (captions keep at least that width), 8 px apart and around.
        XCTAssertEqual(sheet.width, 2 * 200 + 3 * 8)
        XCTAssertGreaterThan(sheet.height, 2 * 48 + 3 * 8, "two rows of pictures plus captions and a title")
        // The captions are real text: dark pixels in the band under the first picture.
        let title = 0..<(sheet.height - 2 * 48) / 4
        let dark = (0..<sheet.width * sheet.height).filter { i in
            let y = i / sheet.width
            return !title.contains(y) && sheet.pixels[3 * i] < 80 && sheet.pixels[3 * i + 1] < 80 && sheet.pixels[3 * i + 2] < 80
        }
        XCTAssertGreaterThan(dark.count, 100, "caption text drawn")
        try assertFails(["grid", photo, style, "-o", file("x.png"), "--vary", "colour=1,2"], mentions: "can sweep")
        try assertFails(["grid", photo, style, "-o", file("x.png"), "--vary", "style-weight=1,x"], mentions: "not a number")
        try assertFails(["grid", photo, style, "-o", file("x.png")], mentions: "one or two --vary")
    }

    /// Style strength by the start: blend:0 is the photo, blend:1 the noise, and between is the mix.
    func testBlendInitializationMixesPhotoAndNoise() {
        let photo = RGBImage.pattern(width: 20, height: 16, seed: 1).networkTensor()
        let noise = StyleTransfer.initialImage(.noise, content: photo, seed: 9)
        let start = { (alpha: Float) in StyleTransfer.initialImage(.blend(alpha), content: photo, seed: 9) }
        let zero = start(0), one = start(1), half = start(0.5)
        for i in 0..<photo.count {
            XCTAssertEqual(zero.data[i], photo.data[i], accuracy: 1e-4)
            XCTAssertEqual(one.data[i], noise.data[i], accuracy: 1e-4)
            XCTAssertEqual(half.data[i], 0.5 * (photo.data[i] + noise.data[i]), accuracy: 1e-3)
        }
    }
}
