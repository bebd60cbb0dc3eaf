import Foundation
import XCTest
@testable import StyleFilter

/// Seeded, time-bounded fuzzing of everything that comes from outside as bytes: stream frames,
/// preset JSON, statistics sidecars and work-directory files. Each target mutates valid input
/// (bit flips, interesting values in size fields, truncation, insertion, duplication) and feeds
/// it to the real parser: it must answer or throw, never trap. A failure names the seed and case,
/// so `STYLEFILTER_FUZZ_SEED=… swift test --filter FuzzTests` replays it;
/// `STYLEFILTER_FUZZ_SECONDS` runs longer.
final class FuzzTests: ScratchDirectoryTestCase {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["STYLEFILTER_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_201
    static let seconds = environment["STYLEFILTER_FUZZ_SECONDS"].flatMap { Double($0) } ?? 4
    static let maxCases = 20_000

    /// Runs `body` on mutations of `valid` until the time or the case count runs out; returns the
    /// number of cases.
    @discardableResult
    func fuzz(_ valid: [UInt8], fields: [Int] = [], _ body: ([UInt8], Int) throws -> Void) rethrows -> Int {
        var mutator = Mutator(seed: Self.seed, fields: fields)
        let end = Date().addingTimeInterval(Self.seconds)
        var cases = 0
        while cases < Self.maxCases && Date() < end {
            try body(mutator.mutate(valid), cases)
            cases += 1
        }
        return cases
    }

    /// With the optimization, and with a trained network (whose tiles run through the network at
    /// whatever size a mutated frame gives them).
    func testTileStreamAnswersEveryMutatedStream() throws {
        for fast in [nil, FeedForwardNetwork(shape: .init(width: 2, residualBlocks: 0), seed: 3)] {
            try answersEveryMutatedStream(fast: fast)
        }
    }

    func answersEveryMutatedStream(fast: FeedForwardNetwork?) throws {
        var options = TransferOptions()
        options.contentLayers = [try LayerWeight("relu1_1")]
        options.styleWeight = 0
        options.iterations = 1
        let tileJob = TileJob(network: try TestSupport.network(), style: StyleStatistics(grams: []), options: options, fast: fast)
        let server = TileServer(tile: tileJob, maxPayload: 1 << 16, wholeImage: TileStreamTests.wholeImage(options))
        func frame(_ kind: TileFrame.Kind, id: UInt64, x: Int32, y: Int32, width: UInt32, height: UInt32, margin: UInt32) -> [UInt8] {
            var f = TileFrame(isRequest: true, kind: kind, id: id, x: x, y: y, width: width, height: height, bands: 3, format: .u8, margin: margin)
            f.payloadLength = f.pixelBytes
            return f.encoded() + (0..<Int(f.pixelBytes)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        }
        let valid = frame(.guide, id: 1, x: 64, y: 48, width: 16, height: 12, margin: 0)
            + frame(.tile, id: 2, x: -4, y: 0, width: 24, height: 20, margin: 2)
        // Offsets of the first tile header's x, y, width, height, margin and payload length.
        let tile = 64 + 16 * 12 * 3
        let fields = [16, 20, 24, 28, 36, 48].flatMap { [$0, tile + $0] }
        let cases = try fuzz(valid, fields: fields) { bytes, index in
            var replies: [UInt8] = []
            _ = try server.serve(ByteInput(bytes: bytes), write: { replies += $0 })
            // Every reply is a whole reply frame.
            var reader = ByteReader(replies)
            while !reader.atEnd {
                let header = Array(try reader.bytes(TileFrame.headerSize))
                XCTAssertEqual(Array(header[0..<4]), TileFrame.replyMagic, "seed \(Self.seed) case \(index)")
                let length = header[48..<56].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                _ = try reader.bytes(Int(length))
            }
        }
        XCTAssertGreaterThan(cases, 50)

        // The overflow that trapped: a valid tile at the edge of the 32-bit plane, with a margin.
        var replies: [UInt8] = []
        let edge = frame(.tile, id: 9, x: Int32.max - 10, y: 0, width: 24, height: 20, margin: 2)
        let summary = try server.serve(ByteInput(bytes: edge + frame(.tile, id: 10, x: 0, y: 0, width: 24, height: 20, margin: 2)),
                                       write: { replies += $0 })
        XCTAssertEqual(summary.errors, 1)
        XCTAssertEqual(summary.tiles, 1, "the stream goes on after the refused frame")
    }

    func testPresetJSONParsesOrThrows() throws {
        for name in ["swirls", "ink", "mosaic"] {
            let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("presets/\(name).json"), encoding: .utf8)
            let numbers = text.utf8.enumerated().filter { (48...57).contains($0.element) }.map(\.offset)
            try fuzz(Array(text.utf8), fields: numbers) { bytes, _ in
                guard let preset = try? Preset(json: String(decoding: bytes, as: UTF8.self), origin: "fuzz") else { return }
                // Whatever it accepts, it writes back as something it accepts again.
                XCTAssertNoThrow(try Preset(json: preset.json.formatted(), origin: "round trip"))
                _ = try? preset.transferOptions(iterations: 1)
                _ = try? JobPlan(preset: preset, finalSize: 1024)
            }
        }
    }

    func testStatisticsSidecarDecodesOrThrows() throws {
        let key = StyleStatisticsCache.Key(weights: VGG19Weights.sha256, pooling: "max", layers: ["relu1_1", "relu2_1"],
                                           style: "sha256:00", sourceWidth: 640, sourceHeight: 480)
        let grams = StyleStatistics(grams: [("relu1_1", [Float](repeating: 0.5, count: 64 * 64)),
                                            ("relu2_1", [Float](repeating: 0.25, count: 128 * 128))])
        let cache = StyleStatisticsCache(key: key, entries: [.init(width: 64, height: 48, statistics: grams)])
        let valid = cache.encoded()
        XCTAssertEqual(try StyleStatisticsCache(decoding: valid), cache)
        let keyEnd = 12 + key.text.utf8.count
        // The entry count, the first entry's size, layer count, name length and channel count.
        let fields = [keyEnd, keyEnd + 4, keyEnd + 8, keyEnd + 12, keyEnd + 16, keyEnd + 27, 8]
        var mutator = Mutator(seed: Self.seed &+ 1, fields: fields)
        fuzz(valid, fields: fields) { bytes, index in
            _ = try? StyleStatisticsCache(decoding: bytes)
            // Re-signed, so the parser gets past the checksum and meets the damage itself.
            let body = Array(mutator.mutate(Array(valid.dropLast(64))))
            let signed = body + Array(VGG19Weights.sha256Hex(body).utf8)
            if let decoded = try? StyleStatisticsCache(decoding: signed) {
                XCTAssertTrue(decoded.entries.allSatisfy { $0.statistics.grams.allSatisfy { $0.gram.allSatisfy(\.isFinite) } },
                              "seed \(Self.seed) case \(index)")
            }
        }
    }

    func testWorkDirectoryFilesLoadOrAreIgnored() throws {
        let path = scratch.appendingPathComponent("work").path
        let work = try WorkDirectory(path: path, identity: "run", resume: false)
        let image = FloatRGBImage(width: 20, height: 16, values: (0..<(20 * 16 * 3)).map { Float($0 % 256) })
        try work.save(image, scale: 0)
        let valid = try XCTUnwrap(FileManager.default.contents(atPath: work.scalePath(0)))
        XCTAssertEqual(work.lastFinished(below: 1, sizes: [(20, 16)])?.1, image)
        fuzz(Array(valid), fields: [4, 8]) { bytes, index in
            XCTAssertTrue(FileManager.default.createFile(atPath: work.scalePath(0), contents: Data(bytes)))
            if let (_, loaded) = work.lastFinished(below: 1, sizes: [(20, 16)]) {
                XCTAssertEqual([loaded.width, loaded.height], [20, 16], "seed \(Self.seed) case \(index)")
                XCTAssertTrue(loaded.values.allSatisfy(\.isFinite))
            }
        }
        // The header that trapped: 0xFFFFFFFF × 0xFFFFFFFF.
        var header = Array("SFSC".utf8) + [UInt8](repeating: 0xFF, count: 8)
        header += [UInt8](repeating: 0, count: 64)
        XCTAssertTrue(FileManager.default.createFile(atPath: work.scalePath(0), contents: Data(header)))
        XCTAssertNil(work.lastFinished(below: 1, sizes: [(20, 16)]))

        let marker = try XCTUnwrap(FileManager.default.contents(atPath: path + "/run.txt"))
        fuzz(Array(marker)) { bytes, _ in
            XCTAssertTrue(FileManager.default.createFile(atPath: path + "/run.txt", contents: Data(bytes)))
            if let resumed = try? WorkDirectory(path: path, identity: "run", resume: true) {
                XCTAssertEqual(resumed.identity, "run")
            }
        }
    }
}

/// Byte-level mutations, seeded.
struct Mutator {
    var rng: SplitMix64
    /// Offsets of 32-bit size or count fields, which get boundary values.
    let fields: [Int]
    static let interesting: [UInt32] = [0, 1, 15, 16, 17, 0x7F, 0x80, 0xFF, 0x3FFF, 0x4000, 0x4001, 0x7FFF_FFFF,
                                        0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]

    init(seed: UInt64, fields: [Int]) {
        rng = SplitMix64(seed: seed)
        self.fields = fields
    }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(3) {
            let choice = below(8)
            switch choice == 3 ? 2 : choice {
            case 0 where !bytes.isEmpty:
                bytes[below(bytes.count)] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty:
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where !fields.isEmpty:
                let at = fields[below(fields.count)]
                guard at + 4 <= bytes.count else { break }
                let value = Self.interesting[below(Self.interesting.count)]
                for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            case 4:
                bytes = Array(bytes.prefix(below(bytes.count + 1)))
            case 5:
                let at = below(bytes.count + 1)
                bytes.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 6 where !bytes.isEmpty:
                let start = below(bytes.count), length = below(min(64, bytes.count - start) + 1)
                bytes.removeSubrange(start..<(start + length))
            default:
                guard !bytes.isEmpty else { break }
                let start = below(bytes.count), length = below(min(256, bytes.count - start) + 1)
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: below(bytes.count + 1))
            }
        }
        return bytes
    }
}
