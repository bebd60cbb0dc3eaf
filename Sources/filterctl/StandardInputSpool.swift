#if canImport(Glibc)
import Glibc
#endif
import StyleFilter

/// Standard input copied to a temporary file, so an input given as - can be read once per scale.
/// It is checked as it arrives (not empty, an image libvips knows, at most ImageIO.maxFileBytes).
struct StandardInputSpool {
    let path: String
    /// The spool of this run, which messages call "standard input".
    nonisolated(unsafe) static var active: String?

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
        Self.active = path
    }

    func remove() { unlink(path) }
}
