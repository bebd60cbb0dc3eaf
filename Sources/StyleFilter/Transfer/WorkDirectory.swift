#if canImport(Glibc)
import Glibc
#endif

/// Where a coarse-to-fine run keeps each finished scale, so an interrupted run (a signal, a crash,
/// a full disk) resumes after the last finished scale instead of starting over.
///
/// `run.txt` marks the directory as one this tool made ("StyleFilter work directory 1") and holds
/// the run's identity (inputs and settings, as the caller describes them); a resumed run must
/// match it. `scale-N.f32` is scale N's result: "SFSC", width and height as little-endian UInt32,
/// then the unrounded RGB floats. Every file is written atomically. Only these files are ever
/// removed, and only from a directory that carries the mark: a path that exists without it (the
/// user's own folder, `.`) is refused before any work.
public struct WorkDirectory: Sendable {
    public let path: String
    public let identity: String

    static let magic: [UInt8] = Array("SFSC".utf8)
    static let markerName = "run.txt"
    static let markerHeader = "StyleFilter work directory 1\n"

    /// Opens `path` for the run `identity`. Without `resume`, a missing directory is created and an
    /// earlier run's files in a marked one are discarded; with it, they must belong to the same run.
    public init(path: String, identity: String, resume: Bool) throws {
        self.path = path
        self.identity = identity
        let marker = path + "/" + Self.markerName
        if resume {
            guard Files.isDirectory(path) else { throw StyleFilterError.io("\(path): no work directory to resume from") }
            guard let found = Self.markerText(path), found.hasPrefix(Self.markerHeader) else {
                throw StyleFilterError.invalidArgument("\(path) is not a StyleFilter work directory (no \(Self.markerName) mark)")
            }
            guard found == Self.markerHeader + identity else {
                throw StyleFilterError.invalidArgument("\(path) holds another run (different inputs or settings); run without --resume to start over")
            }
        } else {
            if Files.existsOrIsLink(path) {
                guard Files.isDirectory(path), Self.markerText(path)?.hasPrefix(Self.markerHeader) == true else {
                    throw StyleFilterError.invalidArgument("\(path) already exists and is not a work directory this tool made; "
                        + "choose another --work-dir (nothing in it was touched)")
                }
                Self.clear(path)
            } else {
                try Files.makeDirectories(path)
            }
            try Files.writeAtomically(marker, Array((Self.markerHeader + identity).utf8))
        }
    }

    /// Whether `path` is a work directory of the run `identity`, which `resume` would accept.
    public static func holds(_ path: String, identity: String) -> Bool {
        Files.isDirectory(path) && markerText(path) == markerHeader + identity
    }

    static func markerText(_ directory: String) -> String? {
        guard let bytes = try? Files.read(directory + "/" + markerName, limit: 1 << 20).get() else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a file in a work directory is one this type writes, or a temporary of one.
    static func isOwnFile(_ name: String) -> Bool {
        let base = Files.partialTarget(name) ?? name
        if base == markerName { return true }
        guard base.hasPrefix("scale-"), base.hasSuffix(".f32") else { return false }
        let number = base.dropFirst(6).dropLast(4)
        return !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
    }

    /// Removes this type's files from a work directory, nothing else.
    static func clear(_ directory: String) {
        for name in Files.list(directory) where isOwnFile(name) { unlink(directory + "/" + name) }
    }

    func scalePath(_ index: Int) -> String { "\(path)/scale-\(index).f32" }

    /// The last finished scale below `count` whose result is intact: (index, result).
    func lastFinished(below count: Int, sizes: [(width: Int, height: Int)]) -> (Int, FloatRGBImage)? {
        for index in stride(from: count - 1, through: 0, by: -1) {
            if let image = load(index, width: sizes[index].width, height: sizes[index].height) { return (index, image) }
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

    /// Scale `index`'s result if its file is intact and of the expected size: the header is only
    /// believed where it agrees with the size asked for, so a damaged or hostile file is never
    /// read past that size.
    func load(_ index: Int, width: Int, height: Int) -> FloatRGBImage? {
        guard width > 0, height > 0, width <= ImageIO.maxDimension, height <= ImageIO.maxDimension,
              let bytes = try? Files.read(scalePath(index), limit: 12 + width * height * 12).get(),
              bytes.count == 12 + width * height * 12, Array(bytes[0..<4]) == Self.magic else { return nil }
        func word(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        guard word(4) == width, word(8) == height else { return nil }
        let values = bytes[12...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        guard values.allSatisfy(\.isFinite) else { return nil }
        return FloatRGBImage(width: width, height: height, values: values)
    }

    /// Whether any scale was finished (else there is nothing to resume and nothing to keep).
    public var hasFinishedScales: Bool { Files.list(path).contains { $0.hasPrefix("scale-") && Self.isOwnFile($0) } }

    /// The run finished: its files go, and the directory with them if nothing else is in it.
    public func remove() {
        Self.clear(path)
        rmdir(path)
    }
}
