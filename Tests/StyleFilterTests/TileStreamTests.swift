import Foundation
import XCTest
@testable import StyleFilter

/// The `serve --stdio` protocol: replies in order, an error reply for every bad frame and the
/// server still serving after it, pixel formats and alpha carried through, the guide used.
final class TileStreamTests: XCTestCase {
    struct Reply {
        let frame: TileFrame
        let status: UInt32
        let payload: [UInt8]
    }

    /// A cheap server: content at relu1_1 only, so a 16 px tile costs milliseconds.
    func server(iterations: Int = 0, maxPayload: UInt64 = 1 << 20) throws -> TileServer {
        var options = TransferOptions()
        options.contentLayers = [try LayerWeight("relu1_1")]
        options.styleWeight = 0
        options.iterations = iterations
        return TileServer(tile: TileJob(network: try TestSupport.network(), style: StyleStatistics(grams: []), options: options), maxPayload: maxPayload,
                          wholeImage: Self.wholeImage(options))
    }

    /// The cheap server's job for a whole image: one scale at the image's size.
    static func wholeImage(_ options: TransferOptions) -> (PhotoInput, Int?) throws -> StyleJob {
        { photo, iterations in
            var o = options
            if let iterations { o.iterations = iterations }
            return StyleJob(network: try TestSupport.network(), photo: photo, size: (photo.width, photo.height),
                            style: .statistics(StyleStatistics(grams: [])), plan: JobPlan(size: max(photo.width, photo.height), options: o))
        }
    }

    func serve(_ server: TileServer, _ bytes: [UInt8]) throws -> (TileServer.Summary, [Reply]) {
        var out: [UInt8] = []
        let summary = try server.serve(ByteInput(bytes: bytes), write: { out += $0 })
        return (summary, try Self.replies(out))
    }

