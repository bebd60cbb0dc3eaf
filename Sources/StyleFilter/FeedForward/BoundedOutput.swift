// Glibc, not Foundation, for exp: Foundation would link itself and ICU into the library and the tool.
#if canImport(Glibc)
import Glibc
#endif

/// The feed-forward network's last step: its output squashed into the pixel range by a sigmoid,
/// y = lower + 255 · σ(slope · z) per channel (the range in the network's space, BGR minus the mean).
///
/// Why: a linear output is free to leave the range, and VGG19 rewards it: far-saturated values
/// light the Gram matrices up. A network trained so (mosaic) reached the optimization's style loss
/// on its own unclamped output but 2.5× that once the picture was saved, clamped. Clamping inside
/// the training instead stops the gradient of every clipped pixel and the output runs off (tried);
/// the sigmoid keeps the range and a gradient everywhere. Its slope at mid-grey is 1, so an
/// untrained network's small output is the same grey as without it.
enum BoundedOutput {
    static let slope: Float = 4 / 255
    static let range: Float = 255

    /// z → y in place.
    static func forward(_ x: Tensor) {
        let lower = PixelBounds.network.lower
        for c in 0..<x.channels {
            let p = x.data + c * x.plane, low = lower[c]
            for i in 0..<x.plane { p[i] = low + range / (1 + exp(-slope * p[i])) }
        }
    }

    /// ∂L/∂z from ∂L/∂y in place, from the output alone: σ′ = σ(1 − σ) = (y − lower)(upper − y) / 255².
    static func backward(output y: Tensor, grad g: Tensor) {
        let lower = PixelBounds.network.lower
        for c in 0..<y.channels {
            let py = y.data + c * y.plane, pg = g.data + c * g.plane, low = lower[c], high = low + range
            for i in 0..<y.plane { pg[i] *= slope * (py[i] - low) * (high - py[i]) / range }
        }
    }
}
