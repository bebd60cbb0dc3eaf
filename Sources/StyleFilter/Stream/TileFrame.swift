/// One frame of the `serve --stdio` protocol (docs/stream-protocol.md): a 64-byte little-endian
/// header, then `payloadLength` bytes. Requests carry "SFTQ", replies "SFTR".
struct TileFrame: Sendable, Equatable {
    public enum Kind: UInt16, Sendable {
        /// A tile to stylize (request) or the stylized tile (reply).
        case tile = 1
        /// A low-resolution picture of the whole image, used to start every later tile (request),
        /// and its acknowledgement (reply).
        case guide = 2
        /// Whole-image mode: the image's size, bands and format (request), and its acknowledgement.
        case imageBegin = 3
        /// Whole-image mode: a part of the image (request), its acknowledgement (an empty reply),
        /// and, after the end frame, the result for the same rectangle.
        case imagePart = 4
        /// Whole-image mode: every part has been sent; the job runs (request), and its reply
        /// follows the result parts.
        case imageEnd = 5
        /// A reply only: the request failed; the payload is the UTF-8 message.
        case error = 255
    }

    public enum SampleFormat: UInt16, Sendable {
        case u8 = 1
        case u16 = 2
        /// 32-bit float, 0 … 1.
        case f32 = 3

        public var bytes: Int { [1, 2, 4][Int(rawValue) - 1] }
    }

    /// Why a request was refused: the reply's `status`.
    public enum Status: UInt32, Sendable {
        case ok = 0
        case badMagic = 1
        case badVersion = 2
        case badHeader = 3
        case tooLarge = 4
        case truncated = 5
        case badPayload = 6
        case failed = 7
    }

    public static let headerSize = 64
    public static let version: UInt16 = 1
    public static let requestMagic = Array("SFTQ".utf8)
    public static let replyMagic = Array("SFTR".utf8)

    public var isRequest: Bool
    public var kind: Kind
    public var id: UInt64
    /// Position of the payload's top-left pixel in the whole image (may be negative when the
    /// driver pads the border); for a guide, the whole image's width and height.
    public var x: Int32
    public var y: Int32
    public var width: UInt32
    public var height: UInt32
    public var bands: UInt16
    public var format: SampleFormat
    /// Pixels of overlap on every side of a request tile; the reply is cropped by it.
    public var margin: UInt32
    /// Request: iterations for this tile (0: the server's default).
    public var iterations: UInt32
    /// Reply: what happened.
    public var status: Status
    public var payloadLength: UInt64

    public init(isRequest: Bool, kind: Kind, id: UInt64, x: Int32 = 0, y: Int32 = 0, width: UInt32 = 0, height: UInt32 = 0,
                bands: UInt16 = 3, format: SampleFormat = .u8, margin: UInt32 = 0, iterations: UInt32 = 0,
                status: Status = .ok, payloadLength: UInt64 = 0) {
        self.isRequest = isRequest
        self.kind = kind
        self.id = id
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
        self.margin = margin
        self.iterations = iterations
        self.status = status
        self.payloadLength = payloadLength
    }

    /// Bytes the pixels of a width × height × bands tile take in this format.
    public var pixelBytes: UInt64 { UInt64(width) * UInt64(height) * UInt64(bands) * UInt64(format.bytes) }

    public func encoded() -> [UInt8] {
        var out = isRequest ? TileFrame.requestMagic : TileFrame.replyMagic
        out.reserveCapacity(TileFrame.headerSize)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(TileFrame.version)
        put(kind.rawValue)
        put(id)
        put(x)
        put(y)
        put(width)
        put(height)
        put(bands)
        put(format.rawValue)
        put(margin)
        put(iterations)
        put(status.rawValue)
        put(payloadLength)
        put(UInt64(0))
        return out
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let status: Status
        public let description: String
    }

