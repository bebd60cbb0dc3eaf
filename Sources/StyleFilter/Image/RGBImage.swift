/// An 8-bit sRGB picture (styles, tiles, contact sheets; photos go through FloatRGBImage), pixels interleaved R, G, B row by row.
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

    public func networkTensor() -> Tensor { FloatRGBImage(self).networkTensor() }

    /// Back from the network's space, rounded and clamped to 0…255.
    public init(networkTensor t: Tensor) { self = FloatRGBImage(networkTensor: t).rounded }
}

extension RGBImage: NetworkInput {}
