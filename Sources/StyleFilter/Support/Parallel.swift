import CShim
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The engine's threading: work is split over the cores here, and OpenBLAS is best run
/// single-threaded inside each part (`StyleFilter.setBLASThreads(1)`, the application's call).
/// OpenBLAS's own worker threads spin between calls; on 2 cores they took the cores from the
/// non-GEMM work (tile transforms, pooling) that runs between sgemms.
enum Parallel {
    /// One part per online core (at most 16), or $STYLEFILTER_THREADS.
    static let workers: Int = {
        if let text = getenv("STYLEFILTER_THREADS"), let n = Int(String(cString: text)), n >= 1 { return min(n, 64) }
        return max(1, min(16, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()
}

/// A raw pointer handed to the worker threads of one operation, which write disjoint parts.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<T>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}

/// Runs `body` on contiguous parts of 0..<count, one per core, and returns when all are done.
func parallel(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
    parallelParts(count) { _, range in body(range) }
}

/// The same, telling each part its index (< Parallel.workers), e.g. to pick its own scratch.
func parallelParts(_ count: Int, _ body: @Sendable (_ part: Int, _ range: Range<Int>) -> Void) {
    let parts = min(Parallel.workers, count)
    guard parts > 1 else {
        body(0, 0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        body(part, (count * part / parts)..<(count * (part + 1) / parts))
    }
}
