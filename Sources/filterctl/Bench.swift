import ArgumentParser
import StyleFilter

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time optimizer iterations (forward to relu5_1, losses, input gradient, L-BFGS step).",
        discussion: "Uses generated images, so it needs nothing but the weights. Prints seconds per iteration and peak memory.")

    @Option(help: "Long sides to time, comma-separated.")
    var sizes = "256,512"

    @Option(help: "Timed iterations per size (after one untimed warm-up).")
    var iterations = 5

    @OptionGroup var weightsFlag: WeightsFlag

    @Option(help: "Convolution: winograd or direct (im2col + sgemm), for side-by-side timing.")
    var algorithm = ConvolutionAlgorithm.winograd

    @Option(help: "lbfgs or adam.")
    var optimizer = "lbfgs"

    func run() throws {
        let sizeList = sizes.split(separator: ",").compactMap { Int($0) }
        guard !sizeList.isEmpty, sizeList.allSatisfy({ $0 >= 32 && $0 <= 8192 }) else {
            throw ValidationError("--sizes must be numbers 32 … 8192")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1") }
        guard let kind = OptimizerKind(rawValue: optimizer) else { throw ValidationError("--optimizer must be lbfgs or adam") }
        let network = try weightsFlag.network().with(algorithm: algorithm)
        print("filterctl \(StyleFilter.version) bench: blas threads \(StyleFilter.blasThreads), optimizer \(kind.rawValue), convolution \(algorithm.rawValue)")
        print("size     image      s/iteration  iterations  peak RSS MiB")
        for size in sizeList {
            var options = TransferOptions()
            options.iterations = iterations + 1
            options.optimizer = kind
            let content = RGBImage.pattern(width: size, height: size, seed: 1)
            let style = RGBImage.pattern(width: size, height: size, seed: 2)
            let transfer = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
            var firstTimed = 0.0
            var last = 0.0
            try transfer.run { p in
                if p.iteration == 1 { firstTimed = p.seconds }
                last = p.seconds
                return true
            }
            let perIteration = (last - firstTimed) / Double(iterations)
            let geometry = "\(content.width)×\(content.height)"
            print("\(size)".padding(9) + geometry.padding(11) + Console.fixed(perIteration, digits: 3).padding(13)
                  + "\(iterations)".padding(12) + Console.fixed(Console.peakMemoryMiB(), digits: 0))
        }
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
