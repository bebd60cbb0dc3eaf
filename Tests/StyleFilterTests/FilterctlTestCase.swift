import Foundation
import XCTest
@testable import StyleFilter

/// Runs the filterctl built next to this test bundle in a scratch directory, as a user would.
class FilterctlTestCase: ScratchDirectoryTestCase {
    /// The filterctl built next to this test bundle.
    var filterctl: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("filterctl")
    }

    struct Run {
        let status: Int32
        let stdout: Data
        let stderr: String
    }

    /// filterctl with these arguments, not started, in the scratch directory.
    func filterctlProcess(_ arguments: [String]) throws -> Process {
        try TestSupport.require(FileManager.default.isExecutableFile(atPath: filterctl.path), "filterctl binary")
        let process = Process()
        process.executableURL = filterctl
        process.arguments = arguments
        process.currentDirectoryURL = scratch
        // Never the user's own presets or caches; the weights stay where set-up put them.
        var environment = TestSupport.programEnvironment
        environment["XDG_CONFIG_HOME"] = file("config")
        environment["XDG_CACHE_HOME"] = file("cache")
        environment["XDG_DATA_HOME"] = file("data")
        environment["XDG_DATA_DIRS"] = file("system-data")
        environment["STYLEFILTER_WEIGHTS"] = TestSupport.weightsPath
        process.environment = environment
        return process
    }

    /// filterctl with these arguments, stopped by SIGTERM a moment after `path` appears (a finished
    /// scale, say); the run must still be going then.
    func runTerminated(_ arguments: [String], once path: String, within seconds: TimeInterval,
                       file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = try filterctlProcess(arguments)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: path) && process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        XCTAssertTrue(process.isRunning, "still running when \(path) appeared", file: file, line: line)
        usleep(300_000)
        process.terminate()
        // Standard error first: it is where these runs write, so it must be drained to let them end.
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Where the tool (run with this test's XDG_CACHE_HOME) caches the statistics of the preset
    /// whose JSON is `json`: the user's cache, keyed by the JSON's real path.
    func presetCache(_ json: String) -> String {
        let name = String(Files.basename(json).dropLast(".json".count))
        return file("cache") + "/stylefilter/presets/\(name)-\(VGG19Weights.sha256Hex(Array(Files.absolute(json).utf8)).prefix(12)).grams"
    }

    /// `environment` adds variables to the test's own, or removes those given as nil.
    func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String?] = [:]) throws -> Run {
        let process = try filterctlProcess(arguments)
        for (name, value) in environment { process.environment?[name] = value }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdoutData, stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs a program to completion, standard output and error together, standard input empty.
    /// After `timeout` seconds its process group is killed and the test fails, so a hang is a
    /// failure with a message, not a CI run that never ends. Not Foundation's Process: it learns of
    /// an exit when a socket it hands the child closes, so a daemon the program starts and that keeps
    /// the socket (munged did) would make it wait for as long as the daemon lives.
    func shell(_ arguments: [String], timeout: TimeInterval = 900,
               file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        var template = Array("/tmp/sf-shell-XXXXXX".utf8CString)
        let outputFD = mkstemp(&template)
        guard outputFD >= 0 else { throw StyleFilterError.io("mkstemp: \(String(cString: strerror(errno)))") }
        let outputPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(outputFD); unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        // Its own process group (killed whole on a timeout), every signal at its default and none
        // blocked: the test runner's dispositions and masks are not the program's.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = TestSupport.programEnvironment
        environment["STYLEFILTER_WEIGHTS"] = TestSupport.weightsPath
        // In the scratch directory, the program looked up on PATH.
        let argv = (["/bin/sh", "-c", "cd \"$0\" && exec /usr/bin/env \"$@\"", scratch.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw StyleFilterError.io("posix_spawn \(arguments): \(String(cString: strerror(spawned)))") }

        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR {
                XCTFail("\(arguments): waitpid: \(String(cString: strerror(errno)))", file: file, line: line)
                break
            }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                XCTFail("\(arguments) did not finish within \(Int(timeout)) s and was killed", file: file, line: line)
                break
            }
            usleep(10_000)
        }
        let output = FileManager.default.contents(atPath: outputPath) ?? Data()
        // As a shell reports it: the exit status, or 128 + the signal that ended the program.
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, String(decoding: output, as: UTF8.self))
    }

    func file(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    /// Writes a generated picture through libvips (format from the suffix).
    func makeImage(_ name: String, width: Int = 48, height: Int = 40) throws -> String {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in pixels.indices { pixels[i] = UInt8((i * 37 + (i / (width * 3)) * 11) % 256) }
        try ImageIO.save(RGBImage(width: width, height: height, pixels: pixels), to: file(name))
        return file(name)
    }

    func assertFails(_ arguments: [String], mentions text: String, stdin: Data? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path))
        let result = try run(arguments, stdin: stdin)
        XCTAssertNotEqual(result.status, 0, "exit status", file: file, line: line)
        XCTAssertTrue(result.stderr.lowercased().contains(text.lowercased()), "stderr: \(result.stderr)", file: file, line: line)
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: scratch.path))
        XCTAssertEqual(after, before, "no file left behind", file: file, line: line)
    }

    func requireWeights() throws {
        try TestSupport.require(FileManager.default.fileExists(atPath: TestSupport.weightsPath), "VGG19 weights")
    }
}
