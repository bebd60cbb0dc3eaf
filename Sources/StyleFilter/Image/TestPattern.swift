#if canImport(Glibc)
import Glibc
#endif

extension RGBImage {
    /// A deterministic picture with edges and texture at several scales, so every VGG19 layer
    /// responds: the benchmark's input and the tests' small images need no files.
    public static func pattern(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let f = Double(seed) * 0.7 + 1
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let wave = sin(Double(x) * 0.05 * f + Double(c)) * cos(Double(y) * 0.031 * f) * 90
                    let stripes = Double((x / 16 + y / 24 + c) % 2) * 40
                    let v = 110 + wave + stripes + rng.nextUnit() * 20
                    pixels[(y * width + x) * 3 + c] = UInt8(min(max(v, 0), 255))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
