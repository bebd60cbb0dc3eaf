/// The binary sidecar `NAME.grams` beside a preset: its style's Gram matrices, one entry per style
/// size used so far (each scale of a schedule sees the style at its own size).
///
/// Layout, little-endian:
///   "SFGRAMS1"; u32 n + n bytes of key text ("weights=…\npooling=…\nlayers=…\nstyle=…\nsource=W×H\n");
///   u32 entry count; per entry: u32 width, u32 height, u32 layer count, per layer
///   (u32 name length, name, u32 C, C·C f32); then the sha256 (64 hex bytes) of all that precedes.
/// The key says what the statistics were computed from, so a stale cache is told apart from a
/// current one field by field; the checksum catches a damaged file.
struct StyleStatisticsCache: Sendable, Equatable {
    /// Everything the Gram matrices depend on.
    public struct Key: Sendable, Equatable {
        public var weights: String
        public var pooling: String
        public var layers: [String]
        /// "sha256:…" of the style file, or "procedural:NAME:SEED:vN".
        public var style: String
        /// The style's own size, so its aspect is known without the image.
        public var sourceWidth: Int
        public var sourceHeight: Int

        var text: String {
            "weights=\(weights)\npooling=\(pooling)\nlayers=\(layers.joined(separator: ","))\nstyle=\(style)\nsource=\(sourceWidth)x\(sourceHeight)\n"
        }

        init(text: String) throws {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { throw CacheFormatError("key line without '='") }
                fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            guard let weights = fields["weights"], let pooling = fields["pooling"], let layers = fields["layers"],
                  let style = fields["style"], let source = fields["source"] else { throw CacheFormatError("incomplete key") }
            let dims = source.split(separator: "x").compactMap { Int($0) }
            guard dims.count == 2, dims.allSatisfy({ $0 > 0 && $0 <= ImageIO.maxDimension }) else {
                throw CacheFormatError("bad source size")
            }
            self.init(weights: weights, pooling: pooling, layers: layers.split(separator: ",").map(String.init),
                      style: style, sourceWidth: dims[0], sourceHeight: dims[1])
        }

        public init(weights: String, pooling: String, layers: [String], style: String, sourceWidth: Int, sourceHeight: Int) {
            self.weights = weights
            self.pooling = pooling
            self.layers = layers
            self.style = style
            self.sourceWidth = sourceWidth
            self.sourceHeight = sourceHeight
        }

        /// The style's size at a given long side, its aspect kept.
        public func styleSize(longSide: Int) -> (width: Int, height: Int) {
            StyleTransfer.contentSize(width: sourceWidth, height: sourceHeight, longSide: longSide)
        }
    }

    public struct Entry: Sendable, Equatable {
        public let width: Int
        public let height: Int
        public let statistics: StyleStatistics
    }

    public let key: Key
    public var entries: [Entry]

    public init(key: Key, entries: [Entry] = []) {
        self.key = key
        self.entries = entries
    }

    public func statistics(width: Int, height: Int) -> StyleStatistics? {
        entries.first { $0.width == width && $0.height == height }?.statistics
    }

    static let magic = Array("SFGRAMS1".utf8)
    static let maxEntries = 64
    /// Far above what 64 entries of the five default style layers take (about 2.4 MB each).
    static let maxBytes = 256 << 20

    public func encoded() -> [UInt8] {
        var out = StyleStatisticsCache.magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        let keyBytes = Array(key.text.utf8)
        u32(keyBytes.count)
        out += keyBytes
        u32(entries.count)
        for entry in entries {
            u32(entry.width)
            u32(entry.height)
            u32(entry.statistics.grams.count)
            for (layer, gram) in entry.statistics.grams {
                u32(layer.utf8.count)
                out += Array(layer.utf8)
                u32(Int(Double(gram.count).squareRoot()))
                for x in gram { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        out += Array(VGG19Weights.sha256Hex(out).utf8)
        return out
    }

    /// Parses a sidecar; every count and size is checked against the bytes that are there.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= StyleStatisticsCache.magic.count + 64,
              Array(bytes.prefix(8)) == StyleStatisticsCache.magic else { throw CacheFormatError("not a statistics cache") }
        let body = Array(bytes.dropLast(64))
        guard VGG19Weights.sha256Hex(body) == String(decoding: bytes.suffix(64), as: UTF8.self) else {
            throw CacheFormatError("checksum mismatch (damaged or truncated)")
        }
        var reader = ByteReader(body, position: 8)
        let keyLength = try reader.u32(max: 1 << 16)
        key = try Key(text: String(decoding: try reader.bytes(keyLength), as: UTF8.self))
        let count = try reader.u32(max: StyleStatisticsCache.maxEntries)
        var entries: [Entry] = []
        for _ in 0..<count {
            let width = try reader.u32(max: ImageIO.maxDimension), height = try reader.u32(max: ImageIO.maxDimension)
            let layers = try reader.u32(max: VGG19.layers.count)
            var grams: [(layer: String, gram: [Float])] = []
            for _ in 0..<layers {
                let name = String(decoding: try reader.bytes(try reader.u32(max: 16)), as: UTF8.self)
                guard let index = VGG19.index(of: name) else { throw CacheFormatError("unknown layer '\(name)'") }
                let channels = try reader.u32(max: 512)
                guard channels == VGG19.layerChannels[index] else { throw CacheFormatError("wrong size for \(name)") }
                grams.append((name, try reader.floats(channels * channels)))
            }
            entries.append(Entry(width: width, height: height, statistics: StyleStatistics(grams: grams)))
        }
        guard reader.atEnd else { throw CacheFormatError("trailing bytes") }
        self.entries = entries
    }
}

struct CacheFormatError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bounds-checked little-endian reads.
struct ByteReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var atEnd: Bool { position == bytes.count }

    mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else { throw CacheFormatError("truncated") }
        defer { position += n }
        return bytes[position..<position + n]
    }

    mutating func u32(max: Int) throws -> Int {
        let b = try bytes(4)
        let v = b.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard v <= max else { throw CacheFormatError("value \(v) out of range") }
        return v
    }

    mutating func floats(_ n: Int) throws -> [Float] {
        let b = try bytes(n * 4)
        let values = (0..<n).map { i in
            let k = b.startIndex + 4 * i
            return Float(bitPattern: UInt32(b[k]) | UInt32(b[k + 1]) << 8 | UInt32(b[k + 2]) << 16 | UInt32(b[k + 3]) << 24)
        }
        guard values.allSatisfy(\.isFinite) else { throw CacheFormatError("non-finite value") }
        return values
    }
}
