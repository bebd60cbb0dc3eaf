import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// ICC colour management end to end: photos tagged with profiles made here by lcms2 go through
/// filterctl and come back in their own profile, depth and alpha; other colour spaces and damaged
/// profiles are handled.
final class ColourManagementTests: FilterctlTestCase {
    /// Tagged with each wide-gamut profile, at 8 and 16 bits, a photo survives a run with style
    /// weight 0 (nothing to change) within ΔE00 < 1, colours outside sRGB included, and the
    /// output carries the same profile.
    func testWideGamutPhotosRoundTripInTheirOwnProfile() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 64, height: 64)
        let photo = RGBImage.pattern(width: 64, height: 48, seed: 7)
        for (name, icc) in [("adobe", TestProfiles.adobeRGB), ("p3", TestProfiles.displayP3)] {
            for sixteen in [false, true] {
                let input = file("\(name)\(sixteen ? 16 : 8).png"), output = file("out-\(name)\(sixteen ? 16 : 8).png")
                // Fine 16-bit steps: the 8-bit values plus a fraction, so a round trip at 8 bits would lose them.
                let samples = photo.pixels.enumerated().map { Float($1) / 255 + (sixteen ? Float($0 % 7) / 65535 : 0) }
                try TestImages.write(samples, width: 64, height: 48, bands: 3, sixteen: sixteen, icc: icc, to: input)
                let outside = try ImageIO.loadPhoto(input).colour.values.filter { $0 < -0.5 || $0 > 255.5 }.count
                let run = try self.run(["stylize", input, style, "--style-weight", "0", "--iterations", "3",
                                        "--size", "64", "-o", output, "--quiet"])
                XCTAssertEqual(run.status, 0, run.stderr)
                let before = try TestImages.read(input), after = try TestImages.read(output)
                XCTAssertEqual(after.icc, icc, "the output carries the photo's profile")
                XCTAssertEqual(after.format, sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR)
                let (mean, worst) = try TestImages.deltaE(before, after)
                print("\(name) \(sixteen ? 16 : 8)-bit: \(outside) samples outside sRGB, ΔE00 mean \(mean), max \(worst)")
                XCTAssertLessThan(worst, 1)
                if sixteen {
                    let steps = zip(before.samples, after.samples).map { abs($0 - $1) * 65535 }.max()!
                    XCTAssertLessThanOrEqual(steps, 1.01, "16-bit values come back within one step")
                }
                if name == "adobe" { XCTAssertGreaterThan(outside, 100, "the photo has colours sRGB cannot hold") }
            }
        }
        // A real run keeps them reachable: the optimizer's box is sRGB widened to the photo's range.
        let run = try self.run(["stylize", file("adobe16.png"), style, "--iterations", "5", "--size", "64",
                                "-o", file("styled.png"), "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let styled = try ImageIO.loadPhoto(file("styled.png")).colour.values
        let outside = styled.filter { $0 < -0.5 || $0 > 255.5 }.count
        print("stylized Adobe RGB photo: \(outside) samples outside sRGB")
        XCTAssertGreaterThan(outside, 20, "the result is not confined to sRGB")
    }

    /// The profile is really applied on the way in: Adobe RGB's and P3's primaries lie outside
    /// sRGB, so they convert to sRGB values below 0; untagged pixels are sRGB as they are.
    func testEmbeddedProfilesAreAppliedOnTheWayIn() throws {
        let pixels: [Float] = [0, 1, 0, 1, 0, 0, 0.5, 0.5, 0.5]
        try TestImages.write(pixels, width: 3, height: 1, bands: 3, sixteen: false, icc: TestProfiles.adobeRGB, to: file("adobe.png"))
        try TestImages.write(pixels, width: 3, height: 1, bands: 3, sixteen: false, icc: TestProfiles.displayP3, to: file("p3.png"))
        try TestImages.write(pixels, width: 3, height: 1, bands: 3, sixteen: false, icc: nil, to: file("plain.png"))
        let adobe = try ImageIO.loadPhoto(file("adobe.png")).colour.values
        let p3 = try ImageIO.loadPhoto(file("p3.png")).colour.values
        let plain = try ImageIO.loadPhoto(file("plain.png")).colour.values
        XCTAssertLessThan(adobe[0], -10, "Adobe RGB green has no sRGB red")
        XCTAssertGreaterThan(adobe[1], 250)
        XCTAssertLessThan(p3[4], -10, "P3 red has no sRGB green")
        XCTAssertEqual(plain.map { $0.rounded() }, pixels.map { ($0 * 255).rounded() })
        // Adobe RGB's gamma 2.2 against sRGB's curve: mid grey comes out a little lighter.
        XCTAssertEqual(adobe[6], adobe[7], accuracy: 0.01)
        XCTAssertGreaterThan(adobe[6], 128)
    }

    /// `--output-profile srgb` writes sRGB pixels with an sRGB profile; `apply` keeps the photo's.
    func testOutputProfileChoiceAndApply() throws {
        try requireWeights()
        let photo = RGBImage.pattern(width: 48, height: 40, seed: 9)
        try TestImages.write(photo.pixels.map { Float($0) / 255 }, width: 48, height: 40, bands: 3, sixteen: false,
                             icc: TestProfiles.adobeRGB, to: file("adobe.png"))
        let style = try makeImage("style.png", width: 48, height: 48)
        let run = try self.run(["stylize", file("adobe.png"), style, "--style-weight", "0", "--iterations", "2",
                                "--size", "48", "--output-profile", "srgb", "-o", file("srgb.png"), "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let written = try TestImages.read(file("srgb.png"))
        XCTAssertEqual(try ColourProfile(iccData: written.icc ?? []).name.contains("sRGB"), true)
        let expected = try ImageIO.loadPhoto(file("adobe.png")).colour.rounded.pixels
        let worst = zip(written.samples, expected).map { abs($0 * 255 - Float($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 1, "sRGB pixels, out-of-gamut colours clipped")

        // From a copy in ./presets, so the checkout's folder gets no style cache.
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/ink.json").path,
                                         toPath: file("presets/ink.json"))
        let applied = try self.run(["apply", "--preset", "ink", file("adobe.png"), "--size", "48", "--iterations", "2",
                                    "-o", file("applied.tif"), "--quiet"])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertEqual(try TestImages.read(file("applied.tif")).icc, TestProfiles.adobeRGB)
    }

    /// 16-bit RGBA in: 16-bit RGBA out, alpha exactly as it was, colour not rounded to 8 bits;
    /// a format without alpha says so and drops it.
    func testSixteenBitAndAlphaAreCarriedThrough() throws {
        try requireWeights()
        let (w, h) = (48, 40)
        var samples = [Float]()
        let photo = RGBImage.pattern(width: w, height: h, seed: 3)
        for p in 0..<(w * h) {
            samples += (0..<3).map { Float(photo.pixels[3 * p + $0]) / 255 }
            samples.append(Float((p * 977) % 65536) / 65535)
        }
        try TestImages.write(samples, width: w, height: h, bands: 4, sixteen: true, icc: nil, to: file("rgba16.png"))
        let style = try makeImage("style.png", width: 48, height: 48)
        let run = try self.run(["stylize", file("rgba16.png"), style, "--iterations", "5", "--size", "48",
                                "-o", file("out.png"), "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let out = try TestImages.read(file("out.png"))
        XCTAssertEqual(out.format, VIPS_FORMAT_USHORT)
        XCTAssertEqual(out.bands, 4)
        let alphaIn = stride(from: 3, to: samples.count, by: 4).map { (samples[$0] * 65535).rounded() }
        let alphaOut = stride(from: 3, to: out.samples.count, by: 4).map { (out.samples[$0] * 65535).rounded() }
        XCTAssertEqual(alphaOut, alphaIn, "alpha untouched")
        let colour = out.samples.enumerated().filter { $0.offset % 4 != 3 }.map { ($0.element * 65535).rounded() }
        XCTAssertGreaterThan(colour.filter { $0.truncatingRemainder(dividingBy: 257) != 0 }.count, colour.count / 2,
                             "16-bit values, not 8-bit ones widened")
        XCTAssertGreaterThan(zip(colour, samples.enumerated().filter { $0.offset % 4 != 3 }.map { $0.element * 65535 })
            .map { abs($0 - $1) }.reduce(0, +) / Float(colour.count), 257, "and it was stylized")

        let jpeg = try self.run(["stylize", file("rgba16.png"), style, "--iterations", "1", "--size", "48",
                                 "-o", file("out.jpg")])
        XCTAssertEqual(jpeg.status, 0, jpeg.stderr)
        XCTAssertTrue(jpeg.stderr.contains("cannot hold alpha") && jpeg.stderr.contains("8 bits"), jpeg.stderr)
        XCTAssertEqual(try TestImages.read(file("out.jpg")).bands, 3)
    }

    /// Grey (with alpha), CMYK, linear float and palette files all go through; CMYK stays CMYK in
    /// a JPEG, in its own profile.
    func testGreyCMYKFloatAndPaletteInputs() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 48, height: 48)
        let photo = RGBImage.pattern(width: 48, height: 40, seed: 11)
        try ImageIO.save(photo, to: file("photo.png"))
        func stylize(_ input: String, _ output: String) throws -> TestImages.Decoded {
            let run = try self.run(["stylize", input, style, "--style-weight", "0", "--iterations", "2", "--size", "48",
                                    "-o", output, "--quiet"])
            XCTAssertEqual(run.status, 0, run.stderr)
            return try TestImages.read(output)
        }
        // Grey + alpha at 16 bits: colour output (the painting has colour), 16-bit, alpha kept.
        let grey = (0..<(48 * 40)).flatMap { p -> [Float] in [Float(photo.pixels[3 * p]) / 255, Float(p % 40) / 39] }
        try TestImages.write(grey, width: 48, height: 40, bands: 2, sixteen: true, icc: nil, to: file("grey.png"))
        let g = try stylize(file("grey.png"), file("grey-out.png"))
        XCTAssertEqual([g.bands, Int(g.format.rawValue)], [4, Int(VIPS_FORMAT_USHORT.rawValue)])
        for p in stride(from: 0, to: 48 * 40, by: 37) {
            XCTAssertEqual(g.samples[4 * p], grey[2 * p], accuracy: 1.5 / 255, "grey stays grey")
            XCTAssertEqual(g.samples[4 * p + 1], g.samples[4 * p + 2], accuracy: 1.5 / 255)
            XCTAssertEqual(g.samples[4 * p + 3], grey[2 * p + 1], accuracy: 0.5 / 65535)
        }

        // CMYK in libvips' default press profile: a 16-bit TIFF for the colour round trip, a
        // JPEG for the format printers are sent. A press profile's tables are not exact inverses
        // of each other (CMYK → Lab → CMYK), so the bound is looser than for RGB's matrices.
        XCTAssertEqual(try TestImages.vips(["icc_export", file("photo.png"), file("cmyk.tif"), "--output-profile", "cmyk", "--depth", "16"]), 0)
        let cmykIn = try TestImages.read(file("cmyk.tif"))
        let c = try stylize(file("cmyk.tif"), file("cmyk-out.tif"))
        XCTAssertEqual([c.bands, Int(c.format.rawValue)], [4, Int(VIPS_FORMAT_USHORT.rawValue)])
        XCTAssertEqual(c.icc, cmykIn.icc, "CMYK stays CMYK, in its own profile")
        let (mean, worst) = try TestImages.deltaE(cmykIn, c, space: SF_SPACE_CMYK)
        print("CMYK TIFF round trip: ΔE00 mean \(mean), max \(worst)")
        XCTAssertLessThan(mean, 1)
        XCTAssertLessThan(worst, 3.5)
        XCTAssertEqual(try TestImages.vips(["copy", file("cmyk.tif"), file("cmyk.jpg")]), 0)
        let j = try stylize(file("cmyk.jpg"), file("cmyk-out.jpg"))
        XCTAssertEqual([j.bands, j.icc?.count ?? 0], [4, cmykIn.icc?.count ?? -1])
        let asRGB = try self.run(["stylize", file("cmyk.jpg"), style, "--style-weight", "0", "--iterations", "1",
                                  "--size", "48", "-o", file("cmyk-out.png")])
        XCTAssertTrue(asRGB.stderr.contains("cannot hold CMYK"), asRGB.stderr)
        XCTAssertEqual(try TestImages.read(file("cmyk-out.png")).bands, 3)

        // Linear float (scRGB TIFF): comes back as the sRGB photo, at 16 bits.
        XCTAssertEqual(try TestImages.vips(["colourspace", file("photo.png"), file("linear.tif"), "scrgb"]), 0)
        XCTAssertEqual(try TestImages.read(file("linear.tif")).format, VIPS_FORMAT_FLOAT)
        let f = try stylize(file("linear.tif"), file("linear-out.png"))
        XCTAssertEqual(f.format, VIPS_FORMAT_USHORT)
        XCTAssertLessThanOrEqual(zip(f.samples, photo.pixels).map { abs($0 * 255 - Float($1)) }.max()!, 1)

        // Palette PNG: read as the RGB it indexes.
        XCTAssertEqual(try TestImages.vips(["pngsave", file("photo.png"), file("palette.png"), "--palette"]), 0)
        let indexed = try ImageIO.load(file("palette.png"))
        let pal = try stylize(file("palette.png"), file("palette-out.png"))
        XCTAssertLessThanOrEqual(zip(pal.samples, indexed.pixels).map { abs($0 * 255 - Float($1)) }.max()!, 1)
    }

    /// A profile that is damaged, of the wrong colour space, or not a device profile is ignored
    /// with a warning: the pixels are read as untagged and the output carries no profile.
    func testDamagedProfilesAreIgnoredWithAWarning() throws {
        try requireWeights()
        let style = try makeImage("style.png", width: 48, height: 48)
        let photo = RGBImage.pattern(width: 48, height: 40, seed: 12)
        let samples = photo.pixels.map { Float($0) / 255 }
        var rng = SplitMix64(seed: 5)
        let damaged: [(String, [UInt8])] = [
            ("random", (0..<700).map { _ in UInt8(truncatingIfNeeded: rng.next()) }),
            ("truncated", Array(TestProfiles.adobeRGB.prefix(200))),
            ("flipped", TestProfiles.adobeRGB.enumerated().map { $0.offset >= 128 && $0.offset < 400 ? ~$0.element : $0.element }),
            ("grey-profile", TestProfiles.grey),
            ("lab-profile", TestProfiles.lab),
        ]
        try TestImages.write(samples, width: 48, height: 40, bands: 3, sixteen: false, icc: nil, to: file("plain.tif"))
        XCTAssertEqual(try self.run(["stylize", file("plain.tif"), style, "--iterations", "3", "--size", "48",
                                     "-o", file("plain-out.png"), "--quiet"]).status, 0)
        let untagged = try TestImages.read(file("plain-out.png"))
        for (name, icc) in damaged {
            try TestImages.write(samples, width: 48, height: 40, bands: 3, sixteen: false, icc: icc, to: file("\(name).tif"))
            let run = try self.run(["stylize", file("\(name).tif"), style, "--iterations", "3", "--size", "48",
                                    "-o", file("\(name)-out.png")])
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("embedded ICC profile ignored"), "\(name): \(run.stderr)")
            let out = try TestImages.read(file("\(name)-out.png"))
            XCTAssertNil(out.icc, name)
            XCTAssertEqual(out.samples, untagged.samples, "\(name): read as untagged sRGB")
        }
    }
}

/// Profiles built with lcms2 from their published primaries, white point and tone curves.
enum TestProfiles {
    static let adobeRGB = rgb("Adobe RGB (1998) test", red: (0.64, 0.33), green: (0.21, 0.71), blue: (0.15, 0.06), gamma: 563.0 / 256)
    static let displayP3 = rgb("Display P3 test", red: (0.680, 0.320), green: (0.265, 0.690), blue: (0.150, 0.060), gamma: nil)
    static let grey = save(sf_lcms_grey_profile())
    static let lab = save(cmsCreateLab4Profile(nil))

    /// `gamma` nil: the sRGB tone curve (as Display P3 uses).
    static func rgb(_ name: String, red: (Double, Double), green: (Double, Double), blue: (Double, Double), gamma: Double?) -> [UInt8] {
        var white = cmsCIExyY(x: 0.3127, y: 0.3290, Y: 1)
        var primaries = cmsCIExyYTRIPLE(Red: cmsCIExyY(x: red.0, y: red.1, Y: 1), Green: cmsCIExyY(x: green.0, y: green.1, Y: 1),
                                        Blue: cmsCIExyY(x: blue.0, y: blue.1, Y: 1))
        let curve: OpaquePointer?
        if let gamma {
            curve = cmsBuildGamma(nil, gamma)
        } else {
            let srgb: [Double] = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045]
            curve = cmsBuildParametricToneCurve(nil, 4, srgb)
        }
        defer { cmsFreeToneCurve(curve) }
        let curves: [OpaquePointer?] = [curve, curve, curve]
        let profile = cmsCreateRGBProfile(&white, &primaries, curves)
        let description = cmsMLUalloc(nil, 1)
        cmsMLUsetASCII(description, "en", "US", name)
        cmsWriteTag(profile, cmsSigProfileDescriptionTag, UnsafeRawPointer(description))
        cmsMLUfree(description)
        return save(profile)
    }

    static func save(_ profile: cmsHPROFILE?) -> [UInt8] {
        (try? ProfileHandle(owning: profile).bytes()) ?? []
    }
}

/// Writing and reading test images with exact control of bands, depth and profile.
enum TestImages {
    struct Decoded {
        let width: Int, height: Int, bands: Int
        let format: VipsBandFormat
        let icc: [UInt8]?
        /// 0…1 (CMYK too), interleaved.
        let samples: [Float]
    }

    /// `samples` 0…1, interleaved; `bands` 1, 2 (grey + alpha), 3 or 4 (RGB + alpha).
    static func write(_ samples: [Float], width: Int, height: Int, bands: Int, sixteen: Bool, icc: [UInt8]?, to path: String) throws {
        let interpretation = bands < 3 ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
                                       : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB)
        let image = ImageIO.quantized(samples, width: width, height: height, bands: bands, sixteen: sixteen,
                                      interpretation: interpretation)
        guard let image else { throw StyleFilterError.image("cannot build") }
        defer { g_object_unref(image) }
        if let icc { icc.withUnsafeBytes { vips_image_set_blob_copy(image, VIPS_META_ICC_NAME, $0.baseAddress, $0.count) } }
        try ImageIO.write(image, to: path, format: nil)
    }

    static func read(_ path: String) throws -> Decoded {
        try ImageIO.start()
        guard let image = sf_vips_open_file(path, 0, 1) else { throw StyleFilterError.image("\(path): \(ImageIO.takeVipsError())") }
        defer { g_object_unref(image) }
        let format = vips_image_get_format(image)
        let divisor: Double = format == VIPS_FORMAT_USHORT ? 65535 : format == VIPS_FORMAT_UCHAR ? 255 : 1
        let floats = try ImageIO.owned(name: path, "decode") { sf_vips_float_scaled(image, &$0, divisor, 1, 1) }
        return Decoded(width: Int(sf_vips_width(image)), height: Int(sf_vips_height(image)), bands: Int(sf_vips_bands(image)),
                       format: format, icc: ImageIO.embeddedProfile(image), samples: try ImageIO.floats(floats.pointer, name: path))
    }

    /// Mean and largest CIEDE2000 difference, each image's pixels read through its own profile.
    static func deltaE(_ a: Decoded, _ b: Decoded, space: sf_space = SF_SPACE_RGB) throws -> (mean: Double, max: Double) {
        func lab(_ d: Decoded) throws -> [Float] {
            let scale: Float = space == SF_SPACE_CMYK ? 100 : 1
            return try ColourConversion.convert(d.samples.map { $0 * scale }, pixels: d.width * d.height,
                                                from: ProfileHandle(data: d.icc!), space, to: .lab(), SF_SPACE_LAB)
        }
        let la = try lab(a), lb = try lab(b)
        var sum = 0.0, worst = 0.0
        for p in 0..<(a.width * a.height) {
            var x = cmsCIELab(L: Double(la[3 * p]), a: Double(la[3 * p + 1]), b: Double(la[3 * p + 2]))
            var y = cmsCIELab(L: Double(lb[3 * p]), a: Double(lb[3 * p + 1]), b: Double(lb[3 * p + 2]))
            let d = cmsCIE2000DeltaE(&x, &y, 1, 1, 1)
            sum += d
            worst = max(worst, d)
        }
        return (sum / Double(a.width * a.height), worst)
    }

    /// The libvips command-line tool, for files libvips itself makes (CMYK, scRGB, palette).
    static func vips(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/vips")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
