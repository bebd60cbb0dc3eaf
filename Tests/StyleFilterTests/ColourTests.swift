import Foundation
import XCTest
@testable import StyleFilter

/// Keeping the photo's colours: Lab through lcms2, lightness matching, colour-statistics
/// matching, and the luminance-only transfer end to end.
final class ColourTests: FilterctlTestCase {
    func testLabRoundTripsThroughLcms() throws {
        let image = RGBImage.pattern(width: 40, height: 30, seed: 2)
        let lab = try LabImage(image)
        let back = try lab.rgb().rounded
        let worst = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 1, "sRGB → Lab → sRGB within one level")
        // sRGB white is L* 100, a* = b* = 0 (D50-adapted).
        let white = try LabImage(RGBImage(width: 1, height: 1, pixels: [255, 255, 255]))
        XCTAssertEqual(white.lab[0], 100, accuracy: 0.01)
        XCTAssertEqual(white.lab[1], 0, accuracy: 0.01)
    }

    func testLightnessIsMatchedToThePhoto() throws {
        let photo = RGBImage.pattern(width: 40, height: 30, seed: 3)
        let painting = RGBImage.pattern(width: 50, height: 50, seed: 8)
        let target = try LabImage(photo).lightnessStatistics
        let grey = try ColourPreservation.lightness(of: FloatRGBImage(painting), matching: target).rounded
        let stats = try LabImage(grey).lightnessStatistics
        XCTAssertEqual(stats.mean, target.mean, accuracy: 0.5)
        XCTAssertEqual(stats.deviation, target.deviation, accuracy: 0.5)
        var neutral = true
        for p in 0..<(50 * 50) {
            let r = grey.pixels[3 * p], g = grey.pixels[3 * p + 1], b = grey.pixels[3 * p + 2]
            neutral = neutral && abs(Int(r) - Int(g)) <= 1 && abs(Int(g) - Int(b)) <= 1
        }
        XCTAssertTrue(neutral, "the network sees grey")
    }

    func testPaintingColoursGetThePhotosMeanAndCovariance() {
        // Mid-range colours, so clipping to 0 … 255 does not disturb the statistics.
        var rng = SplitMix64(seed: 4)
        func picture(_ centre: [Double], _ spread: Double) -> RGBImage {
            RGBImage(width: 64, height: 64, pixels: (0..<(64 * 64)).flatMap { _ -> [UInt8] in
                let t = rng.nextUnit() - 0.5, u = rng.nextUnit() - 0.5
                return [UInt8(centre[0] + spread * t), UInt8(centre[1] + spread * (0.5 * t + u)), UInt8(centre[2] + spread * u)]
            })
        }
        let photo = picture([120, 110, 100], 60), painting = picture([60, 90, 170], 40)
        let matched = FloatRGBImage(ColourPreservation.matchColours(of: painting, to: FloatRGBImage(photo)))
        let (m1, c1) = ColourPreservation.moments(matched), (m2, c2) = ColourPreservation.moments(FloatRGBImage(photo))
        for i in 0..<3 {
            XCTAssertEqual(m1[i], m2[i], accuracy: 1)
            for j in 0..<3 { XCTAssertEqual(c1[i][j], c2[i][j], accuracy: 0.05 * c2[i][i] + 2) }
        }
    }

    /// Luminance-only transfer keeps the photo's a* and b*; the lightness is what changes.
    func testLuminanceTransferKeepsThePhotosChroma() throws {
        try requireWeights()
        let photo = RGBImage.pattern(width: 64, height: 48, seed: 5)
        try ImageIO.save(photo, to: file("photo.png"))
        let style = try makeImage("style.png", width: 64, height: 64)
        for mode in ["luminance", "none"] {
            let run = try self.run(["stylize", file("photo.png"), style, "-o", file("\(mode).png"), "--size", "64",
                                    "--iterations", "20", "--preserve-color", mode, "--quiet"])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let original = try LabImage(photo)
        func difference(_ name: String) throws -> (lightness: Double, chroma: Double) {
            let out = try LabImage(try ImageIO.load(file(name)))
            var l = 0.0, c = 0.0
            for p in 0..<(64 * 48) {
                l += Double(abs(out.lab[3 * p] - original.lab[3 * p]))
                c += Double(abs(out.lab[3 * p + 1] - original.lab[3 * p + 1]) + abs(out.lab[3 * p + 2] - original.lab[3 * p + 2])) / 2
            }
            return (l / 3072, c / 3072)
        }
        let kept = try difference("luminance.png"), free = try difference("none.png")
        print("luminance mode: mean |ΔL*| \(kept.lightness), mean chroma |Δa*|,|Δb*| \(kept.chroma); without: \(free.chroma)")
        XCTAssertGreaterThan(kept.lightness, 2, "the lightness was stylized")
        XCTAssertLessThan(kept.chroma, 1.5, "mean |Δa*|, |Δb*| stays within rounding and gamut")
        XCTAssertGreaterThan(free.chroma, 4 * kept.chroma, "without it the colours move")
        try assertFails(["stylize", "--mode", "texture", style, "-o", file("x.png"), "--preserve-color", "luminance"],
                        mentions: "--preserve-color is for transfer mode")
    }
}
