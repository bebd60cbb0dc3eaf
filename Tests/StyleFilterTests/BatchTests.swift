import Foundation
import XCTest
@testable import StyleFilter

/// Many photos: the exit-status contract, --skip-existing, the end-of-run JSON line, `filterctl
/// batch`, and the README's GNU parallel and Slurm recipes run as written.
final class BatchTests: FilterctlTestCase {
    static let recipes = TestSupport.packageRoot.appendingPathComponent("integration/batch")

    func records(_ data: Data) throws -> [[String: Any]] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func modified(_ path: String) throws -> Date {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    /// Three photos in `photos/` and the swirls preset in `./presets`, where apply finds it.
    func makePhotos() throws -> [String] {
        try FileManager.default.createDirectory(atPath: file("photos"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: file("presets"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/swirls.json").path,
                                         toPath: file("presets/swirls.json"))
        return try ["a", "b", "c"].enumerated().map { i, name in
            try makeImage("photos/\(name).jpg", width: 48 + 8 * i, height: 40)
        }
    }

    func testExitStatusesFollowTheContract() throws {
        try requireWeights()
        let photo = try makeImage("photo.png"), style = try makeImage("style.png")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: file("corrupt.jpg")))
        let out = file("out.png")
        let cases: [(arguments: [String], environment: [String: String?], status: Int32, mentions: String)] = [
            (["stylize", photo, style, "-o", out, "--tile-halo", "3"], [:], 64, "--tile-halo"),
            (["stylize", photo, style, "-o", photo], [:], 64, "never overwritten"),
            (["apply", "--preset", "nothere", photo, "-o", out], [:], 64, "no preset named"),
            (["stylize", file("missing.png"), style, "-o", out], [:], 65, "no such file"),
            (["stylize", file("corrupt.jpg"), style, "-o", out], [:], 65, "not a readable image"),
            (["stylize", photo, style, "-o", file("no-folder/out.png")], [:], 74, "no such folder"),
            (["stylize", photo, style, "-o", out], ["STYLEFILTER_WEIGHTS": file("nothing.bin")], 78, "weights"),
        ]
        for c in cases {
            let result = try run(c.arguments + ["--iterations", "2", "--json"], environment: c.environment)
            XCTAssertEqual(result.status, c.status, "\(c.arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(c.mentions), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            // A usage error found by the argument parser comes before the run and its line.
            let lines = try records(result.stdout)
            if c.arguments.contains("--tile-halo") { XCTAssertEqual(lines.count, 0); continue }
            XCTAssertEqual(lines.count, 1, "\(c.arguments)")
            XCTAssertEqual(lines.first?["status"] as? String, "failed")
            XCTAssertEqual(lines.first?["exit"] as? Int, Int(c.status))
            XCTAssertTrue((lines.first?["error"] as? String ?? "").contains(c.mentions))
        }
    }

    func testSkipExistingLeavesAFinishedResultAloneWithoutAnyWork() throws {
        let photo = try makeImage("photo.png"), style = try makeImage("style.png")
        let out = try makeImage("out.png", width: 20, height: 20)
        let result = try Data(contentsOf: URL(fileURLWithPath: out))
        // No weights: a skipped run must not even load them.
        let skipped = try run(["stylize", photo, style, "-o", out, "--skip-existing", "--json"],
                              environment: ["STYLEFILTER_WEIGHTS": file("nothing.bin")])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertEqual(try records(skipped.stdout).first?["status"] as? String, "skipped")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), result)
        // A file that is not a result is left alone too, but not reported as one.
        try Data("the user's own bytes".utf8).write(to: URL(fileURLWithPath: out))
        let refused = try run(["stylize", photo, style, "-o", out, "--skip-existing", "--json"],
                              environment: ["STYLEFILTER_WEIGHTS": file("nothing.bin")])
        XCTAssertEqual(refused.status, 74, refused.stderr)
        XCTAssertEqual(try records(refused.stdout).first?["status"] as? String, "failed")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), Data("the user's own bytes".utf8))
        try assertFails(["stylize", photo, style, "-o", "-", "--json"], mentions: "--json prints on standard output")
    }

    func testJSONLineReportsTheFinishedRun() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 64, height: 48), style = try makeImage("style.png")
        let result = try run(["stylize", photo, style, "-o", file("out.png"), "--iterations", "5", "--json", "-q"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "-q: nothing but errors")
        let line = try XCTUnwrap(try records(result.stdout).first)
        XCTAssertEqual(line["status"] as? String, "done")
        XCTAssertEqual(line["exit"] as? Int, 0)
        XCTAssertEqual(line["input"] as? String, photo)
        XCTAssertEqual(line["output"] as? String, file("out.png"))
        XCTAssertEqual(line["width"] as? Int, 64)
        XCTAssertEqual(line["height"] as? Int, 48)
        XCTAssertGreaterThan(line["seconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(line["peak_mib"] as? Double ?? 0, 100, "the network alone is more")
        let styleLoss = line["style_loss"] as? Double ?? 0, contentLoss = line["content_loss"] as? Double ?? 0
        XCTAssertGreaterThan(styleLoss, 0)
        XCTAssertGreaterThan(contentLoss, 0)
        XCTAssertEqual(line["total_loss"] as? Double ?? 0, styleLoss + contentLoss + (line["tv_loss"] as? Double ?? 0),
                       accuracy: 1e-6 * styleLoss)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("out.png")))
    }

    /// A failed photo does not stop the others; a re-run redoes nothing that is finished; a wrong
    /// command fails before any work and leaves no folder.
    func testBatchDoesOnlyWhatIsLeft() throws {
        try requireWeights()
        let photos = try makePhotos()
        try Data("truncated".utf8).write(to: URL(fileURLWithPath: file("photos/broken.jpg")))
        let arguments = ["batch"] + photos + [file("photos/broken.jpg"), "-o", "styled/{name}.png", "--json",
                                              "--", "apply", "--preset", "swirls", "--iterations", "5", "-q"]
        let first = try run(arguments)
        XCTAssertEqual(first.status, 1, first.stderr)
        XCTAssertTrue(first.stderr.contains("batch: 3 done, 0 skipped, 1 failed"), first.stderr)
        let lines = try records(first.stdout)
        XCTAssertEqual(lines.map { $0["status"] as? String }, ["done", "done", "done", "failed"])
        XCTAssertEqual(lines.last?["exit"] as? Int, 65)
        let outputs = ["a", "b", "c"].map { file("styled/\($0).png") }
        let times = try outputs.map(modified)
        XCTAssertEqual(try outputs.map { try ImageIO.load($0).width }, [48, 56, 64])

        let again = try run(arguments)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(try records(again.stdout).map { $0["status"] as? String }, ["skipped", "skipped", "skipped", "failed"])
        XCTAssertEqual(try outputs.map(modified), times, "finished results are not rewritten")

        try assertFails(["batch"] + photos + ["-o", "other/{name}.png", "--", "apply", "--preset", "nothere"], mentions: "no preset named")
        let wrong = try run(["batch"] + photos + ["-o", "other/{name}.png", "--", "apply", "--preset", "nothere"])
        XCTAssertEqual(wrong.status, 64)
        try assertFails(["batch"] + photos + ["-o", "other/same.png", "--", "apply", "--preset", "swirls"], mentions: "{name}")
        try assertFails(["batch"] + photos + ["-o", "other/{name}.png", "--", "frames"], mentions: "apply or stylize")
    }

    /// SIGTERM in the middle of a photo's second scale stops the batch (143) with the finished
    /// photos and that photo's first scale kept; the same command then resumes it and finishes.
    func testInterruptedBatchResumes() throws {
        try requireWeights()
        let photos = try makePhotos(), style = try makeImage("style.png", width: 96, height: 96)
        let arguments = ["batch"] + photos + ["-o", "styled/{name}.png", "--", "stylize", "--style", style,
                                              "--size", "160", "--base-size", "64", "--iterations", "30", "--refine-iterations", "40"]
        let work = file("styled/b.png.work")
        let stopped = try runTerminated(arguments, once: work + "/scale-0.f32", within: 300)
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("batch stopped after 1 done"), stopped.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("styled/a.png")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("styled/b.png")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/scale-0.f32"), "b's first scale kept")

        let again = try run(arguments)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resuming: scales 1–1 of"), again.stderr)
        XCTAssertTrue(again.stderr.contains("batch: 2 done, 1 skipped, 0 failed"), again.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work), "the work directory goes with the finished run")
    }

    /// integration/batch/parallel.sh is the README's recipe: three photos with -j 1, a re-run that
    /// does nothing, and a batch interrupted by Ctrl-C (SIGINT to the whole group) that the same
    /// command finishes.
    func testGNUParallelRecipe() throws {
        try requireWeights()
        try TestSupport.require(try shell(["sh", "-c", "command -v parallel"]).status == 0, "GNU parallel (scripts/setup --for-tests installs it)")
        let readme = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let script = try String(contentsOf: Self.recipes.appendingPathComponent("parallel.sh"), encoding: .utf8)
        for line in ["parallel -j 1 --joblog", "--skip-existing --resume-if-any --json"] {
            XCTAssertTrue(readme.contains(line) && script.contains(line), "README and parallel.sh show the same recipe: \(line)")
        }
        _ = try makePhotos()
        let recipe = [Self.recipes.appendingPathComponent("parallel.sh").path, "photos", "styled", "--iterations", "30", "-q"]
        let path = filterctl.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")

        // Ctrl-C: bash with job control puts the recipe in a process group of its own; SIGINT goes
        // to the whole group once the first photo is done.
        let quoted = recipe.map { "'\($0)'" }.joined(separator: " ")
        let interrupted = try run(recipeWith: ["bash", "-c", "set -m; \(quoted) & for i in $(seq 3000); do "
            + "[ -f styled/a.jpg ] && break; sleep 0.1; done; sleep 0.2; kill -INT -$!; wait $!"], path: path)
        XCTAssertNotEqual(interrupted.status, 0, interrupted.output)
        let outputs = ["a", "b", "c"].map { file("styled/\($0).jpg") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: outputs[0]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: outputs[2]), "interrupted before the last photo")

        let resumed = try run(recipeWith: recipe, path: path)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(outputs.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let log = try String(contentsOfFile: file("styled/runs.jsonl"), encoding: .utf8)
        let times = try outputs.map(modified)

        let again = try run(recipeWith: recipe, path: path)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(try String(contentsOfFile: file("styled/runs.jsonl"), encoding: .utf8), log, "a re-run runs nothing")
        XCTAssertEqual(try outputs.map(modified), times)
    }

    func run(recipeWith arguments: [String], path: String) throws -> (status: Int32, output: String) {
        try shell(["env", "PATH=\(path)", "XDG_CONFIG_HOME=\(file("config"))", "XDG_CACHE_HOME=\(file("cache"))"] + arguments)
    }

    /// integration/batch/stylize-array.sbatch as Slurm runs it: one task per line of the list,
    /// SLURM_ARRAY_TASK_ID saying which (Slurm itself is not installed here).
    func testSlurmArrayScript() throws {
        try requireWeights()
        let photos = try makePhotos()
        try (photos.joined(separator: "\n") + "\n").write(toFile: file("photos.txt"), atomically: true, encoding: .utf8)
        let path = filterctl.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        let script = Self.recipes.appendingPathComponent("stylize-array.sbatch").path
        func task(_ n: Int) throws -> (status: Int32, output: String) {
            try shell(["env", "PATH=\(path)", "SLURM_ARRAY_TASK_ID=\(n)", "SLURM_CPUS_PER_TASK=2", "XDG_CACHE_HOME=\(file("cache"))",
                       script, "photos.txt", "styled", "--iterations", "20", "-q"])
        }
        for n in 1...3 { XCTAssertEqual(try task(n).status, 0) }
        for name in ["a", "b", "c"] {
            XCTAssertEqual(try records(Data(contentsOf: URL(fileURLWithPath: file("styled/\(name).json")))).map { $0["status"] as? String }, ["done"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: file("styled/\(name).jpg")))
        }
        XCTAssertEqual(try task(2).status, 0)
        XCTAssertEqual(try records(Data(contentsOf: URL(fileURLWithPath: file("styled/b.json")))).map { $0["status"] as? String }, ["done", "skipped"])
        let beyond = try task(4)
        XCTAssertEqual(beyond.status, 64)
        XCTAssertTrue(beyond.output.contains("has no line 4"), beyond.output)
    }

    /// The same recipe under a real Slurm (a one-machine cluster, scripts/slurm-local; root, as
    /// slurmd must run): an array of three, one task cancelled mid-run with scancel, the array
    /// submitted again, and every result written once. Then one image across two tasks through srun.
    func testSlurmArrayUnderARealCluster() throws {
        try requireWeights()
        for tool in ["sbatch", "slurmctld", "slurmd", "munged"] {
            try TestSupport.require(try shell(["sh", "-c", "command -v \(tool)"]).status == 0, tool)
        }
        try TestSupport.require(getuid() == 0, "root (slurmd runs as root)")
        let root = TestSupport.packageRoot.path
        let started = try shell(["\(root)/scripts/slurm-local", "start", file("slurm")])
        defer { _ = try? shell(["\(root)/scripts/slurm-local", "stop", file("slurm")]) }
        guard started.status == 0 else { return XCTFail("the cluster did not start: \(started.output)") }
        let photos = try makePhotos()
        try (photos.joined(separator: "\n") + "\n").write(toFile: file("photos.txt"), atomically: true, encoding: .utf8)
        let environment = ["SLURM_CONF=\(file("slurm/slurm.conf"))", "PRESET=ink", "XDG_CACHE_HOME=\(file("cache"))",
                           "PATH=\(filterctl.deletingLastPathComponent().path):\(ProcessInfo.processInfo.environment["PATH"] ?? "")"]
        func slurm(_ command: String) throws -> String {
            try shell(["env"] + environment + ["sh", "-c", command]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func submit() throws -> String {
            try slurm("sbatch --parsable --export=ALL --array=1-3 --chdir='\(scratch.path)' '\(root)/integration/batch/stylize-array.sbatch' "
                      + "photos.txt styled --preset-dir '\(root)/presets' --method optimize --iterations 400 -q")
        }
        // Bounded by the clock, not by a count: an unreachable controller makes each squeue slow.
        func waitUntilDone(_ job: String) throws {
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline, !(try slurm("squeue -h -j \(job)")).isEmpty { usleep(500_000) }
        }
        let first = try submit()
        let running = Date().addingTimeInterval(60)
        while Date() < running, try slurm("squeue -h -j \(first)_1 -o %T") != "RUNNING" { usleep(250_000) }
        usleep(1_500_000)
        _ = try slurm("scancel --signal=TERM --batch \(first)_1")
        try waitUntilDone(first)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("styled/a.jpg")), "the cancelled task wrote no result")
        let finished = try ["b", "c"].map { try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file("styled/\($0).jpg"))[.modificationDate] as? Date) }
        let second = try submit()
        try waitUntilDone(second)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("styled/a.jpg")), "the resubmitted array finishes it")
        for (name, date) in zip(["b", "c"], finished) {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file("styled/\(name).jpg"))[.modificationDate] as? Date, date, "\(name) written once")
            XCTAssertEqual(try records(Data(contentsOf: URL(fileURLWithPath: file("styled/\(name).json")))).map { $0["status"] as? String }, ["done", "skipped"])
        }

        // One image across two tasks, started as MPI ranks by srun (integration/batch/stylize-mpi.sbatch):
        // one process's picture, as under mpirun (MPITests), and one JSON line for the run.
        guard try shell(["sh", "-c", "command -v mpirun"]).status == 0 else { return }
        let photo = try makeImage("wide.png", width: 200, height: 150), painting = try makeImage("painting.png", width: 96, height: 96)
        let common = [photo, painting, "--tile-size", "64", "--iterations", "6", "--optimizer", "adam", "--json", "-q"]
        let one = try run(["stylize"] + common + ["-o", file("one.png")], environment: ["STYLEFILTER_THREADS": "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let job = try slurm("sbatch --parsable --ntasks=2 --chdir='\(scratch.path)' --output=mpi.out '\(root)/integration/batch/stylize-mpi.sbatch' stylize "
                            + (common + ["-o", file("two.png")]).map { "'\($0)'" }.joined(separator: " "))
        try waitUntilDone(job)
        let log = (try? String(contentsOfFile: file("mpi.out"), encoding: .utf8)) ?? ""
        XCTAssertEqual(try ImageIO.load(file("two.png")), try ImageIO.load(file("one.png")), log)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("\"ranks\":2") }.count, 1, log)
        // srun starting two tasks of a command without --mpi: refused, nothing written.
        let twice = try slurm("srun -n 2 filterctl stylize '\(photo)' '\(painting)' -o '\(file("twice.png"))' 2>&1; echo exit $?")
        XCTAssertTrue(twice.contains("add --mpi"), twice)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("twice.png")))
    }
}
