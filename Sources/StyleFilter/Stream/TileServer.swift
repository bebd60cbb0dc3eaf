#if canImport(Glibc)
import Glibc
#endif

/// Buffered reads from a descriptor or from memory, with the two reads the protocol needs:
/// exactly n bytes (fewer only at the end) and one byte at a time (to find the next frame after
/// garbage).
public final class ByteInput {
    private let fill: (UnsafeMutableRawBufferPointer) -> Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var finished = false
    /// Bytes given back with `unread`, served before the buffer.
    private var returned: [UInt8] = []

    /// `fill` reads into the buffer and returns the count, 0 at the end (negative is an error,
    /// treated as the end).
    public init(fill: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.fill = fill
    }

    public convenience init(fileDescriptor fd: Int32) {
        self.init { buffer in
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 && errno == EINTR { continue }
                return n
            }
        }
    }

    public convenience init(bytes: [UInt8]) {
        var offset = 0
        self.init { buffer in
            let n = min(buffer.count, bytes.count - offset)
            for i in 0..<n { buffer[i] = bytes[offset + i] }
            offset += n
            return n
        }
    }

    private func refill() -> Bool {
        guard !finished else { return false }
        start = 0
        end = buffer.withUnsafeMutableBytes { fill($0) }
        if end <= 0 {
            end = 0
            finished = true
        }
        return end > 0
    }

    /// Puts bytes back in front of the stream.
    public func unread(_ bytes: [UInt8]) {
        returned = bytes + returned
    }

    /// `count` bytes, or fewer if the stream ends first.
    public func read(_ count: Int) -> [UInt8] {
        var out = Array(returned.prefix(count))
        returned.removeFirst(out.count)
        out.reserveCapacity(min(count, 1 << 24))
        while out.count < count {
            if start == end && !refill() { break }
            let n = min(count - out.count, end - start)
            out.append(contentsOf: buffer[start..<start + n])
            start += n
        }
        return out
    }

    /// Drops `count` bytes; false if the stream ended first.
    public func skip(_ count: UInt64) -> Bool {
        let fromReturned = Int(min(count, UInt64(returned.count)))
        returned.removeFirst(fromReturned)
        var left = count - UInt64(fromReturned)
        while left > 0 {
            if start == end && !refill() { return false }
            let n = Int(min(left, UInt64(end - start)))
            start += n
            left -= UInt64(n)
        }
        return true
    }

    public func byte() -> UInt8? {
        if !returned.isEmpty { return returned.removeFirst() }
        if start == end && !refill() { return nil }
        defer { start += 1 }
        return buffer[start]
    }
}

/// `filterctl serve --stdio`: reads request frames and answers every request with one reply
/// frame, in order (an image end frame with the result parts first). Tiles are stylized one by one
/// as `TileJob` makes them (a preview: their borders can show); an image sent whole, as
/// parts between a begin and an end frame, runs the job once, as `filterctl stylize` would. A bad
/// frame gets an error reply and the server goes on with the next one; the end of the input ends it.
public final class TileServer {
    public let tile: TileJob
    public let maxPayload: UInt64
    /// The job for an image sent whole, given its iterations (nil: the server's default).
    public let wholeImage: (PhotoInput, Int?) throws -> StyleJob
    private var guide: Guide?
    private var assembly: (image: ImageAssembly, iterations: Int?)?

    public struct Summary: Sendable, Equatable {
        public var tiles = 0
        public var guides = 0
        public var images = 0
        public var errors = 0
    }

    public init(tile: TileJob, maxPayload: UInt64, wholeImage: @escaping (PhotoInput, Int?) throws -> StyleJob) {
        self.tile = tile
        self.maxPayload = maxPayload
        self.wholeImage = wholeImage
    }

