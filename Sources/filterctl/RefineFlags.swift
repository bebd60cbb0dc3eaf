import ArgumentParser
import StyleFilter

/// How the scales above the composition's are refined (coarse-to-fine).
struct RefineFlags: ParsableArguments {
    @Option(help: Defaults.scaleStep.flagHelp)
    var scaleStep = Defaults.scaleStep.value

    @Option(help: Defaults.refineIterations.flagHelp)
    var refineIterations = Defaults.refineIterations.value

    @Option(help: "Optimizer of the refining scales: adam, or lbfgs (it keeps --history image copies).")
    var refineOptimizer = JobPlan.Refinement().optimizer

    @Option(help: "Step of the refining scales (default: 4 pixel levels for adam, 1 for lbfgs).")
    var refineLearningRate: Float?

    @Option(help: "Style layers of the refining scales, which keep the base scale's picture and paint below its pixels: 'all' (the base's style layers), or some of them (e.g. relu1_1,relu2_1,relu3_1, with their weights). 'base': the base scale's losses, content included (the older refinement).")
    var refineLayers = "all"

    @Option(help: Defaults.styleRegion.flagHelp)
    var styleRegion = Defaults.styleRegion.value

    @Option(help: "What the refining scales' style layers compare, in each region: gram, or sliced (the features' distributions; it needs --style-region).")
    var refineStyleLoss = JobPlan.Refinement().styleLoss

    @Option(help: Defaults.refineHold.flagHelp)
    var refineHold = Defaults.refineHold.value

    @Option(help: "Style layers of the largest refining scale, among the base's ('all': as the other refining scales).")
    var finestLayers = JobPlan.Refinement().finestLayers?.map(\.name).joined(separator: ",") ?? "all"

    @Option(help: "Iterations of the largest refining scale with --finest-layers (default: 8/3 of --refine-iterations, 8, for about the same time: the fine layers cost a third).")
    var finestIterations: Int?

    @Option(help: "Pooling of the refining scales: avg, or max (the base scale's own is --pooling).")
    var refinePooling = JobPlan.Refinement().detailPooling ?? .average

    @Option(help: Defaults.gridShift.flagHelp)
    var gridShift = Defaults.gridShift.value

    @Flag(help: "Refining scales blur each gradient by [1 2 2 2 1] before stepping, so steps do not paint the pooling's 2- and 4-px phases (the grid goes, and with it the finest marks).")
    var refineSmooth = false

    @Flag(inversion: .prefixedNo, help: "Refining scales blur their start (the scale before, enlarged) once by [1 2 1]: the enlargement's 2-px phase is not painted into a grid.")
    var refineBlurStart = JobPlan.Refinement().blursStart

    @Option(help: Defaults.refineMomentum.flagHelp)
    var refineMomentum = Defaults.refineMomentum.value

    func validate() throws {
        try Defaults.scaleStep.validate(scaleStep)
        try Defaults.refineIterations.validate(refineIterations)
        if let lr = refineLearningRate, !(lr.isFinite && lr > 0) { throw ValidationError("--refine-learning-rate must be > 0") }
        if !["base", "all"].contains(refineLayers) { try Self.checkLayers(refineLayers, flag: "--refine-layers") }
        if styleRegion != 0 { try Defaults.styleRegion.validate(styleRegion) }
        if finestLayers != "all" { try Self.checkLayers(finestLayers, flag: "--finest-layers") }
        try Defaults.iterations.validate(finestIterations, flag: "--finest-iterations")
        try Defaults.gridShift.validate(gridShift)
        try Defaults.refineHold.validate(refineHold)
        try Defaults.refineMomentum.validate(refineMomentum)
        if refineStyleLoss == .sliced && styleRegion == 0 { throw ValidationError("--refine-style-loss sliced matches each --style-region on its own: not with 0") }
    }

    /// A layer list a usage error (64) names, not a run's failure.
    @discardableResult
    static func checkLayers(_ list: String, flag: String) throws -> [LayerWeight] {
        do { return try LayerWeight.parseList(list) } catch { throw ValidationError("\(flag): \(error)") }
    }

    /// Validated flags (ArgumentParser ran `validate`), so the layer lists parse.
    var refinement: JobPlan.Refinement {
        var r = JobPlan.Refinement()
        r.step = scaleStep
        r.iterations = refineIterations
        r.optimizer = refineOptimizer
        r.learningRate = refineLearningRate
        r.baseLosses = refineLayers == "base"
        r.detailLayers = ["base", "all"].contains(refineLayers) ? nil : try? Self.checkLayers(refineLayers, flag: "--refine-layers")
        r.styleRegion = styleRegion == 0 ? nil : styleRegion
        r.styleLoss = refineStyleLoss
        r.holdRatio = refineHold
        r.gridShift = gridShift
        r.smoothsSteps = refineSmooth
        r.blursStart = refineBlurStart
        r.momentum = refineMomentum
        r.detailPooling = refinePooling
        r.finestLayers = finestLayers == "all" ? nil : try? Self.checkLayers(finestLayers, flag: "--finest-layers")
        r.finestIterations = finestIterations
        return r
    }
}
