/// Trains a feed-forward network to do in one pass what the optimizer does in hundreds of
/// iterations (Johnson et al.): Adam on the network's parameters against the optimizer's own
/// loss through the fixed VGG19 — content at the content layers against each photo crop's own
/// features, Gram matrices against the style's statistics, total variation — so a trained
/// network answers to the same preset as the optimizer.
public final class FeedForwardTraining: @unchecked Sendable {
    public struct Options: Sendable, Equatable {
        public var steps = 2000
        /// Side of the square photo crops the network is trained on (a multiple of 4).
        public var cropSize = 256
        /// Crops per Adam step.
        public var batch = 1
        public var learningRate: Float = 1e-3
        /// The preset's content weight is multiplied by this. A network answers for every photo at
        /// once and starts from nothing, where the optimizer starts from the photo itself and keeps
        /// what no loss asks it to change; without more weight on content the network trades the
        /// picture's structure for texture. 4: swirls with 1 lost Tübingen's houses under stripes
        /// (content 1.32× the optimization's); with 4 they stay (0.80–1.00×), style 1.40–1.49×.
        public var contentFactor: Float = 4
        /// Weight of the palette term: the sliced Wasserstein distance between the output's pixel
        /// colours and the painting's (0: none). The style layers' Gram matrices average a
        /// painting's colours over the photos a network sees, so a network trained on them alone
        /// paints a few mixtures of them (mosaic: salmon and blue tiles where the painting has
        /// saturated reds, greens, yellows and purples); matching the colours' distribution itself
        /// asks for the painting's own colours in its own proportions.
        public var paletteWeight: Float = 0
        public init() {}
    }

    public let feedForward: FeedForwardNetwork
    public let options: Options
    public let adam: ParameterAdam
    private let pass: FeedForwardPass
    private let objective: Objective
    private let palette: SlicedWassersteinLoss?
    private let gradient: Tensor

    /// `transfer`: the preset's layers and weights; `style`: its statistics for those layers;
    /// `painting`: the style picture, needed for the palette term (`options.paletteWeight` > 0).
    public init(network: VGG19, feedForward: FeedForwardNetwork, style: StyleStatistics, transfer: TransferOptions,
                options: Options, painting: RGBImage? = nil) throws {
        let size = options.cropSize
        guard size % FeedForwardNetwork.Shape.sizeMultiple == 0, size >= 32 else {
            throw StyleFilterError.invalidArgument("crop size must be a multiple of 4, at least 32")
        }
        guard options.batch >= 1, options.steps >= 0, options.learningRate > 0, options.learningRate.isFinite,
              options.contentFactor > 0, options.contentFactor.isFinite, options.paletteWeight >= 0, options.paletteWeight.isFinite else {
            throw StyleFilterError.invalidArgument("training needs batch ≥ 1, steps ≥ 0, a positive learning rate and content factor, a palette weight ≥ 0")
        }
        if options.paletteWeight > 0 {
            guard let painting else { throw StyleFilterError.invalidArgument("the palette term needs the preset's painting") }
            // Directions in colour space from the run's seed, as the sliced style loss draws its own.
            let directions = SliceDirections(channels: 3, count: Self.paletteDirections, seed: transfer.seed ^ 0x9A1E77E)
            palette = SlicedWassersteinLoss(layer: -1, weight: options.paletteWeight,
                                            target: SliceTargets(features: painting.networkTensor(), directions: directions))
        } else {
            palette = nil
        }
        let vgg = VGG19Pass(network: network, height: size, width: size, deepest: transfer.deepestLayer)
        // Content targets are each crop's own features, copied in before every evaluation.
        let contentLosses = transfer.activeContentLayers.map {
            ContentLoss(layer: $0.index, weight: options.contentFactor * transfer.contentWeight * $0.weight, target: vgg.outputs[$0.index])
        }
        // Gram matrices or the sliced distance, as `transfer.styleLoss` says (the sliced one needs
        // `style` made with its directions).
        objective = Objective(pass: vgg, contentLosses: contentLosses, styleLosses: try style.losses(transfer), tvWeight: transfer.tvWeight)
        self.feedForward = feedForward
        self.options = options
        pass = FeedForwardPass(network: feedForward, height: size, width: size)
        gradient = Tensor(channels: 3, height: size, width: size)
        adam = ParameterAdam(count: feedForward.parameters.count, learningRate: options.learningRate)
    }

    /// Directions of the palette term: colour space has three dimensions, so a few dozen
    /// directions cover it.
    static let paletteDirections = 32

    /// One Adam step on a batch of crops (network space, cropSize × cropSize); their mean losses.
    @discardableResult
    public func step(_ crops: [Tensor]) -> LossBreakdown {
        precondition(!crops.isEmpty)
        feedForward.parameters.zeroGradients()
        var mean = LossBreakdown()
        for crop in crops {
            let losses = evaluate(crop, backward: true)
            mean.content += losses.content / Double(crops.count)
            mean.style += losses.style / Double(crops.count)
            mean.totalVariation += losses.totalVariation / Double(crops.count)
        }
        adam.step(feedForward.parameters)
        return mean
    }

    /// The losses of the network's output for `crop`; with `backward`, the parameters' gradient
    /// is added to.
    public func evaluate(_ crop: Tensor, backward: Bool = false) -> LossBreakdown {
        objective.pass.forward(crop)
        for loss in objective.contentLosses { loss.target.copy(from: objective.pass.outputs[loss.layer]) }
        let output = pass.forward(crop)
        var losses = objective.evaluate(output, gradient: backward ? gradient : nil)
        // Counted with the style: the palette is the painting's too.
        if let palette { losses.style += palette.evaluate(output, addingGradientTo: backward ? gradient : nil) }
        if backward { pass.backward(gradient) }
        return losses
    }

    /// Adam steps from the current one up to `options.steps`, on crops drawn from `photos`.
    /// `progress` is told each step's number and losses; returning false stops the training
    /// (StyleFilterError.cancelled), with everything up to that step kept for a checkpoint.
    public func run(photos: TrainingPhotos, progress: (Int, LossBreakdown) -> Bool) throws {
        precondition(photos.cropSize == options.cropSize)
        while adam.steps < options.steps {
            let losses = step((0..<options.batch).map { _ in photos.nextCrop() })
            guard losses.total.isFinite else {
                throw StyleFilterError.invalidArgument("the training loss is not finite at step \(adam.steps): lower the learning rate")
            }
            if !progress(adam.steps, losses) { throw StyleFilterError.cancelled }
        }
    }

    /// Continues from a checkpoint: its parameters and Adam's state.
    public func restore(_ file: FeedForwardFile) throws {
        guard file.shape == feedForward.shape, file.parameters.count == feedForward.parameters.count, let state = file.adam else {
            throw StyleFilterError.invalidArgument("the checkpoint is of another network or has no training state")
        }
        feedForward.parameters.load(file.parameters)
        adam.restore(steps: state.steps, m: state.m, v: state.v)
    }
}
