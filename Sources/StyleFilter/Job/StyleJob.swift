import CShim

/// The one style-transfer job every entry point runs (the commands, the C ABI, the libvips
/// operation, the stream): a photo (or a canvas size for texture synthesis), a style, a plan of
/// scales, a memory budget and an optional work directory → the picture at the photo's size.
/// The callers only translate their flags, buffers and frames into it and show its events.
public struct StyleJob {
    public var network: VGG19
    /// nil: texture synthesis on a grey canvas of `size` (its content weight is 0).
    public var photo: PhotoInput?
    /// The result's size.
    public var size: (width: Int, height: Int)
    public var style: StyleInput
    public var plan: JobPlan
    public var colour = ColourPreservation.none
    /// Scales too large for one pass within it are optimized in tiles (nil: never tiled).
    public var memory: MemoryBudget?
    /// Keeps finished scales for a resumed run (and skips those it finds).
    public var workDirectory: WorkDirectory?
    /// MPI ranks the job is divided between (every rank runs it; rank 0 alone keeps the work
    /// directory and should save the result).
    public var ranks: RankGroup?
    /// Stylize only where the mask is white (nil: everywhere).
    public var mask: Mask?
    /// Warnings on the way (a damaged profile ignored, a rebuilt preset cache).
    public var note: (String) -> Void = { _ in }
    /// A trained network (a preset's `NAME.network`): the picture is its one pass over the photo
    /// at the result's size, in tiles, instead of the plan's optimization.
    public var fast: FeedForwardNetwork?
    /// With `fast`: Adam iterations from the network's output at the result's size, with the
    /// losses of the plan's composition scale (0: none).
    public var refine = 0
    /// With `fast`: the long side at which the network paints the preset's look; a larger result
    /// gets it carried up, with the strokes of passes at each octave up to its own size
    /// (StrokePyramid). nil: one pass at the result's size.
    public var lookSide: Int?
    /// With `fast`: the painting whose palette the network's colours are carried onto
    /// (PaletteTransfer, learnt on the pass at `lookSide`). nil: the network's own colours.
    public var palette: RGBImage?

    /// How a preset's job makes its picture.
    public enum Method: String, Sendable, CaseIterable {
        /// The preset's trained network when it has one, else the optimization.
        case automatic
        /// The trained network (an error when the preset has none).
        case fast
        /// The optimization.
        case optimize
    }

    /// The network `method` picks for a preset: its trained one unless the method is the
    /// optimization; `.fast` without one is an error.
    static func trainedNetwork(_ located: LocatedPreset, method: Method) throws -> FeedForwardNetwork? {
        let fast = method == .optimize ? nil : try located.trainedNetwork()
        if method == .fast && fast == nil {
            throw StyleFilterError.invalidArgument("preset \(located.preset.name) has no trained network (\(located.networkPath)): "
                                                   + "make one with filterctl preset train \(located.preset.name)")
        }
        return fast
    }

    /// The job a preset runs on a photo, the same from every entry point: its plan to the result's
    /// size, and its trained network's pass when it has one and `method` allows. The network
    /// paints the preset's look at its last scale's size ÷ `strokeScale` (2: strokes twice as
    /// large in the picture), with the network's own colours unless `paintingPalette`.
    public static func preset(_ located: LocatedPreset, network: VGG19, photo: PhotoInput, size: (width: Int, height: Int),
                              iterations: Int? = nil, refinement: JobPlan.Refinement = JobPlan.Refinement(),
                              method: Method = .automatic, refine: Int = Defaults.refine.value,
                              strokeScale: Double = Defaults.strokeScale.value, paintingPalette: Bool = false,
                              memory: MemoryBudget? = MemoryBudget(bytes: Defaults.maxMemory.value)) throws -> StyleJob {
        try Defaults.strokeScale.checked(strokeScale)
        let plan = try JobPlan(preset: located.preset, finalSize: max(size.width, size.height), iterations: iterations, refinement: refinement)
        var job = StyleJob(network: network, photo: photo, size: size, style: .preset(located), plan: plan)
        job.memory = memory
        job.fast = try trainedNetwork(located, method: method)
        guard refine == 0 || job.fast != nil else {
            throw StyleFilterError.invalidArgument("refining starts from a trained network's result: preset \(located.preset.name) has none")
        }
        job.refine = refine
        if job.fast != nil {
            let look = located.preset.scales.last?.size ?? max(size.width, size.height)
            job.lookSide = max(16, Int((Double(look) / strokeScale).rounded()))
            if paintingPalette {
                guard located.canComputeStatistics else {
                    throw StyleFilterError.invalidArgument("preset \(located.preset.name) is kept by its cached statistics alone: "
                                                           + "without its painting there is no palette to take")
                }
                job.palette = try located.styleImage(longSide: located.preset.styleLongSide(forScaleSize: look)).image
            }
        }
        return job
    }

