import ArgumentParser
import StyleFilter

struct PresetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preset",
        abstract: "Create, list, show and delete saved styles, and train their networks.",
        subcommands: [Create.self, List.self, Show.self, Delete.self, Paint.self, Train.self])

    struct Location: ParsableArguments {
        @Option(help: "A preset directory searched first (and where create writes).", completion: Completions.directory)
        var presetDir: String?

        var store: PresetStore { PresetStore(extraDirectory: presetDir) }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save a style and its settings as a preset, and cache its style statistics.",
            discussion: """
                Written to --preset-dir, or else $XDG_CONFIG_HOME/stylefilter/presets.
                Example: filterctl preset create starry --style starry_night.jpg --style-weight 1000
                """)

        @Argument(help: "Preset name: letters, digits, '.', '_' and '-'.")
        var name: String

        @Option(help: "The style image (stored as an absolute path).", completion: Completions.file)
        var style: String?

        @Option(help: "A procedural style painted by filterctl instead of an image: \(ProceduralStyle.allCases.map(\.rawValue).joined(separator: ", ")).")
        var procedural: String?

        @Option(help: "Seed of the procedural painting.")
        var seed: UInt32 = 0

        @Option(help: "One-line description.")
        var description = ""

        @Option(help: "The style's long side in pixels at the first scale.")
        var styleSize = Defaults.styleSize.value

        @Option(help: "Coarse-to-fine schedule: SIZE:ITERATIONS,… with sizes increasing.")
        var scales = "\(Defaults.baseSize.value):\(Defaults.iterations.value)"

        @OptionGroup(title: "Loss and optimizer")
        var loss: LossFlags

        @OptionGroup var location: Location

        @OptionGroup var weightsFlag: WeightsFlag

        @OptionGroup(title: "Input images")
        var inputFlags: InputFlags

        @Flag(help: "Replace an existing preset of that name.")
        var force = false

        func validate() throws {
            try loss.requireGram("preset create")
            guard (style == nil) != (procedural == nil) else { throw ValidationError("give exactly one of --style or --procedural") }
            if style == "-" { throw ValidationError("--style: a preset keeps its style image by path, so it cannot be standard input; save it to a file first") }
            if let procedural, ProceduralStyle(rawValue: procedural) == nil {
                throw ValidationError("--procedural must be one of \(ProceduralStyle.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try Defaults.styleSize.validate(styleSize)
        }

        /// "512:300,1024:100".
        static func parseScales(_ text: String) throws -> [Scale] {
            let scales = try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let size = Int(parts[0]), let iterations = Int(parts[1]),
                      Defaults.size.range.contains(size), Defaults.iterations.range.contains(iterations) else {
                    throw ValidationError("--scales: '\(item)' is not SIZE:ITERATIONS (size \(Defaults.size.rangeText), iterations \(Defaults.iterations.rangeText))")
                }
                return Scale(size: size, iterations: iterations)
            }
            guard zip(scales, scales.dropFirst()).allSatisfy({ $0.size < $1.size }) else {
                throw ValidationError("--scales: sizes must increase")
            }
            return scales
        }

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            Console.quiet = quiet
            inputFlags.apply()
            var o = TransferOptions()
            try loss.apply(to: &o)
            let source: Preset.StyleSource
            if let style {
                // Checked now, not at the first apply: a preset with an unreadable style is no preset.
                _ = try ImageIO.load(style) { w, h in StyleTransfer.contentSize(width: w, height: h, longSide: 64) }
                source = .image(Files.absolute(style))
            } else {
                source = .procedural(ProceduralStyle(rawValue: procedural!)!, seed: UInt64(seed))
            }
            var preset = Preset(name: name, style: source)
            preset.description = description
            preset.styleSize = styleSize
            preset.contentLayers = o.contentLayers
            preset.styleLayers = o.styleLayers
            preset.contentWeight = o.contentWeight
            preset.styleWeight = o.styleWeight
            preset.tvWeight = o.tvWeight
            preset.optimizer = o.optimizer
            preset.learningRate = o.learningRate
            preset.pooling = loss.pooling
            preset.scales = try Self.parseScales(scales)
            // Round-trip through the strict reader so create never writes what apply would refuse:
            // what it refuses here came from the command line.
            do {
                _ = try Preset(json: preset.json.formatted(), origin: "preset \(name)")
            } catch StyleFilterError.input(let message) {
                throw StyleFilterError.invalidArgument(message)
            }
            let network = try weightsFlag.network(pooling: preset.pooling)
            let located = try PresetStore.save(preset, in: location.presetDir ?? PresetStore.userDirectory(), replace: force)
            do {
                _ = try located.styleStatistics(network: network, longSides: preset.scales.map { preset.styleLongSide(forScaleSize: $0.size) }) {
                    Console.error($0)
                }
            } catch {
                // A preset whose statistics cannot be made is no preset: this run's file goes.
                _ = try? PresetStore.delete(located)
                throw error
            }
            print(located.path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the presets on the search path: name, description, file, statistics cached or not, trained network or not.")

        @OptionGroup var location: Location

        func run() throws {
            var failed = false
            let entries = location.store.list()
            if entries.isEmpty { Console.say("no presets in \(location.store.directories.joined(separator: ", "))") }
            for entry in entries {
                switch entry {
                case .success(let located):
                    let cached = Files.exists(located.sidecarPath) ? "cached" : "not cached"
                    let network = Files.exists(located.networkPath) ? "network" : "no network"
                    print("\(located.preset.name)\t\(located.preset.description)\t\(located.path)\t\(cached)\t\(network)")
                case .failure(let error):
                    Console.error("skipped: \(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a preset's file, its location, its cache and its trained network.")

        @Argument(help: "Preset name or path.", completion: Completions.presets)
        var name: String

        @OptionGroup var location: Location

        @Flag(help: "Print one JSON object (the preset under \"preset\", with \"path\", \"styleImage\", \"cache\" and \"network\"), for jq and scripts.")
        var json = false

        func run() throws {
            let located = try location.store.find(name)
            if json {
                let existing = { (path: String) -> JSON in Files.exists(path) ? .string(path) : .null }
                print(JSON.object([("path", .string(located.path)), ("styleImage", located.styleImagePath.map { .string($0) } ?? .null),
                                   ("cache", existing(located.sidecarPath)), ("network", existing(located.networkPath)),
                                   ("preset", located.preset.json)]).formatted())
                return
            }
            print("# \(located.path)")
            if let image = located.styleImagePath {
                print("# style image: \(image)\(Files.exists(image) ? "" : " (missing)")")
            }
            print("# statistics cache: \(located.sidecarPath)\(Files.exists(located.sidecarPath) ? "" : " (not built yet)")")
            print("# trained network: " + (Files.exists(located.networkPath) ? located.networkPath
                                           : "none (filterctl preset train \(located.preset.name) makes one)"))
            print(located.preset.json.formatted())
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a preset and its cached statistics.")

        @Argument(help: "Preset name or path.", completion: Completions.presets)
        var name: String

        @OptionGroup var location: Location

        func run() throws {
            let located = try location.store.find(name)
            for path in try PresetStore.delete(located) { Console.say("deleted \(path)") }
        }
    }

    struct Paint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one of the procedural style paintings as an image, to look at or edit.")

        @Argument(help: "A painter (\(ProceduralStyle.allCases.map(\.rawValue).joined(separator: ", "))) or a preset painted by one (ink).", completion: Completions.painters)
        var painter: String

        @OptionGroup var destination: OutputFlags

        @OptionGroup var location: Location

        @Option(help: "Width and height in pixels.")
        var size = Defaults.baseSize.value

        @Option(help: "Seed of the painting (default: the preset's, else 0).")
        var seed: UInt32?

        func validate() throws {
            try Defaults.size.validate(size)
        }

        /// The painter and seed: a painter's own name, or what a procedural preset names.
        func source() throws -> (ProceduralStyle, UInt64) {
            if let style = ProceduralStyle(rawValue: painter) { return (style, UInt64(seed ?? 0)) }
            let painters = ProceduralStyle.allCases.map(\.rawValue).joined(separator: ", ")
            let located: LocatedPreset
            do {
                located = try location.store.find(painter)
            } catch {
                // A preset of that name that does not load says why; no preset at all says what else works.
                throw ValidationError("\(painter) is not a painter (\(painters)), and as a preset: \(error)")
            }
            guard case .procedural(let style, let presetSeed) = located.preset.style else {
                throw ValidationError("preset \(painter) is made from an image (\(located.styleImagePath ?? "?")), not a painter")
            }
            return (style, seed.map(UInt64.init) ?? presetSeed)
        }

        func run() throws {
            let (style, seed) = try source()
            try destination.check()
            try destination.save(style.paint(width: size, height: size, seed: seed))
        }
    }
}
