import XCTest
@testable import StyleFilter

/// A one-pass network's picture larger than its look (issue 39): the look from the pass at the
/// preset's size, the finer octaves from the passes above it; and the palette carried onto the
/// painting's.
final class StrokePyramidTests: XCTestCase {
    func testPassesDoubleFromTheLookToTheResult() {
        XCTAssertEqual(StrokePyramid.sides(base: 512, full: 5176), [512, 1294, 2588, 5176])
        XCTAssertEqual(StrokePyramid.sides(base: 512, full: 1024), [512, 1024])
        XCTAssertEqual(StrokePyramid.sides(base: 512, full: 700), [512, 700])
        XCTAssertEqual(StrokePyramid.sides(base: 512, full: 512), [512])
        XCTAssertEqual(StrokePyramid.sides(base: 512, full: 300), [300], "a result no larger than the look is one pass")
    }

    /// A pass that paints each size with its own flat colour, and the largest with a fine check too:
    /// the result's low octaves must be the look's (the smallest pass's colour) and its finest the
    /// largest pass's check. One pass at the result's size would give its own colour.
    func testTheLookComesFromTheSmallestPassAndTheMarksFromTheLargest() throws {
        let photo = FloatRGBImage(width: 320, height: 240, values: [Float](repeating: 100, count: 320 * 240 * 3))
        let pass: (FloatRGBImage) throws -> FloatRGBImage = { picture in
            var out = picture
            let colour: Float = picture.width < 100 ? 40 : picture.width < 200 ? 120 : 200
            for y in 0..<picture.height {
                for x in 0..<picture.width {
                    for c in 0..<3 { out.values[(y * picture.width + x) * 3 + c] = colour + (colour < 200 ? 0 : (x + y) % 2 == 0 ? 10 : -10) }
                }
            }
            return out
        }
        let painted = try StrokePyramid.paint(photo, base: 80, pass: pass)
        XCTAssertEqual([painted.base.width, painted.base.height], [80, 60])
        XCTAssertEqual([painted.result.width, painted.result.height], [320, 240])
        let values = painted.result.values
        let mean = values.reduce(0, +) / Float(values.count)
        XCTAssertEqual(mean, 40, accuracy: 1, "seen whole, the result is the look's colour")
        // The check alternates pixel by pixel, ±10 about the mean, away from the borders.
        var alternation: Float = 0, count: Float = 0
        for y in 20..<220 {
            for x in 20..<300 {
                let here = values[(y * 320 + x) * 3], right = values[(y * 320 + x + 1) * 3]
                alternation += abs(here - right)
                count += 1
            }
        }
        XCTAssertEqual(alternation / count, 20, accuracy: 2, "at 1:1 the largest pass's marks")
    }

    func testThePaletteTransferMovesColoursOntoThePaintings() {
        // A picture of two tints, a painting of two other colours in the proportions 1:3.
        let picture = FloatRGBImage(width: 64, height: 64, values: (0..<(64 * 64)).flatMap { p -> [Float] in
            p % 4 == 0 ? [200, 150, 140] : [90, 110, 80]
        })
        let painting = RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32)).flatMap { p -> [UInt8] in
            p % 4 == 1 ? [230, 30, 30] : [20, 40, 200]
        })
        let transfer = PaletteTransfer(from: picture, to: painting)
        let mapped = transfer.applied(to: picture)
        for (p, expected) in [(0, [230, 30, 30] as [Float]), (1, [20, 40, 200])] {
            for c in 0..<3 { XCTAssertEqual(mapped.values[3 * p + c], expected[c], accuracy: 12, "pixel \(p) channel \(c)") }
        }
        // A function of the colour alone: the same colours map alike in any other picture.
        let other = FloatRGBImage(width: 2, height: 1, values: [90, 110, 80, 200, 150, 140])
        XCTAssertEqual(transfer.applied(to: other).values, Array(mapped.values[3..<6]) + Array(mapped.values[0..<3]))
        XCTAssertEqual(PaletteTransfer(from: picture, to: painting), transfer, "the same inputs learn the same map")
        // Onto its own colours, a picture is left as it is.
        let smooth = FloatRGBImage(RGBImage.pattern(width: 48, height: 40, seed: 2))
        let same = PaletteTransfer(from: smooth, to: smooth.rounded).applied(to: smooth)
        XCTAssertLessThan(zip(same.values, smooth.values).map { abs($0 - $1) }.max()!, 3)
    }
}

extension StrokePyramidTests {
    /// Passes that paint unrelated sharp pictures at each size: reduced to the look's size, the
    /// result must still be the look (the corrections put back what linear resampling blurs).
    func testTheResultReducedIsTheLook() throws {
        let photo = FloatRGBImage(width: 400, height: 300, values: [Float](repeating: 0, count: 400 * 300 * 3))
        let pass: (FloatRGBImage) throws -> FloatRGBImage = { FloatRGBImage(RGBImage.pattern(width: $0.width, height: $0.height, seed: UInt64($0.width % 7))) }
        func departure(_ corrections: Int) throws -> Float {
            let painted = try StrokePyramid.paint(photo, base: 100, corrections: corrections, pass: pass)
            let reduced = CentredResample.resize(painted.result, width: painted.base.width, height: painted.base.height)
            return zip(reduced.values, painted.base.values).map { abs($0 - $1) }.reduce(0, +) / Float(reduced.values.count)
        }
        let once = try departure(1), corrected = try departure(StrokePyramid.defaultCorrections)
        XCTAssertLessThan(corrected, 2.5, "reduced, the look within a few levels")
        XCTAssertGreaterThan(once, 2 * corrected, "one correction (a Laplacian pyramid) leaves the look blurred")
    }
}
