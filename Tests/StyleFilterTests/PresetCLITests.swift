import Foundation
import XCTest
@testable import StyleFilter

/// Presets through filterctl: create, apply, list, show, delete, and the shipped ones.
final class PresetCLITests: FilterctlTestCase {
    /// The loss and optimizer flags both commands take, small enough for a test.
    let settings = ["--style-weight", "800", "--style-layers", "relu1_1,relu2_1:0.5,relu3_1", "--content-layers", "relu3_2",
                    "--optimizer", "lbfgs", "--tv-weight", "0.01"]

    func testCreateThenApplyMatchesStylize() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 80, height: 60)
        let style = try makeImage("style.png", width: 70, height: 50)
        let created = try run(["preset", "create", "small", "--style", style, "--style-size", "48", "--scales", "64:6",
                               "--preset-dir", file("mine"), "--description", "test preset"] + settings)
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("mine/small.json")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: presetCache(file("mine/small.json"))), "create caches the statistics")
        let presetBytes = try Data(contentsOf: URL(fileURLWithPath: file("mine/small.json")))

        let applied = try run(["apply", "--preset", "small", "--preset-dir", file("mine"), content, "-o", file("applied.png"), "--size", "64"])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let direct = try run(["stylize", content, style, "-o", file("direct.png"), "--size", "64", "--iterations", "6",
                              "--style-size", "48"] + settings)
        XCTAssertEqual(direct.status, 0, direct.stderr)
        let a = try ImageIO.load(file("applied.png")), d = try ImageIO.load(file("direct.png"))
        XCTAssertEqual([a.width, a.height], [64, 48])
        XCTAssertEqual(a, d, "apply with a preset gives stylize's image with the same settings")
        XCTAssertNotEqual(a, try ImageIO.load(content, resize: { _, _ in (64, 48) }), "the image was stylized")

        // The cache is enough: without the style image the preset still applies, identically.
        try FileManager.default.removeItem(atPath: style)
        let cached = try run(["apply", "--preset", file("mine/small.json"), content, "-o", file("cached.png"), "--quiet", "--size", "64"])
        XCTAssertEqual(cached.status, 0, cached.stderr)
        XCTAssertEqual(try ImageIO.load(file("cached.png")), a)
        // …but a size the cache does not cover needs the image, and says so.
        try assertFails(["apply", "--preset", file("mine/small.json"), content, "-o", file("big.png"), "--size", "96"],
                        mentions: "field 'style.image'")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file("mine/small.json"))), presetBytes,
                       "applying never rewrites the preset file")
    }

    /// Refining scales pool by averages: their painting statistics are computed with average
    /// pooling and not cached (the sidecar holds the preset's max pooling), max-pooled refining
    /// statistics are; a preset kept by its cache alone refines with what the cache has.
    func testRefiningScalesPoolTheirOwnWay() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 160, height: 120)
        // Larger than the refining scale needs (120 px), so its statistics are cacheable.
        let style = try makeImage("style.png", width: 200, height: 200)
        XCTAssertEqual(try run(["preset", "create", "p", "--style", style, "--style-size", "48", "--scales", "64:4",
                                "--preset-dir", file("mine")]).status, 0)
        let sidecar = URL(fileURLWithPath: presetCache(file("mine/p.json")))
        let created = try Data(contentsOf: sidecar)
        let averaged = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("avg.png"), "--refine-iterations", "1"])
        XCTAssertEqual(averaged.status, 0, averaged.stderr)
        XCTAssertEqual(try Data(contentsOf: sidecar), created, "average-pooled statistics are not cached")
        let maxed = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("max.png"), "--refine-iterations", "1",
                             "--refine-pooling", "max"])
        XCTAssertEqual(maxed.status, 0, maxed.stderr)
        XCTAssertNotEqual(try Data(contentsOf: sidecar), created, "max-pooled ones are, as before")
        XCTAssertNotEqual(try ImageIO.load(file("avg.png")), try ImageIO.load(file("max.png")))

        try FileManager.default.removeItem(atPath: style)
        let cached = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("cached.png"), "--refine-iterations", "1"])
        XCTAssertEqual(cached.status, 0, cached.stderr)
        XCTAssertEqual(try ImageIO.load(file("cached.png")), try ImageIO.load(file("max.png")), "without the image: the cache's pooling")
    }

    func testChangedStyleImageRebuildsTheCache() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 64, height: 48)
        let style = file("style.png")
        try ImageIO.save(RGBImage.pattern(width: 64, height: 64, seed: 1), to: style)
        XCTAssertEqual(try run(["preset", "create", "p", "--style", style, "--style-size", "32", "--scales", "48:12",
                                "--preset-dir", file("mine")]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: presetCache(file("mine/p.json"))))
        let first = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("a.png")])
        XCTAssertFalse(first.stderr.contains("rebuilding"), first.stderr)

        try ImageIO.save(RGBImage.pattern(width: 64, height: 64, seed: 2), to: style)
        let second = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("b.png")])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("the style image changed"), second.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: presetCache(file("mine/p.json")))), before)
        XCTAssertNotEqual(try ImageIO.load(file("a.png")), try ImageIO.load(file("b.png")))

        // A damaged cache is reported and rebuilt; the result is the same as from a sound one.
        try Data("SFGRAMS1 not really".utf8).write(to: URL(fileURLWithPath: presetCache(file("mine/p.json"))))
        let third = try run(["apply", "--preset", "p", "--preset-dir", file("mine"), content, "-o", file("c.png")])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("damaged cache"), third.stderr)
        XCTAssertEqual(try ImageIO.load(file("c.png")), try ImageIO.load(file("b.png")))
    }

    func testShippedPresetsLoadAndApply() throws {
        try requireWeights()
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets")
        let names = try FileManager.default.contentsOfDirectory(atPath: shipped.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3, "the project ships its presets")
        // Applied from a copy, so the test leaves the checkout's presets folder as it was.
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(atPath: shipped.appendingPathComponent(name).path, toPath: file("presets/\(name)"))
        }
        let listed = try run(["preset", "list"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let content = try makeImage("content.png", width: 60, height: 40)
        let original = try ImageIO.load(content)
        for name in names.map({ String($0.dropLast(5)) }) {
            XCTAssertTrue(String(decoding: listed.stdout, as: UTF8.self).contains("\(name)\t"), "list shows \(name)")
            let result = try run(["apply", "--preset", name, content, "-o", file("\(name).png"), "--size", "48", "--iterations", "10"])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let out = try ImageIO.load(file("\(name).png"))
            XCTAssertEqual([out.width, out.height], [48, 32], name)
            let meanChange = zip(out.pixels, try ImageIO.resize(original, width: 48, height: 32).pixels)
                .map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(out.pixels.count)
            XCTAssertGreaterThan(meanChange, 2, "\(name) changes the picture")
        }
    }

    /// The shipped networks paint in their painting's colours (issue 39: the first ones hatched in
    /// greys where the painting is black ink on cream, or laid pale stripes over the painting's
    /// saturated blues and yellows). Measured as the benchmarks do: the share of pixels in colours
    /// the painting never uses (16 levels a channel; the painting's cells with 3 or more pixels,
    /// widened by one cell each way), on a photo none of them was trained on: ink's first network
    /// 5.3 % here, today's 1.5 %; mosaic's 60 % and 36 %. (On this test picture swirls' first
    /// network and today's are 11.3 % and 9.8 %, too close to tell apart; on photos, 4.8–9.2 %
    /// and 3.5–6.8 %.)
    func testShippedNetworksPaintInThePaintingsColours() throws {
        try requireWeights()
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets").path
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try ImageIO.save(RGBImage.pattern(width: 256, height: 192, seed: 5), to: file("photo.png"))
        func cell(_ p: ArraySlice<UInt8>) -> Int { Int(p[p.startIndex] >> 4) << 8 | Int(p[p.startIndex + 1] >> 4) << 4 | Int(p[p.startIndex + 2] >> 4) }
        for (name, bound) in [("ink", 3.0), ("mosaic", 45.0)] {
            for suffix in [".json", ".network"] {
                try FileManager.default.copyItem(atPath: "\(shipped)/\(name)\(suffix)", toPath: file("presets/\(name)\(suffix)"))
            }
            let painted = try run(["preset", "paint", name, "-o", file("\(name)-painting.png")])
            XCTAssertEqual(painted.status, 0, painted.stderr)
            let applied = try run(["apply", "--preset", name, file("photo.png"), "-o", file("\(name).png"), "-q"])
            XCTAssertEqual(applied.status, 0, applied.stderr)
            let painting = try ImageIO.load(file("\(name)-painting.png")), result = try ImageIO.load(file("\(name).png"))
            var counts = [Int](repeating: 0, count: 4096)
            for i in stride(from: 0, to: painting.pixels.count, by: 3) { counts[cell(painting.pixels[i..<i + 3])] += 1 }
            var used = [Bool](repeating: false, count: 4096)
            for k in 0..<4096 where counts[k] >= 3 {
                let (r, g, b) = (k >> 8, (k >> 4) & 15, k & 15)
                for dr in -1...1 { for dg in -1...1 { for db in -1...1 {
                    let (rr, gg, bb) = (r + dr, g + dg, b + db)
                    if (0..<16).contains(rr), (0..<16).contains(gg), (0..<16).contains(bb) { used[rr << 8 | gg << 4 | bb] = true }
                } } }
            }
            let pixels = result.pixels.count / 3
            let foreign = stride(from: 0, to: result.pixels.count, by: 3).filter { !used[cell(result.pixels[$0..<$0 + 3])] }.count
            let share = 100 * Double(foreign) / Double(pixels)
            XCTAssertLessThan(share, bound, "\(name): \(share) % of the pixels in colours the painting never uses")
        }
    }

    func testListShowDelete() throws {
        let style = try makeImage("style.png")
        let dir = file("config/stylefilter/presets")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var preset = Preset(name: "hand", style: .image(style))
        preset.description = "written by hand"
        try (preset.json.formatted() + "\n").write(toFile: dir + "/hand.json", atomically: true, encoding: .utf8)

        let list = try run(["preset", "list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(String(decoding: list.stdout, as: UTF8.self).contains("hand\twritten by hand\t"))
        let show = try run(["preset", "show", "hand"])
        XCTAssertEqual(show.status, 0, show.stderr)
        let shown = String(decoding: show.stdout, as: UTF8.self)
        XCTAssertTrue(shown.contains("\"description\": \"written by hand\""), shown)
        XCTAssertTrue(shown.contains("not built yet"), shown)
        let handLine = { (out: Data) in String(decoding: out, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("hand\t") }.map(String.init) ?? "" }
        XCTAssertTrue(handLine(list.stdout).hasSuffix("/hand.json\tnot cached\tno network"), handLine(list.stdout))
        XCTAssertTrue(shown.contains("# trained network: none (filterctl preset train hand makes one)"), shown)
        // With a network file beside it, list and show say so (whether it fits is checked when applied).
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/mosaic.network").path,
                                         toPath: dir + "/hand.network")
        XCTAssertTrue(handLine(try run(["preset", "list"]).stdout).hasSuffix("\tnot cached\tnetwork"))
        let shownWith = String(decoding: try run(["preset", "show", "hand"]).stdout, as: UTF8.self)
        XCTAssertTrue(shownWith.contains("# trained network: ") && shownWith.contains("/hand.network\n"), shownWith)

        // A broken preset beside it: list reports it and fails, the good one is still listed.
        try "{\"name\": \"broken\", \"style\": {\"procedural\": \"mosaic\"}, \"styleWeight\": true}\n"
            .write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        let listBroken = try run(["preset", "list"])
        XCTAssertNotEqual(listBroken.status, 0)
        XCTAssertTrue(listBroken.stderr.contains("broken.json: field 'styleWeight' must be a number; got a boolean"), listBroken.stderr)
        XCTAssertTrue(String(decoding: listBroken.stdout, as: UTF8.self).contains("hand\t"))
        try assertFails(["apply", "--preset", "broken", style, "-o", file("out.png")], mentions: "field 'styleWeight'")
        try assertFails(["apply", "--preset", "nosuch", style, "-o", file("out.png")], mentions: "no preset named 'nosuch'")

        try FileManager.default.removeItem(atPath: dir + "/broken.json")
        let delete = try run(["preset", "delete", "hand"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/hand.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/hand.network"), "its network goes with it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: style), "deleting a preset leaves its style image alone")
    }

    func testCreateRefusesBadInput() throws {
        let style = try makeImage("style.png")
        try assertFails(["preset", "create", "x", "--preset-dir", file("mine")], mentions: "exactly one of --style or --procedural")
        try assertFails(["preset", "create", "x", "--style", file("none.png"), "--preset-dir", file("mine")], mentions: "no such file")
        try assertFails(["preset", "create", "x", "--procedural", "oils", "--preset-dir", file("mine")], mentions: "--procedural must be one of")
        try assertFails(["preset", "create", "../x", "--style", style, "--preset-dir", file("mine")], mentions: "preset name")
        try assertFails(["preset", "create", "x", "--style", style, "--scales", "512:10,256:10", "--preset-dir", file("mine")],
                        mentions: "sizes must increase")
        try requireWeights()
        let ok = try run(["preset", "create", "x", "--procedural", "mosaic", "--style-size", "32", "--scales", "32:1",
                          "--preset-dir", file("mine")])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let again = try run(["preset", "create", "x", "--procedural", "swirls", "--preset-dir", file("mine")])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }
}