    /// The job a painting (or several blended, or fixed statistics) runs on a photo, the same from
    /// every entry point: `options` at one scale of `baseSize` that makes the composition (from
    /// `options.initialization`), refined up to the result's size. With no photo, texture
    /// synthesis on a canvas of `size`.
    public static func style(_ style: StyleInput, network: VGG19, photo: PhotoInput?, size: (width: Int, height: Int),
                             options: TransferOptions, baseSize: Int = Defaults.baseSize.value,
                             refinement: JobPlan.Refinement = JobPlan.Refinement(),
                             memory: MemoryBudget? = MemoryBudget(bytes: Defaults.maxMemory.value)) throws -> StyleJob {
        try options.validate()
        try Defaults.baseSize.checked(baseSize)
        let plan = JobPlan(finalSize: max(size.width, size.height), base: [Scale(size: baseSize, iterations: options.iterations)],
                           options: options, refinement: refinement)
        var job = StyleJob(network: network, photo: photo, size: size, style: style, plan: plan)
        job.memory = memory
        return job
    }

    /// The refinement of a fast result: the composition scale's losses at the result's size,
    /// with Adam at its default step whatever the preset's optimizer. L-BFGS started from a
    /// network's result climbs (its first steps carry no curvature for a picture already near a
    /// minimum): 50 iterations of it left mosaic's style at 1.2e7 on Tübingen at 512 px, Adam's
    /// at 2.8e5; swirls' totals on Tübingen 2.1e6 against 1.0e6, on chelsea equal.
    var refinePlan: JobPlan {
        let composition = plan.steps.last { !$0.detail } ?? plan.steps[0]
        var options = composition.options
        options.iterations = refine
        options.optimizer = .adam
        options.learningRate = nil
        return JobPlan(size: max(size.width, size.height), options: options)
    }

    public init(network: VGG19, photo: PhotoInput?, size: (width: Int, height: Int), style: StyleInput, plan: JobPlan) {
        self.network = network
        self.photo = photo
        self.size = size
        self.style = style
        self.plan = plan
    }

    /// The result's size for a photo of `width` × `height` scaled to `longSide` (nil or 0: its own).
    public static func resultSize(width: Int, height: Int, longSide: Int?) -> (width: Int, height: Int) {
        StyleTransfer.contentSize(width: width, height: height, longSide: longSide ?? 0)
    }

    /// The scales the optimizer runs: the plan's, or with a trained network only its refinement.
    var optimized: JobPlan { fast == nil ? plan : refine > 0 ? refinePlan : JobPlan(steps: []) }

    /// Each optimized scale's result size.
    public var scaleSizes: [(width: Int, height: Int)] {
        optimized.steps.map { StyleTransfer.contentSize(width: size.width, height: size.height, longSide: $0.scale.size) }
    }

    /// What an estimate of the remaining time needs.
    public var work: [(pixels: Int, iterations: Int)] {
        zip(scaleSizes, optimized.steps).map { ($0.width * $0.height, $1.scale.iterations) }
    }

