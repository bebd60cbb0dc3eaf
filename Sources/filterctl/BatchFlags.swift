#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

/// What a batch (GNU parallel, a Slurm array, `filterctl batch`) needs of one run of `stylize` or
/// `apply`: a finished photo is not redone, and every run ends with a line a script can read.
struct BatchFlags: ParsableArguments {
    @Flag(help: "If OUTPUT exists, leave it alone and exit 0 at once (outputs are written whole or not at all, so an existing one is complete).")
    var skipExisting = false

    @Flag(help: "When the run ends (done, skipped, failed or stopped), print one JSON line on standard output: status, exit code, input, output, size, seconds, peak memory, last losses.")
    var json = false
}

/// One run's end-of-run record: what `--json` prints.
struct RunRecord {
    let command: String
    let input: String?
    let output: String
    var width: Int?
    var height: Int?
    /// The last scale's last iteration: its losses, and the scale's iterations and seconds.
    var last: TransferProgress?
    var ranks: MPIRanks?

    /// Runs `body` unless --skip-existing finds the output; with --json, prints the record however
    /// the run ends, then passes the error on. With `ranks`, rank 0 decides the skip and alone
    /// prints the line.
    /// `inputs` are the files named on the command line, guarded against being the output before
    /// anything else, a skip included.
    static func run(_ command: String, input: String?, inputs: [String], output: OutputFlags, flags: BatchFlags, ranks: RankGroup? = nil,
                    body: (inout RunRecord) throws -> Void) throws {
        if flags.json, output.output == "-" {
            throw ValidationError("--json prints on standard output, where -o \(output.outputArgument) writes the image: give a file name")
        }
        var flags = flags
        if let ranks, ranks.rank != 0 { flags.json = false }
        var record = RunRecord(command: command, input: input, output: output.output)
        Console.resetPeakMemory()
        let start = monotonicSeconds()
        let path = ImageIO.fileName(output.output)
        var skip = false
        if flags.skipExisting && output.output != "-" {
            try PathGuard.check(inputs: inputs, outputs: [("-o", output.output)])
            // Outputs are written whole or not at all, so an image that decodes is a finished
            // result. Any other file there is not, and --skip-existing promised to leave it alone.
            skip = ImageIO.decodesWhole(path)
            if !skip && Files.exists(path) {
                try record.fail(StyleFilterError.io("\(path) exists and is not a whole image (empty, damaged or another kind of file): "
                                                    + "--skip-existing leaves it alone; remove it to run"), json: flags.json, since: start)
            }
        }
        if let ranks { skip = ranks.agree(skip ? 1 : 0) == 1 }
        if skip {
            Console.say("skipped: \(path) exists (--skip-existing)")
            if flags.json { record.print(status: "skipped", exit: ExitStatus.done, seconds: 0) }
            return
        }
        do {
            try body(&record)
        } catch {
            try record.fail(error, json: flags.json, since: start)
        }
        if flags.json { record.print(status: "done", exit: ExitStatus.done, seconds: monotonicSeconds() - start) }
    }

    /// With --json, the record of a run that ended in `error`; then the error, passed on.
    func fail(_ error: Error, json: Bool, since start: Double) throws -> Never {
        if json {
            let exit = ExitStatus.of(error)
            let stopped = exit > 128 || StyleFilterError.cancelled == (error as? StyleFilterError)
            print(status: stopped ? "stopped" : "failed", exit: exit, seconds: monotonicSeconds() - start,
                  error: (error as? StyleFilterError)?.description ?? FilterCtl.message(for: error))
        }
        throw error
    }

    func print(status: String, exit: Int32, seconds: Double, error: String? = nil) {
        var fields: [(key: String, value: JSON)] = [("status", .string(status)), ("exit", .number(Double(exit))),
                                                     ("command", .string(command))]
        if let input { fields.append(("input", .string(input))) }
        fields.append(("output", .string(output)))
        if let width, let height { fields += [("width", .number(Double(width))), ("height", .number(Double(height)))] }
        fields += [("seconds", .number((seconds * 10).rounded() / 10)),
                   ("peak_mib", .number(Console.peakMemoryMiB().rounded()))]
        if let last {
            let losses = last.losses
            fields += [("content_loss", .number(losses.content)), ("style_loss", .number(losses.style)),
                       ("tv_loss", .number(losses.totalVariation)), ("total_loss", .number(losses.total)),
                       ("last_scale_iterations", .number(Double(last.iteration))),
                       ("last_scale_seconds", .number((last.seconds * 10).rounded() / 10))]
        }
        if let ranks {
            fields += [("ranks", .number(Double(ranks.size))), ("bytes_summed", .number(Double(ranks.bytesSummed)))]
        }
        if let error { fields.append(("error", .string(error))) }
        Swift.print(JSON.object(fields).compact)
        fflush(nil)
    }
}
