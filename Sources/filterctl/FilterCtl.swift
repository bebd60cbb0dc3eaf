import ArgumentParser
import StyleFilter

@main
struct FilterCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filterctl",
        abstract: "Neural style transfer (Gatys et al.) as an image filter.",
        version: StyleFilter.version,
        subcommands: [Stylize.self, Apply.self, PresetCommand.self, Frames.self, Grid.self, Serve.self, Info.self, Bench.self])
}
