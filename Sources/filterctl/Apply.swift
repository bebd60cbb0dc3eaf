import ArgumentParser
import StyleFilter

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a photo with a saved preset.",
        discussion: """
            The preset's cached style statistics are used, so the style image is not needed once
            they exist; they are built (and cached) on first use otherwise.
            Example: filterctl apply --preset swirls photo.jpg -o out.png
            """)

    @Option(help: "Preset name (searched in --preset-dir, ./presets, $XDG_CONFIG_HOME/stylefilter/presets) or a path to its .json.")
    var preset: String

    @Argument(help: "The photo, or - for standard input.")
    var input: String

    @OptionGroup var destination: OutputFlags

    @Option(help: "Profile of the result: content (the photo's own embedded profile, CMYK kept in JPEG/TIFF) or srgb.")
    var outputProfile = OutputProfile.content

    @Option(help: "Long side of the result (default: the preset's final scale).")
    var size: Int?

    @Option(help: "Iterations at the final scale (default: the preset's).")
    var iterations: Int?

    @Option(help: "A directory searched before the default preset folders.")
    var presetDir: String?

    @Option(help: "Memory the run may use (e.g. 2G); scales too large for one pass are optimized in tiles that fit.")
    var maxMemory = "2G"

    @OptionGroup var weightsFlag: WeightsFlag

    @OptionGroup(title: "Input images")
    var inputFlags: InputFlags

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if let size, !Preset.sizeRange.contains(size) { throw ValidationError("--size must be 16 … 16384") }
        if let iterations, !Preset.iterationRange.contains(iterations) { throw ValidationError("--iterations must be 0 … 100000") }
        do { _ = try MemoryBudget(parsing: maxMemory) } catch { throw ValidationError("--max-memory: \(error)") }
    }

    func run() throws {
        inputFlags.apply()
        let located = try PresetStore(extraDirectory: presetDir).find(preset)
        let p = located.preset
        try PathGuard.check(inputs: [input, located.path, located.sidecarPath] + (located.styleImagePath.map { [$0] } ?? []),
                            outputs: [("-o", destination.output)])
        try destination.check()
        let schedule = p.schedule(size: size, iterations: iterations)
        let network = try weightsFlag.network(pooling: p.pooling)
        let photo = try ImageIO.loadPhoto(input) { w, h in StyleTransfer.contentSize(width: w, height: h, longSide: schedule.last!.size) }
        photo.warnings.forEach { Console.error("warning: \($0)") }
        let content = photo.colour
        let statistics = try located.styleStatistics(network: network, longSides: schedule.map { p.styleLongSide(forScaleSize: $0.size) }) {
            if !quiet { Console.error($0) }
        }
        let steps = try zip(schedule, statistics).map {
            ScaleStep(size: $0.size, options: try p.transferOptions(iterations: $0.iterations), style: $1)
        }
        if !quiet {
            let plan = schedule.map { "\($0.size) px × \($0.iterations)" }.joined(separator: " → ")
            Console.error("preset \(p.name) (\(located.path)): content \(content.width)×\(content.height), \(plan)")
        }
        let reporters = schedule.indices.map { i in
            var r = ProgressReporter(quiet: quiet)
            if schedule.count > 1 { r.prefix = "scale \(i + 1)/\(schedule.count) " }
            return r
        }
        let result = try CoarseToFine.run(network: network, size: (content.width, content.height), steps: steps, content: { w, h in
            try ImageIO.resize(content, width: w, height: h)
        }, memory: try MemoryBudget(parsing: maxMemory)) { event in
            if case .iteration(let scale, let progress, _) = event { reporters[scale].report(progress) }
            return true
        }
        try destination.save(result, like: photo, profile: outputProfile)
    }
}
