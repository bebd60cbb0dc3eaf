import CShim

/// Library-wide facts and the process-level set-up of the numerical back end.
public enum StyleFilter {
    public static let version = "0.1.0"

    /// OpenBLAS's thread count (it parallelises every sgemm).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    public static var blasConfig: String { String(cString: openblas_get_config()) }
}
