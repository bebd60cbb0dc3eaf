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

    /// The whole file, or nil with errno's text.
    static func read(_ path: String) -> Result<[UInt8], StyleFilterError> {
        guard let file = fopen(path, "rb") else {
            return .failure(.io("cannot open \(path): \(String(cString: strerror(errno)))"))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 { return .failure(.io("cannot read \(path)")) }
                break
            }
        }
        return .success(bytes)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let s = String(cString: value)
        return s.isEmpty ? nil : s
    }

    static func directory(of path: String) -> String {
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

    /// The same, with `write` putting the contents into the open file (false: it failed).
    static func writeAtomically(_ path: String, write: (UnsafeMutablePointer<FILE>) -> Bool) throws {
        let temporary = "\(directory(of: path))/.\(basename(path)).\(getpid()).partial"
        guard let file = fopen(temporary, "wb") else {
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

    /// $TMPDIR, else /tmp.
    public static var temporaryDirectory: String { environment("TMPDIR") ?? "/tmp" }

    /// Size and modification time of a file, for telling whether an input changed.
    public static func describe(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): missing" }
        return "\(path): \(info.st_size) bytes, modified \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    /// Removes a directory and the files in it (not recursive: work directories are flat).
    public static func removeDirectory(_ path: String) {
        for name in list(path) { unlink(path + "/" + name) }
        rmdir(path)
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

