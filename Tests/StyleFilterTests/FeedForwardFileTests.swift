import Foundation
import XCTest
@testable import StyleFilter

/// The trained network's file: what is written loads back as the same network, with its training
/// state when it has one, and a damaged, truncated or inconsistent file is refused.
final class FeedForwardFileTests: XCTestCase {
    func makeNetwork() -> FeedForwardNetwork { FeedForwardNetwork(shape: .init(width: 3, residualBlocks: 1), seed: 9) }

    func testRoundTripGivesTheSameNetwork() throws {
        let network = makeNetwork()
        let adam = ParameterAdam(count: network.parameters.count, learningRate: 1e-3)
        network.parameters.gradients.update(repeating: 0.5, count: network.parameters.count)
        adam.step(network.parameters)
        let file = FeedForwardFile(network: network, fields: ["preset": "test", "steps": "1"], adam: adam)
        let decoded = try FeedForwardFile(decoding: file.encoded())
        XCTAssertEqual(decoded, file)
        XCTAssertEqual(decoded.adam?.steps, 1)
        XCTAssertEqual(decoded.fields["width"], "3")
        let loaded = try decoded.network()
        XCTAssertEqual(loaded.parameters.valueArray, network.parameters.valueArray)
        let x = TestSupport.random(channels: 3, height: 16, width: 16, scale: 60, seed: 3)
        let a = FeedForwardPass(network: network, height: 16, width: 16).forward(x).toArray()
        let b = FeedForwardPass(network: loaded, height: 16, width: 16).forward(x).toArray()
        XCTAssertEqual(a, b)
        // Without training state, a finished network: 8-bit blocks, each value within half a step of
        // its own, about a quarter of the f32 file.
        let bare = FeedForwardFile(network: network, fields: [:])
        let bytes = bare.encoded()
        XCTAssertEqual(Array(bytes.prefix(8)), Array("SFNET002".utf8))
        let quantized = try FeedForwardFile(decoding: bytes)
        XCTAssertNil(quantized.adam)
        XCTAssertLessThan(Double(bytes.count), 0.3 * Double(network.parameters.count * 4))
        let values = network.parameters.valueArray
        for start in stride(from: 0, to: values.count, by: FeedForwardFile.quantumBlock) {
            let block = start..<min(start + FeedForwardFile.quantumBlock, values.count)
            let step = (values[block].max()! - values[block].min()!) / 255
            for i in block { XCTAssertLessThanOrEqual(abs(quantized.parameters[i] - values[i]), step * 0.5001 + 1e-7) }
        }
        XCTAssertNotEqual(quantized.parameters, values, "the values are rounded")
    }

    func testDamagedFilesAreRefused() throws {
        let bytes = FeedForwardFile(network: makeNetwork(), fields: ["preset": "test"]).encoded()
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        XCTAssertThrowsError(try FeedForwardFile(decoding: flipped)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
        XCTAssertThrowsError(try FeedForwardFile(decoding: Array(bytes.prefix(bytes.count - 100))))
        XCTAssertThrowsError(try FeedForwardFile(decoding: Array("SFGRAMS1".utf8) + Array(bytes.dropFirst(8))))
        XCTAssertThrowsError(try FeedForwardFile(decoding: []))
        // Intact bytes with a NaN in them (a checkpoint keeps raw f32): refused, not painted.
        let network = makeNetwork()
        network.parameters.values[5] = .nan
        let nan = FeedForwardFile(network: network, fields: [:], adam: ParameterAdam(count: network.parameters.count, learningRate: 1e-3))
        XCTAssertThrowsError(try FeedForwardFile(decoding: nan.encoded())) { XCTAssertTrue("\($0)".contains("finite"), "\($0)") }
        // And a NaN that reaches the pixels anyway becomes 0, never a trap: in every conversion to
        // integer samples (bytes, files at 8 and 16 bits through libvips, a C host's buffers).
        XCTAssertEqual(FloatRGBImage(width: 1, height: 1, values: [.nan, .infinity, -.infinity]).rounded.pixels, [0, 255, 0])
        XCTAssertEqual([Float.nan, .infinity, -.infinity, 127.4].map(Quantize.byte), [0, 255, 0, 127])
        XCTAssertEqual([Float.nan, .infinity, -.infinity, 1000.6].map(Quantize.word), [0, 65535, 0, 1001])
        XCTAssertEqual([Float.nan, .infinity, -.infinity, 0.25].map(Quantize.unit), [0, 1, 0, 0.25])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sf-nan-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let picture = FloatRGBImage(width: 2, height: 1, values: [.nan, 10, .infinity, -.infinity, 300, .nan])
        _ = try ImageIO.save(picture, like: nil, profile: .content, to: path)
        XCTAssertEqual(try ImageIO.load(path).pixels, [0, 10, 255, 0, 255, 0])
    }

    /// A well-formed file whose values do not fit its stated shape loads as an error, not a network.
    func testParametersMustFitTheShape() throws {
        var file = FeedForwardFile(network: makeNetwork(), fields: [:])
        file.fields["width"] = "4"
        XCTAssertThrowsError(try FeedForwardFile(decoding: file.encoded()).network()) { XCTAssertTrue("\($0)".contains("parameters"), "\($0)") }
        file.fields["width"] = "0"
        XCTAssertThrowsError(try FeedForwardFile(decoding: file.encoded())) { XCTAssertTrue("\($0)".contains("shape"), "\($0)") }
    }

    /// The output's kind is part of the shape: a file that names none is of a network trained
    /// before outputs were bounded (the shipped swirls and ink), and loads as linear.
    func testTheOutputKindIsKept() throws {
        var file = FeedForwardFile(network: makeNetwork(), fields: [:])
        XCTAssertEqual(file.fields["output"], "bounded")
        XCTAssertEqual(try FeedForwardFile(decoding: file.encoded()).network().shape.boundedOutput, true)
        file.fields["output"] = nil
        XCTAssertEqual(try FeedForwardFile(decoding: file.encoded()).network().shape.boundedOutput, false)
        file.fields["output"] = "linear"
        XCTAssertEqual(try FeedForwardFile(decoding: file.encoded()).network().shape.boundedOutput, false)
        file.fields["output"] = "tanh"
        XCTAssertThrowsError(try FeedForwardFile(decoding: file.encoded())) { XCTAssertTrue("\($0)".contains("shape"), "\($0)") }
    }
}
