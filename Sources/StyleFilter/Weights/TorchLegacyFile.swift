/// The tensors of a legacy (non-zip) `torch.save` file: magic, protocol, sys-info, the state
/// dict, the storage key order, then each storage's raw little-endian data.
struct TorchLegacyFile {
    enum Storage { case bytes([UInt8]), floats([Float]) }

    struct Tensor {
        let shape: [Int]
        let storage: Storage
    }

    let tensors: [String: Tensor]

    /// The low 64 bits of torch's magic number 0x1950a86a20f9469cfc6c.
    private static let magic = Int(bitPattern: 0xa86a_20f9_469c_fc6c as UInt)

    init(bytes: [UInt8]) throws {
        var reader = PickleReader(bytes: bytes)
        guard try reader.next() == .int(Self.magic) else { throw PickleError(description: "not a torch.save file (bad magic)") }
        guard try reader.next() == .int(1001) else { throw PickleError(description: "unsupported torch.save protocol") }
        _ = try reader.next()  // sys info: little endian, type sizes
        guard case .dict(let entries) = try reader.next() else { throw PickleError(description: "no state dict") }
        guard case .list(let keyValues) = try reader.next() else { throw PickleError(description: "no storage key list") }

        // Storage key → (float?, element count), then the data in key-list order.
        var layouts: [String: (name: String, shape: [Int], isFloat: Bool)] = [:]
        for (key, value) in entries {
            guard case .string(let name) = key,
                  case .call(.global("torch._utils", "_rebuild_tensor_v2"), .tuple(let args)) = value,
                  args.count >= 4,
                  case .persistent(.tuple(let pid)) = args[0], pid.count >= 5,
                  case .global("torch", let storageType) = pid[1],
                  case .string(let storageKey) = pid[2],
                  case .int(0) = args[1],
                  case .tuple(let dims) = args[2]
            else { throw PickleError(description: "unexpected entry in the state dict") }
            let shape = try dims.map { d -> Int in
                guard case .int(let n) = d else { throw PickleError(description: "bad tensor shape") }
                return n
            }
            guard storageType == "ByteStorage" || storageType == "FloatStorage" else {
                throw PickleError(description: "unsupported storage type \(storageType)")
            }
            layouts[storageKey] = (name, shape, storageType == "FloatStorage")
        }
        var tensors: [String: Tensor] = [:]
        for keyValue in keyValues {
            guard case .string(let key) = keyValue, let layout = layouts[key] else {
                throw PickleError(description: "storage key list names an unknown storage")
            }
            let count = try reader.littleEndian(8)
            let expected = layout.shape.reduce(1, *)
            guard count == expected else { throw PickleError(description: "\(layout.name): \(count) elements, shape needs \(expected)") }
            let width = layout.isFloat ? 4 : 1
            guard count >= 0, reader.position + count * width <= bytes.count else {
                throw PickleError(description: "file ends inside \(layout.name)")
            }
            let start = reader.position
            if layout.isFloat {
                let floats = (0..<count).map { i -> Float in
                    let o = start + 4 * i
                    let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                    return Float(bitPattern: bits)
                }
                tensors[layout.name] = Tensor(shape: layout.shape, storage: .floats(floats))
            } else {
                tensors[layout.name] = Tensor(shape: layout.shape, storage: .bytes(Array(bytes[start..<(start + count)])))
            }
            reader.position = start + count * width
        }
        self.tensors = tensors
    }
}
