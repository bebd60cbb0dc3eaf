import ArgumentParser
import StyleFilter

/// The memory budget of a run: every command that optimizes takes it.
struct MemoryFlag: ParsableArguments {
    @Option(help: "Memory the run may use (e.g. 2G, 1500M); images too large for one pass are optimized in tiles that fit.")
    var maxMemory = "2G"

    func validate() throws {
        do { _ = try MemoryBudget(parsing: maxMemory) } catch { throw ValidationError("--max-memory: \(error)") }
    }

    var budget: MemoryBudget { try! MemoryBudget(parsing: maxMemory) }
}