    /// Whether every scale's image-sized state fits the budget and the result fits the process:
    /// found out before anything runs, not after the smaller scales have (each scale's tiles are
    /// planned again with what is free when it starts).
    public func check() throws {
        if mask != nil && photo == nil { throw StyleFilterError.invalidArgument("a mask needs a photo (texture synthesis has none)") }
        // Each scale's picture must reach the deepest layer: a photo too small, or a panorama so
        // thin that a scale's short side falls under it, is said of the photo, before any work.
        for (step, scale) in zip(optimized.steps, scaleSizes) {
            let minimum = StyleTransfer.minimumSide(deepest: step.options.deepestLayer)
            guard min(scale.width, scale.height) < minimum else { continue }
            let needs = "the optimization needs at least \(minimum) px on each side at every scale"
            if scale == size { throw StyleFilterError.image("a \(size.width)×\(size.height) result: \(needs) (--size makes it larger)") }
            throw StyleFilterError.image("a \(size.width)×\(size.height) result is \(scale.width)×\(scale.height) at its \(step.scale.size) px scale: "
                                         + "\(needs) (a larger --base-size starts it larger)")
        }
        // The scales the optimizer runs (a trained network's pass runs in its own tiles).
        if let memory {
            // What the process can have, as each scale will plan with: an address-space limit is
            // found now, not after the smaller scales' minutes of work.
            sf_release_free_memory()
            let limited = memory.limitedToAvailable()
            for (step, size) in zip(optimized.steps, scaleSizes) where !step.options.tilesSet {
                _ = try limited.tiles(width: size.width, height: size.height, options: step.options)
            }
        }
        if fast != nil { _ = try networkTile() }
        // The result and the photo read again for saving; a mask is one more image of floats.
        try AvailableMemory.ensure(size.width * size.height * 12 * (mask == nil ? 2 : 3), for: "a \(size.width)×\(size.height) result")
        // A preset whose image is gone works from its cache alone: every scale's statistics must
        // be there (looking them up computes nothing), or the run would fail after the first scales.
        if !optimized.steps.isEmpty, case .preset(let located) = style, located.styleImagePath.map({ !Files.exists($0) }) ?? false {
            _ = try located.styleStatistics(network: network, longSides: optimized.steps.map { located.preset.styleLongSide(forScaleSize: $0.scale.size) },
                                            note: { _ in })
        }
    }

    /// The trained network's tile side within the budget: the largest of the usual sides whose
    /// window fits beside the image-sized buffers (the photo, its reduction or network copy, the
    /// pass's picture and the coarser passes' carried up).
    func networkTile() throws -> Int {
        guard let fast, let memory else { return FeedForwardInference.defaultTile }
        let limited = memory.limitedToAvailable()
        func needed(_ tile: Int) -> Int {
            MemoryBudget.fixedBytes + FeedForwardInference.bytes(fast, width: size.width, height: size.height, tile: tile) + 4 * size.width * size.height * 12
        }
        for tile in [1024, 768, 512, 384, 256, 128] where needed(tile) <= limited.bytes { return tile }
        throw StyleFilterError.invalidArgument("\(size.width)×\(size.height) through the trained network needs about \((needed(128) >> 20) + 1) MiB"
                                               + (limited.shortfall.map { "; \($0)" } ?? "; raise --max-memory"))
    }

