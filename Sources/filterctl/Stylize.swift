import ArgumentParser
import StyleFilter

/// What the optimization matches: Gatys et al.'s transfer, or one of its two halves on its own.
enum Mode: String, ExpressibleByArgument, CaseIterable {
    /// Content of the photo, style of the painting(s).
    case transfer
    /// Style only, from noise, at any size: texture synthesis.
    case texture
    /// Content only, from noise: what one VGG layer keeps of the photo.
    case reconstruct
}

struct Stylize: ParsableCommand, BatchCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repaint a photo in the style of a painting (or synthesize a texture, or reconstruct a photo from one layer).",
        discussion: """
            Images are files libvips reads, or - for standard input (one of them).
            OUTPUT's suffix picks the format; - writes to standard output in --format.
            Examples:
              filterctl stylize photo.jpg starry_night.jpg -o out.png
              filterctl stylize photo.jpg --style a.jpg --style b.jpg --style-weights 0.7,0.3 -o blend.png
              filterctl stylize --mode texture starry_night.jpg -o texture.png --width 768 --height 256
              filterctl stylize --mode reconstruct photo.jpg --content-layers relu3_1 -o relu3_1.png
            """)

    @Argument(help: "transfer: CONTENT STYLE…; texture: STYLE…; reconstruct: CONTENT.", completion: Completions.file)
    var images: [String] = []

    @OptionGroup var destination: OutputFlags

    @OptionGroup var maskFlag: MaskFlag

    @Option(help: "transfer, texture (style only, from noise) or reconstruct (content only, from noise).")
    var mode = Mode.transfer

    @Option(help: "Keep the photo's colours: none, luminance (transfer lightness only) or histogram (recolour the painting first).")
    var preserveColor = ColourPreservation.none

    @Option(help: "Profile of the result: content (the photo's own embedded profile, CMYK kept in JPEG/TIFF) or srgb.")
    var outputProfile = OutputProfile.content

    @Option(help: "Texture width in pixels (texture mode; default --size).")
    var width: Int?

    @Option(help: "Texture height in pixels (texture mode; default --size).")
    var height: Int?

    @OptionGroup(title: "Run")
    var common: RunFlags

    @OptionGroup(title: "Style images")
    var style: StyleFlags

    @OptionGroup(title: "Loss and optimizer")
    var loss: LossFlags

    @Option(help: Defaults.baseSize.flagHelp)
    var baseSize = Defaults.baseSize.value

    @OptionGroup(title: "Scales, memory and resuming")
    var scales: ScaleFlags

    @Option(help: "Also write the image every N iterations of the last scale (OUTPUT-iterNNNN.ext).")
    var saveEvery: Int?

    @Option(help: "Write each iteration's losses (of the last scale) to this file as JSON lines.", completion: Completions.file)
    var lossLog: String?

    @Option(help: "Draw content, style, tv and total loss per iteration (of the last scale) into this SVG file.", completion: Completions.file)
    var lossPlot: String?

    @OptionGroup(title: "Batches")
    var batch: BatchFlags

    /// (content, styles) as this mode reads the positional images and --style.
    func inputs() throws -> (content: String?, styles: [String]) {
        switch mode {
        case .transfer:
            guard let content = images.first else { throw ValidationError("give a CONTENT image and a STYLE image") }
            let styles = Array(images.dropFirst()) + style.styles
            guard !styles.isEmpty else { throw ValidationError("give a STYLE image after CONTENT, or --style") }
            return (content, styles)
        case .texture:
            let styles = images + style.styles
            guard !styles.isEmpty else { throw ValidationError("texture mode needs a STYLE image") }
            return (nil, styles)
        case .reconstruct:
            guard images.count == 1, style.styles.isEmpty else { throw ValidationError("reconstruct mode takes one CONTENT image and no style") }
            return (images[0], [])
        }
    }

    func validate() throws {
        try Defaults.baseSize.validate(baseSize)
        let (content, styles) = try inputs()
        _ = try style.weighted(styles)
        guard (styles + [content ?? "", common.`init` ?? ""]).filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("only one input can be standard input")
        }
        if mode != .texture, width != nil || height != nil { throw ValidationError("--width and --height are for texture mode") }
        if mode != .transfer, preserveColor != .none { throw ValidationError("--preserve-color is for transfer mode") }
        try Defaults.size.validate(width, flag: "--width")
        try Defaults.size.validate(height, flag: "--height")
        if let n = saveEvery {
            guard n > 0 else { throw ValidationError("--save-every must be > 0") }
            guard destination.output != "-" else { throw ValidationError("--save-every needs a file output, not -") }
        }
        for path in [lossLog, lossPlot].compactMap({ $0 }) where path == "-" {
            throw ValidationError("--loss-log and --loss-plot need file names")
        }
    }

    /// The run's options, starting from --init at the result's `size` (the plan resamples it to
    /// the first scale's).
    func options(size: (width: Int, height: Int)) throws -> TransferOptions {
        var o = try common.base(loss)
        o.initialization = try common.initialization(common.`init` ?? (mode == .transfer ? "content" : "noise"),
                                                     width: size.width, height: size.height)
        switch mode {
        case .transfer: break
        case .texture: o.contentWeight = 0
        case .reconstruct: o.styleWeight = 0
        }
        try o.validate()
        return o
    }

    /// The paintings given with --style (each photo comes from the batch).
    func checkCommand() throws {
        for path in style.styles where path != "-" && !Files.isRegularFile(ImageIO.inputFile(path)) {
            throw StyleFilterError.image("\(path): no such file")
        }
    }

    func run() throws {
        Console.quiet = common.quiet
        Termination.catchSignals()
        let ranks = try scales.ranks()
        try RunRecord.run("stylize", input: images.first, inputs: images + common.initPaths + maskFlag.paths, output: destination, flags: batch, ranks: ranks) { try stylize(&$0, ranks) }
    }

    private func stylize(_ record: inout RunRecord, _ ranks: MPIRanks?) throws {
        common.inputFlags.apply()
        var (contentPath, stylePaths) = try inputs()
        let inputPaths = [contentPath].compactMap { $0 } + stylePaths + common.initPaths + maskFlag.paths
        try PathGuard.check(inputs: inputPaths,
                            outputs: [("-o", destination.output), ("--loss-log", lossLog), ("--loss-plot", lossPlot)]
                                .compactMap { flag, path in path.map { (flag, $0) } },
                            directories: scales.workDir.map { [("--work-dir", $0)] } ?? [])
        try destination.check()
        for path in [lossLog, lossPlot].compactMap({ $0 }) { try Files.checkWritableDirectory(of: path) }
        // Every scale reads its inputs again at its own size, so standard input is kept in a file.
        let spool = try StandardInputSpool(if: ([contentPath] + stylePaths).contains("-"))
        defer { spool?.remove() }
        if let spool {
            contentPath = contentPath == "-" ? spool.path : contentPath
            stylePaths = stylePaths.map { $0 == "-" ? spool.path : $0 }
        }
        let network = try common.network(pooling: loss.pooling)

        let photo = try contentPath.map { try PhotoInput(path: $0) }
        photo?.warnings.forEach { Console.say("warning: \($0)") }
        // Texture synthesis has no photo: a grey canvas gives the size (its loss weight is 0).
        let full: (width: Int, height: Int) = photo.map { StyleJob.resultSize(width: $0.width, height: $0.height, longSide: common.size) }
            ?? (width ?? common.sizeOrDefault, height ?? common.sizeOrDefault)
        var job = try StyleJob.style(try style.input(stylePaths), network: network, photo: photo, size: full, options: try options(size: full),
                                     baseSize: baseSize, refinement: scales.refinement, memory: scales.memory.budget)
        let plan = job.plan
        job.colour = preserveColor
        job.mask = try maskFlag.mask(for: photo)
        job.note = { Console.say("warning: \($0)") }
        job.ranks = ranks
        record.ranks = ranks
        // Rank 0 alone keeps the work directory and writes; the others get what it resumes from.
        let writes = (ranks?.rank ?? 0) == 0
        job.workDirectory = !writes ? nil : try scales.workDirectory(scaleCount: plan.steps.count, output: destination.output,
                                                     identity: job.identity(inputs: inputPaths))
        (record.width, record.height) = (full.width, full.height)
        Console.say("\(mode.rawValue): \(full.width)×\(full.height), " + plan.description)
        var history = LossHistory()
        var saveError: Error?
        let finishing = job, last = plan.steps.count - 1
        do {
            record.last = try JobRunner.run(job, event: { event in
                guard case .iteration(let index, let p, let image) = event, index == last else { return true }
                history.append(p)
                if writes, let every = saveEvery, p.iteration > 0, p.iteration % every == 0, p.iteration < p.iterations {
                    do {
                        let path = Self.intermediatePath(destination.output, iteration: p.iteration)
                        try PathGuard.check(inputs: inputPaths, outputs: [("--save-every", path)])
                        let original = try finishing.original()
                        try ImageIO.save(try finishing.finish(image(), original: original), like: original, profile: outputProfile, to: path)
                    } catch {
                        saveError = error
                    }
                }
                return saveError == nil
            }, save: { if writes { try destination.save($0.image, like: $0.original, profile: outputProfile) } })
        } catch {
            throw saveError ?? error
        }
        guard writes else { return }
        if let lossLog { try Files.writeAtomically(lossLog, Array(history.jsonLines.utf8)) }
        if let lossPlot { try Files.writeAtomically(lossPlot, Array(history.svg(title: "\(mode.rawValue): loss per iteration").utf8)) }
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

extension ColourPreservation: ExpressibleByArgument {}
