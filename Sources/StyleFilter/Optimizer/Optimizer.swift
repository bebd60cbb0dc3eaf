import CShim

/// Moves the image one step given the loss and its gradient at the current value.
/// Implementations keep their state between calls and allocate nothing after the first step.
protocol Optimizer: AnyObject {
    func step(_ x: Tensor, gradient: Tensor, loss: Double)
}

public enum OptimizerKind: String, Sendable, CaseIterable {
    case lbfgs
    case adam
}

/// Per-channel box the pixels must stay in: 0…255 before mean subtraction.
struct PixelBounds: Sendable {
    public let lower: [Float]
    public let upper: [Float]

    public init(lower: [Float], upper: [Float]) {
        self.lower = lower
        self.upper = upper
    }

    /// The network's input space: BGR 0…255 minus the Caffe mean.
    public static let network = PixelBounds(lower: VGG19.meanBGR.map { -$0 }, upper: VGG19.meanBGR.map { 255 - $0 })

    /// This box grown per channel to contain every value of `x`.
    public func widened(toInclude x: Tensor) -> PixelBounds {
        var lo = lower, hi = upper
        for c in 0..<min(x.channels, lower.count) {
            let p = x.data + c * x.plane
            for i in 0..<x.plane {
                lo[c] = min(lo[c], p[i])
                hi[c] = max(hi[c], p[i])
            }
        }
        return PixelBounds(lower: lo, upper: hi)
    }

    public func clamp(_ x: Tensor) {
        for c in 0..<x.channels {
            let lo = lower[c], hi = upper[c], p = x.data + c * x.plane
            for i in 0..<x.plane { p[i] = min(max(p[i], lo), hi) }
        }
    }
}

/// Dot product with double accumulation: image-sized vectors sum millions of terms.
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    sf_dsdot(Int32(n), a, b)
}
