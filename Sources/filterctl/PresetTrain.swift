#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

extension PresetCommand {
    /// Trains a preset's feed-forward network (issue 21): the file NAME.network beside the preset,
    /// which later applies the style in one pass. Checkpoints let a stopped training resume.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a network that applies a preset's style in one pass (NAME.network beside the preset).",
            discussion: """
                Trains against the preset's own style statistics, layers and weights, on random crops of \
                the photos given. SIGINT or SIGTERM stops at the next step with a checkpoint \
                (NAME.network.checkpoint); --resume continues from it.
                Example: scripts/setup --for-training && filterctl preset train starry
                """)

        @Argument(help: "Preset name or path.", completion: Completions.presets)
        var name: String

        @Option(parsing: .upToNextOption, help: "Training photos: image files or directories of them (never the photos you will judge it on; default: \(TrainingPhotos.defaultDirectories.joined(separator: " and ")), installed by scripts/setup --for-training).", completion: Completions.file)
        var photos: [String] = []

        @Option(help: "Adam steps.")
        var steps = FeedForwardTraining.Options().steps

        @Option(help: "Side of the square crops (a multiple of 4).")
        var cropSize = FeedForwardTraining.Options().cropSize

        @Option(help: "Crops per step.")
        var batch = FeedForwardTraining.Options().batch

        @Option(help: "Adam's learning rate.")
        var learningRate = FeedForwardTraining.Options().learningRate

        @Option(help: "Multiplies the preset's content weight: more keeps more of the photo's structure.")
        var contentFactor = FeedForwardTraining.Options().contentFactor

        @Option(help: "Weight of the palette term: how closely the output's colours follow the distribution of the painting's own colours (0: not at all; needs the preset's painting).")
        var paletteWeight = FeedForwardTraining.Options().paletteWeight

        @Option(help: "Channels of the network's first layer (the next stages have 2× and 4×; default: \(FeedForwardNetwork.Shape().width)).")
        var width: Int?

        @Option(help: "Residual blocks (default: \(FeedForwardNetwork.Shape().residualBlocks)).")
        var blocks: Int?

        @Option(help: "Seed of the initial weights and of the crops (and of the sliced loss's directions).")
        var seed: UInt64 = 1

        @Option(help: "What the style layers compare: gram (the preset's Gram matrices), or sliced (the painting's feature distributions along random directions; needs the preset's painting).")
        var styleLoss = StyleLossKind.gram

        @Option(help: Defaults.projections.flagHelp)
        var projections: Int?

        @Option(help: "Begin from this network's weights instead of random ones (its shape too): fine-tuning, e.g. a shipped network on more photos. Adam starts afresh and --steps counts from 0.", completion: Completions.file)
        var startFrom: String?

        @Option(help: "Steps between checkpoints.")
        var checkpointEvery = 100

        @Option(help: "Write every step's losses here as JSON lines, as stylize --loss-log does (iteration is the step).", completion: Completions.file)
        var lossLog: String?

        @Option(help: "Draw the losses as an SVG chart here, as stylize --loss-plot does, at every checkpoint and at the end (a new file; with --resume: from the resumed step on).", completion: Completions.file)
        var lossPlot: String?

        @Flag(help: "Continue from the checkpoint a stopped training left.")
        var resume = false

        @Flag(help: "Replace the preset's network (NAME.network) if it has one, when the training ends.")
        var force = false

        @OptionGroup var location: Location

        @OptionGroup var weightsFlag: WeightsFlag

        func validate() throws {
            if photos.isEmpty && !TrainingPhotos.defaultDirectories.contains(where: Files.isDirectory) {
                throw ValidationError("no training photos: install the default ones with scripts/setup --for-training (\(TrainingPhotos.defaultDirectories.joined(separator: " and "))), or give --photos")
            }
            guard (1...1_000_000).contains(steps) else { throw ValidationError("--steps must be 1 … 1000000") }
            guard cropSize % FeedForwardNetwork.Shape.sizeMultiple == 0, (32...1024).contains(cropSize) else {
                throw ValidationError("--crop-size must be a multiple of 4, 32 … 1024")
            }
            guard (1...64).contains(batch) else { throw ValidationError("--batch must be 1 … 64") }
            guard learningRate.isFinite, learningRate > 0, learningRate < 1 else { throw ValidationError("--learning-rate must be > 0 and < 1") }
            guard contentFactor.isFinite, contentFactor > 0, contentFactor <= 1000 else { throw ValidationError("--content-factor must be > 0 and ≤ 1000") }
            guard paletteWeight.isFinite, paletteWeight >= 0, paletteWeight <= 1e9 else { throw ValidationError("--palette-weight must be 0 … 1e9") }
            if let width, !FeedForwardNetwork.Shape.widthRange.contains(width) { throw ValidationError("--width must be 1 … 64") }
            if let blocks, !FeedForwardNetwork.Shape.blockRange.contains(blocks) { throw ValidationError("--blocks must be 0 … 10") }
            // The network started from has its own shape; a different one asked for would be ignored.
            if startFrom != nil && (width != nil || blocks != nil) {
                throw ValidationError("--width and --blocks are the --start-from network's own: leave them out")
            }
            if let lossPlot, !lossPlot.lowercased().hasSuffix(".svg") { throw ValidationError("--loss-plot must name an .svg file") }
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be ≥ 1") }
            try Defaults.projections.validate(projections)
            if projections != nil && styleLoss != .sliced { throw ValidationError("--projections is for --style-loss sliced") }
        }

        /// A fine-tuned network keeps how the network it started from was trained, and that one's
        /// own lineage before it, oldest first: its `training` field alone would name only a file.
        static func lineage(from start: FeedForwardFile) -> [String: String] {
            ["lineage": ([start.fields["lineage"]].compactMap { $0 } + [start.fields["training"] ?? "untrained"]).joined(separator: " | ")]
        }

        /// Image files named directly, and those in the directories named (not recursing).
        func photoPaths() -> [String] {
            let images = ["jpg", "jpeg", "png", "tif", "tiff", "webp"]
            return (photos.isEmpty ? TrainingPhotos.defaultDirectories.filter(Files.isDirectory) : photos).flatMap { path -> [String] in
                guard Files.isDirectory(path) else { return [path] }
                return Files.list(path).sorted().filter { images.contains($0.split(separator: ".").last.map { $0.lowercased() } ?? "") }
                    .map { path + "/" + $0 }
            }
        }

        @Flag(name: .shortAndLong, help: "Print nothing but errors (no progress).")
        var quiet = false

        func run() throws {
            Console.quiet = quiet
            let located = try location.store.find(name)
            let preset = located.preset
            let output = located.networkPath
            try Files.checkWritableDirectory(of: output)
            // Checked before the training, not after it: a network (a shipped one, or one that took
            // an hour) is never replaced unasked.
            if Files.exists(output) && !force {
                throw ValidationError("\(output) exists: --force replaces it when the training ends")
            }
            let network = try weightsFlag.network(pooling: preset.pooling)
            var transfer = try preset.transferOptions(iterations: 0)
            transfer.styleLoss = styleLoss
            transfer.projections = projections
            transfer.seed = seed
            let last = preset.scales.last!.size, styleSide = preset.styleLongSide(forScaleSize: last)
            let style = styleLoss == .sliced ? try located.paintingStatistics(network: network, longSide: styleSide, options: transfer)
                : try located.styleStatistics(network: network, longSides: [styleSide]) { Console.error($0) }[0]
            let startNetwork = try startFrom.map { path in
                do { return try FeedForwardFile(decoding: try Files.read(path, limit: 1 << 30).get()) } catch {
                    throw ValidationError("--start-from \(path) is not a network StyleFilter can read (\(error))")
                }
            }
            let paths = photoPaths()
            // Photos shrunk so their long side is the preset's last scale's: crops see a photo at
            // the size the preset paints at, strokes and picture in the proportion it gives them.
            let sampler = try TrainingPhotos(paths: paths, longSide: last, cropSize: cropSize, seed: seed) { path, error in
                Console.error("skipped \(path): \(error)")
            }
            var options = FeedForwardTraining.Options()
            options.steps = steps
            options.cropSize = cropSize
            options.batch = batch
            options.learningRate = learningRate
            options.contentFactor = contentFactor
            options.paletteWeight = paletteWeight
            var shape = FeedForwardNetwork.Shape(width: width ?? FeedForwardNetwork.Shape().width,
                                                 residualBlocks: blocks ?? FeedForwardNetwork.Shape().residualBlocks)
            let fields = try located.networkFields().merging([
                "loss-weights": "\(contentFactor * transfer.contentWeight),\(transfer.styleWeight),\(transfer.tvWeight)",
                "training": "steps=\(steps) crop=\(cropSize) batch=\(batch) lr=\(learningRate) content-factor=\(contentFactor) seed=\(seed) photos=\(sampler.photos.count) size=\(last)"
                    + (styleLoss == .sliced ? " style-loss=sliced projections=\(projections.map(String.init) ?? "channels")" : "")
                    + (paletteWeight > 0 ? " palette=\(paletteWeight)" : "")
                    + (startFrom.map { " from=\(Files.basename($0))" } ?? ""),
            ]) { $1 }.merging(startNetwork.map { Self.lineage(from: $0) } ?? [:]) { $1 }
            let checkpoint = TrainingCheckpoint(network: output, fields: fields)
            let stopped = try checkpoint.stopped(resume: resume)
            // A training stopped before outputs were bounded continues as it began, linear.
            if let kind = stopped?.shape?.boundedOutput { shape.boundedOutput = kind }
            let training = try FeedForwardTraining(network: network, feedForward: startNetwork?.network() ?? FeedForwardNetwork(shape: shape, seed: seed),
                                                   style: style, transfer: transfer, options: options,
                                                   painting: paletteWeight > 0 ? try located.styleImage(longSide: styleSide).image : nil)
            if let stopped {
                try checkpoint.restore(stopped, into: training, photos: sampler)
                Console.say("resuming at step \(training.adam.steps) of \(steps)")
            }
            let log = try lossLog.map { try LossLog(path: $0, appending: resume) }
            // A plot is redrawn as training goes: never over a file this run did not make, also on
            // --resume (nothing tells an earlier run's plot from the user's own picture).
            if let lossPlot, Files.exists(lossPlot) {
                throw ValidationError("--loss-plot \(lossPlot) exists; it is never overwritten: choose another name")
            }
            var history = LossHistory()
            func plot() throws {
                guard let lossPlot, !history.records.isEmpty else { return }
                try Files.writeAtomically(lossPlot, Array(history.svg(title: "loss per training step").utf8))
            }
            Termination.catchSignals()
            let start = monotonicSeconds(), firstStep = training.adam.steps
            var lastLine = 0.0
            func keepResumable(_ why: String) -> ExitCode {
                Console.error(checkpoint.keep(training, photos: sampler, why: why))
                return ExitCode(Termination.signal.map { 128 + $0 } ?? ExitStatus.io)
            }
            var checkpointFailed = false
            do {
                try training.run(photos: sampler) { step, losses in
                    let seconds = monotonicSeconds() - start
                    history.append(iteration: step, seconds: seconds, losses: losses)
                    log?.append(history.records.last!)
                    if step % checkpointEvery == 0 {
                        do {
                            try checkpoint.write(training, photos: sampler)
                            if checkpointFailed { Console.error("checkpoint written again at step \(step)") }
                            checkpointFailed = false
                        } catch {
                            // Said once, not at every checkpoint; the training goes on and tries again.
                            if !checkpointFailed { Console.error("warning: cannot write the checkpoint at step \(step) (\(error)); the training goes on") }
                            checkpointFailed = true
                        }
                        try? plot()
                    }
                    if step == steps || seconds - lastLine >= 10 {
                        lastLine = seconds
                        let perStep = seconds / Double(step - firstStep)
                        Console.say("step \(step)/\(steps)  content \(Console.short(losses.content))  style \(Console.short(losses.style))"
                                    + "  \(Console.fixed(perStep, digits: 2)) s/step  ETA \(Console.seconds(perStep * Double(steps - step)))")
                    }
                    return Termination.signal == nil
                }
            } catch StyleFilterError.cancelled {
                try? plot()
                throw keepResumable("stopped by signal \(Termination.signal ?? 0) at step \(training.adam.steps)")
            }
            let finished = FeedForwardFile(network: training.feedForward, fields: fields).encoded()
            let written: String
            do {
                written = try write(finished, to: output)
            } catch {
                throw keepResumable("cannot write \(output) (\(error))")
            }
            try plot()
            checkpoint.remove()
            guard written == output else {
                Console.error("\(output) appeared while this training ran (another training of \(preset.name)?) and is kept; "
                              + "this training's network is \(written): move it over \(output) to use it")
                throw ExitCode(ExitStatus.failed)
            }
            print(output)
        }

        /// The finished network at `output`, replacing a network there only with --force: checked
        /// when the file is written, not only at the start, since two trainings of one preset race.
        /// The one that finds the name taken keeps its network beside it, at the first free
        /// `NAME.network.N`; returns where it went.
        func write(_ bytes: [UInt8], to output: String) throws -> String {
            if force {
                try Files.writeAtomically(output, bytes)
                return output
            }
            for n in 1...1000 {
                let path = n == 1 ? output : "\(output).\(n)"
                if try Files.writeExclusively(path, bytes) { return path }
            }
            throw StyleFilterError.io("\(output) and \(output).2 … .1000 all exist")
        }
    }
}

