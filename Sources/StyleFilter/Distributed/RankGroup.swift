#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The processes one image is divided between (MPI ranks). Each holds the whole image and the
/// optimizer's state; the windows of every sweep of the tiled objective are dealt out between
/// them, and what each adds up (Gram sums, loss terms, the image gradient) is summed across them,
/// so every rank ends each evaluation with the same numbers and takes the same optimizer step.
public protocol RankGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// Sums `count` floats element-wise over the ranks, in place, on every rank.
    func sum(_ data: UnsafeMutablePointer<Float>, count: Int)
    func sum(_ values: inout [Double])
    /// Rank 0's bytes, on every rank.
    func broadcast(_ data: UnsafeMutableRawPointer, bytes: Int)
}

extension RankGroup {
    /// Rank 0's image, on every rank: ranks that computed a one-pass scale each on their own
    /// (threads and kernels may round differently) go on from one picture.
    func broadcast(_ image: inout FloatRGBImage) {
        image.values.withUnsafeMutableBytes { broadcast($0.baseAddress!, bytes: $0.count) }
    }

    /// Rank 0's answer, on every rank.
    public func agree(_ value: Int) -> Int {
        var v = Int64(value)
        withUnsafeMutableBytes(of: &v) { broadcast($0.baseAddress!, bytes: 8) }
        return Int(v)
    }
}

/// The ranks of an `mpirun`: Open MPI, loaded at run time (see mpi_loader.c).
public final class MPIRanks: RankGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Bytes each rank has put into sums so far: what crosses the network, for the benchmark.
    public private(set) var bytesSummed = 0

    /// The group this process started, if any: a failed rank aborts them all through it.
    nonisolated(unsafe) public private(set) static var started: MPIRanks?

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// MPI_Init, once per process. Tasks that a launcher started together but that each see an
    /// MPI world of their own (srun without PMIx) would each run the whole job: refused.
    public static func start() throws -> MPIRanks {
        if let started { return started }
        guard sf_mpi_start() == 0 else { throw StyleFilterError.setup("--mpi: " + String(cString: sf_mpi_error())) }
        let ranks = MPIRanks(rank: Int(sf_mpi_rank()), size: Int(sf_mpi_size()))
        if ranks.size == 1 && launched > 1 {
            throw StyleFilterError.setup("--mpi: \(launched) tasks were started, but each is alone in its MPI world: "
                                         + "start them with mpirun, or with srun --mpi=pmix")
        }
        started = ranks
        return ranks
    }

    /// How many tasks the launcher started together: mpirun's (Open MPI's variable) or an srun
    /// step's (Slurm's); 1 otherwise (a batch script's own step is one task).
    public static var launched: Int {
        for name in ["OMPI_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS"] {
            if let n = Files.environment(name).flatMap({ Int($0) }), n > 1 { return n }
        }
        return 1
    }

    /// Whether this process was started by mpirun or srun beside other tasks.
    public static var launchedWithOthers: Bool { launched > 1 }

    public func sum(_ data: UnsafeMutablePointer<Float>, count: Int) {
        bytesSummed += 4 * count
        check(sf_mpi_sum_floats(data, count), "MPI_Allreduce")
    }

    public func sum(_ values: inout [Double]) {
        bytesSummed += 8 * values.count
        check(values.withUnsafeMutableBufferPointer { sf_mpi_sum_doubles($0.baseAddress!, Int32($0.count)) }, "MPI_Allreduce")
    }

    public func broadcast(_ data: UnsafeMutableRawPointer, bytes: Int) {
        check(sf_mpi_broadcast(data, bytes), "MPI_Bcast")
    }

    /// A collective that fails leaves the ranks out of step: nothing sensible can follow.
    private func check(_ status: Int32, _ what: String) {
        guard status != 0 else { return }
        let line = "rank \(rank): \(what) failed\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        sf_mpi_abort(1)
    }

    /// Ends every rank with `status` after this one failed (MPI_Abort).
    public static func abortAll(_ status: Int32) { sf_mpi_abort(status) }

    /// MPI_Finalize at a successful end.
    public static func finish() { if started != nil { sf_mpi_finish() } }
}