    /// Serves until the input ends. `write` sends reply bytes (and throws if it cannot);
    /// `log` gets one line per frame.
    public func serve(_ input: ByteInput, write: ([UInt8]) throws -> Void, log: (String) -> Void = { _ in }) throws -> Summary {
        var summary = Summary()
        func reply(_ frame: TileFrame, _ payload: [UInt8]) throws {
            var f = frame
            f.payloadLength = UInt64(payload.count)
            try write(f.encoded() + payload)
        }
        func refuse(id: UInt64, _ status: TileFrame.Status, _ message: String) throws {
            summary.errors += 1
            log("frame \(id): \(message)")
            try reply(TileFrame(isRequest: false, kind: .error, id: id, status: status), Array(message.utf8))
        }
        while true {
            let header = input.read(TileFrame.headerSize)
            if header.isEmpty { return summary }
            if header.count < TileFrame.headerSize {
                try refuse(id: 0, .truncated, "the input ended inside a frame header (\(header.count) of \(TileFrame.headerSize) bytes)")
                return summary
            }
            // A header without the magic is not a frame: its "id" is noise, so the reply says 0.
            let id = Array(header[0..<4]) == TileFrame.requestMagic
                ? header[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
            switch TileFrame.parseRequest(header[...], maxPayload: maxPayload) {
            case .failure(let error):
                try refuse(id: id, error.status, error.description)
                let length = header[48..<56].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                if error.status == .badMagic || error.status == .tooLarge || length > maxPayload {
                    // The length cannot be trusted: look for the next request's magic instead.
                    guard resynchronize(input, after: header) else { return summary }
                } else if !input.skip(length) {
                    return summary
                }
            case .success(let frame):
                // A frame the process cannot hold (a tile: with its stylizing) is refused before
                // its payload is read, and the stream goes on with the next frame.
                do {
                    let stylized = frame.kind == .tile ? tile.bytes(width: Int(frame.width), height: Int(frame.height)) : 0
                    try AvailableMemory.ensure(Int(frame.payloadLength) + stylized, for: "a \(frame.width)×\(frame.height) \(frame.kind)")
                } catch let error as StyleFilterError {
                    try refuse(id: frame.id, .tooLarge, error.description)
                    guard input.skip(frame.payloadLength) else { return summary }
                    continue
                }
                let payload = input.read(Int(frame.payloadLength))
                guard payload.count == Int(frame.payloadLength) else {
                    try refuse(id: frame.id, .truncated, "the input ended inside the payload (\(payload.count) of \(frame.payloadLength) bytes)")
                    return summary
                }
                do {
                    let answers = try handle(frame, payload)
                    switch frame.kind {
                    case .guide: summary.guides += 1
                    case .tile: summary.tiles += 1
                    case .imageEnd: summary.images += 1
                    default: break
                    }
                    log("frame \(frame.id): \(frame.kind) \(frame.width)×\(frame.height) at (\(frame.x), \(frame.y))")
                    for (answer, bytes) in answers { try reply(answer, bytes) }
                } catch let error as TileFrame.ParseError {
                    try refuse(id: frame.id, error.status, error.description)
                } catch let error as StyleFilterError {
                    try refuse(id: frame.id, .failed, error.description)
                }
            }
        }
    }

    /// Searches the bad header's own bytes (after its first) and then the stream for the next
    /// request magic, and puts it back so the main loop reads that frame whole.
    private func resynchronize(_ input: ByteInput, after header: [UInt8]) -> Bool {
        var window: [UInt8] = []
        var rest = Array(header.dropFirst())
        while true {
            guard let b = rest.isEmpty ? input.byte() : rest.removeFirst() else { return false }
            window.append(b)
            if window.count > 4 { window.removeFirst() }
            if window == TileFrame.requestMagic {
                input.unread(window + rest)
                return true
            }
        }
    }

    func handle(_ frame: TileFrame, _ payload: [UInt8]) throws -> [(TileFrame, [UInt8])] {
        let ack = TileFrame(isRequest: false, kind: frame.kind, id: frame.id, x: frame.x, y: frame.y, width: frame.width,
                            height: frame.height, bands: frame.bands, format: frame.format)
        switch frame.kind {
        case .imageBegin:
            assembly = nil
            assembly = (try ImageAssembly(width: Int(frame.x), height: Int(frame.y), bands: Int(frame.bands), format: frame.format),
                        frame.iterations > 0 ? Int(frame.iterations) : nil)
            return [(ack, [])]
        case .imagePart:
            guard let open = assembly?.image else {
                throw TileFrame.ParseError(status: .badHeader, description: "an image part without an image begin frame")
            }
            guard Int(frame.bands) == open.samples.bands, frame.format.bytes * Int(frame.bands) == open.samples.pixelBytes,
                  frame.format == open.samples.format else {
                throw TileFrame.ParseError(status: .badHeader, description: "an image part's bands and format must be its image's")
            }
            try open.add(id: frame.id, x: Int(frame.x), y: Int(frame.y), width: Int(frame.width), height: Int(frame.height), payload: payload)
            return [(ack, [])]
        case .imageEnd:
            guard let (image, iterations) = assembly else {
                throw TileFrame.ParseError(status: .badHeader, description: "an image end without an image begin frame")
            }
            assembly = nil
            guard image.isComplete else {
                throw TileFrame.ParseError(status: .badPayload, description: "the parts did not cover the whole \(image.width)×\(image.height) image")
            }
            let result = try wholeImage(try image.photo(), iterations).run().image
            return try image.resultParts(result, format: image.samples.format) + [(ack, [])]
        default:
            return [try handleTile(frame, payload)]
        }
    }

    func handleTile(_ frame: TileFrame, _ payload: [UInt8]) throws -> (TileFrame, [UInt8]) {
        let pixels = try TilePixels(payload: payload[...], width: Int(frame.width), height: Int(frame.height),
                                    bands: Int(frame.bands), format: frame.format)
        switch frame.kind {
        case .guide:
            guide = Guide(image: pixels.rgb, fullWidth: Int(frame.x), fullHeight: Int(frame.y))
            return (TileFrame(isRequest: false, kind: .guide, id: frame.id, x: frame.x, y: frame.y,
                              width: frame.width, height: frame.height, bands: frame.bands, format: frame.format), [])
        case .tile:
            let start = guide.map { Initialization.image($0.region(x: Int(frame.x), y: Int(frame.y), width: Int(frame.width), height: Int(frame.height))) }
            let result = try tile.run(pixels.rgb, iterations: frame.iterations > 0 ? Int(frame.iterations) : nil, initialization: start)
            let m = Int(frame.margin)
            let out = pixels.payload(result: result, margin: m, format: frame.format)
            return (TileFrame(isRequest: false, kind: .tile, id: frame.id, x: frame.x + Int32(m), y: frame.y + Int32(m),
                              width: UInt32(out.width), height: UInt32(out.height), bands: frame.bands, format: frame.format), out.bytes)
        default:
            preconditionFailure("parseRequest refuses error frames; handle takes the image frames")
        }
    }
}