/// Training losses as JSON lines (stylize's --loss-log format), one per step, flushed as it goes
/// (a log of a stopped training is still whole up to its last line). A new log never replaces a
/// file; a resumed one appends.
final class LossLog {
    private let file: UnsafeMutablePointer<FILE>

    /// `appending` (a resumed training) appends only to a loss log, one whose first line is a
    /// record: never to a preset, a photo or any other file of that name.
    init(path: String, appending: Bool) throws {
        let append = appending && Files.exists(path)
        if append {
            guard Files.isRegularFile(path), let first = fopen(path, "r") else {
                throw StyleFilterError.invalidArgument("--loss-log \(path) is not a regular file: choose another name")
            }
            var line = [CChar](repeating: 0, count: 512)
            let read = fgets(&line, Int32(line.count), first) != nil
            fclose(first)
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard read, case .object(let fields)? = try? JSON.parse(text), fields.first?.key == "iteration" else {
                throw StyleFilterError.invalidArgument("--loss-log \(path) is not a training's loss log (its first line is not a record); "
                                                       + "it is never written to: choose another name")
            }
        }
        guard let f = fopen(path, append ? "a" : "wx") else {
            if errno == EEXIST { throw StyleFilterError.invalidArgument("--loss-log \(path) exists; it is never overwritten: choose another name") }
            throw StyleFilterError.io("cannot write \(path)")
        }
        file = f
    }

    deinit { fclose(file) }

    func append(_ record: LossHistory.Record) {
        fputs(LossHistory.jsonLine(record), file)
        fflush(file)
    }
}
