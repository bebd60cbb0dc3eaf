import CShim

/// Library-wide facts and the process-level set-up of the numerical back end.
public enum StyleFilter {
    public static let version = "0.2.0"

    /// Threads the engine splits its work over (one per core, or $STYLEFILTER_THREADS).
    public static var threads: Int { Parallel.workers }

    /// OpenBLAS's thread count, process-wide. The engine splits its work over the cores itself and
    /// calls OpenBLAS from each part, so 1 is fastest; OpenBLAS's own threads then only compete
    /// with it. The library never sets this itself: it is the application's call.
    public static func setBLASThreads(_ count: Int) throws {
        guard (1...1024).contains(count) else { throw StyleFilterError.invalidArgument("BLAS threads must be 1 … 1024") }
        try BLAS.require()
        _ = sf_blas_set_threads(Int32(count))
    }

    /// What an application whose main work is StyleFilter sets once at start (filterctl does):
    /// OpenBLAS single-threaded, and libvips with one worker thread and no operation cache, since
    /// the engine owns the cores while it runs and each photo is decoded once per scale (a cache
    /// would keep decoded photos, 54 MB at 18 megapixels, alive beside the optimizer). A library
    /// host that runs libvips or BLAS work of its own leaves its own settings instead.
    public static func configureProcessForStyleTransfer() throws {
        try setBLASThreads(1)
        try ImageIO.start()
        sf_vips_set_process_limits(1, 0)
    }
}
