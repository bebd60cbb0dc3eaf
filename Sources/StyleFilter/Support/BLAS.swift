import CShim

/// The BLAS behind every matrix product: OpenBLAS, loaded on first use with its kernels named
/// from the CPU's features, because OpenBLAS's own table of CPU models falls back to SSE3 kernels
/// on CPUs newer than itself (Debian 12's 0.3.21 on Sapphire Rapids Xeons: 4× slower).
public enum BLAS {
    /// Who named the kernels OpenBLAS runs.
    public enum Choice: Sendable, Equatable {
        /// StyleFilter, from the CPU's features (AVX-512 → SkylakeX or Cooperlake, AVX2 → Haswell or Zen).
        case cpuFeatures
        /// `OPENBLAS_CORETYPE`, naming kernels of the CPU's own vector class (an older class is set
        /// aside: see `Report.setAside`).
        case environment
        /// `STYLEFILTER_BLAS_KERNELS`: any kernels the CPU can run, to compare them.
        case styleFilterVariable
        /// OpenBLAS's own CPU table (CPUs older than AVX2, which it knows).
        case openBLAS
        /// The host process had loaded OpenBLAS before StyleFilter, so its kernels were already fixed.
        case host
    }

    public struct Report: Sendable {
        /// The CPU's widest vector extension: "AVX-512 with BF16", "AVX-512", "AVX2+FMA", "AVX", "SSE only".
        public let cpu: String
        /// OpenBLAS's name for its kernels ("Zen", "Haswell", "SkylakeX", "Prescott", …).
        public let kernels: String
        public let config: String
        public let choice: Choice
        /// Kernels of an older vector class than the CPU has: the fast path is lost.
        public let isFallback: Bool
        /// An inherited `OPENBLAS_CORETYPE` that named older kernels than the CPU runs, not used.
        public let setAside: String?

        public var kernelsLine: String {
            let why = switch choice {
            case .cpuFeatures: "chosen by StyleFilter from the CPU's features"
                + (setAside.map { "; OPENBLAS_CORETYPE=\($0) set aside, older than the CPU" } ?? "")
            case .environment: "named by OPENBLAS_CORETYPE"
            case .styleFilterVariable: "named by STYLEFILTER_BLAS_KERNELS"
            case .openBLAS: "chosen by OpenBLAS"
            case .host: "chosen when the host process loaded OpenBLAS"
            }
            return "\(kernels) (\(why); CPU: \(cpu))"
        }

        /// What to tell the user when the kernels are a fallback, or nil.
        public var warning: String? {
            guard isFallback else { return nil }
            let fix = switch choice {
            case .environment: "unset OPENBLAS_CORETYPE to let StyleFilter choose"
            case .styleFilterVariable: "unset STYLEFILTER_BLAS_KERNELS to let StyleFilter choose"
            case .host: "load StyleFilter before anything that loads OpenBLAS, or set OPENBLAS_CORETYPE"
            case .cpuFeatures, .openBLAS: "set OPENBLAS_CORETYPE to kernels this CPU runs"
            }
            return "OpenBLAS runs \(kernels) kernels on a CPU with \(cpu): a slow fallback (\(fix))"
        }
    }

    /// Loads OpenBLAS if it is not yet loaded; every job calls this before its first product.
    public static func require() throws {
        guard sf_blas_load() == 0 else { throw StyleFilterError.setup(String(cString: sf_blas_error())) }
    }

    public static func report() throws -> Report {
        try require()
        let features = sf_cpu_features()
        let kernels = String(cString: sf_blas_kernels()), setAside = String(cString: sf_blas_set_aside())
        let kernelClass = Int(sf_blas_kernel_class(kernels))
        let choice: Choice = switch Int(sf_blas_choice()) {
        case SF_BLAS_CHOSEN_FROM_FEATURES: .cpuFeatures
        case SF_BLAS_CHOSEN_BY_ENVIRONMENT: .environment
        case SF_BLAS_LOADED_BY_HOST: .host
        case SF_BLAS_CHOSEN_BY_STYLEFILTER_VARIABLE: .styleFilterVariable
        default: .openBLAS
        }
        return Report(cpu: String(cString: sf_cpu_vector_name(features)), kernels: kernels, config: String(cString: sf_blas_config()),
                      choice: choice,
                      isFallback: kernelClass > 0 && kernelClass < Int(sf_cpu_vector_class(features)),
                      setAside: setAside.isEmpty ? nil : setAside)
    }

    /// The kernels StyleFilter names for a CPU with these `SF_CPU_*` features (nil: OpenBLAS's choice).
    public static func kernels(forFeatures features: UInt32) -> String? {
        sf_blas_core_for(features).map { String(cString: $0) }
    }
}
