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
        public var step = 2.0
        /// Iterations at the largest scale; each smaller refining scale gets twice as many. 3, not
        /// 4: boston.jpg at full size in 19 minutes instead of 26.5, the same look at 512 px and at
        /// 1:1 a little softer (BENCHMARKS.md, "Fewer iterations at the refining scales").
        public var iterations = 3
        public var optimizer = OptimizerKind.adam
        /// nil: 4 pixel levels for Adam, 1 for L-BFGS.
        public var learningRate: Float?
        /// Refining scales use the base scale's losses, content included, with the painting grown
        /// with the scale: the refinement before detail scales, kept to compare (at 1:1 an 18 MP
        /// result is soft blobs, and the look drifts from the preview's: BENCHMARKS.md).
        public var baseLosses = false
        /// The style layers of detail scales, where the base scale has them (with its weights);
        /// nil: all of the base's. With none of them among the base's, the base scale's losses.
        public var detailLayers: [LayerWeight]?
        /// Detail scales match the painting's statistics in regions of at most this many pixels a
        /// side, each on its own (nil: the whole image's): a print is looked at a part at a time.
        public var styleRegion: Int? = 512
        /// What detail scales' style layers compare in each region.
        public var styleLoss = StyleLossKind.gram

        public init() {}
    }

    /// Base scales (the last one's size is where the composition is made) to `finalSize`. Base
    /// scales not smaller than the first refining size are dropped; a `finalSize` at or below the
    /// base is reached in one step from the smaller base scales.
    public init(finalSize: Int, base: [Scale], options: TransferOptions, refinement: Refinement = Refinement()) {
        precondition(!base.isEmpty)
        let last = base.last!
        let schedule = ScaleSchedule.make(finalSize: finalSize, base: last.size, step: refinement.step,
                                          baseIterations: last.iterations, refineIterations: refinement.iterations)
        let scales = base.dropLast().filter { $0.size < schedule[0].size } + schedule
        let refined = scales.count - schedule.count + 1
        steps = scales.enumerated().map { index, scale in
            var o = options
            o.iterations = scale.iterations
            var detail = false
            if index >= refined {
                o.optimizer = refinement.optimizer
                o.learningRate = refinement.learningRate ?? (o.optimizer == .adam ? 4 : 1)
                o.seed = options.seed &+ UInt64(index)
                let layers = options.activeStyleLayers.filter { layer in refinement.detailLayers?.contains { $0.name == layer.name } ?? true }
                if !refinement.baseLosses, !layers.isEmpty {
                    detail = true
                    o.styleLayers = layers
                    o.contentWeight = 0
                    o.holdsComposition = true
                    o.styleRegion = refinement.styleRegion
                    o.styleLoss = refinement.styleLoss
                    // 32 px of context: an exact gradient up to relu3_1 (twice its reach, in whole
                    // steps of the network's 16 px stride), where relu5_1 needs 64. Deeper, the
                    // features near a window's edge are not quite the whole image's, but each core
                    // is matched on its own and the cores move every evaluation: at 2588 px the
                    // result scored the same as with 64 px, 9 % sooner (BENCHMARKS.md, "The lock
                    // inside the pixel range").
                    o.tileHalo = max(TransferOptions.tileHaloRange.lowerBound, min(o.tileHalo, 32))
                }
            }
            return Step(scale: scale, options: o, detail: detail)
        }
    }

    /// A preset's plan to `finalSize`: its own scales first, then refinement. `iterations`
    /// replaces its last scale's count.
    public init(preset: Preset, finalSize: Int, iterations: Int? = nil, refinement: Refinement = Refinement()) throws {
        var base = preset.scales.map { Scale(size: $0.size, iterations: $0.iterations) }
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
