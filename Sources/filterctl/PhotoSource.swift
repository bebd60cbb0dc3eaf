#if canImport(Glibc)
import Glibc
#endif
import StyleFilter

/// The photo of a coarse-to-fine run, read again at each scale's size: libvips decodes straight
/// to that size (JPEGs shrink on load), so the full-size photo is never in memory while the
/// network is, only when the result is written.
struct PhotoSource {
    let path: String
    /// Its size after EXIF orientation.
    let width: Int
    let height: Int
    let warnings: [String]

    init(path: String) throws {
        var size = (0, 0)
        let probe = try ImageIO.loadPhoto(path) { w, h in
            size = (w, h)
            return StyleTransfer.contentSize(width: w, height: h, longSide: 16)
        }
        self.path = path
        (width, height) = size
        warnings = probe.warnings
    }

    func colour(width: Int, height: Int) throws -> FloatRGBImage { try photo(width: width, height: height).colour }

    func photo(width: Int, height: Int) throws -> Photo {
        try ImageIO.loadPhoto(path) { _, _ in (width, height) }
    }
}

/// Standard input copied to a temporary file, so an input given as - can be read once per scale.
/// It is checked as it arrives (not empty, an image libvips knows, at most ImageIO.maxFileBytes).
struct StandardInputSpool {
    let path: String

    /// nil when no input is standard input.
    init?(if needed: Bool) throws {
        guard needed else { return nil }
        var template = Array("\(Files.temporaryDirectory)/filterctl-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw StyleFilterError.io("cannot create a temporary file for standard input: \(String(cString: strerror(errno)))") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(fd) }
        do {
            try ImageIO.readEncoded(fd: 0) { bytes in
                guard write(fd, bytes, bytes.count) == bytes.count else {
                    throw StyleFilterError.io("cannot copy standard input to \(path): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            unlink(path)
            throw error
        }
    }

    func remove() { unlink(path) }
}
