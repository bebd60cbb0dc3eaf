#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX file helpers; the library avoids Foundation so the plugin stays small. The CLI
/// uses a few of them too.
public enum Files {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The whole of a regular file of at most `limit` bytes, or why not. Devices, FIFOs and
    /// sockets are refused before anything is read (a preset or cache file that is, or links to,
    /// /dev/zero or a pipe would otherwise grow memory or block forever), and so is a file larger
    /// than its kind can be.
    public static func read(_ path: String, limit: Int) -> Result<[UInt8], StyleFilterError> {
        // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.io("cannot open \(path): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.io("cannot read \(path): \(String(cString: strerror(errno)))")) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.input("\(path): not a regular file")) }
        guard info.st_size <= limit else {
            return .failure(.input("\(path) is \(info.st_size) bytes, more than the \(limit) such a file can have"))
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { return .failure(.io("cannot read \(path): it ended early or failed")) }
            filled += n
        }
        return .success(bytes)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let s = String(cString: value)
        return s.isEmpty ? nil : s
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Writes through a temporary file in the same directory and renames it into place, so readers
    /// see the old file or the whole new one, never a partial write.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        try writeAtomically(path) { file in
            bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } == bytes.count
        }
    }

    /// Like `writeAtomically`, but never over an existing file, also when another process creates
    /// one at the same moment: the finished temporary is linked to the name, which fails if the
    /// name exists. Returns false (writing nothing) in that case.
    public static func writeExclusively(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        let temporary = partialPath(for: path)
        guard let file = fopen(temporary, "wbx") else {
            throw StyleFilterError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { unlink(temporary) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } == bytes.count
        guard fclose(file) == 0, written else { throw StyleFilterError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw StyleFilterError.io("cannot write \(path): \(String(cString: strerror(errno)))")
    }

    /// The same, with `write` putting the contents into the open file (false: it failed).
    static func writeAtomically(_ path: String, write: (UnsafeMutablePointer<FILE>) -> Bool) throws {
        let temporary = partialPath(for: path)
        guard let file = fopen(temporary, "wbx") else {
            throw StyleFilterError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let written = write(file)
        let closed = fclose(file)
        guard written, closed == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StyleFilterError.io("cannot write \(path): \(reason)")
        }
    }

    /// The temporary a write of `path` goes through: hidden, in the same directory (so the rename
    /// is atomic), named after the target and this process, `.NAME.PID.partial` + `suffix` (image
    /// writes keep the format's suffix). Temporaries that a killed run left for the same target
    /// are removed first: they are this tool's, and their process is gone.
    static func partialPath(for path: String, suffix: String = "") -> String {
        let dir = directory(of: path), base = fitting(basename(path), beside: ".\(Int32.max).partial".utf8.count + 1 + suffix.utf8.count)
        for name in list(dir) where partialTarget(name) == base {
            let pid = name.dropFirst(base.count + 2).prefix { $0 != "." }
            if let pid = Int32(pid), pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) { unlink(dir + "/" + name) }
        }
        return "\(dir)/.\(base).\(getpid()).partial\(suffix)"
    }

    /// A file name to which `extra` more bytes are added (a temporary's process id and suffix, a
    /// work directory's ".work"): whole where the sum fits the file system's 255 bytes, else its
    /// first bytes and a checksum of the whole name, so an output named with up to 255 bytes can
    /// still be written.
    public static func fitting(_ base: String, beside extra: Int) -> String {
        let room = 255 - extra
        guard base.utf8.count > room else { return base }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in base.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var head = "", bytes = 0
        for character in base {
            bytes += character.utf8.count
            guard bytes <= room - 17 else { break }
            head.append(character)
        }
        return head + "~" + String(hash, radix: 16)
    }

    /// For a temporary named as `partialPath` names them, the file it was writing; else nil.
    static func partialTarget(_ name: String) -> String? {
        guard name.hasPrefix(".") else { return nil }
        let parts = name.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        // base… . pid . "partial" [. suffix]
        guard let at = parts.lastIndex(of: "partial"), at >= 2, parts.count - at <= 2,
              !parts[at - 1].isEmpty, parts[at - 1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let base = parts[..<(at - 1)].joined(separator: ".")
        return base.isEmpty ? nil : base
    }

    /// $TMPDIR, else /tmp.
    public static var temporaryDirectory: String { environment("TMPDIR") ?? "/tmp" }

    /// Size and modification time of a file, for telling whether an input changed.
    public static func describe(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): missing" }
        return "\(path): \(info.st_size) bytes, modified \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    /// Whether anything is at the path, a dangling symbolic link included.
    static func existsOrIsLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Fails early, before a long run, if the file could not be created.
    public static func checkWritableDirectory(of path: String) throws {
        let dir = directory(of: path)
        guard isWritableDirectory(dir) else { throw StyleFilterError.io("\(dir): directory is not writable") }
    }

    static func isWritableDirectory(_ path: String) -> Bool { access(path, W_OK | X_OK) == 0 }

    /// Creates the directory and its parents (mode 0755) if missing.
    public static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StyleFilterError.io("cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Entries of a directory (no "." or ".."), sorted; empty if it cannot be read.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The canonical absolute path if it exists, else the path joined to the working directory.
    public static func absolute(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } + "/" + path
    }
}


/// A file as the file system knows it (device and inode), so two names of one file — a link, a
/// `./` prefix, a hard link — are seen to be the same.
public struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// What `path` names, following symbolic links; nil if nothing is there.
    public init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
