import StyleFilter

/// Progress of a coarse-to-fine run on stderr: a line when each scale starts, the iterations as
/// ProgressReporter shows them with the whole run's ETA added, and the window a tiled iteration
/// is at (an iteration of an 18-megapixel scale takes minutes): live on a terminal, else a line
/// when half a minute has passed without one.
final class ScaleProgress {
    let quiet: Bool
    /// Pixels and iterations of each scale: the run's remaining work is estimated from them.
    let scales: [(pixels: Int, iterations: Int)]
    private var reporter: ProgressReporter
    private var secondsPerPixelIteration: Double?
    private var iterationsDone = 0, lastLine = 0.0

    init(quiet: Bool, scales: [(pixels: Int, iterations: Int)]) {
        self.quiet = quiet
        self.scales = scales
        reporter = ProgressReporter(quiet: quiet)
    }

    func report(_ event: CoarseToFineEvent) {
        guard !quiet else { return }
        switch event {
        case .resumed(let index):
            Console.error("resuming: scales 1–\(index + 1) of \(scales.count) were finished by an earlier run")
        case .scale(let index, let count, let width, let height, let tiles):
            reporter.prefix = count > 1 ? "scale \(index + 1)/\(count) " : ""
            iterationsDone = 0
            let how = tiles.map { "in tiles of \($0.width)×\($0.height) px" } ?? "in one pass"
            Console.error("\(reporter.prefix.isEmpty ? "" : "scale \(index + 1)/\(count): ")\(width)×\(height), \(scales[index].iterations) iterations, \(how)")
        case .iteration(let index, let p, _):
            iterationsDone = p.iteration
            lastLine = monotonicSeconds()
            if p.iteration > 0 { secondsPerPixelIteration = p.seconds / Double(p.iteration * scales[index].pixels) }
            reporter.report(p, suffix: runETA(index: index, p))
        case .window(let index, let window, let windows):
            let line = "\(reporter.prefix)iteration \(iterationsDone + 1)/\(scales[index].iterations)  window \(window + 1)/\(windows)"
                + runETA(index: index, nil)
            if reporter.live {
                Console.error("\r\u{1B}[2K" + line, newline: false)
            } else if monotonicSeconds() - lastLine >= 30 {
                Console.error(line)
                lastLine = monotonicSeconds()
            }
        }
    }

    /// "  run ETA …" once a scale has timed an iteration: the rest of this scale at its pace, later
    /// scales at the same time per pixel and iteration (tiling keeps that about constant).
    private func runETA(index: Int, _ p: TransferProgress?) -> String {
        guard scales.count > 1, let rate = secondsPerPixelIteration else { return "" }
        let done = p?.iteration ?? iterationsDone
        var remaining = Double((scales[index].iterations - done) * scales[index].pixels)
        for later in scales.dropFirst(index + 1) { remaining += Double(later.iterations * later.pixels) }
        return "  run ETA \(Console.seconds(remaining * rate))"
    }
}
