#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

struct Frames: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a sequence of frames, each starting from the previous result for temporal stability.",
        discussion: """
            INPUT is a directory (its image files in name order) or a quoted glob ('clip/*.png').
            Each stylized frame is written to OUT_DIR under its own name (suffix from --frame-format).
            Example: filterctl frames clip/ -o styled/ --style starry_night.jpg --size 384 --animation styled.gif
            """)

    @Argument(help: "A directory of frames or a glob pattern.", completion: Completions.file)
    var input: String

    @Option(name: .shortAndLong, help: "Directory for the stylized frames (created if missing).", completion: Completions.directory)
    var output: String

    @Option(help: "Iterations for frames after the first (default: half of --iterations).")
    var frameIterations: Int?

    @Option(help: "Suffix of the written frames.")
    var frameFormat = "png"

    @Option(help: "Also write the frames as a looping animation (.gif or .webp).")
    var animation: String?

    @Option(help: "Milliseconds per frame in the animation.")
    var delay = 100

    @OptionGroup(title: "Run")
    var common: RunFlags

    @OptionGroup(title: "Style images")
    var style: StyleFlags

    @OptionGroup(title: "Loss and optimizer")
    var loss: LossFlags

    @OptionGroup var memory: MemoryFlag

    func validate() throws {
        guard !style.styles.isEmpty else { throw ValidationError("give at least one --style image") }
        _ = try style.weighted(style.styles)
        try Defaults.iterations.validate(frameIterations, flag: "--frame-iterations")
        guard (10...10_000).contains(delay) else { throw ValidationError("--delay must be 10 … 10000 ms") }
        guard !frameFormat.isEmpty, frameFormat.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw ValidationError("--frame-format is a suffix such as png, jpg or webp")
        }
    }

    /// The frame files in order: a directory's image files by name, or a glob's matches.
    static func frameFiles(_ input: String) throws -> [String] {
        var files: [String] = []
        if input.contains(where: { "*?[".contains($0) }) {
            var matches = glob_t()
            defer { globfree(&matches) }
            if glob(input, 0, nil, &matches) == 0 {
                for i in 0..<Int(matches.gl_pathc) {
                    if let p = matches.gl_pathv[i] { files.append(String(cString: p)) }
                }
            }
        } else {
            guard Files.isDirectory(input) else { throw ValidationError("\(input) is neither a directory nor a glob pattern") }
            let suffixes = ["png", "jpg", "jpeg", "tif", "tiff", "webp", "gif", "ppm", "pgm", "pnm", "heic", "avif", "jxl"]
            files = Files.list(input).filter { name in
                !name.hasPrefix(".") && suffixes.contains(where: { name.lowercased().hasSuffix("." + $0) })
            }.map { (input.hasSuffix("/") ? input : input + "/") + $0 }
        }
        files = files.filter { Files.isRegularFile($0) }.sorted()
        guard !files.isEmpty else { throw ValidationError("no frames found in \(input)") }
        var stems = Set<String>()
        for file in files where !stems.insert(stem(file)).inserted {
            throw ValidationError("two frames are named \(stem(file)).*: their results would overwrite each other")
        }
        return files
    }

    /// "clip/0001.png" → "0001": the result's name without the suffix.
    static func stem(_ path: String) -> String {
        let name = Files.basename(path)
        // A name whose only dot leads (".png", a hidden file) has no suffix: it is all stem.
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    func run() throws {
        Console.quiet = common.quiet
        common.inputFlags.apply()
        let files = try Self.frameFiles(input)
        try PathGuard.check(inputs: files + style.styles + common.initPaths,
                            outputs: files.map { ("-o", "\(output)/\(Self.stem($0)).\(frameFormat)") } + (animation.map { [("--animation", $0)] } ?? []))
        if let animation { try ImageIO.checkWritable(animation, format: nil) }
        var options = try common.base(loss)
        let network = try common.network(pooling: loss.pooling)
        // Created only once the run can start, so a bad flag or missing weights leave no folder.
        try Files.makeDirectories(output)
        try ImageIO.checkWritable(output + "/frame." + frameFormat, format: nil)
        let laterIterations = frameIterations ?? max(1, common.iterations / 2)

        var statistics: StyleStatistics?
        var previous: RGBImage?
        var animationFrames: [RGBImage] = []
        for (index, file) in files.enumerated() {
            let photo = try PhotoInput(path: file)
            let size = StyleJob.resultSize(width: photo.width, height: photo.height, longSide: common.sizeOrDefault)
            if let first = previous, first.width != size.width || first.height != size.height {
                throw StyleFilterError.invalidArgument("\(file) is \(size.width)×\(size.height) at this size, the frame before \(first.width)×\(first.height): frames must share one size")
            }
            if statistics == nil {
                // Every frame has the same size, so the style statistics are computed once.
                statistics = try style.input(style.styles).statistics(network: network, width: size.width, height: size.height,
                                                        layers: options.activeStyleLayers) { Console.say("warning: \($0)") }
            }
            if let previous {
                options.initialization = .image(previous)
                options.iterations = laterIterations
            } else {
                options.initialization = try common.initialization(common.`init`, width: size.width, height: size.height)
            }
            // One scale at the frame's size, the statistics shared.
            let job = try StyleJob.style(.statistics(statistics!), network: network, photo: photo, size: size, options: options,
                                         baseSize: max(size.width, size.height), memory: memory.budget)
            var reporter = ProgressReporter()
            reporter.prefix = "frame \(index + 1)/\(files.count) "
            var painted: RGBImage?
            try JobRunner.run(job, progress: { if case .iteration(_, let p, _) = $0 { reporter.report(p) } }) { painted = $0.image.rounded }
            guard let result = painted else { throw StyleFilterError.cancelled }
            try ImageIO.save(result, to: "\(output)/\(Self.stem(file)).\(frameFormat)")
            previous = result
            if animation != nil { animationFrames.append(result) }
        }
        if let animation {
            try ImageIO.saveAnimation(animationFrames, to: animation, delayMilliseconds: delay)
            Console.say("wrote \(animation) (\(animationFrames.count) frames)")
        }
    }
}
