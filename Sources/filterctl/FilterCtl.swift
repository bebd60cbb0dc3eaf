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
        subcommands: [Stylize.self, Apply.self, Batch.self, PresetCommand.self, Frames.self, Grid.self, Serve.self, Info.self, Bench.self, FetchWeights.self])

    /// In a pipeline the reader may go away: with SIGPIPE ignored, a closed stderr only silences
    /// progress, and a closed stdout becomes a write error with a message and an exit status,
    /// instead of the process dying mid-run.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // filterctl is the application: it, not the library, sets the process-wide threads and
        // caches (a failure to start libvips is reported by the command that needs it).
        try? StyleFilter.configureProcessForStyleTransfer()
        do {
            var command = try parseAsRoot()
            try command.run()
            MPIRanks.finish()
        } catch {
            // One failed rank ends them all (MPI_Abort), or the others would wait for it for ever.
            if let ranks = MPIRanks.started, ranks.size > 1 {
                // An ExitCode was reported where it was thrown (a signal's stop).
                if !(error is ExitCode) {
                    Console.error("Error: rank \(ranks.rank): \((error as? StyleFilterError)?.description ?? message(for: error))")
                }
                MPIRanks.abortAll(ExitStatus.of(error))
            }
            if let error = error as? StyleFilterError {
                Console.error("Error: \(error)")
                Glibc.exit(ExitStatus.of(error))
            }
            exit(withError: error)
        }
    }
}
