import CShim

/// Timings behind `filterctl bench --layers`: each conv layer's forward and input gradient at the
/// resolution it runs at for a given image size, as effective GFLOP/s (2 · the multiply-adds of a
/// direct 3×3 convolution ÷ time, so algorithms that do fewer multiplications score higher than
/// the machine's sgemm rate), and that sgemm rate itself for comparison.
public enum LayerTiming {
    public struct Row: Sendable {
        public let name: String
        public let shape: String
        public let forwardGFLOPs: Double
        public let backwardGFLOPs: Double
        public let forwardSeconds: Double
        public let backwardSeconds: Double
    }

    /// Conv layers up to `deepest` (a layer name), on an input of side `size`.
    public static func convLayers(_ network: VGG19, size: Int, deepest: String = "relu5_1", repeats: Int = 3) -> [Row] {
        let workspace = Workspace()
        var rows: [Row] = []
        var side = size
        for layer in VGG19.layers[0...(VGG19.index(of: deepest) ?? 0)] {
            guard case .convReLU(let index) = layer.stage else {
                side = Pool2x2.outputSize(side)
                continue
            }
            let conv = network.convs[index]
            var rng = SplitMix64(seed: UInt64(index))
            let input = Tensor(channels: conv.inChannels, height: side, width: side)
            for i in 0..<input.count { input.data[i] = Float(rng.nextUnit()) * 50 }
            let output = Tensor(channels: conv.outChannels, height: side, width: side)
            let flops = 2.0 * 9 * Double(conv.inChannels * conv.outChannels * side * side)
            let forward = best(repeats) { conv.forward(input, into: output, workspace: workspace) }
            let backward = best(repeats) { conv.backwardInput(output, into: input, workspace: workspace) }
            rows.append(Row(name: VGG19.convNames[index], shape: "\(conv.inChannels)→\(conv.outChannels) @\(side)²",
                            forwardGFLOPs: flops / forward / 1e9, backwardGFLOPs: flops / backward / 1e9,
                            forwardSeconds: forward, backwardSeconds: backward))
        }
        return rows
    }

    /// The machine's single-precision GEMM rate on an n × n × n product, run as the engine runs
    /// its sgemms: rows split over the cores, OpenBLAS single-threaded in each.
    public static func sgemmGFLOPs(n: Int = 1024, repeats: Int = 3) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { c.deallocate() }
        let seconds = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let pa = SendablePointer(a.baseAddress!), pb = SendablePointer(b.baseAddress!), pc = SendablePointer(c)
                return best(repeats) {
                    parallel(n) { rows in
                        sf_sgemm(false, false, Int32(rows.count), Int32(n), Int32(n), 1,
                                    pa.pointer + rows.lowerBound * n, Int32(n), pb.pointer, Int32(n),
                                    0, pc.pointer + rows.lowerBound * n, Int32(n))
                    }
                }
            }
        }
        return 2 * Double(n * n * n) / seconds / 1e9
    }

    /// The fastest of `repeats` runs after one warm-up (first-use work such as Winograd kernels).
    static func best(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var fastest = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = monotonicSeconds()
            body()
            fastest = min(fastest, monotonicSeconds() - start)
        }
        return fastest
    }
}
