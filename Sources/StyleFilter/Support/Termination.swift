import CShim

/// SIGINT and SIGTERM as a flag a long run polls (the command-line tool turns it on; a host
/// program loading the library keeps its own signal handling).
public enum Termination {
    public static func catchSignals() { sf_catch_termination() }

    /// The signal that asked the run to stop, or nil.
    public static var signal: Int32? {
        let s = sf_termination_signal()
        return s == 0 ? nil : s
    }
}
