import ArgumentParser
import StyleFilter

struct Stylize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repaint a photo in the style of a painting.",
        discussion: """
            CONTENT and STYLE are image files (anything libvips reads), or - for standard input.
            OUTPUT's suffix picks the format; - writes to standard output in --format.
            Example: filterctl stylize photo.jpg starry_night.jpg -o out.png --size 512
            """)

    @Argument(help: "The photo (content image), or - for standard input.")
    var content: String

    @Argument(help: "The painting (style image).")
    var style: String

    @Option(name: .shortAndLong, help: "Output image; its suffix picks the format; - for standard output.")
    var output: String

    @Option(help: "Output format when writing to standard output (png, jpg, tif, webp, …).")
    var format: String?

    @Option(help: "Long side of the result in pixels.")
    var size = 512

    @Option(help: "Optimizer iterations.")
    var iterations = 300

    @Option(help: "Path of the VGG19 weight file (default: $STYLEFILTER_WEIGHTS, then the user cache).")
    var weights: String?

    @OptionGroup(title: "Loss and optimizer")
    var loss: LossFlags

    @Option(help: "L-BFGS history length.")
    var history = 100

    @Option(help: "Start from: content, noise, blend:ALPHA (ALPHA·noise + (1−ALPHA)·content) or an image path.")
    var `init` = "content"

    @Option(help: "Seed for noise initialisation.")
    var seed: UInt64 = 0

    @Option(help: "Style image size relative to the content (1 = the same pixel count).")
    var styleScale = 1.0

    @Option(help: "The style image's long side in pixels (instead of --style-scale).")
    var styleSize: Int?

    @Option(help: "Also write the image every N iterations (OUTPUT-iterNNNN.ext).")
    var saveEvery: Int?

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard size >= 16 && size <= 16384 else { throw ValidationError("--size must be 16 … 16384") }
        guard iterations >= 0 && iterations <= 100_000 else { throw ValidationError("--iterations must be 0 … 100000") }
        guard styleScale.isFinite && styleScale >= 0.05 && styleScale <= 8 else {
            throw ValidationError("--style-scale must be 0.05 … 8")
        }
        if let styleSize, !Preset.sizeRange.contains(styleSize) { throw ValidationError("--style-size must be 16 … 16384") }
        if let n = saveEvery {
            guard n > 0 else { throw ValidationError("--save-every must be > 0") }
            guard output != "-" else { throw ValidationError("--save-every needs a file output, not -") }
        }
        guard !(content == "-" && style == "-") else { throw ValidationError("only one input can be standard input") }
    }

    func options() throws -> TransferOptions {
        var o = TransferOptions()
        o.iterations = iterations
        o.history = history
        o.seed = seed
        try loss.apply(to: &o)
        return o
    }

    func initialization(contentWidth: Int, contentHeight: Int) throws -> Initialization {
        switch `init` {
        case "content": return .content
        case "noise": return .noise
        case let s where s.hasPrefix("blend:"):
            guard let alpha = Float(s.dropFirst(6)), alpha >= 0, alpha <= 1 else {
                throw ValidationError("--init blend:ALPHA needs ALPHA in 0 … 1")
            }
            return .blend(alpha)
        case let path:
            return .image(try ImageIO.load(path) { _, _ in (contentWidth, contentHeight) })
        }
    }

    func run() throws {
        var options = try options()
        try ImageIO.checkWritable(output, format: format)
        let weightsPath = VGG19Weights.resolvePath(explicit: weights)
        let network = try VGG19Weights.load(path: weightsPath, pooling: loss.poolingMode)

        let contentImage = try ImageIO.load(content) { w, h in StyleTransfer.contentSize(width: w, height: h, longSide: size) }
        let pixels = contentImage.width * contentImage.height
        let styleImage = try ImageIO.load(style) { w, h in
            if let styleSize { return StyleTransfer.contentSize(width: w, height: h, longSide: styleSize) }
            return StyleTransfer.styleSize(width: w, height: h, contentPixels: pixels, styleScale: styleScale)
        }
        options.initialization = try initialization(contentWidth: contentImage.width, contentHeight: contentImage.height)

        if !quiet {
            Console.error("content \(contentImage.width)×\(contentImage.height), style \(styleImage.width)×\(styleImage.height), \(options.optimizer.rawValue), \(iterations) iterations")
        }
        let transfer = try StyleTransfer(network: network, content: contentImage, styles: [(styleImage, 1)], options: options)
        let reporter = ProgressReporter(quiet: quiet)
        var saveError: Error?
        try transfer.run { progress in
            reporter.report(progress)
            if let every = saveEvery, progress.iteration > 0, progress.iteration % every == 0,
               progress.iteration < progress.iterations {
                do { try ImageIO.save(transfer.result, to: Self.intermediatePath(output, iteration: progress.iteration)) } catch {
                    saveError = error
                    return false
                }
            }
            return true
        }
        if let saveError { throw saveError }
        try ImageIO.save(transfer.result, to: output, format: format)
    }

    /// out.png → out-iter0050.png
    static func intermediatePath(_ path: String, iteration: Int) -> String {
        let tag = "-iter" + String(repeating: "0", count: max(0, 4 - String(iteration).count)) + String(iteration)
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[slash...].lastIndex(of: "."), dot > slash {
            return String(path[..<dot]) + tag + String(path[dot...])
        }
        return path + tag
    }
}
