/// One tile stylized on its own, already at the final resolution: the preview that `serve`'s tile
/// frames and `sf_stylize_tile` make. A preset's trained network paints it in one pass, normalised
/// with the tile's own statistics; otherwise the optimizer runs with the final scale's style
/// statistics. Either way a tile knows nothing of its neighbours, so borders can show; a whole
/// image goes through `StyleJob`.
public struct TileJob {
    public var network: VGG19
    public var style: StyleStatistics
    /// The optimization's settings; `iterations` is the default for tiles that do not ask.
    public var options: TransferOptions
    /// The preset's trained network, when the method allows it: then no optimization runs.
    public var fast: FeedForwardNetwork?

    public init(network: VGG19, style: StyleStatistics, options: TransferOptions, fast: FeedForwardNetwork? = nil) {
        self.network = network
        self.style = style
        self.options = options
        self.fast = fast
    }

    /// A preset's final scale, with its trained network as `StyleJob.preset` chooses it (a damaged
    /// one, or `.fast` without one, is an error).
    public static func preset(_ located: LocatedPreset, network: VGG19, styleSize: Int? = nil, iterations: Int? = nil,
                              method: StyleJob.Method = .automatic, note: (String) -> Void) throws -> TileJob {
        let (style, options) = try located.finalScale(network: network, styleSize: styleSize, iterations: iterations, note: note)
        return TileJob(network: network, style: style, options: options, fast: try StyleJob.trainedNetwork(located, method: method))
    }

    /// A painting's tile job: the painting read at `longSide` (a tile knows nothing of its photo's
    /// size), the optimization with `options`.
    public static func painting(_ path: String, network: VGG19, longSide: Int = Defaults.styleSize.value,
                                options: TransferOptions) throws -> TileJob {
        let image = try ImageIO.load(path) { w, h in StyleTransfer.contentSize(width: w, height: h, longSide: longSide) }
        let style = try StyleStatistics(network: network, styles: [(image, 1)], layers: options.activeStyleLayers)
        return TileJob(network: network, style: style, options: options)
    }

    /// What stylizing a tile of `width` × `height` allocates: the network's windows and the tile
    /// as floats on its way in and out (three copies besides the result), or the optimization's
    /// passes and state (far more: a tile a network paints in 1 GiB could be refused by the
    /// optimization's count).
    public func bytes(width: Int, height: Int) -> Int {
        guard let fast else { return MemoryBudget.transferBytes(width: width, height: height, options: options) }
        return FeedForwardInference.bytes(fast, width: width, height: height) + width * height * 12 * 3
    }

    /// The tile stylized; `initialization` (the optimization's start) and `iterations` apply to the
    /// optimization only.
    public func run(_ tile: RGBImage, iterations: Int? = nil, initialization: Initialization? = nil,
                    progress: (TransferProgress) -> Bool = { _ in true }) throws -> RGBImage {
        if let fast { return try FeedForwardInference.stylize(fast, FloatRGBImage(tile)).rounded }
        var o = options
        if let iterations { o.iterations = iterations }
        if let initialization { o.initialization = initialization }
        let transfer = try StyleTransfer(network: network, content: tile, style: style, options: o)
        try transfer.run(progress: progress)
        return transfer.result
    }
}
