import ArgumentParser
import StyleFilter

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the version, where the weights are and whether they verify, the BLAS and its kernels.")

    @OptionGroup var weightsFlag: WeightsFlag

    func run() throws {
        let path = weightsFlag.path
        print("filterctl \(StyleFilter.version)")
        print("weights: \(path)")
        let status = VGG19Weights.verify(path: path)
        switch status {
        case .success: print("weights status: ok (sha256 verified)")
        case .failure(let e): print("weights status: \(e.description)")
        }
        print("threads: \(StyleFilter.threads) (OpenBLAS single-threaded in each)")
        let blas = try BLAS.report()
        print("blas: \(blas.config)")
        print("kernels: \(blas.kernelsLine)")
        if let warning = blas.warning { Console.say("warning: \(warning)") }
        if case .failure = status { throw ExitCode(ExitStatus.setup) }
    }
}
