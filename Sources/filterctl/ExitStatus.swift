import ArgumentParser
import StyleFilter

/// filterctl's exit statuses: a contract for scripts and batch schedulers (README, "Exit status"),
/// so a job runner can tell a run worth retrying from one that will fail the same way again.
enum ExitStatus {
    /// Done, or left alone under --skip-existing because its output exists.
    static let done: Int32 = 0
    /// Anything the statuses below do not name; `batch`: at least one photo failed.
    static let failed: Int32 = 1
    /// The command line is wrong (a flag, a value, a name): fix the command.
    static let usage: Int32 = 64
    /// An input is not what it should be (missing, corrupt, truncated or too large an image, a
    /// malformed preset or mask): the same run fails again.
    static let badInput: Int32 = 65
    /// Reading or writing a file failed (permissions, a full disk): worth a retry once fixed.
    static let io: Int32 = 74
    /// The set-up: the VGG19 weights missing or not the expected file, OpenBLAS or Open MPI
    /// missing or refused as configured (OPENBLAS_CORETYPE): run filterctl fetch-weights or scripts/setup.
    static let setup: Int32 = 78
    /// 128 + N: stopped by signal N (130 for SIGINT, 143 for SIGTERM), finished scales kept for
    /// --resume.
    static func signal(_ number: Int32) -> Int32 { 128 + number }

    static func of(_ error: Error) -> Int32 {
        switch error {
        case let e as StyleFilterError:
            switch e {
            case .invalidArgument: return usage
            case .image, .input: return badInput
            case .io: return io
            case .weights, .setup: return setup
            case .cancelled: return failed
            }
        case let e as ExitCode: return e.rawValue
        default: return FilterCtl.exitCode(for: error).rawValue
        }
    }
}
