import ArgumentParser
import StyleFilter

/// How the scales above the composition's are refined (coarse-to-fine).
struct RefineFlags: ParsableArguments {
    @Option(help: "Size ratio between scales (e.g. 2 or 1.414).")
    var scaleStep = 2.0

    @Option(help: "Iterations at the largest scale; each smaller refining scale gets twice as many (at most the base scale's).")
    var refineIterations = 4

    @Option(help: "Optimizer of the refining scales: adam, or lbfgs (it keeps --history image copies).")
    var refineOptimizer = "adam"

    @Option(help: "Step of the refining scales (default: 4 pixel levels for adam, 1 for lbfgs).")
    var refineLearningRate: Float?

    @Option(help: "'base': refining scales use the base scale's losses, content included. Or style layers (those among the style layers, with their weights; e.g. relu1_1,relu2_1,relu3_1): refining scales then keep the scale before them and paint detail with these (experimental: an 8 px maze at 18 MP).")
    var refineLayers = "base"

    @Option(help: "How closely a refining scale keeps the scale before it (its picture averaged down and slightly blurred).")
    var anchorWeight: Float = JobPlan.Refinement().anchorWeight

    func validate() throws {
        guard scaleStep.isFinite, scaleStep >= 1.2, scaleStep <= 4 else { throw ValidationError("--scale-step must be 1.2 … 4") }
        guard Preset.iterationRange.contains(refineIterations) else { throw ValidationError("--refine-iterations must be 0 … 100000") }
        guard OptimizerKind(rawValue: refineOptimizer) != nil else { throw ValidationError("--refine-optimizer must be lbfgs or adam") }
        if let lr = refineLearningRate, !(lr.isFinite && lr > 0) { throw ValidationError("--refine-learning-rate must be > 0") }
        if refineLayers != "base" { _ = try LayerWeight.parseList(refineLayers) }
        guard anchorWeight.isFinite, anchorWeight >= 0, anchorWeight <= TransferOptions.maxWeight else {
            throw ValidationError("--anchor-weight must be 0 … 1e15")
        }
    }

    var refinement: JobPlan.Refinement {
        var r = JobPlan.Refinement()
        r.step = scaleStep
        r.iterations = refineIterations
        r.optimizer = OptimizerKind(rawValue: refineOptimizer)!
        r.learningRate = refineLearningRate
        r.detailLayers = refineLayers == "base" ? nil : try! LayerWeight.parseList(refineLayers)
        r.anchorWeight = anchorWeight
        return r
    }
}
