import StyleFilter

/// Progress of a coarse-to-fine run on stderr: a line when each scale starts and one with its
/// time when it is done, the iterations as ProgressReporter shows them with the whole run's ETA
/// added, and the window a tiled iteration is at (an iteration of an 18-megapixel scale takes
/// minutes): live on a terminal, else a line when half a minute has passed without one.
final class ScaleProgress {
    let estimate: RunEstimate
    private var scales: [(pixels: Int, iterations: Int)] { estimate.scales }
    private var reporter: ProgressReporter
    private var lastLine = 0.0
    /// When the current scale was announced (its painting's statistics are made before that, the
    /// photo's resample and the content sweep after): each scale's time is what a schedule is
    /// chosen by.
    private var scaleStart = monotonicSeconds()

    init(estimate: RunEstimate) {
        self.estimate = estimate
        reporter = ProgressReporter()
    }

    func report(_ event: CoarseToFineEvent) {
        estimate.record(event)
        guard !Console.quiet else { return }
        switch event {
        case .resumed(let index):
            Console.say("resuming: scales 1–\(index + 1) of \(scales.count) were finished by an earlier run")
        case .scale(let index, let count, let width, let height, let tiles):
            scaleStart = monotonicSeconds()
            reporter.prefix = count > 1 ? "scale \(index + 1)/\(count) " : ""
            let how = tiles.map { "in tiles of \($0.width)×\($0.height) px" } ?? "in one pass"
            Console.say("\(reporter.prefix.isEmpty ? "" : "scale \(index + 1)/\(count): ")\(width)×\(height), \(scales[index].iterations) iterations, \(how)")
        case .iteration(_, let p, _):
            lastLine = monotonicSeconds()
            reporter.report(p, suffix: runETA)
            if scales.count > 1, p.iteration == p.iterations {
                Console.say("\(reporter.prefix)done in \(Console.seconds(lastLine - scaleStart))")
            }
        case .window(let index, let window, let windows):
            let line = "\(reporter.prefix)iteration \(estimate.iterationsDone + 1)/\(scales[index].iterations)  window \(window + 1)/\(windows)"
            if reporter.live {
                Console.live([line + runETA, line])
            } else if monotonicSeconds() - lastLine >= 30 {
                Console.say(line + runETA)
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
