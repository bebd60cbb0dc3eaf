import CShim
import Foundation
import XCTest
@testable import StyleFilter

/// OpenBLAS's kernels are named from the CPU's features, so a CPU newer than OpenBLAS's own table
/// of models still gets its vector width; a fallback is reported, never silent.
final class BLASTests: FilterctlTestCase {
    func testKernelsAreNamedFromTheCPUsFeatures() {
        let avx2 = UInt32(SF_CPU_AVX | SF_CPU_FMA | SF_CPU_AVX2)
        let avx512 = avx2 | UInt32(SF_CPU_AVX512)
        let bf16 = UInt32(SF_CPU_AVX512_BF16), amd = UInt32(SF_CPU_AMD)
        // Sapphire Rapids (AVX-512 with BF16), which Debian 12's OpenBLAS 0.3.21 sends to Prescott.
        XCTAssertEqual(BLAS.kernels(forFeatures: avx512 | bf16), "Cooperlake")
        XCTAssertEqual(BLAS.kernels(forFeatures: avx512), "SkylakeX")
        XCTAssertEqual(BLAS.kernels(forFeatures: avx512 | bf16 | amd), "Cooperlake", "Zen 4")
        XCTAssertEqual(BLAS.kernels(forFeatures: avx2), "Haswell")
        XCTAssertEqual(BLAS.kernels(forFeatures: avx2 | amd), "Zen")
        // AVX2 without FMA, AVX alone, SSE: CPUs OpenBLAS's table knows; its own choice stands.
        XCTAssertNil(BLAS.kernels(forFeatures: UInt32(SF_CPU_AVX | SF_CPU_AVX2)))
        XCTAssertNil(BLAS.kernels(forFeatures: UInt32(SF_CPU_AVX)))
        XCTAssertNil(BLAS.kernels(forFeatures: 0))
    }

    func testKernelClassesRankFallbacksBelowTheCPU() {
        XCTAssertEqual(sf_blas_kernel_class("Prescott"), 1)
        XCTAssertEqual(sf_blas_kernel_class("sandybridge"), 2)
        XCTAssertEqual(sf_blas_kernel_class("Zen"), 3)
        XCTAssertEqual(sf_blas_kernel_class("Cooperlake"), 4)
        XCTAssertEqual(sf_blas_kernel_class("SomethingNewer"), 0, "an unknown name is never called a fallback")
        for name in ["SkylakeX", "Cooperlake"] {
            XCTAssertEqual(sf_blas_kernel_class(name), sf_cpu_vector_class(UInt32(SF_CPU_AVX512)))
        }
    }

    /// In this process, as in a C host: the kernels fit the CPU and the environment is unchanged.
    func testThisProcessRunsTheKernelsOfItsCPU() throws {
        let environmentBefore = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        let report = try BLAS.report()
        XCTAssertFalse(report.kernels.isEmpty)
        XCTAssertTrue(report.config.hasPrefix("OpenBLAS"), report.config)
        XCTAssertEqual(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], environmentBefore)
        if report.choice == .cpuFeatures {
            XCTAssertEqual(report.kernels, BLAS.kernels(forFeatures: sf_cpu_features()))
            XCTAssertFalse(report.isFallback, report.kernelsLine)
            XCTAssertNil(report.warning)
        }
    }

    func testInfoNamesTheKernelsAndWarnsOfAFallback() throws {
        let chosen = try run(["info"], environment: ["OPENBLAS_CORETYPE": nil])
        let text = String(decoding: chosen.stdout, as: UTF8.self)
        let expected = BLAS.kernels(forFeatures: sf_cpu_features()).map { "kernels: \($0) (chosen by StyleFilter" }
        XCTAssertTrue(text.contains(expected ?? "kernels: "), text)
        XCTAssertFalse(chosen.stderr.contains("fallback"), chosen.stderr)

        // STYLEFILTER_BLAS_KERNELS names kernels outright, and SSE3 kernels on an AVX2 or AVX-512
        // CPU are called what they are.
        let cpuClass = sf_cpu_vector_class(sf_cpu_features())
        try XCTSkipIf(cpuClass < 3, "this CPU has no AVX2, so Prescott is no fallback here")
        let forced = try run(["info"], environment: ["STYLEFILTER_BLAS_KERNELS": "Prescott", "OPENBLAS_CORETYPE": nil])
        let forcedText = String(decoding: forced.stdout, as: UTF8.self)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forcedText.contains("kernels: Prescott (named by STYLEFILTER_BLAS_KERNELS"), forcedText)
        XCTAssertTrue(forced.stderr.contains("warning: OpenBLAS runs Prescott kernels"), forced.stderr)
        XCTAssertTrue(forced.stderr.contains("unset STYLEFILTER_BLAS_KERNELS"), forced.stderr)
    }

    /// An OPENBLAS_CORETYPE of an older vector class than the CPU's (machines set one for every
    /// program) is set aside and said to be; one of the CPU's own class is honoured.
    func testAnInheritedOlderCoretypeIsSetAside() throws {
        let features = sf_cpu_features()
        let own = try XCTUnwrap(BLAS.kernels(forFeatures: features), "this CPU leaves the choice to OpenBLAS")
        let older = try run(["info"], environment: ["OPENBLAS_CORETYPE": "Sandybridge", "STYLEFILTER_BLAS_KERNELS": nil])
        let olderText = String(decoding: older.stdout, as: UTF8.self)
        XCTAssertEqual(older.status, 0, older.stderr)
        XCTAssertTrue(olderText.contains("kernels: \(own) (chosen by StyleFilter from the CPU's features; OPENBLAS_CORETYPE=Sandybridge set aside"),
                      olderText)
        XCTAssertFalse(older.stderr.contains("fallback"), older.stderr)
        let sameClass = features & UInt32(SF_CPU_AVX512) != 0 ? "SkylakeX" : "Haswell"
        let same = try run(["info"], environment: ["OPENBLAS_CORETYPE": sameClass, "STYLEFILTER_BLAS_KERNELS": nil])
        XCTAssertTrue(String(decoding: same.stdout, as: UTF8.self).contains("kernels: \(sameClass) (named by OPENBLAS_CORETYPE"),
                      String(decoding: same.stdout, as: UTF8.self))
    }

    /// OpenBLAS 0.3.21 runs whatever OPENBLAS_CORETYPE names: AVX-512 kernels on an AVX2 CPU die
    /// of SIGILL at the first product. Such a name is an error with its reason, never a crash.
    func testKernelsTheCPUCannotRunAreRefused() throws {
        let features = sf_cpu_features()
        try XCTSkipIf(features & UInt32(SF_CPU_AVX512) != 0, "this CPU runs AVX-512 kernels")
        for command in [["info"], ["bench", "--sizes", "32", "--iterations", "1"]] {
            let result = try run(command, environment: ["OPENBLAS_CORETYPE": "SkylakeX", "STYLEFILTER_BLAS_KERNELS": nil])
            XCTAssertEqual(result.status, 78, result.stderr)
            XCTAssertTrue(result.stderr.contains("OPENBLAS_CORETYPE=SkylakeX names kernels this CPU cannot run"),
                          result.stderr)
        }
    }
}
