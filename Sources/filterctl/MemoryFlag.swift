import ArgumentParser
import StyleFilter

/// The memory budget of a run: every command that optimizes takes it.
struct MemoryFlag: ParsableArguments {
    @Option(help: Defaults.maxMemory.flagHelp)
    var maxMemory = Self.gibibytes(Defaults.maxMemory.value)

    func validate() throws {
        let bytes: Int
        do { bytes = try MemoryBudget(parsing: maxMemory).bytes } catch { throw ValidationError("--max-memory: \(error)") }
        let range = Defaults.maxMemory.range
        guard range.contains(bytes) else {
            throw ValidationError("--max-memory must be \(Self.gibibytes(range.lowerBound)) … \(Self.gibibytes(range.upperBound)) "
                                  + "(the network alone takes 800 MiB)")
        }
    }

    /// Validated by ArgumentParser before any command runs.
    var budget: MemoryBudget { (try? MemoryBudget(parsing: maxMemory)) ?? MemoryBudget(bytes: Defaults.maxMemory.value) }

    /// "2G"
    static func gibibytes(_ bytes: Int) -> String { "\(bytes >> 30)G" }
}
