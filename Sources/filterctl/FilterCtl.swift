#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

@main
struct FilterCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filterctl",
        abstract: "Neural style transfer (Gatys et al.) as an image filter.",
        version: StyleFilter.version,
        subcommands: [Stylize.self, Apply.self, PresetCommand.self, Frames.self, Grid.self, Serve.self, Info.self, Bench.self])

    /// In a pipeline the reader may go away: with SIGPIPE ignored, a closed stderr only silences
    /// progress, and a closed stdout becomes a write error with a message and exit status 1,
    /// instead of the process dying mid-run.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // filterctl is the application: it, not the library, sets the process-wide threads and
        // caches (a failure to start libvips is reported by the command that needs it).
        try? StyleFilter.configureProcessForStyleTransfer()
        main(nil)
    }
}
