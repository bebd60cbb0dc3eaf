#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a stream of tiles: framed requests on standard input, replies on standard output.",
        discussion: """
            Loads the weights and the style statistics once, then answers each request frame with
            one reply frame, in order. An image sent whole (begin, parts, end) is stylized once as
            `stylize` would (coarse-to-fine, tiled within --max-memory); single tiles are a preview
            that can show seams. A preset with a trained network paints both with it (--method). The protocol is in docs/stream-protocol.md; a reference driver is
            integration/tiles/stylize_tiles.c.
            Example: stylize_tiles big.tif out.tif --whole -- filterctl serve --stdio --preset swirls
            """)

    @Flag(help: "Speak the framed protocol on standard input and output (the only transport).")
    var stdio = false

    @Option(help: "A preset: its style statistics and settings (scale: its final one).", completion: Completions.presets)
    var preset: String?

    @Option(help: "A style image instead of a preset (with the loss flags below).", completion: Completions.file)
    var style: String?

    @Option(help: "With --preset: fast, its trained network (each tile normalised on its own); optimize: the optimization. Default: fast when the preset has a network.")
    var method: StyleJob.Method = .automatic

    @Option(help: "The style's long side in pixels (default: a preset's at its final scale; a style image's at 512 for tiles, and for whole images sized to the photo as stylize does).")
    var styleSize: Int?

    @Option(help: "Iterations per tile, or of a whole image's base scale, when a request does not say (default: the preset's last scale, or 300).")
    var iterations: Int?

    @OptionGroup(title: "Whole images")
    var refine: RefineFlags

    @OptionGroup var memory: MemoryFlag

    @Option(help: Defaults.maxFrameBytes.flagHelp)
    var maxFrameBytes = Defaults.maxFrameBytes.value

    @Option(help: "A directory searched first for --preset.", completion: Completions.directory)
    var presetDir: String?

    @OptionGroup var weightsFlag: WeightsFlag

    @OptionGroup(title: "Input images")
    var inputFlags: InputFlags

    @OptionGroup(title: "Loss and optimizer (with --style)")
    var loss: LossFlags

    @Flag(help: "Log each frame on standard error.")
    var verbose = false

    func validate() throws {
        try loss.requireGram("serve")
        guard stdio else { throw ValidationError("give --stdio (the only transport)") }
        guard (preset == nil) != (style == nil) else { throw ValidationError("give exactly one of --preset or --style") }
        if method != .automatic && preset == nil { throw ValidationError("--method chooses between a preset's network and the optimization: give --preset") }
        try Defaults.styleSize.validate(styleSize)
        try Defaults.iterations.validate(iterations)
        try Defaults.maxFrameBytes.validate(maxFrameBytes)
    }

    func run() throws {
        inputFlags.apply()
        let network: VGG19
        let tile: TileJob
        let located = try preset.map { try PresetStore(extraDirectory: presetDir).find($0) }
        if let located {
            network = try weightsFlag.network(pooling: located.preset.pooling)
            tile = try TileJob.preset(located, network: network, styleSize: styleSize, iterations: iterations, method: method) {
                Console.error($0)
            }
        } else {
            network = try weightsFlag.network(pooling: loss.pooling)
            var options = TransferOptions()
            try loss.apply(to: &options)
            if let iterations { options.iterations = iterations }
            tile = try TileJob.painting(style!, network: network, longSide: styleSize ?? Defaults.styleSize.value, options: options)
        }
        // An image sent whole: the job `apply` (a preset) or `stylize` (an image) runs.
        let style = located.map { StyleInput.preset($0) }
            ?? .images([StyleImage(path: self.style!)], sizing: styleSize.map { .longSide($0) } ?? .relative(Defaults.styleScale.value))
        let baseOptions = tile.options, budget = memory.budget, defaultIterations = iterations, refinement = refine.refinement
        let method = self.method
        let server = TileServer(tile: tile, maxPayload: maxFrameBytes) { photo, asked in
            let size = (width: photo.width, height: photo.height)
            if let located {
                return try StyleJob.preset(located, network: network, photo: photo, size: size, iterations: asked ?? defaultIterations,
                                           refinement: refinement, method: method, memory: budget)
            }
            var o = baseOptions
            if let n = asked ?? defaultIterations { o.iterations = n }
            return try StyleJob.style(style, network: network, photo: photo, size: size, options: o, refinement: refinement, memory: budget)
        }
        let summary = try server.serve(ByteInput(fileDescriptor: 0), write: Self.writeAll) { line in
            if verbose { Console.error(line) }
        }
        if verbose { Console.error("served \(summary.tiles) tiles, \(summary.guides) guides, \(summary.images) whole images, \(summary.errors) errors") }
    }

    static func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StyleFilterError.io("cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
