import Foundation
import XCTest
@testable import StyleFilter

/// A missing, truncated or altered weight file is refused with a message that says how to fix it.
final class WeightsFileTests: ScratchDirectoryTestCase {

    func message(_ path: String) -> String {
        do {
            _ = try VGG19Weights.load(path: path)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testMissingFile() {
        let m = message(scratch.appendingPathComponent("nope.bin").path)
        XCTAssertTrue(m.contains("not found"), m)
        XCTAssertTrue(m.contains("filterctl fetch-weights"), m)
    }

    func testTruncatedAndAlteredFiles() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
        let original = try Data(contentsOf: URL(fileURLWithPath: TestSupport.weightsPath))
        let truncated = scratch.appendingPathComponent("truncated.bin")
        try original.prefix(original.count / 2).write(to: truncated)
        XCTAssertTrue(message(truncated.path).contains("truncated"), message(truncated.path))

        var altered = original
        altered[altered.count - 10] ^= 0xFF
        let alteredURL = scratch.appendingPathComponent("altered.bin")
        try altered.write(to: alteredURL)
        XCTAssertTrue(message(alteredURL.path).contains("checksum"), message(alteredURL.path))
    }

    func testPickleReaderRejectsUnknownOpcodes() {
        var reader = PickleReader(bytes: [0x80, 0x02, 0x93, 0x2E])
        XCTAssertThrowsError(try reader.next())
        var short = PickleReader(bytes: [0x80, 0x02, 0x58, 0x10, 0, 0, 0, 0x41])
        XCTAssertThrowsError(try short.next())
    }
}
