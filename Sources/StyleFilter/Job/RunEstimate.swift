/// How long the rest of a job takes: the current scale at its measured pace, later scales at the
/// same time per pixel and iteration (tiling keeps that about constant).
public final class RunEstimate: @unchecked Sendable {
    /// Pixels and iterations of each scale.
    public let scales: [(pixels: Int, iterations: Int)]
    private var secondsPerPixelIteration: Double?
    private(set) public var scale = 0
    private(set) public var iterationsDone = 0

    public init(scales: [(pixels: Int, iterations: Int)]) {
        self.scales = scales
    }

    public func record(_ event: CoarseToFineEvent) {
        switch event {
        case .scale(let index, _, _, _, _):
            scale = index
            iterationsDone = 0
        case .iteration(let index, let p, _):
            scale = index
            iterationsDone = p.iteration
            if p.iteration > 0 { secondsPerPixelIteration = p.seconds / Double(p.iteration * scales[index].pixels) }
        case .resumed, .window:
            break
        }
    }

    /// Seconds left, once an iteration has been timed.
    public var remainingSeconds: Double? {
        guard let rate = secondsPerPixelIteration, scale < scales.count else { return nil }
        var remaining = Double(max(0, scales[scale].iterations - iterationsDone) * scales[scale].pixels)
        for later in scales.dropFirst(scale + 1) { remaining += Double(later.iterations * later.pixels) }
        return remaining * rate
    }

    /// The share of the work done, 0 … 1, by pixel-iterations.
    public var fractionDone: Double {
        let total = scales.reduce(0.0) { $0 + Double($1.pixels * $1.iterations) }
        guard total > 0 else { return 0 }
        let done = scales.prefix(scale).reduce(0.0) { $0 + Double($1.pixels * $1.iterations) }
            + Double(min(iterationsDone, scales[min(scale, scales.count - 1)].iterations) * scales[min(scale, scales.count - 1)].pixels)
        return min(1, done / total)
    }
}
