import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// One job behind every door: `filterctl stylize`, `sf_stylize` on a buffer and
/// `sf_stylize_regions` through callbacks give the same picture, coarse-to-fine over two scales
/// (the libvips operation is compared in IntegrationTests, which builds it; that the tiled
/// objective matches one pass is TilingTests' part, and every door runs the same one).
final class OneEngineTests: FilterctlTestCase {
    /// Settings all doors share: a 320 × 240 photo composed at 160 px (10 L-BFGS iterations) and
    /// refined at 320 px (2 Adam iterations).
    static let settings = (iterations: 10, baseSize: 160, refine: 2, maxMemory: 2 << 30)

    func context(style: String, events: UnsafeMutableRawPointer? = nil) throws -> OpaquePointer {
        let context = try TestSupport.cContext { options in
            options.iterations = Int32(Self.settings.iterations)
            options.base_size = Int32(Self.settings.baseSize)
            options.refine_iterations = Int32(Self.settings.refine)
            options.max_memory = Self.settings.maxMemory
            options.progress_user_data = events
            if events != nil {
                options.progress_ex = { user, info in
                    let log = user!.assumingMemoryBound(to: [sf_progress_info].self)
                    log.pointee.append(info!.pointee)
                    return 0
                }
            }
        }
        XCTAssertEqual(sf_context_load_style(context, style), SF_OK, String(cString: sf_context_last_error(context)))
        return context
    }

    /// sf_stylize of an RGB u8 photo in place (input and output one buffer).
    static func stylizeInPlace(_ c: OpaquePointer, _ photo: RGBImage) -> [UInt8] {
        var pixels = photo.pixels
        let status = pixels.withUnsafeMutableBytes { bytes -> sf_status in
            var input = sf_image(data: bytes.baseAddress, width: Int32(photo.width), height: Int32(photo.height),
                                 stride: photo.width * 3, bands: 3, format: SF_FORMAT_U8)
            var output = input
            return sf_stylize(c, &input, &output)
        }
        XCTAssertEqual(status, SF_OK, String(cString: sf_context_last_error(c)))
        return pixels
    }

    /// sf_stylize_regions over an RGB u8 photo held by the test: (the result, the largest read in pixels).
    static func stylizeThroughRegions(_ c: OpaquePointer, _ photo: RGBImage) throws -> ([UInt8], Int) {
        final class Host {
            let photo: RGBImage
            var result: [UInt8]
            var largestRead = 0
            init(_ photo: RGBImage) { self.photo = photo; result = [UInt8](repeating: 0, count: photo.pixels.count) }
        }
        let host = Host(photo)
        // The struct as callers built before its mask fields pass it: they must still be served.
        var io = sf_region_io(struct_size: MemoryLayout<sf_region_io>.offset(of: \sf_region_io.read_mask)!,
                              width: Int32(photo.width), height: Int32(photo.height),
                              bands: 3, format: SF_FORMAT_U8,
                              read: { user, x, y, w, h, pixels, stride in
                                  let host = Unmanaged<Host>.fromOpaque(user!).takeUnretainedValue()
                                  host.largestRead = max(host.largestRead, Int(w * h))
                                  for row in 0..<Int(h) {
                                      let start = ((Int(y) + row) * host.photo.width + Int(x)) * 3
                                      host.photo.pixels.withUnsafeBytes {
                                          (pixels! + row * stride).copyMemory(from: $0.baseAddress! + start, byteCount: Int(w) * 3)
                                      }
                                  }
                                  return 0
                              },
                              write: { user, x, y, w, h, pixels, stride in
                                  let host = Unmanaged<Host>.fromOpaque(user!).takeUnretainedValue()
                                  for row in 0..<Int(h) {
                                      let start = ((Int(y) + row) * host.photo.width + Int(x)) * 3
                                      host.result.withUnsafeMutableBytes {
                                          ($0.baseAddress! + start).copyMemory(from: pixels! + row * stride, byteCount: Int(w) * 3)
                                      }
                                  }
                                  return 0
                              }, user_data: Unmanaged.passUnretained(host).toOpaque(),
                              read_mask: nil, mask_width: 0, mask_height: 0, mask_bands: 0, mask_format: SF_FORMAT_U8)
        XCTAssertEqual(sf_stylize_regions(c, &io), SF_OK, String(cString: sf_context_last_error(c)))
        return (host.result, host.largestRead)
    }

