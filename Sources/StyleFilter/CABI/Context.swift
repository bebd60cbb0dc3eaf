import CShim

/// What an `sf_context *` points at: the network, the style, the settings and the last error.
/// C owns it through an unmanaged retain (create) and release (destroy).
final class Context {
    /// Nil until the weights load (a context whose create failed keeps only its message).
    var network: VGG19?
    var options: TransferOptions
    let styleSize: Int
    /// The caller's iteration count, which also overrides a preset's.
    let iterations: Int?
    let progress: sf_progress_fn?
    let progressUserData: UnsafeMutableRawPointer?
    var style: StyleStatistics?
    /// NUL-terminated, kept alive until the next call replaces it.
    private(set) var lastError: [CChar] = [0]

    init(options: TransferOptions, styleSize: Int, iterations: Int?, progress: sf_progress_fn?,
         progressUserData: UnsafeMutableRawPointer?) {
        self.options = options
        self.styleSize = styleSize
        self.iterations = iterations
        self.progress = progress
        self.progressUserData = progressUserData
    }

    func fail(_ status: sf_status, _ message: String) -> sf_status {
        lastError = Array(message.utf8CString)
        return status
    }

    func clearError() { lastError = [0] }

    /// Runs `body`, turning every thrown error into a status and a message: nothing a caller
    /// passes may unwind into C.
    func guarded(_ body: () throws -> sf_status) -> sf_status {
        clearError()
        do {
            return try body()
        } catch StyleFilterError.cancelled {
            return fail(SF_ERROR_CANCELLED, "cancelled by the progress callback")
        } catch let e as StyleFilterError {
            switch e {
            case .weights(let m): return fail(SF_ERROR_WEIGHTS, m)
            case .invalidArgument(let m): return fail(SF_ERROR_ARGUMENT, m)
            case .image(let m), .io(let m): return fail(SF_ERROR_FAILED, m)
            case .cancelled: return fail(SF_ERROR_CANCELLED, "cancelled")
            }
        } catch {
            return fail(SF_ERROR_FAILED, "\(error)")
        }
    }

    static func from(_ pointer: OpaquePointer?) -> Context? {
        pointer.map { Unmanaged<Context>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    func loadedNetwork() throws -> VGG19 {
        guard let network else { throw StyleFilterError.weights("this context has no weights: its create failed") }
        return network
    }

    /// One stylization of an 8-bit picture with this context's style and settings.
    func stylize(_ picture: RGBImage, style: StyleStatistics) throws -> RGBImage {
        let transfer = try StyleTransfer(network: try loadedNetwork(), content: picture, style: style, options: options)
        try transfer.run { p in
            guard let progress else { return true }
            return progress(progressUserData, Int32(p.iteration), Int32(p.iterations), p.losses.total) == 0
        }
        return transfer.result
    }
}
