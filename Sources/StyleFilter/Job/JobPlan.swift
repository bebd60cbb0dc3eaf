/// The scales of a job and each one's settings: the first scales optimize the picture fully, the
/// later ones only refine it at twice the size each (coarse-to-fine).
public struct JobPlan: Sendable {
    public struct Step: Sendable {
        public var scale: Scale
        public var options: TransferOptions
        /// A detail scale: holds the composition scale's picture and paints below its pixels with
        /// style layers alone, from the painting at its own resolution at most.
        public var detail = false
    }

    public var steps: [Step]

    /// How the scales above the base are made.
    public struct Refinement: Sendable, Equatable {
        /// Size ratio between scales.
        public var step = Defaults.scaleStep.value
        /// Iterations at the largest scale (unless `finestLayers` gives it its own); each smaller
        /// refining scale gets twice as many as the one above. 3, not 4: with every scale to
        /// relu5_1, boston.jpg at full size took 19 minutes instead of 26.5, the same look at 512
        /// px and at 1:1 a little softer (docs/benchmarks-notebook.md#fewer-refine-iterations).
        public var iterations = Defaults.refineIterations.value
        public var optimizer = OptimizerKind.adam
        /// nil: 4 pixel levels for Adam, 1 for L-BFGS.
        public var learningRate: Float?
        /// Refining scales use the base scale's losses, content included, with the painting grown
        /// with the scale: the refinement before detail scales, kept to compare (at 1:1 an 18 MP
        /// result is soft blobs, and the look drifts from the preview's: docs/benchmarks-notebook.md#detail-scales).
        public var baseLosses = false
        /// The style layers of detail scales, where the base scale has them (with its weights);
        /// nil: all of the base's. With none of them among the base's, the base scale's losses.
        public var detailLayers: [LayerWeight]?
        /// Detail scales match the painting's statistics in regions of at most this many pixels a
        /// side, each on its own (nil: the whole image's): a print is looked at a part at a time.
        public var styleRegion: Int? = Defaults.styleRegion.value
        /// What detail scales' style layers compare in each region.
        public var styleLoss = StyleLossKind.gram
        /// Detail scales hold the composition at this fraction of its own size (the preview
        /// reduced by it); 0: not held. Half, not all: held pixel by pixel, a reduction of the
        /// detail must give back the preview's very pixels, which a bilinear enlargement blurs,
        /// so every step puts the preview's finest octave back sharpened about 2.5-fold, in
        /// saturated blocks one preview pixel wide: a checker of colours the painting never
        /// uses (5.6 % of a 2588 px print's pixels, against 0.2 % held at half;
        /// docs/benchmarks-notebook.md#hold-half).
        public var holdRatio = Defaults.refineHold.value
        /// The pooling of detail scales (nil: the network's). Max pooling sends each window's
        /// gradient to one of its four pixels and paints a 2-px parity that each enlargement
        /// makes the next scale's 4- and 8-px grid; averages paint less of it (boston.jpg at full
        /// size: ±5.9 / ±4.1 %, foreign colours 0.8 %; max pooling with `gridShift` 16: ±8.2 /
        /// ±9.0 %, 1.5 %), though in softer marks (docs/benchmarks-notebook.md#the-grid).
        public var detailPooling: PoolingMode? = .average
        /// Detail scales see the picture moved by 0…N−1 pixels each evaluation (GridShift); 0:
        /// never. Alone it did little (at 2588 px, columns ±6.6 → ±7.2 %): Adam's momentum
        /// carried the first evaluation's phase. With `momentum` 0 the column pattern halves
        /// (±8.5 → ±4.2 %) at the same 1:1 texture (docs/benchmarks-notebook.md#momentum-and-shift).
        public var gridShift = Defaults.gridShift.value
        /// Detail scales blur each gradient before stepping (StepSmoothing).
        public var smoothsSteps = false
        /// Detail scales blur their enlarged start once (StepSmoothing.blurOnce), so the
        /// enlargement's 2-px phase is not painted into a grid: boston.jpg at full size, columns
        /// ±6.7 → ±5.2 %, at 1.3× the fine layers' 1:1 Gram loss; a [1 2 2 2 1] blur, which also
        /// takes out the scale before's own 2-px pattern, gave ±3.1 % columns but ±5.5 % rows
        /// (docs/benchmarks-notebook.md#blur-start-full-size).
        public var blursStart = true
        /// Adam's β1 at detail scales. With the usual 0.9 the first evaluation's gradient, and
        /// the pooling phase it was taken in, makes up most of the early steps, so moving the
        /// grid (`gridShift`) under later evaluations cannot balance it: at 2588 px the column
        /// pattern stayed at ±7.2 %. Without momentum each step has its own phase
        /// (docs/benchmarks-notebook.md#momentum-and-shift).
        public var momentum = Defaults.refineMomentum.value
        /// The style layers of the largest scale, where an evaluation costs most and only the
        /// finest octave is left to paint (nil: as the other detail scales). Up to relu3_1 an
        /// evaluation costs a third of one to relu5_1, so the largest scale gets 8 iterations
        /// (`finestIterations`) for about the time 3 took: at 2588 px the 1:1 measure drops from
        /// 33× to 10× the painting's own crops (29× to 3.8× with max pooling), in marks that
        /// follow its flow (docs/benchmarks-notebook.md#hold-half). relu1_1
        /// and relu2_1 alone make a grain, not marks.
        public var finestLayers: [LayerWeight]? = ["relu1_1", "relu2_1", "relu3_1"].map { try! LayerWeight($0) }
        /// Iterations of the largest scale when it has `finestLayers`; nil: 8/3 of what it would
        /// have without (8 for the default 3), for about the same time. 16 paints much nearer the
        /// painting at 1:1 (boston.jpg: Gram 14× → 5.5× the painting's crops, 11:29 → 16:30 on
        /// Zen 5) but would take about 25 minutes on a Zen 3 (docs/benchmarks-notebook.md#finest-iterations).
        public var finestIterations: Int?