    /// The reply frames in a server's output.
    static func replies(_ out: [UInt8]) throws -> [Reply] {
        var replies: [Reply] = []
        var reader = ByteReader(out)
        while !reader.atEnd {
            let header = Array(try reader.bytes(TileFrame.headerSize))
            XCTAssertEqual(Array(header[0..<4]), TileFrame.replyMagic)
            func u32(_ o: Int) -> UInt32 { UInt32(header[o]) | UInt32(header[o + 1]) << 8 | UInt32(header[o + 2]) << 16 | UInt32(header[o + 3]) << 24 }
            func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }
            let kind = TileFrame.Kind(rawValue: UInt16(header[6]) | UInt16(header[7]) << 8)!
            let frame = TileFrame(isRequest: false, kind: kind, id: u64(8), x: Int32(bitPattern: u32(16)), y: Int32(bitPattern: u32(20)),
                                  width: u32(24), height: u32(28), bands: UInt16(header[32]),
                                  format: TileFrame.SampleFormat(rawValue: UInt16(header[34]))!, payloadLength: u64(48))
            replies.append(Reply(frame: frame, status: u32(44), payload: Array(try reader.bytes(Int(frame.payloadLength)))))
        }
        return replies
    }

    func tile(id: UInt64, x: Int32 = 0, y: Int32 = 0, width: Int = 24, height: Int = 20, bands: UInt16 = 3,
              format: TileFrame.SampleFormat = .u8, margin: UInt32 = 2, iterations: UInt32 = 0, seed: UInt64 = 1) -> (TileFrame, [UInt8]) {
        var rng = SplitMix64(seed: seed)
        var frame = TileFrame(isRequest: true, kind: .tile, id: id, x: x, y: y, width: UInt32(width), height: UInt32(height),
                              bands: bands, format: format, margin: margin, iterations: iterations)
        frame.payloadLength = frame.pixelBytes
        return (frame, (0..<Int(frame.pixelBytes)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    func bytes(_ f: (TileFrame, [UInt8])) -> [UInt8] { f.0.encoded() + f.1 }

    func testHeadersRoundTripAndBadOnesAreNamed() {
        let (frame, _) = tile(id: 42, x: -8, y: 16, width: 64, height: 48, bands: 4, format: .u16, margin: 8, iterations: 7)
        XCTAssertEqual(try TileFrame.parseRequest(frame.encoded()[...], maxPayload: 1 << 30).get(), frame)
        func status(_ mutate: (inout [UInt8]) -> Void, max: UInt64 = 1 << 30) -> TileFrame.Status? {
            var b = frame.encoded()
            mutate(&b)
            if case .failure(let e) = TileFrame.parseRequest(b[...], maxPayload: max) { return e.status }
            return nil
        }
        XCTAssertEqual(status({ $0[0] = UInt8(ascii: "X") }), .badMagic)
        XCTAssertEqual(status({ $0[4] = 2 }), .badVersion)
        XCTAssertEqual(status({ $0[6] = 9 }), .badHeader)  // kind
        XCTAssertEqual(status({ $0[34] = 7 }), .badHeader)  // format
        XCTAssertEqual(status({ $0[32] = 2 }), .badHeader)  // bands
        XCTAssertEqual(status({ $0[27] = 1 }), .badHeader)  // width 16 M
        XCTAssertEqual(status({ $0[36] = 30 }), .badHeader)  // margin eats the tile
        XCTAssertEqual(status({ $0[44] = 1 }), .badHeader)  // reserved
        XCTAssertEqual(status({ $0[48] ^= 1 }), .badHeader)  // length ≠ geometry
        XCTAssertEqual(status({ _ in }, max: 100), .tooLarge)
    }

    func testEveryRequestGetsOneReplyInOrderAndBadFramesDoNotStopTheServer() throws {
        let server = try server()
        var stream = bytes(tile(id: 1))
        stream += Array("garbage between frames".utf8)
        stream += bytes(tile(id: 2))
        let badVersion = tile(id: 3)
        var encoded = badVersion.0.encoded()
        encoded[4] = 9
        stream += encoded + badVersion.1
        stream += bytes(tile(id: 4, width: 16, height: 16, margin: 1))  // too small after the margin: refused
        var huge = tile(id: 5).0
        huge.payloadLength = 1 << 40
        stream += huge.encoded()
        stream += bytes(tile(id: 6))
        let truncated = bytes(tile(id: 7))
        stream += truncated.prefix(truncated.count - 10)

        let (summary, replies) = try serve(server, stream)
        XCTAssertEqual(replies.map(\.frame.id), [1, 0, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(replies.map(\.status), [0, 1, 0, 2, 3, 4, 0, 5])
        XCTAssertEqual(replies.map(\.frame.kind), [.tile, .error, .tile, .error, .error, .error, .tile, .error])
        XCTAssertEqual(summary, TileServer.Summary(tiles: 3, guides: 0, errors: 5))
        XCTAssertTrue(String(decoding: replies[5].payload, as: UTF8.self).contains("over the limit"))
        XCTAssertEqual(try serve(server, []).1.count, 0, "an empty stream is a clean end")
        let short = try serve(server, Array(bytes(tile(id: 9)).prefix(30)))
        XCTAssertEqual(short.1.map(\.status), [5], "a header cut short")
    }

    func testMarginsAreCroppedAndFormatsAndAlphaComeBack() throws {
        // With 0 iterations the tile comes back as it went, which shows the plumbing exactly.
        let server = try server(iterations: 0)
        let request = tile(id: 1, x: -4, y: 10, width: 30, height: 22, bands: 4, format: .u8, margin: 3)
        let (_, replies) = try serve(server, bytes(request))
        let reply = try XCTUnwrap(replies.first)
        XCTAssertEqual([reply.frame.x, reply.frame.y], [-1, 13])
        XCTAssertEqual([reply.frame.width, reply.frame.height, UInt32(reply.frame.bands)], [24, 16, 4])
        var expected: [UInt8] = []
        for y in 3..<19 { for x in 3..<27 { expected += request.1[(4 * (y * 30 + x))..<(4 * (y * 30 + x) + 4)] } }
        XCTAssertEqual(reply.payload, expected)

        for format in [TileFrame.SampleFormat.u16, .f32] {
            let r = tile(id: 2, width: 20, height: 20, bands: 4, format: format, margin: 0)
            var request = r
            if format == .f32 {
                // Random bytes are not floats in 0 … 1: fill with real ones.
                var rng = SplitMix64(seed: 3)
                request.1 = (0..<400 * 4).flatMap { _ in withUnsafeBytes(of: Float(rng.nextUnit()).bitPattern.littleEndian, Array.init) }
            }
            let out = try XCTUnwrap(try serve(server, bytes(request)).1.first)
            XCTAssertEqual(out.frame.format, format)
            XCTAssertEqual(out.payload.count, request.1.count)
            let size = format.bytes
            for p in 0..<400 {
                let a = (4 * p + 3) * size
                XCTAssertEqual(Array(out.payload[a..<a + size]), Array(request.1[a..<a + size]), "alpha is carried through exactly")
            }
        }
        var nan = tile(id: 3, width: 16, height: 16, bands: 3, format: .f32, margin: 0)
        nan.1 = (0..<(16 * 16 * 3)).flatMap { _ in withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init) }
        XCTAssertEqual(try serve(server, bytes(nan)).1.first?.status, 6)
    }

    /// Whole-image mode: the parts (any order, RGBA u16) are assembled, the job runs once, and the
    /// result comes back in the parts' rectangles, equal to the job run on the same pixels, with
    /// the alpha untouched. Parts outside the image, a part before a begin and an end before the
    /// image is covered are refused, and the stream goes on.
    func testAWholeImageRunsTheJobOnceAndComesBackInItsParts() throws {
        let server = try server(iterations: 3)
        let (w, h) = (40, 30)
        var rng = SplitMix64(seed: 5)
        let samples = (0..<(w * h * 4)).map { _ in UInt16(truncatingIfNeeded: rng.next()) }
        func part(id: UInt64, x: Int, y: Int, width: Int, height: Int) -> [UInt8] {
            var f = TileFrame(isRequest: true, kind: .imagePart, id: id, x: Int32(x), y: Int32(y), width: UInt32(width),
                              height: UInt32(height), bands: 4, format: .u16)
            f.payloadLength = f.pixelBytes
            var payload: [UInt8] = []
            for j in y..<(y + height) { for i in x..<(x + width) { for c in 0..<4 {
                let v = samples[(j * w + i) * 4 + c]
                payload += [UInt8(v & 0xFF), UInt8(v >> 8)]
            } } }
            return f.encoded() + payload
        }
        func control(_ kind: TileFrame.Kind, id: UInt64) -> [UInt8] {
            TileFrame(isRequest: true, kind: kind, id: id, x: kind == .imageBegin ? Int32(w) : 0, y: kind == .imageBegin ? Int32(h) : 0,
                      bands: 4, format: .u16).encoded()
        }
        var stream = part(id: 1, x: 0, y: 0, width: 8, height: 8)  // before any begin
        stream += control(.imageBegin, id: 2)
        stream += part(id: 3, x: 20, y: 15, width: 20, height: 15) + part(id: 4, x: 0, y: 0, width: 20, height: 15)
        stream += part(id: 5, x: 30, y: 0, width: 16, height: 16)  // reaches outside
        stream += control(.imageEnd, id: 6)  // not covered yet: refused, the image dropped
        stream += control(.imageBegin, id: 7)
        stream += part(id: 8, x: 20, y: 15, width: 20, height: 15) + part(id: 9, x: 0, y: 0, width: 20, height: 15)
        stream += part(id: 10, x: 20, y: 0, width: 20, height: 15) + part(id: 11, x: 0, y: 15, width: 20, height: 15)
        stream += control(.imageEnd, id: 12)
        let (summary, replies) = try serve(server, stream)
        XCTAssertEqual(replies.map(\.frame.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11, 12])
        XCTAssertEqual(replies.map(\.status), [3, 0, 0, 0, 3, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(summary.images, 1)

        // The same job on the same pixels, through a reader.
        let photo = try PhotoInput(width: w, height: h) { x, y, pw, ph, pixels, stride in
            for j in 0..<ph { for i in 0..<pw { for c in 0..<3 {
                pixels[j * stride + 3 * i + c] = Float(samples[((y + j) * w + x + i) * 4 + c]) * Float(1.0 / 65535)
            } } }
        }
        var options = try self.server(iterations: 3).tile.options
        options.iterations = 3
        let expected = try Self.wholeImage(options)(photo, nil).run().image
        for reply in replies[11...14] {
            let f = reply.frame
            XCTAssertEqual(f.kind, .imagePart)
            XCTAssertEqual(reply.payload.count, Int(f.width * f.height) * 8)
            for j in 0..<Int(f.height) { for i in 0..<Int(f.width) {
                let (x, y) = (Int(f.x) + i, Int(f.y) + j)
                let k = (j * Int(f.width) + i) * 8
                func sample(_ c: Int) -> UInt16 { UInt16(reply.payload[k + 2 * c]) | UInt16(reply.payload[k + 2 * c + 1]) << 8 }
                for c in 0..<3 {
                    let want = UInt16((min(max(expected.values[3 * (y * w + x) + c] / 255, 0), 1) * 65535).rounded())
                    XCTAssertEqual(sample(c), want, "pixel (\(x), \(y)) channel \(c)")
                }
                XCTAssertEqual(sample(3), samples[(y * w + x) * 4 + 3], "alpha at (\(x), \(y))")
            } }
        }
        XCTAssertEqual(replies.last?.frame.kind, .imageEnd)
    }

    func testTilesStartFromTheGuide() throws {
        let server = try server(iterations: 0)
        var guide = TileFrame(isRequest: true, kind: .guide, id: 1, x: 400, y: 300, width: 40, height: 30)
        guide.payloadLength = guide.pixelBytes
        let red = [UInt8]((0..<1200).flatMap { _ in [200, 30, 20] as [UInt8] })
        let (_, replies) = try serve(server, guide.encoded() + red + bytes(tile(id: 2, x: 100, y: 50)))
        XCTAssertEqual(replies.map(\.frame.kind), [.guide, .tile])
        XCTAssertEqual(Set(replies[1].payload), [200, 30, 20], "a tile with no iterations is the guide's view of it")
    }

    /// Seeded random damage to valid streams: the server answers, never crashes, and every valid
    /// frame after the damage is still served. Bounded to a few seconds.
    func testRandomlyDamagedStreamsNeverStopTheServer() throws {
        let server = try server(iterations: 1, maxPayload: 64 << 10)
        var rng = SplitMix64(seed: 2026)
        let deadline = Date().addingTimeInterval(8)
        var rounds = 0
        while Date() < deadline && rounds < 400 {
            rounds += 1
            var stream: [UInt8] = []
            for k in 0..<(1 + Int(rng.next() % 4)) {
                var b = bytes(tile(id: UInt64(k + 1), width: 16 + Int(rng.next() % 8), height: 16, margin: 0, seed: rng.next()))
                switch rng.next() % 5 {
                case 0: for _ in 0..<(1 + rng.next() % 6) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
                case 2: b = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } + b
                default: break
                }
                stream += b
            }
            let (summary, replies) = try serve(server, stream)
            XCTAssertEqual(replies.count, summary.tiles + summary.guides + summary.errors)
        }
        // A clean stream after all that still works.
        XCTAssertEqual(try serve(server, bytes(tile(id: 77))).1.map(\.frame.id), [77])
        XCTAssertGreaterThan(rounds, 50)
    }
}
