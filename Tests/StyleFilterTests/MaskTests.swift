import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// Stylizing part of a photo: white in the mask is the stylized result, black the photo as it was.
final class MaskTests: FilterctlTestCase {
    func testAMaskKeepsThePhotoWhereItIsBlack() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 48, height: 40)
        let style = try makeImage("style.png", width: 40, height: 40)
        var pixels = [UInt8](repeating: 0, count: 48 * 40 * 3)
        for y in 0..<40 { for x in 24..<48 { for c in 0..<3 { pixels[(y * 48 + x) * 3 + c] = 255 } } }
        try ImageIO.save(RGBImage(width: 48, height: 40, pixels: pixels), to: file("mask.png"))
        let arguments = ["stylize", photo, style, "--iterations", "5", "-q"]
        XCTAssertEqual(try run(arguments + ["-o", file("whole.png")]).status, 0)
        let masked = try run(arguments + ["-o", file("masked.png"), "--mask", file("mask.png"), "--save-every", "2"])
        XCTAssertEqual(masked.status, 0, masked.stderr)

        let original = try ImageIO.load(photo), whole = try ImageIO.load(file("whole.png"))
        let result = try ImageIO.load(file("masked.png"))
        // A snapshot on the way is finished as the result is: masked too.
        let snapshot = try ImageIO.load(file("masked-iter0002.png"))
        let leftHalf = { (image: RGBImage) -> [UInt8] in (0..<40).flatMap { y -> ArraySlice<UInt8> in image.pixels[(y * 48 * 3)..<(y * 48 * 3 + 24 * 3)] } }
        XCTAssertEqual(leftHalf(snapshot), leftHalf(original), "the snapshot keeps the photo where the mask is black")
        var left = 0, right = 0, stylized = 0
        for y in 0..<40 {
            for x in 0..<48 {
                for c in 0..<3 {
                    let i = (y * 48 + x) * 3 + c
                    if x < 24 { left += Int(result.pixels[i] != original.pixels[i] ? 1 : 0) }
                    else { right += Int(result.pixels[i] != whole.pixels[i] ? 1 : 0) }
                    stylized += abs(Int(whole.pixels[i]) - Int(original.pixels[i]))
                }
            }
        }
        XCTAssertEqual(left, 0, "black: the photo's own pixels")
        XCTAssertEqual(right, 0, "white: the same pixels as the run without a mask")
        XCTAssertGreaterThan(stylized, 48 * 40 * 3, "and the run without a mask did change the photo")
    }

    func testAMaskMustFitThePhoto() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 48, height: 40)
        let wide = try makeImage("wide.png", width: 80, height: 40)
        try assertFails(["stylize", photo, photo, "-o", file("out.png"), "--iterations", "1", "--mask", wide],
                        mentions: "needs the photo's proportions")
        try assertFails(["stylize", "--mode", "texture", photo, "-o", file("out.png"), "--iterations", "1", "--mask", photo],
                        mentions: "--mask needs a photo")
        try assertFails(["stylize", photo, photo, "-o", file("out.png"), "--iterations", "1", "--mask", file("none.png")],
                        mentions: "none.png")
    }
}

extension MaskTests {
    /// sf_stylize_masked: the same halves through the C API, with a one-band mask.
    func testTheCAPIMasksTheSameWay() throws {
        try requireWeights()
        let context = try TestSupport.cContext { $0.iterations = 5 }
        defer { sf_context_destroy(context) }
        XCTAssertEqual(sf_context_load_style(context, try makeImage("style.png", width: 40, height: 40)), SF_OK)

        let photo = RGBImage.pattern(width: 64, height: 48, seed: 3)
        func run(mask: [UInt8]?, width: Int = 64, height: Int = 48) -> (sf_status, [UInt8]) {
            var pixels = photo.pixels
            var maskPixels = mask ?? []
            let status = pixels.withUnsafeMutableBytes { bytes in
                maskPixels.withUnsafeMutableBytes { maskBytes in
                    var image = sf_image(data: bytes.baseAddress, width: 64, height: 48, stride: 64 * 3, bands: 3, format: SF_FORMAT_U8)
                    var output = image
                    guard mask != nil else { return sf_stylize(context, &image, &output) }
                    var grey = sf_image(data: maskBytes.baseAddress, width: Int32(width), height: Int32(height), stride: width,
                                        bands: 1, format: SF_FORMAT_U8)
                    return sf_stylize_masked(context, &image, &grey, &output)
                }
            }
            return (status, pixels)
        }
        let half = (0..<(64 * 48)).map { $0 % 64 < 32 ? UInt8(0) : 255 }
        let (wholeStatus, whole) = run(mask: nil)
        let (maskedStatus, masked) = run(mask: half)
        XCTAssertEqual([wholeStatus, maskedStatus], [SF_OK, SF_OK], String(cString: sf_context_last_error(context)))
        var left = 0, right = 0
        for i in 0..<masked.count {
            if (i / 3) % 64 < 32 { left += masked[i] == photo.pixels[i] ? 0 : 1 } else { right += masked[i] == whole[i] ? 0 : 1 }
        }
        XCTAssertEqual([left, right], [0, 0], "black: the input; white: sf_stylize's own pixels")
        XCTAssertNotEqual(whole, photo.pixels)

        XCTAssertEqual(run(mask: [UInt8](repeating: 255, count: 80 * 40), width: 80, height: 40).0, SF_ERROR_ARGUMENT)
        XCTAssertTrue(String(cString: sf_context_last_error(context)).contains("proportions"))
        var image = sf_image(data: nil, width: 64, height: 48, stride: 64 * 3, bands: 3, format: SF_FORMAT_U8)
        var output = image
        XCTAssertEqual(sf_stylize_masked(context, &image, nil, &output), SF_ERROR_ARGUMENT)
    }
}
