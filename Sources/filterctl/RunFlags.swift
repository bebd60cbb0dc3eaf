import ArgumentParser
import StyleFilter

/// Size, length and start of a run: shared by `stylize`, `frames` and `grid`.
struct RunFlags: ParsableArguments {
    @Option(help: "Long side of the result in pixels (default: stylize keeps the photo's size; frames and grid use 512).")
    var size: Int?

    @Option(help: "Optimizer iterations.")
    var iterations = 300

    @Option(help: "L-BFGS history length.")
    var history = 100

    @Option(help: "Start from: content, noise, blend:ALPHA (ALPHA·noise + (1−ALPHA)·content) or an image path.")
    var `init`: String?

    @Option(help: "Seed for noise initialisation.")
    var seed: UInt64 = 0

    @Option(help: "Evaluate images larger than this (pixels) window by window, with whole-image style statistics (default: windows only where --max-memory needs them).")
    var tileSize: Int?

    @Option(help: "Context around each tile, pixels (with --tile-size).")
    var tileHalo = 64

    @OptionGroup var weightsFlag: WeightsFlag

    @OptionGroup(title: "Input images")
    var inputFlags: InputFlags

    @Flag(name: .shortAndLong, help: "Print nothing but errors (no progress, notes or warnings).")
    var quiet = false

    func validate() throws {
        if let size, !Preset.sizeRange.contains(size) { throw ValidationError("--size must be 16 … 16384") }
        guard Preset.iterationRange.contains(iterations) else { throw ValidationError("--iterations must be 0 … 100000") }
        if let i = `init`, i.hasPrefix("blend:") { _ = try Self.parseBlend(i) }
        if let i = initPaths.first, i != "-", !Files.exists(i) {
            throw ValidationError("--init \(i): not content, noise or blend:ALPHA, and no such image"
                                  + (["random", "noise:", "rand", "gaussian"].contains(i) ? " (noise starts from random noise)" : ""))
        }
        if let tileSize, !TransferOptions.tileSizeRange.contains(tileSize) { throw ValidationError("--tile-size must be 16 … 16384") }
        guard TransferOptions.tileHaloRange.contains(tileHalo) else { throw ValidationError("--tile-halo must be 16 … 1024") }
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

    /// The long side of frames and grid cells.
    var sizeOrDefault: Int { size ?? 512 }

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

    @Option(help: "Style image size relative to the content (1 = the same pixel count).")
    var styleScale = 1.0

    @Option(help: "The style image's long side in pixels (instead of --style-scale).")
    var styleSize: Int?

    func validate() throws {
        guard styleScale.isFinite && styleScale >= 0.05 && styleScale <= 8 else {
            throw ValidationError("--style-scale must be 0.05 … 8")
        }
        if let styleSize, !Preset.sizeRange.contains(styleSize) { throw ValidationError("--style-size must be 16 … 16384") }
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
