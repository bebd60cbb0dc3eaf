import ArgumentParser
import StyleFilter

/// Size, length and start of a run: shared by `stylize`, `frames` and `grid`.
struct RunFlags: ParsableArguments {
    @Option(help: "Long side of the result in pixels (default: stylize keeps the photo's size; frames, grid and textures use --base-size's default).")
    var size: Int?

    @Option(help: Defaults.iterations.flagHelp)
    var iterations = Defaults.iterations.value

    @Option(help: Defaults.history.flagHelp)
    var history = Defaults.history.value

    @Option(help: "Start from: content, noise, blend:ALPHA (ALPHA·noise + (1−ALPHA)·content) or an image path.")
    var `init`: String?

    @Option(help: "Seed for noise initialisation.")
    var seed: UInt64 = 0

    @Option(help: Defaults.tileSize.flagHelp)
    var tileSize: Int?

    @Option(help: Defaults.tileHalo.flagHelp)
    var tileHalo = Defaults.tileHalo.value

    @OptionGroup var weightsFlag: WeightsFlag

    @OptionGroup(title: "Input images")
    var inputFlags: InputFlags

    @Flag(name: .shortAndLong, help: "Print nothing but errors (no progress, notes or warnings).")
    var quiet = false

    func validate() throws {
        try Defaults.size.validate(size)
        try Defaults.iterations.validate(iterations)
        try Defaults.history.validate(history)
        if let i = `init`, i.hasPrefix("blend:") { _ = try Self.parseBlend(i) }
        if let i = initPaths.first, i != "-", !Files.exists(i) {
            throw ValidationError("--init \(i): not content, noise or blend:ALPHA, and no such image"
                                  + (["random", "noise:", "rand", "gaussian"].contains(i) ? " (noise starts from random noise)" : ""))
        }
        try Defaults.tileSize.validate(tileSize)
        try Defaults.tileHalo.validate(tileHalo)
    }

    static func parseBlend(_ text: String) throws -> Float {
        guard let alpha = Float(text.dropFirst(6)), alpha >= 0, alpha <= 1 else {
            throw ValidationError("--init blend:ALPHA needs ALPHA in 0 … 1")
        }
        return alpha
    }

    /// The start named by `text` (the caller picks the default: texture and reconstruct start from noise).
    func initialization(_ text: String?, width: Int, height: Int) throws -> Initialization {
        switch text ?? "content" {
        case "content": return .content
        case "noise": return .noise
        case let s where s.hasPrefix("blend:"): return .blend(try Self.parseBlend(s))
        case let path: return .image(try ImageIO.load(path) { _, _ in (width, height) })
        }
    }

    /// The image --init names, if it names one: an input like the others.
    var initPaths: [String] {
        guard let i = `init`, !["content", "noise"].contains(i), !i.hasPrefix("blend:") else { return [] }
        return [i]
    }

    /// The long side of frames and grid cells: the composition's size.
    var sizeOrDefault: Int { size ?? Defaults.baseSize.value }

    func network(pooling: PoolingMode) throws -> VGG19 {
        try weightsFlag.network(pooling: pooling)
    }

    func base(_ loss: LossFlags) throws -> TransferOptions {
        var o = TransferOptions()
        o.iterations = iterations
        o.history = history
        o.seed = seed
        o.tileSize = tileSize
        o.tileHalo = tileHalo
        try loss.apply(to: &o)
        return o
    }
}

/// The style images and how they are sized and blended.
struct StyleFlags: ParsableArguments {
    @Option(name: .customLong("style"), help: "A style image (repeat for several; blended by --style-weights).", completion: Completions.file)
    var styles: [String] = []

    @Option(help: "Blend weights of the style images, comma-separated (default: equal).")
    var styleWeights: String?

    @Option(help: Defaults.styleScale.flagHelp)
    var styleScale = Defaults.styleScale.value

    @Option(help: Defaults.styleSize.flagHelp)
    var styleSize: Int?

    func validate() throws {
        try Defaults.styleScale.validate(styleScale)
        try Defaults.styleSize.validate(styleSize)
    }

    /// `paths` with their blend weights: --style-weights must give one per image.
    func weighted(_ paths: [String]) throws -> [(path: String, weight: Float)] {
        guard let styleWeights else { return paths.map { ($0, 1) } }
        let weights = styleWeights.split(separator: ",", omittingEmptySubsequences: false).map { Float($0) }
        guard weights.count == paths.count, weights.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }),
              weights.contains(where: { $0! > 0 }) else {
            // `--style-weights 3 7`, as other tools take it: the 7 became a style image.
            if let stray = paths.first(where: { Float($0) != nil && !Files.exists($0) }) {
                throw ValidationError("--style-weights takes one comma-separated list (--style-weights \(styleWeights),\(stray)); "
                                      + "'\(stray)' was read as a style image")
            }
            throw ValidationError("--style-weights needs \(paths.count) numbers ≥ 0, not all 0, one per style image")
        }
        return zip(paths, weights).map { ($0, $1!) }
    }

    /// The style of a job: `paths` blended by --style-weights, sized by --style-size (growing
    /// with the scales) or --style-scale.
    func input(_ paths: [String]) throws -> StyleInput {
        let sizing = styleSize.map { StyleSizing.longSide($0) } ?? .relative(styleScale)
        return .images(try weighted(paths).map { StyleImage(path: $0.path, weight: $0.weight) }, sizing: sizing)
    }
}