    static func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.count)
    }

    func testEveryDoorGivesTheSamePicture() throws {
        try requireWeights()
        let photo = RGBImage.pattern(width: 320, height: 240, seed: 11)
        try ImageIO.save(photo, to: file("photo.png"))
        let style = try makeImage("style.png", width: 96, height: 96)
        let s = Self.settings

        let cli = try run(["stylize", file("photo.png"), style, "-o", file("cli.png"), "--iterations", "\(s.iterations)",
                           "--base-size", "\(s.baseSize)", "--refine-iterations", "\(s.refine)", "--max-memory", "\(s.maxMemory)"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let expected = try ImageIO.load(file("cli.png")).pixels

        // sf_stylize on a buffer, with the extended progress.
        var events: [sf_progress_info] = []
        let buffered = try withUnsafeMutablePointer(to: &events) { log -> [UInt8] in
            let c = try context(style: style, events: UnsafeMutableRawPointer(log))
            defer { sf_context_destroy(c) }
            return Self.stylizeInPlace(c, photo)
        }
        XCTAssertEqual(Set(events.map(\.scale)), [1, 2])
        // The largest scale paints with the fine layers, 8/3 as many iterations: 5 for 2.
        XCTAssertEqual(events.last.map { [$0.scale, $0.iteration, $0.iterations, $0.width, $0.height] }, [2, 5, 5, 320, 240])
        XCTAssertEqual(events.last?.fraction_done ?? 0, 1, accuracy: 1e-9)

        // sf_stylize_regions: reads and writes through callbacks, never the whole buffer at once.
        let c = try context(style: style)
        defer { sf_context_destroy(c) }
        let (regions, largestRead) = try Self.stylizeThroughRegions(c, photo)

        // The same job on the same numbers: every door agrees to the last level.
        XCTAssertEqual(Self.meanDifference(buffered, regions), 0, "buffer and regions")
        XCTAssertLessThan(largestRead, 320 * 240, "the photo is read in parts")
        XCTAssertEqual(Self.meanDifference(expected, buffered), 0, "filterctl stylize and sf_stylize")
        XCTAssertGreaterThan(Self.meanDifference(expected, photo.pixels), 5, "the picture was stylized")
    }

    /// Every option at its default, through each door that takes a painting: the same picture.
    /// The photo is below the composition's size, so the job is one scale at its size with the
    /// default iterations; the painting is not the photo's shape, so how the doors size it counts
    /// (they did not agree: the command sized it to the photo, the C ABI to 512 px).
    func testEveryDoorGivesTheSamePictureWithEveryDefault() throws {
        try requireWeights()
        let photo = RGBImage.pattern(width: 96, height: 64, seed: 12)
        try ImageIO.save(photo, to: file("photo.png"))
        let painting = try makeImage("painting.png", width: 72, height: 96)

        let cli = try run(["stylize", file("photo.png"), painting, "-o", file("cli.png")])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let expected = try ImageIO.load(file("cli.png")).pixels
        XCTAssertGreaterThan(Self.meanDifference(expected, photo.pixels), 5, "the picture was stylized")

        let c = try TestSupport.cContext { _ in }
        defer { sf_context_destroy(c) }
        XCTAssertEqual(sf_context_load_style(c, painting), SF_OK, String(cString: sf_context_last_error(c)))
        XCTAssertEqual(Self.meanDifference(expected, Self.stylizeInPlace(c, photo)), 0, "filterctl stylize and sf_stylize")

        // serve's whole image: begin, the photo in one part, end; the result comes back as that part.
        var part = TileFrame(isRequest: true, kind: .imagePart, id: 2, x: 0, y: 0, width: 96, height: 64, bands: 3, format: .u8)
        part.payloadLength = part.pixelBytes
        let stream = TileFrame(isRequest: true, kind: .imageBegin, id: 1, x: 96, y: 64, bands: 3, format: .u8).encoded()
            + part.encoded() + photo.pixels + TileFrame(isRequest: true, kind: .imageEnd, id: 3, bands: 3, format: .u8).encoded()
        let served = try run(["serve", "--stdio", "--style", painting], stdin: Data(stream))
        XCTAssertEqual(served.status, 0, served.stderr)
        let result = try TileStreamTests.replies(Array(served.stdout)).last { $0.frame.kind == .imagePart && !$0.payload.isEmpty }
        XCTAssertEqual(Self.meanDifference(expected, result?.payload ?? []), 0, "filterctl stylize and serve's whole image")
        XCTAssertEqual(result?.payload.count, expected.count)
    }

    /// The command, the C ABI and (through sf_setting_get) the libvips operation read one table of
    /// defaults and ranges, and say the same range when a value is outside it.
    func testTheDoorsReadOneTableOfDefaults() throws {
        var o = sf_options()
        sf_options_init(&o)
        XCTAssertEqual([o.content_weight, o.style_weight, o.tv_weight],
                       [Defaults.contentWeight.value, Defaults.styleWeight.value, Defaults.tvWeight.value])
        XCTAssertEqual([Int(o.base_size), o.max_memory, Int(o.refine_iterations), Int(o.refine), Int(o.style_size), Int(o.iterations)],
                       [Defaults.baseSize.value, Defaults.maxMemory.value, Defaults.refineIterations.value, Defaults.refine.value, 0, 0])
        var setting = sf_setting()
        XCTAssertEqual(sf_setting_get("base_size", &setting), SF_OK)
        XCTAssertEqual([setting.default_value, setting.minimum, setting.maximum], [512, 16, 16384])
        XCTAssertEqual(sf_setting_get("iterations", &setting), SF_OK)
        XCTAssertEqual(setting.default_value, Double(TransferOptions().iterations))
        XCTAssertEqual(sf_setting_get("no_such_field", &setting), SF_ERROR_ARGUMENT)
        XCTAssertEqual(sf_setting_get(nil, &setting), SF_ERROR_ARGUMENT)

        let photo = try makeImage("photo.png"), painting = try makeImage("painting.png")
        for (flag, field, value) in [("--base-size", "base_size", 15), ("--refine-iterations", "refine_iterations", 100_001)] {
            let cli = try run(["stylize", photo, painting, "-o", file("never.png"), flag, "\(value)"])
            XCTAssertEqual(cli.status, 64)
            XCTAssertTrue(cli.stderr.contains("\(flag) must be 16 … 16384") || cli.stderr.contains("\(flag) must be 0 … 100000"), cli.stderr)
            var options = sf_options()
            sf_options_init(&options)
            if field == "base_size" { options.base_size = Int32(value) } else { options.refine_iterations = Int32(value) }
            var context: OpaquePointer?
            XCTAssertEqual(sf_context_create(&options, &context), SF_ERROR_ARGUMENT)
            let said = String(cString: sf_context_last_error(context))
            sf_context_destroy(context)
            XCTAssertTrue(said.contains("\(field) must be " + (field == "base_size" ? "16 … 16384" : "0 … 100000")), said)
        }
    }

    /// 16-bit buffers keep their precision: the result is not an 8-bit picture in a wider type.
    func testSixteenBitBuffersKeepTheirPrecision() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 64)
        let c = try context(style: style)
        defer { sf_context_destroy(c) }
        let photo = RGBImage.pattern(width: 48, height: 40, seed: 4)
        var samples = photo.pixels.map { UInt16($0) * 256 + 50 }
        let status = samples.withUnsafeMutableBytes { bytes -> sf_status in
            var input = sf_image(data: bytes.baseAddress, width: 48, height: 40, stride: 48 * 6, bands: 3, format: SF_FORMAT_U16)
            var output = input
            return sf_stylize(c, &input, &output)
        }
        XCTAssertEqual(status, SF_OK, String(cString: sf_context_last_error(c)))
        let off8Bit = samples.filter { $0 % 257 != 0 }.count
        XCTAssertGreaterThan(off8Bit, samples.count / 2, "most samples fall between 8-bit levels")
    }

    /// `apply` goes on from the preset's scales to the photo's own size: a 2000-pixel photo comes
    /// back at 2000 pixels, refined coarse-to-fine (here from a 64 px preset whose losses stop at
    /// relu1_1, so the 2000 px scale is cheap; 1 iteration at the top).
    func testApplyReachesThePhotosOwnSizeCoarseToFine() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 64)
        let created = try run(["preset", "create", "tiny", "--style", style, "--style-size", "48", "--scales", "64:4",
                               "--preset-dir", file("presets"), "--content-layers", "relu1_1", "--style-layers", "relu1_1"])
        XCTAssertEqual(created.status, 0, created.stderr)
        try ImageIO.save(RGBImage.pattern(width: 2000, height: 1200, seed: 8), to: file("photo.png"))
        let applied = try run(["apply", "--preset", "tiny", "--preset-dir", file("presets"), file("photo.png"), "-o", file("out.png"),
                               "--refine-iterations", "1"])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertTrue(applied.stderr.contains("64 px × 4 lbfgs → 125 px × 4 adam → 250 px × 4 adam → 500 px × 4 adam → 1000 px × 2 adam → 2000 px × 1 adam"),
                      applied.stderr)
        let out = try ImageIO.loadPhoto(file("out.png")) { _, _ in (16, 10) }
        XCTAssertEqual(try PhotoInput(path: file("out.png")).width, 2000)
        XCTAssertEqual(out.colour.width, 16)
        XCTAssertFalse(Files.exists(file("out.png.work")), "the work directory goes with success")
    }

    /// The same through a tiled last scale: `filterctl apply`, `sf_stylize` and `sf_stylize_regions` with one preset on a
    /// 1600 × 1200 photo within 1280 MiB (a preset whose losses stop at relu1_1 keeps it quick), so the
    /// tiled objective's windows are the doors' common path too.
    func testTheDoorsAgreeWhenTheLastScaleIsTiled() throws {
        try requireWeights()
        _ = TestSupport.configuredProcess
        let style = try makeImage("style.png", width: 64, height: 64)
        let created = try run(["preset", "create", "shallow", "--style", style, "--style-size", "64", "--scales", "200:8",
                               "--preset-dir", file("presets"), "--content-layers", "relu1_1", "--style-layers", "relu1_1"])
        XCTAssertEqual(created.status, 0, created.stderr)
        let photo = RGBImage.pattern(width: 1600, height: 1200, seed: 21)
        try ImageIO.save(photo, to: file("photo.png"))
        let cli = try run(["apply", "--preset", "shallow", "--preset-dir", file("presets"), file("photo.png"), "-o", file("cli.png"),
                           "--refine-iterations", "1", "--max-memory", "\(1280 << 20)"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        XCTAssertTrue(cli.stderr.contains("1600×1200, 1 iterations, in tiles of"), "the last scale is tiled: \(cli.stderr)")

        let c = try TestSupport.cContext {
            $0.refine_iterations = 1
            $0.max_memory = 1280 << 20
        }
        defer { sf_context_destroy(c) }
        XCTAssertEqual(sf_context_load_preset(c, "shallow", file("presets")), SF_OK, String(cString: sf_context_last_error(c)))
        let pixels = Self.stylizeInPlace(try XCTUnwrap(c), photo)
        XCTAssertEqual(Self.meanDifference(try ImageIO.load(file("cli.png")).pixels, pixels), 0, "filterctl apply and sf_stylize, tiled")
        XCTAssertEqual(Self.meanDifference(try Self.stylizeThroughRegions(try XCTUnwrap(c), photo).0, pixels), 0, "sf_stylize_regions, tiled")
        XCTAssertGreaterThan(Self.meanDifference(photo.pixels, pixels), 2, "the picture was stylized")
    }
}
