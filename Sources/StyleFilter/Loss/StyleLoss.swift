import CShim

/// Style loss at one layer: weight · mean over C×C of (G − G_style)², with the Gram matrix
/// G = F Fᵀ / (C·H·W) of the C × (H·W) feature matrix F.
final class StyleLoss: @unchecked Sendable {
    public let layer: Int
    public let weight: Float
    public let channels: Int
    /// The target Gram matrix, C × C row-major.
    public let target: [Float]
    private let gram: UnsafeMutablePointer<Float>

    public init(layer: Int, weight: Float, target: [Float]) {
        let c = Int(Double(target.count).squareRoot())
        precondition(c * c == target.count, "a Gram matrix is square")
        self.layer = layer
        self.weight = weight
        channels = c
        self.target = target
        gram = .allocate(capacity: target.count)
    }

    deinit { gram.deallocate() }

    /// G = F Fᵀ / (C·H·W), written to `into` (C × C); each core computes a band of rows.
    public static func gram(of features: Tensor, into: UnsafeMutablePointer<Float>) {
        let c = features.channels, n = features.plane
        let f = SendablePointer(features.data), g = SendablePointer(into)
        parallel(c) { rows in
            sf_sgemm(false, true, Int32(rows.count), Int32(c), Int32(n),
                        1 / Float(c * n), f.pointer + rows.lowerBound * n, Int32(n), f.pointer, Int32(n),
                        0, g.pointer + rows.lowerBound * c, Int32(c))
        }
    }

    public static func gram(of features: Tensor) -> [Float] {
        var g = [Float](repeating: 0, count: features.channels * features.channels)
        g.withUnsafeMutableBufferPointer { gram(of: features, into: $0.baseAddress!) }
        return g
    }

    /// The loss; when `grad` is given, adds d loss / d F = 4·w/(C²·C·H·W) · (G − G_s) F into it.
    public func evaluate(_ features: Tensor, addingGradientTo grad: Tensor?) -> Double {
        precondition(features.channels == channels)
        let c = channels, n = features.plane
        StyleLoss.gram(of: features, into: gram)
        var sum = 0.0
        target.withUnsafeBufferPointer { t in
            for i in 0..<(c * c) {
                gram[i] -= t[i]
                sum += Double(gram[i] * gram[i])
            }
        }
        if let grad {
            let scale = 4 * weight / (Float(c * c) * Float(c * n))
            let d = SendablePointer(gram), f = SendablePointer(features.data), out = SendablePointer(grad.data)
            parallel(c) { rows in
                sf_sgemm(false, false, Int32(rows.count), Int32(n), Int32(c),
                            scale, d.pointer + rows.lowerBound * c, Int32(c), f.pointer, Int32(n),
                            1, out.pointer + rows.lowerBound * n, Int32(n))
            }
        }
        return Double(weight) * sum / Double(c * c)
    }
}
