#if canImport(Glibc)
import Glibc
#endif

/// What this process can still allocate. Swift stops the process when an allocation fails, so a
/// size that comes from outside (an image, a tile, a C caller's buffer, a style size) is turned
/// into bytes and checked here first: refused work becomes an error the caller can report, never a
/// dead host.
enum AvailableMemory {
    /// Room kept beside every estimate for what is made on first use (Winograd kernels, about
    /// 400 MiB), libvips and the allocator's own slack.
    public static let headroom = 512 << 20

    /// The address space left under RLIMIT_AS, and never more than the machine's memory.
    public static func bytes() -> Int {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var available = Int(sysconf(Int32(_SC_PHYS_PAGES))) * pageSize
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur < UInt(Int.max) {
            available = min(available, Int(limit.rlim_cur) - addressSpaceInUse(pageSize: pageSize))
        }
        return max(0, available)
    }

    /// The process's mapped size (what RLIMIT_AS counts), from /proc/self/statm.
    static func addressSpaceInUse(pageSize: Int) -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var text = [UInt8](repeating: 0, count: 64)
        let n = fread(&text, 1, text.count, file)
        let pages = text[0..<n].prefix { $0 >= 48 && $0 <= 57 }.reduce(0) { $0 * 10 + Int($1 - 48) }
        return pages * pageSize
    }

    /// Throws if `bytes` (plus the headroom) cannot be had.
    public static func ensure(_ bytes: Int, for what: @autoclosure () -> String) throws {
        let have = Self.bytes()
        guard bytes > have - headroom else { return }
        throw StyleFilterError.invalidArgument("\(what()) needs about \(mebibytes(bytes + headroom)) MiB, "
            + "more than the \(mebibytes(have)) MiB this process can have; use a smaller size")
    }

    static func mebibytes(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }
}
