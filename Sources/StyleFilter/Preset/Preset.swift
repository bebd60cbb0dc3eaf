/// A saved style: the style image (a file or one of the project's own procedural paintings) and
/// every setting of the transfer, as a JSON file `NAME.json`. Its style statistics are cached
/// beside it (`StyleStatisticsCache`), so applying it needs no style image once the cache exists.
public struct Preset: Sendable, Equatable {
    public enum StyleSource: Sendable, Equatable {
        /// A path; relative paths are relative to the preset's own directory.
        case image(String)
        case procedural(ProceduralStyle, seed: UInt64)
    }

    public static let formatVersion = 1

    public var name: String
    public var description = ""
    public var style: StyleSource
    /// The style image's long side at the first scale; later scales grow it in proportion, so
    /// brush strokes keep their size relative to the picture.
    public var styleSize = Defaults.styleSize.value
    public var contentLayers: [LayerWeight] = TransferOptions().contentLayers
    public var styleLayers: [LayerWeight] = TransferOptions().styleLayers
    public var contentWeight: Float = TransferOptions().contentWeight
    public var styleWeight: Float = TransferOptions().styleWeight
    public var tvWeight: Float = TransferOptions().tvWeight
    public var optimizer: OptimizerKind = .lbfgs
    public var learningRate: Float?
    public var pooling: PoolingMode = .max
    public var scales = [Scale(size: Defaults.baseSize.value, iterations: Defaults.iterations.value)]

    public init(name: String, style: StyleSource) {
        self.name = name
        self.style = style
    }

    /// Names are file names: letters, digits, '.', '_' and '-', not starting with '.'.
    public static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 64, allowed, !name.hasPrefix(".") else {
            throw StyleFilterError.invalidArgument("preset name '\(name)' must be 1 … 64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }

    /// The transfer settings at one scale (iterations from that scale).
    public func transferOptions(iterations: Int) throws -> TransferOptions {
        var o = TransferOptions()
        o.iterations = iterations
        o.contentLayers = contentLayers
        o.styleLayers = styleLayers
        o.contentWeight = contentWeight
        o.styleWeight = styleWeight
        o.tvWeight = tvWeight
        o.optimizer = optimizer
        o.learningRate = learningRate
        try o.validate()
        return o
    }

    /// The style's long side when the result's long side is `size`.
    public func styleLongSide(forScaleSize size: Int) -> Int {
        max(16, Int((Double(styleSize) * Double(size) / Double(scales[0].size)).rounded()))
    }
}
