import ArgumentParser
import StyleFilter

struct Grid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep one or two settings and write one labelled contact sheet.",
        discussion: """
            Each --vary is NAME=V1,V2,…; the first sweeps columns, the second rows. NAME is one of
            \(Sweep.parameters.joined(separator: ", ")). Layer lists contain commas, so separate
            their values with ';' (style-layers=relu1_1;relu1_1,relu2_1,relu3_1).
            Example: filterctl grid photo.jpg starry_night.jpg -o sheet.png --size 192 --iterations 100 \\
                       --vary style-weight=50,500,5000 --vary init=content,blend:0.5
            """)

    @Argument(help: "The photo (content image).", completion: Completions.file)
    var content: String

    @Argument(help: "The painting (style image).")
    var styleImage: String

    @OptionGroup var destination: OutputFlags

    @Option(help: "NAME=V1,V2,…: a setting to sweep (once for columns, twice for rows too).")
    var vary: [String] = []

    @OptionGroup(title: "Run")
    var common: RunFlags

    @OptionGroup(title: "Style images (--style adds more to blend with STYLE)")
    var style: StyleFlags

    @OptionGroup(title: "Loss and optimizer")
    var loss: LossFlags

    @OptionGroup var memory: MemoryFlag

    func validate() throws {
        guard (1...2).contains(vary.count) else { throw ValidationError("give one or two --vary NAME=V1,V2,…") }
        let sweeps = try vary.map(Sweep.init)
        guard sweeps.map(\.values.count).reduce(1, *) <= 64 else { throw ValidationError("at most 64 cells") }
        _ = try style.weighted([styleImage] + style.styles)
    }

    func run() throws {
        Console.quiet = common.quiet
        common.inputFlags.apply()
        let sweeps = try vary.map(Sweep.init)
        try PathGuard.check(inputs: [content, styleImage] + style.styles + common.initPaths, outputs: [("-o", destination.output)])
        try destination.check()
        let network = try common.network(pooling: loss.pooling)
        let photo = try PhotoInput(path: content)
        let size = StyleJob.resultSize(width: photo.width, height: photo.height, longSide: common.sizeOrDefault)
        let columns = sweeps[0].values
        let rows: [String?] = sweeps.count > 1 ? sweeps[1].values : [nil]
        var cells: [(image: RGBImage, caption: String)] = []
        for row in rows {
            for column in columns {
                var cell = Sweep.Cell(options: try common.base(loss), initialization: common.`init`, styleScale: style.styleScale)
                var caption = [try sweeps[0].apply(column, to: &cell)]
                if let row { caption.append(try sweeps[1].apply(row, to: &cell)) }
                try cell.options.validate()
                cell.options.initialization = try common.initialization(cell.initialization, width: size.width, height: size.height)
                var cellStyle = style
                cellStyle.styleScale = cell.styleScale
                // One scale at the cell's size.
                let job = try StyleJob.style(try cellStyle.input([styleImage] + style.styles), network: network, photo: photo, size: size,
                                             options: cell.options, baseSize: max(size.width, size.height), memory: memory.budget)
                var reporter = ProgressReporter()
                reporter.prefix = "cell \(cells.count + 1)/\(columns.count * rows.count) "
                try JobRunner.run(job, progress: { if case .iteration(_, let p, _) = $0 { reporter.report(p) } }) {
                    cells.append(($0.image.rounded, caption.joined(separator: ", ")))
                }
            }
        }
        let title = "\(Files.basename(content)) × \(Files.basename(styleImage)), \(size.width)×\(size.height), \(common.iterations) iterations"
        let sheet = try ImageIO.contactSheet(cells, across: columns.count, title: title)
        try destination.save(sheet)
    }
}

/// One swept setting: its name and the values it takes.
struct Sweep {
    static let parameters = ["content-weight", "style-weight", "tv-weight", "style-scale", "init", "style-layers",
                             "content-layers", "iterations", "optimizer"]

    /// What a sweep may change in a cell.
    struct Cell {
        var options: TransferOptions
        var initialization: String?
        var styleScale: Double
    }

    let name: String
    let values: [String]

    init(_ text: String) throws {
        guard let eq = text.firstIndex(of: "=") else { throw ValidationError("--vary \(text): expected NAME=V1,V2,…") }
        name = String(text[..<eq])
        guard Sweep.parameters.contains(name) else {
            throw ValidationError("--vary \(name): can sweep \(Sweep.parameters.joined(separator: ", "))")
        }
        let list = text[text.index(after: eq)...]
        let separator: Character = name.hasSuffix("-layers") ? ";" : ","
        values = list.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        guard !values.isEmpty, !values.contains(where: \.isEmpty) else { throw ValidationError("--vary \(text): empty value") }
        var probe = Cell(options: TransferOptions(), initialization: nil, styleScale: Defaults.styleScale.value)
        for value in values { _ = try apply(value, to: &probe) }
    }

    /// Sets the value in the cell; returns its caption ("style-weight=500").
    func apply(_ value: String, to cell: inout Cell) throws -> String {
        func parsed<V>(_ setting: Setting<V>, _ parse: (String) -> V?) throws -> V {
            guard let v = parse(value) else { throw ValidationError("--vary \(name): '\(value)' is not a number") }
            guard setting.range.contains(v) else { throw ValidationError("--vary \(name): \(value) is not \(setting.rangeText)") }
            return v
        }
        switch name {
        case "content-weight": cell.options.contentWeight = try parsed(Defaults.contentWeight) { Float($0) }
        case "style-weight": cell.options.styleWeight = try parsed(Defaults.styleWeight) { Float($0) }
        case "tv-weight": cell.options.tvWeight = try parsed(Defaults.tvWeight) { Float($0) }
        case "style-scale": cell.styleScale = try parsed(Defaults.styleScale) { Double($0) }
        case "init":
            if value.hasPrefix("blend:") { _ = try RunFlags.parseBlend(value) }
            cell.initialization = value
        case "style-layers": cell.options.styleLayers = try LayerWeight.parseList(value)
        case "content-layers": cell.options.contentLayers = try LayerWeight.parseList(value)
        case "iterations": cell.options.iterations = try parsed(Defaults.iterations) { Int($0) }
        case "optimizer":
            guard let kind = OptimizerKind(rawValue: value) else { throw ValidationError("--vary optimizer: lbfgs or adam") }
            cell.options.optimizer = kind
        default: preconditionFailure("checked in init")
        }
        return "\(name)=\(value)"
    }
}
