import CShim

/// Library-wide facts and the process-level set-up of the numerical back end.
public enum StyleFilter {
    public static let version = "0.1.0"

    /// Threads the engine splits its work over (one per core); OpenBLAS runs one thread in each.
    public static var threads: Int { Parallel.workers }

    public static var blasConfig: String { String(cString: openblas_get_config()) }
}
