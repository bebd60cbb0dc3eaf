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
        var environment = ProcessInfo.processInfo.environment
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

    /// Runs a program to completion; stdout and stderr together.
    func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = scratch
        var environment = ProcessInfo.processInfo.environment
        environment["STYLEFILTER_WEIGHTS"] = TestSupport.weightsPath
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
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
