/// Every failure the library reports: one line a user can act on.
public enum StyleFilterError: Error, CustomStringConvertible, Equatable {
    case weights(String)
    case image(String)
    /// An input other than an image is not what it should be: a preset, a trained network, a
    /// checkpoint, a mask of the wrong proportions, a list of photos. The same run fails again.
    case input(String)
    case io(String)
    /// The machine's set-up: a library (OpenBLAS, Open MPI) missing or unusable as configured.
    case setup(String)
    case invalidArgument(String)
    case cancelled

    var isWeights: Bool {
        if case .weights = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .weights(let m), .image(let m), .input(let m), .io(let m), .setup(let m), .invalidArgument(let m): return m
        case .cancelled: return "cancelled"
        }
    }
}