        public init() {}
    }

    /// Base scales (the last one's size is where the composition is made) to `finalSize`. Base
    /// scales not smaller than the first refining size are dropped; a `finalSize` at or below the
    /// base is reached in one step from the smaller base scales. The first scale starts from
    /// `options.initialization` (an image is resampled to its size); each later one from the
    /// scale before it.
    public init(finalSize: Int, base: [Scale], options: TransferOptions, refinement: Refinement = Refinement()) {
        precondition(!base.isEmpty)
        let last = base.last!
        let schedule = ScaleSchedule.make(finalSize: finalSize, base: last.size, step: refinement.step,
                                          baseIterations: last.iterations, refineIterations: refinement.iterations)
        let scales = base.dropLast().filter { $0.size < schedule[0].size } + schedule
        let refined = scales.count - schedule.count + 1
        steps = scales.enumerated().map { index, planned in
            var scale = planned, o = options
            o.iterations = scale.iterations
            if index > 0 { o.initialization = .content }
            var detail = false
            if index >= refined {
                o.optimizer = refinement.optimizer
                o.learningRate = refinement.learningRate ?? (o.optimizer == .adam ? 4 : 1)
                o.seed = options.seed &+ UInt64(index)
                // The base's style layers among `names` (with the base's weights); nil: all of them.
                let among = { (names: [LayerWeight]?) in options.activeStyleLayers.filter { l in names?.contains { $0.name == l.name } ?? true } }
                var layers = among(refinement.detailLayers)
                let finestHere = index == scales.count - 1 && refinement.finestLayers != nil ? among(refinement.finestLayers) : []
                // Only where it is cheaper: a style that stops at relu3_1 anyway keeps its layers and count.
                let deepest = { (l: [LayerWeight]) in l.map(\.index).max() ?? 0 }
                if !finestHere.isEmpty, deepest(finestHere) < deepest(layers), !refinement.baseLosses {
                    layers = finestHere
                    scale.iterations = refinement.finestIterations ?? Int((Double(scale.iterations) * 8 / 3).rounded())
                    o.iterations = scale.iterations
                }
                if !refinement.baseLosses, !layers.isEmpty {
                    detail = true
                    o.styleLayers = layers
                    o.contentWeight = 0
                    o.holdsComposition = refinement.holdRatio > 0
                    o.holdSize = max(16, Int((Double(last.size) * refinement.holdRatio).rounded()))
                    o.gridShift = refinement.gridShift
                    o.smoothsSteps = refinement.smoothsSteps
                    o.blursStart = refinement.blursStart
                    o.momentum = refinement.momentum
                    o.pooling = refinement.detailPooling
                    o.styleRegion = refinement.styleRegion
                    o.styleLoss = refinement.styleLoss
                    // 32 px of context: an exact gradient up to relu3_1 (twice its reach, in whole
                    // steps of the network's 16 px stride), where relu5_1 needs 64. Deeper, the
                    // features near a window's edge are not quite the whole image's, but each core
                    // is matched on its own and the cores move every evaluation: at 2588 px the
                    // result scored the same as with 64 px, 9 % sooner (docs/benchmarks-notebook.md#lock-in-range).
                    o.tileHalo = max(Defaults.tileHalo.range.lowerBound, min(o.tileHalo, 32))
                }
            }
            return Step(scale: scale, options: o, detail: detail)
        }
    }

    /// A preset's plan to `finalSize`: its own scales first, then refinement. `iterations`
    /// replaces its last scale's count.
    public init(preset: Preset, finalSize: Int, iterations: Int? = nil, refinement: Refinement = Refinement()) throws {
        var base = preset.scales
        if let iterations { base[base.count - 1].iterations = iterations }
        self.init(finalSize: finalSize, base: base, options: try preset.transferOptions(iterations: base.last!.iterations),
                  refinement: refinement)
    }

    public init(steps: [Step]) { self.steps = steps }

    /// One scale at `size`, no refinement.
    public init(size: Int, options: TransferOptions) {
        steps = [Step(scale: Scale(size: size, iterations: options.iterations), options: options)]
    }

    public var description: String {
        steps.map { "\($0.scale.size) px × \($0.scale.iterations) \($0.options.optimizer.rawValue)" }.joined(separator: " → ")
    }
}