    /// Checks a 64-byte request header: magic, version, kind and every field's range, and that the
    /// payload length is what the geometry says and within `maxPayload`. The id is returned even
    /// when the rest is wrong, so the error reply can name the request.
    public static func parseRequest(_ bytes: ArraySlice<UInt8>, maxPayload: UInt64) -> Result<TileFrame, ParseError> {
        precondition(bytes.count == headerSize)
        let b = Array(bytes)
        func fail(_ s: Status, _ m: String) -> Result<TileFrame, ParseError> { .failure(ParseError(status: s, description: m)) }
        guard Array(b[0..<4]) == requestMagic else { return fail(.badMagic, "not a request frame (bad magic)") }
        func u<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            var v: T = 0
            withUnsafeMutableBytes(of: &v) { for i in 0..<MemoryLayout<T>.size { $0[i] = b[offset + i] } }
            return T(littleEndian: v)
        }
        guard u(4, UInt16.self) == version else { return fail(.badVersion, "protocol version \(u(4, UInt16.self)); this server speaks \(version)") }
        guard let kind = Kind(rawValue: u(6, UInt16.self)), kind != .error else { return fail(.badHeader, "unknown frame kind \(u(6, UInt16.self))") }
        guard let format = SampleFormat(rawValue: u(34, UInt16.self)) else { return fail(.badHeader, "unknown sample format \(u(34, UInt16.self))") }
        let frame = TileFrame(isRequest: true, kind: kind, id: u(8, UInt64.self), x: u(16, Int32.self), y: u(20, Int32.self),
                              width: u(24, UInt32.self), height: u(28, UInt32.self), bands: u(32, UInt16.self), format: format,
                              margin: u(36, UInt32.self), iterations: u(40, UInt32.self),
                              status: .ok, payloadLength: u(48, UInt64.self))
        guard u(44, UInt32.self) == 0, u(56, UInt64.self) == 0 else { return fail(.badHeader, "reserved fields must be 0") }
        guard frame.payloadLength <= maxPayload else {
            return fail(.tooLarge, "payload of \(frame.payloadLength) bytes is over the limit of \(maxPayload)")
        }
        if kind == .imageBegin || kind == .imageEnd {
            guard frame.width == 0, frame.height == 0, frame.margin == 0, frame.payloadLength == 0, frame.bands == 3 || frame.bands == 4 else {
                return fail(.badHeader, "an image begin or end frame has width, height, margin and payload 0, and 3 or 4 bands")
            }
            if kind == .imageBegin {
                guard (16...100_000).contains(frame.x), (16...100_000).contains(frame.y) else {
                    return fail(.badHeader, "an image begin's x and y give the image's size, 16 … 100000 each")
                }
                guard frame.iterations <= 100_000 else { return fail(.badHeader, "iterations \(frame.iterations) is over 100000") }
            }
            return .success(frame)
        }
        guard (1...16384).contains(frame.width), (1...16384).contains(frame.height) else {
            return fail(.badHeader, "tile size \(frame.width)×\(frame.height) is outside 1 … 16384")
        }
        guard frame.bands == 3 || frame.bands == 4 else { return fail(.badHeader, "bands must be 3 (RGB) or 4 (RGBA), not \(frame.bands)") }
        guard frame.payloadLength == frame.pixelBytes else {
            return fail(.badHeader, "payload length \(frame.payloadLength) does not match \(frame.width)×\(frame.height)×\(frame.bands) \(format)")
        }
        switch kind {
        case .tile:
            guard UInt64(frame.margin) * 2 + 16 <= UInt64(min(frame.width, frame.height)) else {
                return fail(.badHeader, "margin \(frame.margin) leaves less than 16 pixels of a \(frame.width)×\(frame.height) tile")
            }
            guard frame.iterations <= 100_000 else { return fail(.badHeader, "iterations \(frame.iterations) is over 100000") }
            // The reply's position is the core's, x + margin: it must still be a 32-bit position.
            guard Int64(frame.x) + Int64(frame.width) <= Int64(Int32.max), Int64(frame.y) + Int64(frame.height) <= Int64(Int32.max) else {
                return fail(.badHeader, "tile at (\(frame.x), \(frame.y)) of \(frame.width)×\(frame.height) reaches past 2³¹ − 1")
            }
        case .guide:
            guard frame.x > 0, frame.y > 0, frame.margin == 0 else {
                return fail(.badHeader, "a guide's x and y give the whole image's size (> 0), and its margin is 0")
            }
        case .imagePart:
            guard frame.x >= 0, frame.y >= 0, frame.margin == 0 else {
                return fail(.badHeader, "an image part lies inside the image (x, y ≥ 0) and has no margin")
            }
        case .imageBegin, .imageEnd, .error:
            break
        }
        return .success(frame)
    }
}
