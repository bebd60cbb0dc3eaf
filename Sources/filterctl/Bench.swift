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

    @Flag(help: "Instead of iterations: each conv layer's effective GFLOP/s (forward and input gradient, both algorithms) and the machine's sgemm GFLOP/s.")
    var layers = false

    @Option(help: "lbfgs or adam.")
    var optimizer = "lbfgs"

    func run() throws {
        let sizeList = sizes.split(separator: ",").compactMap { Int($0) }
        guard !sizeList.isEmpty, sizeList.allSatisfy({ $0 >= 32 && $0 <= 8192 }) else {
            throw ValidationError("--sizes must be numbers 32 … 8192")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1") }
        guard let kind = OptimizerKind(rawValue: optimizer) else { throw ValidationError("--optimizer must be lbfgs or adam") }
        if layers { return try layerReport(sizeList) }
        let network = try weightsFlag.network().with(algorithm: algorithm)
        print("filterctl \(StyleFilter.version) bench: threads \(StyleFilter.threads), optimizer \(kind.rawValue), convolution \(algorithm.rawValue)")
        try printKernels()
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

extension Bench {
    /// Which kernels the numbers are of: they differ 4× between OpenBLAS's fallback and its best.
    func printKernels() throws {
        let blas = try BLAS.report()
        print("kernels: \(blas.kernelsLine)")
        if let warning = blas.warning { Console.say("warning: \(warning)") }
    }

    func layerReport(_ sizes: [Int]) throws {
        let network = try weightsFlag.network()
        try printKernels()
        let sgemm = LayerTiming.sgemmGFLOPs()
        print("sgemm (OpenBLAS, 1024³, \(StyleFilter.threads) threads): \(Console.fixed(sgemm, digits: 1)) GFLOP/s")
        print("effective GFLOP/s = 2 · multiply-adds of a direct 3×3 convolution ÷ time (best of 3)")
        for size in sizes {
            print("\nimage \(size)×\(size)")
            print("layer".padding(14) + "shape".padding(18) + "direct fwd".padding(12) + "direct bwd".padding(12)
                  + "winograd fwd".padding(14) + "winograd bwd".padding(14) + "winograd fwd+bwd ms")
            let direct = LayerTiming.convLayers(network.with(algorithm: .direct), size: size)
            let fast = LayerTiming.convLayers(network.with(algorithm: .winograd), size: size)
            for (d, w) in zip(direct, fast) {
                print(d.name.padding(14) + d.shape.padding(18) + Console.fixed(d.forwardGFLOPs, digits: 1).padding(12)
                      + Console.fixed(d.backwardGFLOPs, digits: 1).padding(12) + Console.fixed(w.forwardGFLOPs, digits: 1).padding(14)
                      + Console.fixed(w.backwardGFLOPs, digits: 1).padding(14)
                      + Console.fixed((w.forwardSeconds + w.backwardSeconds) * 1000, digits: 1))
            }
        }
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
