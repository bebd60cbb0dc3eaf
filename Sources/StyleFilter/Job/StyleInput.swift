/// The style of a job: painting files blended by weight, a preset's cached statistics, or fixed
/// statistics. Each scale gets statistics made for its size.
public enum StyleInput: Sendable {
    case images([StyleImage], sizing: StyleSizing)
    case preset(LocatedPreset)
    /// The same statistics at every scale (a stream's or a procedure's own).
    case statistics(StyleStatistics)
}

public struct StyleImage: Sendable {
    public let path: String
    public let weight: Float

    public init(path: String, weight: Float = 1) {
        self.path = path
        self.weight = weight
    }
}

/// How large a painting is read for a scale.
public enum StyleSizing: Sendable, Equatable {
    /// Its pixel count is this many times the scale's content pixels (1: the same).
    case relative(Double)
    /// Its long side at the first scale; later scales grow it with the result, so brush strokes
    /// keep their size in the picture.
    case longSide(Int)
}

/// What a scale's statistics are made for.
struct ScaleContext {
    let index: Int
    /// The scale's long side.
    let size: Int
    let width: Int
    let height: Int
    /// This scale's long side over the first scale's.
    let growth: Double
    let layers: [LayerWeight]
    /// The run's options when its style loss is the sliced one (its directions), else nil.
    var sliced: TransferOptions? = nil
    let tiles: TileShape?
    let halo: Int
    /// A detail scale: its paintings are never enlarged past their own resolution (an enlarged
    /// painting's fine layers hold blur, not brushwork).
    var detail = false
}

extension StyleInput {
    /// The statistics for one untiled result of `width` × `height`: for runs that reuse them
    /// (the frames of a clip share one size).
    public func statistics(network: VGG19, width: Int, height: Int, layers: [LayerWeight],
                           note: (String) -> Void = { _ in }) throws -> StyleStatistics {
        try statistics(network: network, at: ScaleContext(index: 0, size: max(width, height), width: width, height: height, growth: 1,
                                                          layers: layers, tiles: nil, halo: TransferOptions().tileHalo),
                       prepare: { $0 }, note: note)
    }

    /// The statistics at one scale. `prepare` is the colour mode's change to the paintings
    /// (histogram matching needs the photo at that scale); `note` gets warnings once.
    func statistics(network: VGG19, at scale: ScaleContext,
                    prepare: ([(image: RGBImage, weight: Float)]) throws -> [(image: RGBImage, weight: Float)],
                    note: (String) -> Void) throws -> StyleStatistics {
        switch self {
        case .statistics(let fixed):
            return fixed
        case .preset(let located):
            var side = located.preset.styleLongSide(forScaleSize: scale.size)
            if scale.detail, let own = located.styleOwnLongSide(), side > own {
                Self.noteEnlargement(of: located.styleImagePath ?? "", own: own, wanted: side, at: scale, note: note)
                side = own
            }
            return try located.styleStatistics(network: network, longSides: [side], tiles: scale.tiles, halo: scale.halo, note: note)[0]
        case .images(let images, let sizing):
            let styles = try images.map { style in
                let painting = try ImageIO.loadPhoto(style.path) { w, h in
                    let wanted: (width: Int, height: Int)
                    switch sizing {
                    case .longSide(let side):
                        wanted = StyleTransfer.contentSize(width: w, height: h, longSide: max(16, Int((Double(side) * scale.growth).rounded())))
                    case .relative(let ratio):
                        wanted = StyleTransfer.styleSize(width: w, height: h, contentPixels: scale.width * scale.height, styleScale: ratio)
                    }
                    guard scale.detail, wanted.width > w else { return wanted }
                    Self.noteEnlargement(of: style.path, own: max(w, h), wanted: max(wanted.width, wanted.height), at: scale, note: note)
                    return (w, h)
                }
                if scale.index == 0 { painting.warnings.forEach(note) }
                return (image: painting.colour.rounded, weight: style.weight)
            }
            return try StyleStatistics(network: network, styles: try prepare(styles), layers: scale.layers,
                                       tiles: scale.tiles, halo: scale.halo, sliced: scale.sliced)
        }
    }

    /// Says that a painting is used at its own `own` px where `wanted` px would keep its strokes in
    /// proportion (a few percent short is no loss worth a warning).
    static func noteEnlargement(of path: String, own: Int, wanted: Int, at scale: ScaleContext, note: (String) -> Void) {
        guard Double(wanted) > 1.25 * Double(own) else { return }
        note("\(Files.basename(path)) is \(own) px; at \(scale.size) px its brushwork would need a \(wanted) px scan, "
             + "so the finest detail is painted at the painting's own resolution")
    }
}
