import CShim

/// One scale of a coarse-to-fine run.
struct ScaleStep {
    /// The result's long side at this scale.
    public let size: Int
    public let options: TransferOptions
    /// The style's statistics at this scale, made when the scale starts (a resumed run skips the
    /// finished scales' ones). Given the tiles the scale runs with (nil: one pass).
    public let style: (TileShape?) throws -> StyleStatistics

    public init(size: Int, options: TransferOptions, style: @escaping (TileShape?) throws -> StyleStatistics) {
        self.size = size
        self.options = options
        self.style = style
    }
}

/// What a coarse-to-fine run reports as it goes.
public enum CoarseToFineEvent {
    /// Scale `index` (of `count`) starts at width × height; `tile` nil means one pass.
    case scale(index: Int, count: Int, width: Int, height: Int, tiles: TileShape?)
    /// Scales up to `index` were finished by an earlier run and are not redone.
    case resumed(index: Int)
    /// After each iteration, with the image as it is then (unrounded, computed when asked for).
    case iteration(index: Int, TransferProgress, image: () -> FloatRGBImage)
    /// Inside an iteration of a tiled scale: window `window` of `windows` is next. Returning false
    /// abandons the iteration (the scale is then cancelled).
    case window(index: Int, window: Int, windows: Int)
}

/// Coarse-to-fine: the first scale starts as its options say; each later one starts from the
/// previous result upsampled, so large scales only refine what the small one laid out (and need
/// far fewer iterations than starting afresh).
enum CoarseToFine {
    /// `content(width, height)` gives the photo at a scale's size (loading it there keeps only one
    /// scale's copy in memory); `size` is the final scale's. Scales larger than `memory` allows in
    /// one pass are tiled (unless their options set a tile size). With a work directory, each
    /// finished scale is kept there and finished scales found there are skipped. `events` returning
    /// false cancels (StyleFilterError.cancelled). With `ranks`, every rank runs this with the same
    /// arguments and rank 0 alone has the work directory: every rank resumes from rank 0's scale
    /// and goes on from rank 0's result of each scale. `start`, when given, is where the first
    /// scale starts instead of the photo.
    public static func run(network: VGG19, size: (width: Int, height: Int), steps: [ScaleStep],
                           content: (Int, Int) throws -> FloatRGBImage, memory: MemoryBudget? = nil,
                           workDirectory: WorkDirectory? = nil, ranks: RankGroup? = nil, start: FloatRGBImage? = nil,
                           events: @escaping (CoarseToFineEvent) -> Bool = { _ in true }) throws -> FloatRGBImage {
        precondition(!steps.isEmpty, "at least one scale")
        precondition(start == nil || workDirectory == nil, "a run from a given start is not resumed")
        let sizes = steps.map { StyleTransfer.contentSize(width: size.width, height: size.height, longSide: $0.size) }
        // The first scale starts from `start` (a trained network's result) instead of the photo.
        var result: FloatRGBImage? = start
        var first = 0
        var resumed = workDirectory?.lastFinished(below: steps.count, sizes: sizes)
        if let ranks {
            let index = ranks.agree(resumed?.0 ?? -1)
            if index >= 0 {
                var image = resumed?.1 ?? FloatRGBImage(width: sizes[index].width, height: sizes[index].height,
                                                        values: [Float](repeating: 0, count: sizes[index].width * sizes[index].height * 3))
                ranks.broadcast(&image)
                resumed = (index, image)
            }
        }
        if let (index, image) = resumed {
            result = image
            first = index + 1
            if !events(.resumed(index: index)) { throw StyleFilterError.cancelled }
            if first == steps.count { return image }
        }
        // The composition a detail scale holds: the last scale before it that is not one.
        var composition: FloatRGBImage?
        if first > 0, let held = steps[..<first].lastIndex(where: { !$0.options.holdsComposition }),
           steps[first...].contains(where: \.options.holdsComposition) {
            composition = held == first - 1 ? result : workDirectory?.load(held, width: sizes[held].width, height: sizes[held].height)
            // Rank 0 alone has the work directory: what it found is every rank's.
            if let ranks, ranks.agree(composition == nil ? 0 : 1) == 1 {
                var image = composition ?? FloatRGBImage(width: sizes[held].width, height: sizes[held].height,
                                                         values: [Float](repeating: 0, count: sizes[held].width * sizes[held].height * 3))
                ranks.broadcast(&image)
                composition = image
            } else if ranks != nil {
                composition = nil
            }
            guard composition != nil else {
                throw StyleFilterError.io("the work directory lacks scale \(held + 1)'s result, which the later scales keep: run without resuming")
            }
        }
        for index in first..<steps.count {
            let (width, height) = sizes[index]
            var options = steps[index].options
            let planned = options.tilesSet ? nil : memory
            if let planned { options.tileShape = try planned.limitedToAvailable().tiles(width: width, height: height, options: options) }
            let style = try steps[index].style(options.tiles.flatMap { width > $0.width || height > $0.height ? $0 : nil })
            // The style's pass made what is made on first use (the Winograd kernels): where the
            // process has a hard limit, the tiles are planned again with what is left now.
            if let planned { options.tileShape = try planned.limitedToAvailable().tiles(width: width, height: height, options: options) }
            let tiles = options.tiles.flatMap { width > $0.width || height > $0.height ? $0 : nil }
            if !events(.scale(index: index, count: steps.count, width: width, height: height, tiles: tiles)) {
                throw StyleFilterError.cancelled
            }
            if let previous = result {
                let start = try ImageIO.resize(previous, width: width, height: height).networkTensor()
                if options.blursStart { StepSmoothing.blurOnce(start) }
                options.initialization = .start(start)
                result = nil
            } else if case .image(let picture) = options.initialization, picture.width != width || picture.height != height {
                options.initialization = .image(try ImageIO.resize(picture, width: width, height: height))
            }
            // The photo is converted at once and held by nothing after the objective has taken its
            // features: its image-sized copies are gone before the gradient and the optimizer's
            // state exist (a local would keep 215 MB alive through an 18-megapixel scale).
            let transfer = try StyleTransfer(network: network.with(pooling: options.pooling), content: try content(width, height).networkTensor(),
                                             style: style, options: options,
                                             composition: options.holdsComposition ? composition?.networkTensor() : nil)
            options.initialization = .content
            (transfer.objective as? TiledObjective)?.onWindow = { window, windows in
                events(.window(index: index, window: window, windows: windows))
            }
            (transfer.objective as? TiledObjective)?.ranks = ranks
            // The set-up's buffers (the photo's resample, the style's pass, the content sweep) are
            // freed but stay in malloc's pools, and in the process's size, through the long part
            // unless handed back: at 18 MP that is tens of megabytes the budget does not count.
            sf_release_free_memory()
            try transfer.run { events(.iteration(index: index, $0, image: { transfer.floatResult })) }
            var finished = transfer.floatResult
            ranks?.broadcast(&finished)
            if index < steps.count - 1 { try workDirectory?.save(finished, scale: index) }
            if !options.holdsComposition { composition = steps[(index + 1)...].contains(where: \.options.holdsComposition) ? finished : nil }
            result = finished
        }
        return result!
    }
}
