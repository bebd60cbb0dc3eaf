/// An 8-bit sRGB picture, pixels interleaved R, G, B row by row.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Into the network's input space: BGR planes, 0…255 minus the Caffe mean.
    public func networkTensor() -> Tensor {
        let t = Tensor(channels: 3, height: height, width: width)
        let plane = width * height
        for i in 0..<plane {
            for c in 0..<3 {
                // RGB → BGR: network channel c holds source channel 2 − c.
                t.data[c * plane + i] = Float(pixels[3 * i + 2 - c]) - VGG19.meanBGR[c]
            }
        }
        return t
    }

    /// Back from the network's space, rounded and clamped to 0…255.
    public init(networkTensor t: Tensor) {
        precondition(t.channels == 3)
        let plane = t.plane
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 {
                let v = (t.data[c * plane + i] + VGG19.meanBGR[c]).rounded()
                pixels[3 * i + 2 - c] = UInt8(min(max(v, 0), 255))
            }
        }
        self.init(width: t.width, height: t.height, pixels: pixels)
    }
}
