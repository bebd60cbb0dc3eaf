#if canImport(Glibc)
import Glibc
#endif

/// Where a coarse-to-fine run keeps each finished scale, so an interrupted run (a signal, a crash,
/// a full disk) resumes after the last finished scale instead of starting over.
///
/// `run.txt` holds the run's identity (inputs and settings, as the caller describes them); a
/// resumed run must match it. `scale-N.f32` is scale N's result: "SFSC", width and height as
/// little-endian UInt32, then the unrounded RGB floats. Every file is written atomically.
public struct WorkDirectory: Sendable {
    public let path: String
    public let identity: String

    static let magic: [UInt8] = Array("SFSC".utf8)

    /// Opens `path` for the run `identity`. Without `resume`, earlier contents are discarded; with
    /// it, they must belong to the same run.
    public init(path: String, identity: String, resume: Bool) throws {
        self.path = path
        self.identity = identity
        let marker = path + "/run.txt"
        if resume {
            guard Files.isDirectory(path) else { throw StyleFilterError.io("\(path): no work directory to resume from") }
            guard let found = try? Files.read(marker).get(), String(decoding: found, as: UTF8.self) == identity else {
                throw StyleFilterError.invalidArgument("\(path) holds another run (different inputs or settings); run without --resume to start over")
            }
        } else {
            if Files.isDirectory(path) { Files.removeDirectory(path) }
            try Files.makeDirectories(path)
            try Files.writeAtomically(marker, Array(identity.utf8))
        }
    }

    func scalePath(_ index: Int) -> String { "\(path)/scale-\(index).f32" }

    /// The last finished scale below `count` whose result is intact: (index, result).
    func lastFinished(below count: Int, sizes: [(width: Int, height: Int)]) -> (Int, FloatRGBImage)? {
        for index in stride(from: count - 1, through: 0, by: -1) {
            if let image = load(index), image.width == sizes[index].width, image.height == sizes[index].height {
                return (index, image)
            }
        }
        return nil
    }

    func save(_ image: FloatRGBImage, scale index: Int) throws {
        var header = Self.magic
        for v in [image.width, image.height] { withUnsafeBytes(of: UInt32(v).littleEndian) { header += $0 } }
        try Files.writeAtomically(scalePath(index)) { file in
            fwrite(header, 1, header.count, file) == header.count
                && image.values.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } == image.values.count * 4
        }
    }

    func load(_ index: Int) -> FloatRGBImage? {
        guard let bytes = try? Files.read(scalePath(index)).get(), bytes.count >= 12, Array(bytes[0..<4]) == Self.magic else { return nil }
        func word(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let width = word(4), height = word(8)
        guard width > 0, height > 0, bytes.count == 12 + width * height * 12 else { return nil }
        let values = bytes[12...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        guard values.allSatisfy(\.isFinite) else { return nil }
        return FloatRGBImage(width: width, height: height, values: values)
    }

    /// Whether any scale was finished (else there is nothing to resume and nothing to keep).
    public var hasFinishedScales: Bool { Files.list(path).contains { $0.hasPrefix("scale-") } }

    /// The run finished: nothing to resume.
    public func remove() { Files.removeDirectory(path) }
}
