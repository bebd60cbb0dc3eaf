import ArgumentParser
import StyleFilter

/// How the scales above the composition's are refined (coarse-to-fine).
struct RefineFlags: ParsableArguments {
    @Option(help: "Size ratio between scales (e.g. 2 or 1.414).")
    var scaleStep = 2.0

    @Option(help: "Iterations at the largest scale; each smaller refining scale gets twice as many (at most the base scale's).")
    var refineIterations = JobPlan.Refinement().iterations

    @Option(help: "Optimizer of the refining scales: adam, or lbfgs (it keeps --history image copies).")
    var refineOptimizer = "adam"

    @Option(help: "Step of the refining scales (default: 4 pixel levels for adam, 1 for lbfgs).")
    var refineLearningRate: Float?

    @Option(help: "Style layers of the refining scales, which keep the base scale's picture and paint below its pixels: 'all' (the base's style layers), or some of them (e.g. relu1_1,relu2_1,relu3_1, with their weights). 'base': the base scale's losses, content included (the older refinement).")
    var refineLayers = "all"

    @Option(help: "Refining scales match the painting's statistics in regions of this many pixels a side, each on its own (0: the whole image's).")
    var styleRegion = 512

    @Option(help: "What the refining scales' style layers compare, in each region: gram, or sliced (the features' distributions; it needs --style-region).")
    var refineStyleLoss = JobPlan.Refinement().styleLoss

    @Option(help: "The refining scales keep the base scale's picture reduced by this fraction: 1 keeps its every pixel, 0 lets it drift.")
    var refineHold = JobPlan.Refinement().holdRatio

    @Option(help: "Style layers of the largest refining scale, among the base's ('all': as the other refining scales).")
    var finestLayers = JobPlan.Refinement().finestLayers?.map(\.name).joined(separator: ",") ?? "all"

    @Option(help: "Iterations of the largest refining scale with --finest-layers (default: 8/3 of --refine-iterations, 8, for about the same time: the fine layers cost a third).")
    var finestIterations: Int?

    @Option(help: "Pooling of the refining scales: avg, or max (the base scale's own is --pooling).")
    var refinePooling = "avg"

    @Option(help: "The refining scales see the picture moved by 0 … N−1 pixels each evaluation, so their brushwork does not line up with the network's pooling grid (0: never).")
    var gridShift = JobPlan.Refinement().gridShift

    func validate() throws {
        guard scaleStep.isFinite, scaleStep >= 1.2, scaleStep <= 4 else { throw ValidationError("--scale-step must be 1.2 … 4") }
        guard Preset.iterationRange.contains(refineIterations) else { throw ValidationError("--refine-iterations must be 0 … 100000") }
        guard OptimizerKind(rawValue: refineOptimizer) != nil else { throw ValidationError("--refine-optimizer must be lbfgs or adam") }
        if let lr = refineLearningRate, !(lr.isFinite && lr > 0) { throw ValidationError("--refine-learning-rate must be > 0") }
        if !["base", "all"].contains(refineLayers) { try Self.checkLayers(refineLayers, flag: "--refine-layers") }
        guard styleRegion == 0 || TransferOptions.tileSizeRange.contains(styleRegion) else {
            throw ValidationError("--style-region must be 0 or 16 … 16384")
        }
        if finestLayers != "all" { try Self.checkLayers(finestLayers, flag: "--finest-layers") }
        if let finestIterations, !Preset.iterationRange.contains(finestIterations) { throw ValidationError("--finest-iterations must be 0 … 100000") }
        guard PoolingMode(rawValue: refinePooling) != nil else { throw ValidationError("--refine-pooling must be max or avg") }
        guard (0...64).contains(gridShift) else { throw ValidationError("--grid-shift must be 0 … 64") }
        guard refineHold.isFinite, (0...1).contains(refineHold) else { throw ValidationError("--refine-hold must be 0 … 1") }
        if refineStyleLoss == .sliced && styleRegion == 0 { throw ValidationError("--refine-style-loss sliced matches each --style-region on its own: not with 0") }
    }

    /// A layer list a usage error (64) names, not a run's failure.
    static func checkLayers(_ list: String, flag: String) throws {
        do { _ = try LayerWeight.parseList(list) } catch { throw ValidationError("\(flag): \(error)") }
    }

    var refinement: JobPlan.Refinement {
        var r = JobPlan.Refinement()
        r.step = scaleStep
        r.iterations = refineIterations
        r.optimizer = OptimizerKind(rawValue: refineOptimizer)!
        r.learningRate = refineLearningRate
        r.baseLosses = refineLayers == "base"
        r.detailLayers = ["base", "all"].contains(refineLayers) ? nil : try! LayerWeight.parseList(refineLayers)
        r.styleRegion = styleRegion == 0 ? nil : styleRegion
        r.styleLoss = refineStyleLoss
        r.holdRatio = refineHold
        r.gridShift = gridShift
        r.detailPooling = PoolingMode(rawValue: refinePooling)!
        r.finestLayers = finestLayers == "all" ? nil : try! LayerWeight.parseList(finestLayers)
        r.finestIterations = finestIterations
        return r
    }
}
