import ArgumentParser
import StyleFilter

struct Apply: ParsableCommand, BatchCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a photo with a saved preset.",
        discussion: """
            The preset's cached style statistics are used, so the style image is not needed once
            they exist; they are built (and cached) on first use otherwise.
            Example: filterctl apply --preset swirls photo.jpg -o out.png
            """)

    @Option(help: "Preset name (searched in --preset-dir, ./presets, $XDG_CONFIG_HOME/stylefilter/presets) or a path to its .json.", completion: Completions.presets)
    var preset: String

    @Argument(help: "The photo, or - for standard input.", completion: Completions.file)
    var input: String

    @OptionGroup var destination: OutputFlags

    @OptionGroup var maskFlag: MaskFlag

    @Option(help: "Profile of the result: content (the photo's own embedded profile, CMYK kept in JPEG/TIFF) or srgb.")
    var outputProfile = OutputProfile.content

    @Option(help: "Long side of the result (default: the photo's own size, reached coarse-to-fine from the preset's scales).")
    var size: Int?

    @Option(help: "Iterations of the preset's last scale, where the composition is made (default: the preset's).")
    var iterations: Int?

    @Option(help: "A directory searched before the default preset folders.", completion: Completions.directory)
    var presetDir: String?

    @Option(help: "fast: one pass of the preset's trained network (NAME.network, from preset train); optimize: the optimization. Default: fast when the preset has a network.")
    var method: StyleJob.Method = .automatic

    @Option(help: "Adam iterations from the network's result at the result's size, with the preset's losses (fast only).")
    var refine = Defaults.refine.value

    @Option(help: "Size of the network's strokes in the picture, relative to the preset's (2: twice as large; fast only). The network paints the preset's look at its last scale's size ÷ this, and larger results get it carried up with its strokes at every octave.")
    var strokeScale = Defaults.strokeScale.value

    @Option(help: "network: the network's own colours; painting: carried onto the painting's palette, flat colours in place of its tints, at the cost of a higher style loss (fast only).")
    var palette = Palette.network

    enum Palette: String, ExpressibleByArgument, CaseIterable { case painting, network }

    @OptionGroup(title: "Scales, memory and resuming")
    var scales: ScaleFlags

    @OptionGroup var weightsFlag: WeightsFlag

    @OptionGroup(title: "Input images")
    var inputFlags: InputFlags

    @Flag(name: .shortAndLong, help: "Print nothing but errors (no progress, notes or warnings).")
    var quiet = false

    @OptionGroup(title: "Batches")
    var batch: BatchFlags

    func validate() throws {
        try Defaults.size.validate(size)
        try Defaults.iterations.validate(iterations)
        try Defaults.refine.validate(refine)
        if refine > 0 && method == .optimize { throw ValidationError("--refine refines the trained network's result: not with --method optimize") }
        try Defaults.strokeScale.validate(strokeScale)
    }

    func checkCommand() throws { _ = try PresetStore(extraDirectory: presetDir).find(preset) }

    func run() throws {
        Console.quiet = quiet
        Termination.catchSignals()
        let ranks = try scales.ranks()
        try RunRecord.run("apply", input: input, inputs: [input] + maskFlag.paths, output: destination, flags: batch, ranks: ranks) { try apply(&$0, ranks) }
    }

    private func apply(_ record: inout RunRecord, _ ranks: MPIRanks?) throws {
        inputFlags.apply()
        let located = try PresetStore(extraDirectory: presetDir).find(preset)
        let p = located.preset
        let presetFiles = [located.path, located.sidecarPath, located.networkPath] + (located.styleImagePath.map { [$0] } ?? [])
        try PathGuard.check(inputs: [input] + presetFiles + maskFlag.paths, outputs: [("-o", destination.output)],
                            directories: scales.workDir.map { [("--work-dir", $0)] } ?? [])
        try destination.check()
        let spool = try StandardInputSpool(if: input == "-")
        defer { spool?.remove() }
        let network = try weightsFlag.network(pooling: p.pooling)
        let photo = try PhotoInput(path: spool?.path ?? input)
        photo.warnings.forEach { Console.say("warning: \($0)") }
        let full = StyleJob.resultSize(width: photo.width, height: photo.height, longSide: size)
        var job = try StyleJob.preset(located, network: network, photo: photo, size: full, iterations: iterations,
                                      refinement: scales.refinement, method: method, refine: refine,
                                      strokeScale: strokeScale, paintingPalette: palette == .painting, memory: scales.memory.budget)
        let fast = job.fast, plan = job.plan
        job.mask = try maskFlag.mask(for: photo)
        job.note = { Console.say($0) }
        job.ranks = ranks
        record.ranks = ranks
        // Rank 0 alone keeps the work directory and writes; the others get what it resumes from.
        let writes = (ranks?.rank ?? 0) == 0
        job.workDirectory = !writes ? nil : try scales.workDirectory(scaleCount: fast == nil ? plan.steps.count : 1, output: destination.output,
                                                     identity: job.identity(inputs: [input] + presetFiles + maskFlag.paths))
        (record.width, record.height) = (full.width, full.height)
        let how = fast == nil ? plan.description
            : "its network (\(located.networkPath)) at " + StrokePyramid.sides(base: job.lookSide!, full: max(full.width, full.height)).map(String.init).joined(separator: ", ")
              + " px" + (job.palette != nil ? " in the painting's palette" : "") + (refine > 0 ? ", then \(refine) iterations at full size" : "")
        Console.say("preset \(p.name) (\(located.path)): \(full.width)×\(full.height), \(how)")
        record.last = try JobRunner.run(job) { if writes { try destination.save($0.image, like: $0.original, profile: outputProfile) } }
    }
}
extension StyleJob.Method: ExpressibleByArgument {}