    /// Runs the plan. `events` returning false cancels (StyleFilterError.cancelled); finished
    /// scales stay in the work directory. The result has its colours finished (luminance mode
    /// puts the photo's colours back); `original` is the full-size photo as read, for saving.
    public func run(events: @escaping (CoarseToFineEvent) -> Bool = { _ in true }) throws -> (image: FloatRGBImage, original: Photo?) {
        try check()
        let sizes = scaleSizes
        let photo = self.photo, colour = self.colour, style = self.style, network = self.network, note = self.note
        let content: (Int, Int) throws -> FloatRGBImage = { w, h in
            try photo?.colour(width: w, height: h) ?? FloatRGBImage(width: w, height: h, values: [Float](repeating: 128, count: w * h * 3))
        }
        let optimized = self.optimized
        let first = optimized.steps.first?.scale.size ?? 0
        // The painting's statistics get the run's own context (the base scale's): detail scales
        // narrow theirs for the gradient, and would leave the targets inexact at relu4_1, relu5_1.
        let styleHalo = optimized.steps.first?.options.tileHalo ?? 0
        let steps = optimized.steps.enumerated().map { index, planned in
            let (w, h) = sizes[index]
            var step = planned
            // A preset kept by its cached statistics alone has them for its own pooling only.
            if case .preset(let located) = style, !located.canComputeStatistics { step.options.pooling = nil }
            return ScaleStep(size: step.scale.size, options: step.options) { tiles in
                let scale = ScaleContext(index: index, size: step.scale.size, width: w, height: h,
                                         growth: Double(step.scale.size) / Double(first),
                                         layers: step.options.activeStyleLayers, sliced: step.options.styleLoss == .sliced ? step.options : nil,
                                         tiles: tiles, halo: styleHalo, detail: step.detail)
                return try style.statistics(network: network.with(pooling: step.options.pooling), at: scale, prepare: { styles in
                    colour == .none ? styles : try colour.prepare(content: try content(w, h), styles: styles).styles
                }, note: note)
            }
        }
        let prepared: (Int, Int) throws -> FloatRGBImage = { w, h in try colour.prepare(content: try content(w, h), styles: []).content }
        let result: FloatRGBImage
        if let fast {
            // No events until a refinement: callers announce the passes themselves.
            let tile = try networkTile()
            let painted = try StrokePyramid.paint(try prepared(size.width, size.height), base: lookSide ?? max(size.width, size.height)) {
                try FeedForwardInference.stylize(fast, $0, tile: tile)
            }
            var start = palette.map { PaletteTransfer(from: painted.base, to: $0).applied(to: painted.result) } ?? painted.result
            // Into the pixel range, as saving puts it: the optimizer projects every step there, so
            // a start outside it would make its first steps look like overshoots.
            if !steps.isEmpty { start.values = start.values.map { min(max($0, 0), 255) } }
            result = steps.isEmpty ? start : try CoarseToFine.run(network: network, size: size, steps: steps, content: prepared, memory: memory,
                                                                  ranks: ranks, start: start, events: events)
        } else {
            result = try CoarseToFine.run(network: network, size: size, steps: steps, content: prepared,
                                          memory: memory, workDirectory: workDirectory, ranks: ranks, events: events)
        }
        // The full-size photo is read once more here, after the optimizer's state is gone.
        let original = try self.original()
        return (try finish(result, original: original), original)
    }

    /// What must be the same for a run to be resumed from another's finished scales: the result's
    /// size, the plan with every setting that changes a picture, the style, the colour mode and the
    /// mask, the trained network's choices, and `inputs` (files, by size and time, so a changed one
    /// is not resumed). How the run was typed (flags in another order, -q) and what only changes
    /// its speed (the memory budget, MPI ranks) are not part of it.
    public func identity(inputs: [String]) -> String {
        let style: String
        switch self.style {
        case .images(let images, let sizing): style = "\(images.map { "\($0.path)×\($0.weight)" }) \(sizing)"
        case .preset(let located): style = "preset \(located.path)"
        case .statistics: style = "statistics"
        }
        let steps = plan.steps.map { step in
            var options = step.options
            // A start image is among the inputs: its pixels need not be spelled out.
            let start: String
            switch options.initialization {
            case .image: start = "an image"
            case .start: start = "the scale before"
            case let other: start = "\(other)"
            }
            options.initialization = .content
            return "\(step.scale.size)×\(step.scale.iterations) detail \(step.detail) from \(start) \(options)"
        }
        let fast = self.fast.map { _ in "network, refine \(refine), look \(lookSide ?? 0), palette \(palette != nil)" } ?? "optimized"
        return ([ "\(size.width)×\(size.height)", style, "colour \(colour)", "mask \(mask != nil)", fast] + steps
                + inputs.map { Files.describe(ImageIO.inputFile($0)) }).joined(separator: "\n")
    }

    /// The photo at the result's size, where finishing or saving needs it: a file's, to be saved
    /// like it; any photo's, for a colour mode or a mask. nil otherwise.
    public func original() throws -> Photo? {
        guard let photo, colour != .none || mask != nil || photo.isFile else { return nil }
        return try photo.photo(width: size.width, height: size.height)
    }

    /// The job's last step, for its result and for any snapshot on the way: the photo's colours put
    /// back (the colour mode), then the mask's blend over the photo. `original` is `original()`.
    public func finish(_ image: FloatRGBImage, original: Photo?) throws -> FloatRGBImage {
        let finished = try colour.finish(image, content: original?.colour ?? image)
        guard let mask, let original else { return finished }
        return try mask.blend(finished, over: original.colour)
    }
}
