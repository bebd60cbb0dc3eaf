import ArgumentParser
import StyleFilter

/// The loss and optimizer settings shared by `stylize` and `preset create`.
struct LossFlags: ParsableArguments {
    @Option(help: "Content layers, comma-separated, each with an optional :weight.")
    var contentLayers = "relu4_2"

    @Option(help: "Style layers, comma-separated, each with an optional :weight.")
    var styleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    @Option(help: Defaults.contentWeight.flagHelp)
    var contentWeight = Defaults.contentWeight.value

    @Option(help: Defaults.styleWeight.flagHelp)
    var styleWeight = Defaults.styleWeight.value

    @Option(help: "How style layers compare the picture with the painting: gram (Gram matrices) or sliced (the features' distributions along random directions from --seed; on a tiled scale it needs style regions, which refining scales have).")
    var styleLoss = StyleLossKind.gram

    @Option(help: Defaults.projections.flagHelp)
    var projections: Int?

    @Option(help: Defaults.tvWeight.flagHelp)
    var tvWeight = Defaults.tvWeight.value

    @Option(help: "lbfgs or adam.")
    var optimizer = TransferOptions().optimizer

    @Option(help: "Step size (default 1 for lbfgs, 10 pixel levels for adam).")
    var learningRate: Float?

    @Option(help: "max or avg.")
    var pooling = PoolingMode.max

    func validate() throws {
        try Defaults.contentWeight.validate(contentWeight)
        try Defaults.styleWeight.validate(styleWeight)
        try Defaults.tvWeight.validate(tvWeight)
        try Defaults.projections.validate(projections)
    }


    /// For the commands that cannot carry the sliced loss yet (presets keep Gram matrices only,
    /// the tile server's tiles are matched whole): refused, not silently dropped.
    func requireGram(_ command: String) throws {
        if styleLoss != .gram || projections != nil {
            throw ValidationError("--style-loss sliced and --projections are for stylize; \(command) keeps Gram matrices for now")
        }
    }

    /// Everything but iterations, initialization and seed, validated.
    func apply(to o: inout TransferOptions) throws {
        o.contentLayers = try LayerWeight.parseList(contentLayers)
        o.styleLayers = try LayerWeight.parseList(styleLayers)
        o.contentWeight = contentWeight
        o.styleWeight = styleWeight
        o.tvWeight = tvWeight
        o.optimizer = optimizer
        o.learningRate = learningRate
        o.styleLoss = styleLoss
        o.projections = projections
        try o.validate()
    }
}

extension StyleLossKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension PoolingMode: ExpressibleByArgument {}
