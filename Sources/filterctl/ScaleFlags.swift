import ArgumentParser
import StyleFilter

/// Coarse-to-fine, memory and resuming: how `stylize` gets to a large result.
struct ScaleFlags: ParsableArguments {
    @Option(help: "Long side of the first scale, optimized fully with --iterations; larger results are refined from it.")
    var baseSize = 512

    @Option(help: "Size ratio between scales (e.g. 2 or 1.414).")
    var scaleStep = 2.0

    @Option(help: "Iterations at the largest scale; each smaller refining scale gets twice as many (at most --iterations).")
    var refineIterations = 4

    @Option(help: "Optimizer of the refining scales: adam, or lbfgs (it keeps --history image copies).")
    var refineOptimizer = "adam"

    @Option(help: "Step of the refining scales (default: 4 pixel levels for adam, 1 for lbfgs).")
    var refineLearningRate: Float?

    @Option(help: "Memory the run may use (e.g. 2G, 1500M); scales too large for one pass are optimized in tiles that fit.")
    var maxMemory = "2G"

    @Option(help: "Where finished scales are kept until the run ends (default: OUTPUT.work).")
    var workDir: String?

    @Flag(help: "Continue an interrupted run from its work directory, skipping the scales it finished.")
    var resume = false

    func validate() throws {
        guard Preset.sizeRange.contains(baseSize) else { throw ValidationError("--base-size must be 16 … 16384") }
        guard scaleStep.isFinite, scaleStep >= 1.2, scaleStep <= 4 else { throw ValidationError("--scale-step must be 1.2 … 4") }
        guard Preset.iterationRange.contains(refineIterations) else { throw ValidationError("--refine-iterations must be 0 … 100000") }
        guard OptimizerKind(rawValue: refineOptimizer) != nil else { throw ValidationError("--refine-optimizer must be lbfgs or adam") }
        if let lr = refineLearningRate, !(lr.isFinite && lr > 0) { throw ValidationError("--refine-learning-rate must be > 0") }
        do { _ = try MemoryBudget(parsing: maxMemory) } catch { throw ValidationError("--max-memory: \(error)") }
    }

    var memory: MemoryBudget { try! MemoryBudget(parsing: maxMemory) }

    /// The schedule up to `finalSize`, each scale's options derived from `base`.
    func steps(finalSize: Int, base: TransferOptions) -> [(scale: Scale, options: TransferOptions)] {
        ScaleSchedule.make(finalSize: finalSize, base: baseSize, step: scaleStep, baseIterations: base.iterations,
                           refineIterations: refineIterations).enumerated().map { index, scale in
            var options = base
            options.iterations = scale.iterations
            if index > 0 {
                options.optimizer = OptimizerKind(rawValue: refineOptimizer)!
                options.learningRate = refineLearningRate ?? (options.optimizer == .adam ? 4 : 1)
                options.seed = base.seed &+ UInt64(index)
            }
            return (scale, options)
        }
    }
}
