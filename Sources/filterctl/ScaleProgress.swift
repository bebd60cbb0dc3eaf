import StyleFilter

/// Progress of a coarse-to-fine run on stderr: a line when each scale starts, the iterations as
/// ProgressReporter shows them with the whole run's ETA added, and the window a tiled iteration
/// is at (an iteration of an 18-megapixel scale takes minutes): live on a terminal, else a line
/// when half a minute has passed without one.
final class ScaleProgress {
    let quiet: Bool
    let estimate: RunEstimate
    private var scales: [(pixels: Int, iterations: Int)] { estimate.scales }
    private var reporter: ProgressReporter
    private var lastLine = 0.0

    init(quiet: Bool, estimate: RunEstimate) {
        self.quiet = quiet
        self.estimate = estimate
        reporter = ProgressReporter(quiet: quiet)
    }

    func report(_ event: CoarseToFineEvent) {
        estimate.record(event)
        guard !quiet else { return }
        switch event {
        case .resumed(let index):
            Console.error("resuming: scales 1–\(index + 1) of \(scales.count) were finished by an earlier run")
        case .scale(let index, let count, let width, let height, let tiles):
            reporter.prefix = count > 1 ? "scale \(index + 1)/\(count) " : ""
            let how = tiles.map { "in tiles of \($0.width)×\($0.height) px" } ?? "in one pass"
            Console.error("\(reporter.prefix.isEmpty ? "" : "scale \(index + 1)/\(count): ")\(width)×\(height), \(scales[index].iterations) iterations, \(how)")
        case .iteration(_, let p, _):
            lastLine = monotonicSeconds()
            reporter.report(p, suffix: runETA)
        case .window(let index, let window, let windows):
            let line = "\(reporter.prefix)iteration \(estimate.iterationsDone + 1)/\(scales[index].iterations)  window \(window + 1)/\(windows)"
                + runETA
            if reporter.live {
                Console.error("\r\u{1B}[2K" + line, newline: false)
            } else if monotonicSeconds() - lastLine >= 30 {
                Console.error(line)
                lastLine = monotonicSeconds()
            }
        }
    }

    /// "  run ETA …" once a scale has timed an iteration (see RunEstimate).
    private var runETA: String {
        guard scales.count > 1, let seconds = estimate.remainingSeconds else { return "" }
        return "  run ETA \(Console.seconds(seconds))"
    }
}
