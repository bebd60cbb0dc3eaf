/// A trained feed-forward network on disk: the file `NAME.network` beside a preset, and the
/// checkpoints training writes (the same format with the optimizer's state, so a resumed run
/// continues exactly).
///
/// Layout, little-endian:
///   "SFNET001"; u32 n + n bytes of key text (one `field=value` per line: width, blocks, output,
///   and what the network was trained for and how); u32 parameter count, that many f32; u32 state flag,
///   and with it u32 Adam steps and two f32 blocks of the parameter count (Adam's moments);
///   then the sha256 (64 hex bytes) of all that precedes.
/// A finished network (no training state) is written as "SFNET002": the same, but the parameters
/// in blocks of `quantumBlock` values, each block an f32 minimum, an f32 step and one u8 per value
/// (value = minimum + q · step): a shipped network stays under 2 MB, and each value is within half
/// a step of its trained value (tested). The shipped swirls network: 6.7 MB → 1.7 MB; its pictures
/// at 512 px move by 0.35 of a level on average (12 at most), its losses by under 0.2 %.
/// The parameter count must be the one the shape gives, so a file that loads is a network.
public struct FeedForwardFile: Sendable, Equatable {
    public var fields: [String: String]
    public var parameters: [Float]
    /// Training state: Adam's step count and moments. Only checkpoints carry it.
    public var adam: AdamState?

    public struct AdamState: Sendable, Equatable {
        public var steps: Int
        public var m: [Float]
        public var v: [Float]
    }

    static let magic = Array("SFNET001".utf8)
    static let quantizedMagic = Array("SFNET002".utf8)
    static let quantumBlock = 1024
    /// Far above the widest network the options allow (width 64, 10 blocks: about 7 M values).
    static let maxParameters = 64 << 20

    public init(fields: [String: String], parameters: [Float], adam: AdamState? = nil) {
        self.fields = fields
        self.parameters = parameters
        self.adam = adam
    }

    /// The file of a network with its training state when `adam` is given.
    public init(network: FeedForwardNetwork, fields: [String: String], adam: ParameterAdam? = nil) {
        var all = fields
        all["width"] = String(network.shape.width)
        all["blocks"] = String(network.shape.residualBlocks)
        all["output"] = network.shape.boundedOutput ? "bounded" : "linear"
        self.init(fields: all, parameters: network.parameters.valueArray,
                  adam: adam.map { AdamState(steps: $0.state.steps, m: $0.state.m, v: $0.state.v) })
    }

    /// A file without an `output` field is of a network trained before outputs were bounded.
    public var shape: FeedForwardNetwork.Shape? {
        guard let w = fields["width"].flatMap(Int.init), let b = fields["blocks"].flatMap(Int.init),
              FeedForwardNetwork.Shape.widthRange.contains(w), FeedForwardNetwork.Shape.blockRange.contains(b) else { return nil }
        switch fields["output"] {
        case nil, "linear": return FeedForwardNetwork.Shape(width: w, residualBlocks: b, boundedOutput: false)
        case "bounded": return FeedForwardNetwork.Shape(width: w, residualBlocks: b, boundedOutput: true)
        default: return nil
        }
    }

    /// The network this file holds.
    public func network() throws -> FeedForwardNetwork {
        guard let shape else { throw CacheFormatError("no valid network shape") }
        let network = FeedForwardNetwork(shape: shape)
        guard network.parameters.count == parameters.count else {
            throw CacheFormatError("\(parameters.count) parameters where width \(shape.width) with \(shape.residualBlocks) blocks has \(network.parameters.count)")
        }
        network.parameters.load(parameters)
        return network
    }

    /// The file's bytes: 8-bit blocks for a finished network, f32 for a checkpoint (whose resumed
    /// training must continue exactly).
    public func encoded() -> [UInt8] {
        let quantized = adam == nil
        var out = quantized ? FeedForwardFile.quantizedMagic : FeedForwardFile.magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func floats(_ values: some Sequence<Float>) { for x in values { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } } }
        let key = Array(fields.keys.sorted().map { "\($0)=\(fields[$0]!)\n" }.joined().utf8)
        u32(key.count)
        out += key
        u32(parameters.count)
        if quantized {
            for start in stride(from: 0, to: parameters.count, by: FeedForwardFile.quantumBlock) {
                let block = parameters[start..<min(start + FeedForwardFile.quantumBlock, parameters.count)]
                let low = block.min()!, step = (block.max()! - low) / 255
                floats([low, step])
                out += block.map { step > 0 ? UInt8(min(255, max(0, (($0 - low) / step).rounded()))) : 0 }
            }
        } else {
            floats(parameters)
        }
        u32(adam == nil ? 0 : 1)
        if let adam {
            u32(adam.steps)
            floats(adam.m)
            floats(adam.v)
        }
        out += Array(VGG19Weights.sha256Hex(out).utf8)
        return out
    }

    /// Parses a file; every count is checked against the bytes that are there.
    public init(decoding bytes: [UInt8]) throws {
        let magic = Array(bytes.prefix(8))
        guard bytes.count >= FeedForwardFile.magic.count + 64, magic == FeedForwardFile.magic || magic == FeedForwardFile.quantizedMagic else {
            throw CacheFormatError("not a StyleFilter network file")
        }
        let body = Array(bytes.dropLast(64))
        guard VGG19Weights.sha256Hex(body) == String(decoding: bytes.suffix(64), as: UTF8.self) else {
            throw CacheFormatError("checksum mismatch (damaged or truncated)")
        }
        var reader = ByteReader(body, position: 8)
        let text = String(decoding: try reader.bytes(try reader.u32(max: 1 << 16)), as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { throw CacheFormatError("key line without '='") }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        let count = try reader.u32(max: FeedForwardFile.maxParameters)
        var parameters: [Float]
        if magic == FeedForwardFile.quantizedMagic {
            parameters = []
            parameters.reserveCapacity(count)
            for start in stride(from: 0, to: count, by: FeedForwardFile.quantumBlock) {
                let scale = try reader.floats(2)
                parameters += try reader.bytes(min(FeedForwardFile.quantumBlock, count - start)).map { scale[0] + Float($0) * scale[1] }
            }
        } else {
            parameters = try reader.floats(count)
        }
        var adam: AdamState?
        if try reader.u32(max: 1) == 1 {
            let steps = try reader.u32(max: Int(Int32.max))
            adam = AdamState(steps: steps, m: try reader.floats(count), v: try reader.floats(count))
        }
        guard reader.atEnd else { throw CacheFormatError("trailing bytes") }
        guard magic == FeedForwardFile.magic || adam == nil else { throw CacheFormatError("a quantized network with training state") }
        // A checksum proves the bytes intact, not sane: a NaN would paint NaN pictures.
        guard parameters.allSatisfy(\.isFinite), adam.map({ $0.m.allSatisfy(\.isFinite) && $0.v.allSatisfy(\.isFinite) }) ?? true else {
            throw CacheFormatError("a value that is not a finite number")
        }
        self.init(fields: fields, parameters: parameters, adam: adam)
        guard shape != nil else { throw CacheFormatError("no valid network shape") }
    }
}
