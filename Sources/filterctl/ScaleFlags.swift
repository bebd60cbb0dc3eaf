import ArgumentParser
import StyleFilter

/// Coarse-to-fine, memory and resuming: how `stylize` and `apply` get to a large result.
struct ScaleFlags: ParsableArguments {
    @OptionGroup var refine: RefineFlags

    @OptionGroup var memory: MemoryFlag

    @Option(help: "Where finished scales are kept until the run ends (default: OUTPUT.work).", completion: Completions.directory)
    var workDir: String?

    @Flag(help: "Continue an interrupted run from its work directory, skipping the scales it finished.")
    var resume = false

    @Flag(help: "Resume when the work directory holds this run's finished scales, else start afresh (for batches and retries).")
    var resumeIfAny = false

    @Flag(help: "Under mpirun: divide each tiled scale's windows between the ranks (Open MPI; every rank reads the inputs, rank 0 writes).")
    var mpi = false

    func validate() throws {
        if resume, resumeIfAny { throw ValidationError("--resume and --resume-if-any: give one") }
    }

    var refinement: JobPlan.Refinement { refine.refinement }

    /// The MPI ranks with --mpi. Without it, a process that mpirun started beside others is
    /// refused: each would run the whole job and write the same file.
    func ranks() throws -> MPIRanks? {
        guard mpi else {
            if MPIRanks.launchedWithOthers { throw ValidationError("started by mpirun or srun with \(MPIRanks.launched - 1) other tasks: add --mpi to divide the work between them") }
            return nil
        }
        let ranks = try MPIRanks.start()
        // Progress, notes and the end-of-run line are rank 0's; errors are every rank's.
        if ranks.rank != 0 { Console.quiet = true }
        return ranks
    }

    /// Where finished scales wait for a resumed run: only runs of more than one scale have one.
    /// `identity` is what must be the same for a run to be resumed.
    func workDirectory(scaleCount: Int, output: String, identity: String) throws -> WorkDirectory? {
        guard scaleCount > 1 else {
            if resume { throw ValidationError("--resume: this run has one scale, so there is nothing to resume") }
            return nil
        }
        let base = Files.basename(output), fitted = Files.fitting(base, beside: ".work".utf8.count)
        let named = fitted == base ? output + ".work" : Files.directory(of: output) + "/" + fitted + ".work"
        guard let path = workDir ?? (output == "-" ? nil : named) else {
            if resume { throw ValidationError("--resume needs --work-dir when writing to standard output") }
            return nil
        }
        let resumable = resumeIfAny && WorkDirectory.holds(path, identity: identity)
        return try WorkDirectory(path: path, identity: identity, resume: resume || resumable)
    }
}
