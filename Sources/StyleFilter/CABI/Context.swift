import CShim

/// What an `sf_context *` points at: the network, the style, the settings and the last error.
/// C owns it through an unmanaged retain (create) and release (destroy).
final class Context {
    /// Nil until the weights load (a context whose create failed keeps only its message).
    var network: VGG19?
    /// The settings of a style image's job (a preset brings its own).
    let options: TransferOptions
    let settings: sf_options
    /// The caller's iteration count, which also overrides a preset's.
    var iterations: Int? { settings.iterations > 0 ? Int(settings.iterations) : nil }
    var style: StyleInput?
    /// What sf_stylize_tile runs, made when the style is loaded.
    var tile: TileJob?
    /// NUL-terminated, kept alive until the next call replaces it.
    private(set) var lastError: [CChar] = [0]

    init(options: TransferOptions, settings: sf_options) {
        self.options = options
        self.settings = settings
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
            case .invalidArgument(let m), .input(let m): return fail(SF_ERROR_ARGUMENT, m)
            case .image(let m), .io(let m), .setup(let m): return fail(SF_ERROR_FAILED, m)
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

    func loadedStyle() throws -> StyleInput {
        guard let style else { throw StyleFilterError.invalidArgument("load a preset or a style image first") }
        return style
    }

    /// A loaded preset's choice between its trained network and the optimization.
    var method: StyleJob.Method {
        switch Int(settings.method) {
        case SF_METHOD_FAST: .fast
        case SF_METHOD_OPTIMIZE: .optimize
        default: .automatic
        }
    }

    /// The job for a photo of `width` × `height` at its own size: the same plan `filterctl
    /// stylize` (a style image) or `filterctl apply` (a preset) makes.
    func job(photo: PhotoInput) throws -> StyleJob {
        let size = (width: photo.width, height: photo.height)
        var refinement = JobPlan.Refinement()
        refinement.iterations = Int(settings.refine_iterations)
        let memory = MemoryBudget(bytes: settings.max_memory)
        if case .preset(let located)? = style {
            return try StyleJob.preset(located, network: try loadedNetwork(), photo: photo, size: size, iterations: iterations,
                                       refinement: refinement, method: method, refine: Int(settings.refine), memory: memory)
        }
        return try StyleJob.style(try loadedStyle(), network: try loadedNetwork(), photo: photo, size: size, options: options,
                                  baseSize: Int(settings.base_size), refinement: refinement, memory: memory)
    }

    /// Runs a job, reporting to the caller's callbacks; their nonzero return cancels.
    func run(_ job: StyleJob) throws -> FloatRGBImage {
        let estimate = RunEstimate(scales: job.work)
        let sizes = job.scaleSizes
        let started = monotonicSeconds()
        var loss = 0.0, iteration = 0
        let settings = self.settings
        return try job.run { event in
            estimate.record(event)
            var window = (0, 0)
            switch event {
            case .iteration(_, let p, _):
                iteration = p.iteration
                loss = p.losses.total
                if let progress = settings.progress, progress(settings.progress_user_data, Int32(p.iteration), Int32(p.iterations), loss) != 0 {
                    return false
                }
            case .window(_, let w, let ws): window = (w + 1, ws)
            case .scale: iteration = 0
            case .resumed: return true
            }
            guard let progress = settings.progress_ex else { return true }
            let index = estimate.scale
            var info = sf_progress_info(scale: Int32(index + 1), scales: Int32(sizes.count), width: Int32(sizes[index].width),
                                        height: Int32(sizes[index].height), iteration: Int32(iteration),
                                        iterations: Int32(estimate.scales[index].iterations), window: Int32(window.0),
                                        windows: Int32(window.1), loss: loss, seconds: monotonicSeconds() - started,
                                        eta_seconds: estimate.remainingSeconds ?? -1, fraction_done: estimate.fractionDone)
            return progress(settings.progress_user_data, &info) == 0
        }.image
    }
}
