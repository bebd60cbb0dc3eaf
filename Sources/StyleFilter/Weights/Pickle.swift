/// Just enough of Python's pickle protocol 2 to read a legacy `torch.save` file: the opcodes that
/// file uses (see ../shared/reference/README.md) and nothing else, so an unexpected file is
/// rejected instead of half-understood.
indirect enum PickleValue: Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case string(String)
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([(PickleValue, PickleValue)])
    case global(module: String, name: String)
    case persistent(PickleValue)
    case call(PickleValue, PickleValue)

    static func == (a: PickleValue, b: PickleValue) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.tuple(x), .tuple(y)), let (.list(x), .list(y)): return x == y
        case let (.global(m1, n1), .global(m2, n2)): return m1 == m2 && n1 == n2
        default: return false
        }
    }
}

struct PickleError: Error, CustomStringConvertible {
    let description: String
}

/// Reads consecutive pickles from a byte buffer.
struct PickleReader {
    let bytes: [UInt8]
    var position: Int

    init(bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw PickleError(description: "unexpected end of file in a pickle") }
        position += 1
        return bytes[position - 1]
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, position + n <= bytes.count else {
            throw PickleError(description: "unexpected end of file in a pickle")
        }
        position += n
        return bytes[(position - n)..<position]
    }

    mutating func littleEndian(_ n: Int) throws -> Int {
        var value: UInt64 = 0
        for (i, b) in try take(n).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        return Int(bitPattern: UInt(value))
    }

    private mutating func line() throws -> String {
        var chars: [UInt8] = []
        while true {
            let b = try byte()
            if b == 0x0A { break }
            chars.append(b)
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Reads one pickle up to its STOP opcode.
    mutating func next() throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw PickleError(description: "pickle stack underflow") }
            return v
        }
        func popMark() throws -> [PickleValue] {
            guard let m = marks.popLast(), m <= stack.count else { throw PickleError(description: "pickle mark missing") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }

        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                        // PROTO
            case 0x2E: return try pop()                                      // STOP
            case 0x8A:                                                       // LONG1
                let n = Int(try byte())
                guard n <= 8 else {
                    // Only the magic number is this long; keep its low 64 bits for comparison.
                    let raw = try take(n)
                    var v: UInt64 = 0
                    for (i, b) in raw.prefix(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
                    stack.append(.int(Int(bitPattern: UInt(v))))
                    continue
                }
                var v = try littleEndian(n)
                if n > 0 && n < 8 && bytes[position - 1] & 0x80 != 0 { v -= 1 << (8 * n) }
                stack.append(.int(v))
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))  // BININT
            case 0x4B: stack.append(.int(Int(try byte())))                   // BININT1
            case 0x4D: stack.append(.int(try littleEndian(2)))               // BININT2
            case 0x58:                                                       // BINUNICODE
                let n = try littleEndian(4)
                stack.append(.string(String(decoding: try take(n), as: UTF8.self)))
            case 0x63:                                                       // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(module: module, name: name))
            case 0x28: marks.append(stack.count)                             // MARK
            case 0x74: stack.append(.tuple(try popMark()))                   // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))                     // TUPLE1
            case 0x29: stack.append(.tuple([]))                              // EMPTY_TUPLE
            case 0x7D: stack.append(.dict([]))                               // EMPTY_DICT
            case 0x5D: stack.append(.list([]))                               // EMPTY_LIST
            case 0x75:                                                       // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0, case .dict(var pairs) = try pop() else {
                    throw PickleError(description: "SETITEMS without a dict")
                }
                for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
                stack.append(.dict(pairs))
            case 0x65:                                                       // APPENDS
                let items = try popMark()
                guard case .list(let list) = try pop() else { throw PickleError(description: "APPENDS without a list") }
                stack.append(.list(list + items))
            case 0x71: memo[Int(try byte())] = stack.last                    // BINPUT
            case 0x72: memo[try littleEndian(4)] = stack.last                // LONG_BINPUT
            case 0x68:                                                       // BINGET
                guard let v = memo[Int(try byte())] else { throw PickleError(description: "pickle memo miss") }
                stack.append(v)
            case 0x6A:                                                       // LONG_BINGET
                guard let v = memo[try littleEndian(4)] else { throw PickleError(description: "pickle memo miss") }
                stack.append(v)
            case 0x51: stack.append(.persistent(try pop()))                  // BINPERSID
            case 0x52:                                                       // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(.call(callable, args))
            case 0x88: stack.append(.bool(true))                             // NEWTRUE
            case 0x89: stack.append(.bool(false))                            // NEWFALSE
            case 0x4E: stack.append(.none)                                   // NONE
            default:
                throw PickleError(description: "unsupported pickle opcode 0x\(String(op, radix: 16)) at byte \(position - 1)")
            }
        }
    }
}
