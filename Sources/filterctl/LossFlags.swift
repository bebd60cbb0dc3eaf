import ArgumentParser
import StyleFilter

/// The loss and optimizer settings shared by `stylize` and `preset create`.
struct LossFlags: ParsableArguments {
    @Option(help: "Content layers, comma-separated, each with an optional :weight.")
    var contentLayers = "relu4_2"

    @Option(help: "Style layers, comma-separated, each with an optional :weight.")
    var styleLayers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    @Option(help: "Weight of the content loss.")
    var contentWeight: Float = 1

    @Option(help: "Weight of the style loss (relative to content: higher means more painterly).")
    var styleWeight: Float = 500

    @Option(help: "How style layers compare the picture with the painting: gram (Gram matrices) or sliced (the features' distributions along random directions from --seed; on a tiled scale it needs style regions, which refining scales have).")
    var styleLoss = StyleLossKind.gram

    @Option(help: "Directions per layer of the sliced style loss (default: the layer's channels).")
    var projections: Int?

    @Option(help: "Weight of the total-variation (smoothness) loss.")
    var tvWeight: Float = 0

    @Option(help: "lbfgs or adam.")
    var optimizer = "lbfgs"

    @Option(help: "Step size (default 1 for lbfgs, 10 pixel levels for adam).")
    var learningRate: Float?

    @Option(help: "max or avg.")
    var pooling = "max"

    func validate() throws {
        guard OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be lbfgs or adam") }
        guard PoolingMode(rawValue: pooling) != nil else { throw ValidationError("--pooling must be max or avg") }
    }

    var poolingMode: PoolingMode { PoolingMode(rawValue: pooling)! }

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
        o.optimizer = OptimizerKind(rawValue: optimizer)!
        o.learningRate = learningRate
        o.styleLoss = styleLoss
        o.projections = projections
        try o.validate()
    }
}

extension StyleLossKind: ExpressibleByArgument {}
