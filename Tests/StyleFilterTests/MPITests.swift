import Foundation
import XCTest
@testable import StyleFilter

/// One image across MPI ranks (`mpirun -np 2 filterctl stylize --mpi`): the windows of each sweep
/// are divided between the ranks and their sums summed, so the picture is the one process's.
final class MPITests: FilterctlTestCase {
    /// mpirun with the built filterctl; root may run it here (the tests run as root in CI).
    func mpirun(_ ranks: Int, _ arguments: [String], threads: Int = 1) throws -> (status: Int32, output: String) {
        try shell(["env", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "XDG_CACHE_HOME=\(file("cache"))",
                   "mpirun", "-np", "\(ranks)", "-x", "STYLEFILTER_THREADS=\(threads)", "-x", "STYLEFILTER_WEIGHTS",
                   filterctl.path] + arguments)
    }

    func requireMPI() throws {
        try requireWeights()
        try TestSupport.require(try shell(["sh", "-c", "command -v mpirun"]).status == 0, "Open MPI's mpirun (scripts/setup --for-tests installs it)")
    }

    func difference(_ a: String, _ b: String) throws -> (mean: Double, max: Double) {
        let x = try ImageIO.load(a), y = try ImageIO.load(b)
        XCTAssertEqual(x.width, y.width)
        let d = zip(x.pixels, y.pixels).map { abs(Double($0) - Double($1)) }
        return (d.reduce(0, +) / Double(d.count), d.max() ?? 0)
    }

    /// At 200×150 in windows of 64 (12 per sweep), Adam: two ranks of one thread give one
    /// process's picture with one thread (measured: identical), and every rank summed exactly the
    /// Gram sums, content loss and gradient of every evaluation.
    func testTwoRanksGiveOneProcesssPicture() throws {
        try requireMPI()
        let photo = try makeImage("photo.png", width: 200, height: 150), style = try makeImage("style.png", width: 96, height: 96)
        let common = ["stylize", photo, style, "--tile-size", "64", "--iterations", "6", "--optimizer", "adam", "--json", "-q"]
        let one = try run(common + ["-o", file("one.png")], environment: ["STYLEFILTER_THREADS": "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try mpirun(2, common + ["--mpi", "-o", file("two.png")])
        XCTAssertEqual(two.status, 0, two.output)
        let d = try difference(file("one.png"), file("two.png"))
        XCTAssertLessThanOrEqual(d.mean, 0.05, "mean difference in levels")
        XCTAssertLessThanOrEqual(d.max, 2)

        // One JSON line (rank 0's) for the whole run.
        let lines = two.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        XCTAssertEqual(lines.count, 1, two.output)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(record["ranks"] as? Int, 2)
        // 7 evaluations (Adam: the start and 6 steps): 6 with a gradient, each two sweeps of Gram
        // sums and content loss and one image gradient; the last one forward only, one sweep.
        let grams = [64, 128, 256, 512, 512].map { $0 * $0 }.reduce(0, +)
        let perEvaluation = 2 * (4 * grams + 8) + 4 * 3 * 200 * 150
        XCTAssertEqual(record["bytes_summed"] as? Int, 6 * perEvaluation + 4 * grams + 8)
        let oneRecord = try XCTUnwrap(JSONSerialization.jsonObject(with: one.stdout) as? [String: Any])
        let relative = abs((record["style_loss"] as? Double ?? 0) / (oneRecord["style_loss"] as? Double ?? 1) - 1)
        XCTAssertLessThan(relative, 1e-3, "style losses")
    }

    /// A rank that fails ends the run with its message and the contract's status; mpirun without
    /// --mpi is refused rather than running the job twice.
    func testFailuresEndEveryRank() throws {
        try requireMPI()
        let photo = try makeImage("photo.png", width: 96, height: 64)
        let missing = try mpirun(2, ["stylize", photo, file("missing.png"), "--mpi", "-o", file("out.png")])
        XCTAssertEqual(missing.status, 65, missing.output)
        XCTAssertTrue(missing.output.contains("rank 0: \(file("missing.png")): no such file"), missing.output)
        let plain = try mpirun(2, ["stylize", photo, photo, "-o", file("out.png")])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.output.contains("add --mpi"), plain.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("out.png")))
    }
}
