/// The picture as the network sees it before the mean is taken off: sRGB-encoded R, G, B
/// interleaved, on the 0…255 scale, as floats that are neither rounded nor clamped. A 16-bit photo
/// keeps its fine steps, and colours of a wide-gamut photo that sRGB cannot hold (below 0, above
/// 255) survive the optimization and come back in the photo's own profile.
public struct FloatRGBImage: Sendable, Equatable, NetworkInput {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0 && values.count == width * height * 3)
        self.width = width
        self.height = height
        self.values = values
    }

    public init(_ image: RGBImage) {
        self.init(width: image.width, height: image.height, values: image.pixels.map { Float($0) })
    }

    /// Rounded and clamped to 8 bits.
    public var rounded: RGBImage {
        RGBImage(width: width, height: height, pixels: values.map(Quantize.byte))
    }

    /// Into the network's input space: BGR planes, minus the Caffe mean.
    public func networkTensor() -> Tensor {
        let t = Tensor(channels: 3, height: height, width: width)
        let plane = width * height
        for i in 0..<plane {
            for c in 0..<3 {
                // RGB → BGR: network channel c holds source channel 2 − c.
                t.data[c * plane + i] = values[3 * i + 2 - c] - VGG19.meanBGR[c]
            }
        }
        return t
    }

    public init(networkTensor t: Tensor) {
        precondition(t.channels == 3)
        let plane = t.plane
        var values = [Float](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 { values[3 * i + 2 - c] = t.data[c * plane + i] + VGG19.meanBGR[c] }
        }
        self.init(width: t.width, height: t.height, values: values)
    }
}

/// A picture the optimization can start from or aim at.
public protocol NetworkInput {
    var width: Int { get }
    var height: Int { get }
    func networkTensor() -> Tensor
}

extension Tensor: NetworkInput {
    /// A tensor is already in the network's space (3 × H × W, BGR, mean subtracted).
    public func networkTensor() -> Tensor { self }
}
