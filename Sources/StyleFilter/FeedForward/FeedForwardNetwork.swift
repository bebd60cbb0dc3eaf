import CShim

/// Johnson, Alahi & Fei-Fei's image transformation network, with Ulyanov et al.'s instance
/// normalisation: a 9×9 convolution, two stride-2 convolutions, residual blocks, two
/// upsample-and-convolve stages and a 9×9 convolution back to three channels, every convolution
/// reflection-padded. Width and depth are options (`Shape`): the training budget picks them.
///
/// It maps a photo to its stylised version in the VGG19 input space (BGR minus the mean, the
/// space the optimizer works in), so its output goes to the loss without a conversion; a bounded
/// network's output is squashed into the pixel range (`BoundedOutput`).
public final class FeedForwardNetwork: @unchecked Sendable {
    public struct Shape: Sendable, Equatable, Codable {
        /// Channels after the first convolution; the stride-2 stages double it twice.
        public var width: Int
        public var residualBlocks: Int
        /// The output squashed into the pixel range (every network trained since 2026-12-03);
        /// false for the linear output of the networks trained before, which still load.
        public var boundedOutput: Bool

        public init(width: Int = 32, residualBlocks: Int = 5, boundedOutput: Bool = true) {
            self.width = width
            self.residualBlocks = residualBlocks
            self.boundedOutput = boundedOutput
        }

        /// Sides must be multiples of this: two stride-2 stages down, two upsamplings back.
        public static let sizeMultiple = 4
        public static let widthRange = 1...64
        public static let blockRange = 0...10
    }

    /// One convolution with what surrounds it.
    struct Unit {
        let upsample: Bool
        let pad: Int
        let conv: Conv2D
        let norm: InstanceNorm?
        let relu: Bool
        /// A residual block's second unit adds the block's input (unit `skipFrom`'s input).
        let skipFrom: Int?
    }

    public let shape: Shape
    let parameters: Parameters
    let units: [Unit]

    public init(shape: Shape = Shape(), seed: UInt64 = 1) {
        precondition(Shape.widthRange.contains(shape.width) && Shape.blockRange.contains(shape.residualBlocks))
        self.shape = shape
        let w = shape.width
        // (input, output, kernel, stride, upsample, norm and ReLU, skip from the unit before)
        var plan: [(Int, Int, Int, Int, Bool, Bool, Bool)] = [(3, w, 9, 1, false, true, false),
                                                              (w, 2 * w, 3, 2, false, true, false),
                                                              (2 * w, 4 * w, 3, 2, false, true, false)]
        for _ in 0..<shape.residualBlocks {
            plan.append((4 * w, 4 * w, 3, 1, false, true, false))
            plan.append((4 * w, 4 * w, 3, 1, false, true, true))
        }
        plan += [(4 * w, 2 * w, 3, 1, true, true, false), (2 * w, w, 3, 1, true, true, false), (w, 3, 9, 1, false, false, false)]
        let count = plan.reduce(0) { $0 + Conv2D.parameterCount(inChannels: $1.0, outChannels: $1.1, kernel: $1.2) + ($1.5 ? 2 * $1.1 : 0) }
        parameters = Parameters(capacity: count)
        var units: [Unit] = []
        for (i, o, k, s, up, normed, skip) in plan {
            let conv = Conv2D(inChannels: i, outChannels: o, kernel: k, stride: s, parameters: parameters)
            let norm = normed ? InstanceNorm(channels: o, parameters: parameters) : nil
            units.append(Unit(upsample: up, pad: k / 2, conv: conv, norm: norm, relu: normed && !skip,
                              skipFrom: skip ? units.count - 1 : nil))
        }
        self.units = units
        var rng = SplitMix64(seed: seed)
        for (n, unit) in units.enumerated() {
            // The last convolution starts small: the untrained network then returns a flat grey,
            // not noise at full contrast that the loss must first undo.
            unit.conv.initialise(&rng, gain: n == units.count - 1 ? 0.1 : 1)
        }
    }
}

extension FeedForwardNetwork {
    /// Per unit, for an input of `height` × `width`: the size its convolution reads (after its
    /// upsampling, before its padding) and the size it writes.
    func unitSizes(height: Int, width: Int) -> [(read: (height: Int, width: Int), written: (height: Int, width: Int))] {
        let m = Shape.sizeMultiple
        precondition(height % m == 0 && width % m == 0 && height >= 4 * m && width >= 4 * m, "network input must be a multiple of 4 px, at least 16")
        var (h, w) = (height, width)
        return units.map { unit in
            if unit.upsample { (h, w) = (2 * h, 2 * w) }
            let read = (height: h, width: w)
            (h, w) = unit.conv.outputSize(height: h + 2 * unit.pad, width: w + 2 * unit.pad)
            return (read, (height: h, width: w))
        }
    }
}
