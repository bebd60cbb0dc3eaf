import ArgumentParser
import StyleFilter

/// Coarse-to-fine, memory and resuming: how `stylize` and `apply` get to a large result.
struct ScaleFlags: ParsableArguments {
    @Option(help: "Long side of the scale the composition is made at, optimized fully; larger results are refined from it (default: 512; apply composes at the preset's last scale instead).")
    var baseSize: Int?

    @OptionGroup var refine: RefineFlags

    @OptionGroup var memory: MemoryFlag

    @Option(help: "Where finished scales are kept until the run ends (default: OUTPUT.work).")
    var workDir: String?

    @Flag(help: "Continue an interrupted run from its work directory, skipping the scales it finished.")
    var resume = false

    func validate() throws {
        if let baseSize, !Preset.sizeRange.contains(baseSize) { throw ValidationError("--base-size must be 16 … 16384") }
    }

    var refinement: JobPlan.Refinement { refine.refinement }

    /// The plan up to `finalSize` from one base scale with `base`'s iterations.
    func plan(finalSize: Int, base: TransferOptions) -> JobPlan {
        JobPlan(finalSize: finalSize, base: [Scale(size: baseSize ?? 512, iterations: base.iterations)], options: base, refinement: refinement)
    }

    /// Where finished scales wait for a resumed run: only runs of more than one scale have one.
    /// `identity` is what must be the same for a run to be resumed.
    func workDirectory(scaleCount: Int, output: String, identity: String) throws -> WorkDirectory? {
        guard scaleCount > 1 else {
            if resume { throw ValidationError("--resume: this run has one scale, so there is nothing to resume") }
            return nil
        }
        guard let path = workDir ?? (output == "-" ? nil : output + ".work") else {
            if resume { throw ValidationError("--resume needs --work-dir when writing to standard output") }
            return nil
        }
        return try WorkDirectory(path: path, identity: identity, resume: resume)
    }

    /// The run's identity: its arguments and the inputs' sizes and times, so a changed input is not resumed.
    static func identity(inputs: [String]) -> String {
        let arguments = CommandLine.arguments.dropFirst().filter { $0 != "--resume" }
        return (arguments + inputs.map { Files.describe($0) }).joined(separator: "\n")
    }
}
