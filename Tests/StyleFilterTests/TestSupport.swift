import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// Paths and fixtures shared by the tests.
enum TestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    /// The independent reference beside the project (not in a user's clone).
    static let referenceFile = shared.appendingPathComponent("reference/vgg19_reference.json")

    /// In CI a missing fixture is a failure, not a skip: the set-up must have provided it.
    static func require(_ condition: Bool, _ what: String) throws {
        if condition { return }
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("\(what) is missing in CI"); throw XCTSkip(what) }
        throw XCTSkip("\(what) is not available here")
    }

    static let weightsPath = VGG19Weights.resolvePath()

    /// The environment of the programs a test runs: the runner's, without the line-buffering shim
    /// scripts/test runs the suite under (stdbuf preloads it, and a sanitizer refuses to start
    /// behind a preloaded library).
    static let programEnvironment = ProcessInfo.processInfo.environment.filter {
        !($0.key == "LD_PRELOAD" && $0.value.contains("libstdbuf")) && !$0.key.hasPrefix("_STDBUF_")
    }

    nonisolated(unsafe) private static var networks: [PoolingMode: VGG19] = [:]
    private static let lock = NSLock()

    /// The real VGG19, loaded once per pooling mode for the whole test run.
    /// The test process runs the engine as filterctl does: the process-wide settings are the
    /// application's, and here the test runner is the application.
    static let configuredProcess: Void = { try? StyleFilter.configureProcessForStyleTransfer() }()

    static func network(_ pooling: PoolingMode = .max) throws -> VGG19 {
        _ = configuredProcess
        try require(FileManager.default.fileExists(atPath: weightsPath), "VGG19 weights (\(weightsPath))")
        lock.lock()
        defer { lock.unlock() }
        if let n = networks[pooling] { return n }
        let n = try VGG19Weights.load(path: weightsPath, pooling: pooling)
        networks[pooling] = n
        return n
    }

    /// The project's own known answers (Tests/Fixtures, made by PyTorch with
    /// make_vgg19_reference.py), so a clone tests the engine against something outside itself.
    static let fixtureReferenceFile = packageRoot.appendingPathComponent("Tests/Fixtures/vgg19_reference.json")

    /// Every reference at hand: the project's own, and ../shared's independent one where present.
    static func references() throws -> [(source: String, values: [String: Any])] {
        try [fixtureReferenceFile, referenceFile].filter { FileManager.default.fileExists(atPath: $0.path) }.map {
            ($0.path, try JSONSerialization.jsonObject(with: Data(contentsOf: $0)) as! [String: Any])
        }
    }

    /// A C API context with the test weights, after `configure` has set its options; fails the
    /// test with the library's message if it cannot be made. Destroy it.
    static func cContext(_ configure: (inout sf_options) -> Void) throws -> OpaquePointer {
        // OpenBLAS single-threaded as in filterctl: its threaded products round differently, and
        // L-BFGS carries a rounding difference into visibly different strokes.
        _ = configuredProcess
        var options = sf_options()
        sf_options_init(&options)
        configure(&options)
        var context: OpaquePointer?
        let created = weightsPath.withCString { path in
            options.weights_path = path
            return sf_context_create(&options, &context)
        }
        XCTAssertEqual(created, SF_OK, String(cString: sf_context_last_error(context)))
        return try XCTUnwrap(context)
    }

    static func random(channels: Int, height: Int, width: Int, scale: Float = 1, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        let t = Tensor(channels: channels, height: height, width: width)
        for i in 0..<t.count { t.data[i] = Float(rng.nextUnit() * 2 - 1) * scale }
        return t
    }

    /// A small random conv with He-scaled weights.
    static func randomConv(_ input: Int, _ output: Int, seed: UInt64) -> Conv3x3 {
        var rng = SplitMix64(seed: seed)
        let scale = (2.0 / Double(input * 9)).squareRoot()
        let w = (0..<(output * input * 9)).map { _ in Float((rng.nextUnit() * 2 - 1) * scale) }
        let b = (0..<output).map { _ in Float(rng.nextUnit() * 0.2 - 0.1) }
        return Conv3x3(inChannels: input, outChannels: output, weights: w, bias: b)
    }

    /// A VGG19-shaped network with random weights, channels divided by `shrink`.
    static func randomVGG(shrink: Int = 16, pooling: PoolingMode = .max) -> (VGG19, [Conv3x3]) {
        _ = configuredProcess
        let convs = VGG19.convShapes.enumerated().map { i, s in
            randomConv(s.input == 3 ? 3 : s.input / shrink, s.output / shrink, seed: UInt64(100 + i))
        }
        return (VGG19(convs: convs, pooling: pooling), convs)
    }

    static func relativeError(_ a: Double, _ b: Double) -> Double {
        abs(a - b) / max(abs(a), abs(b), 1e-30)
    }
}

/// A test case with a fresh temporary directory, removed afterwards.
class ScratchDirectoryTestCase: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sf-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }
}
