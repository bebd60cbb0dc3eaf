/// Linear resampling with pixel centres aligned, widened into an antialiasing tent when it
/// shrinks (PIL's BILINEAR filter). libvips' linear enlargement aligns pixel corners, so its
/// reduction after an enlargement shifts the picture by a fraction of a pixel; corrections that
/// go down and up again many times (StrokePyramid's) would then grow the finest octave each
/// time instead of settling. Centred, the round trip is a symmetric blur and they settle.
enum CentredResample {
    /// Each output position's source indices and weights along one axis.
    struct Taps {
        var first: [Int]
        var weights: [[Float]]

        init(from source: Int, to target: Int) {
            let scale = Double(source) / Double(target), support = max(1, scale)
            first = []
            weights = []
            for i in 0..<target {
                let centre = (Double(i) + 0.5) * scale
                let low = max(0, Int((centre - support).rounded(.down))), high = min(source - 1, Int((centre + support).rounded(.up)))
                var w = (low...high).map { j in max(0, 1 - abs((Double(j) + 0.5 - centre) / support)) }
                let sum = w.reduce(0, +)
                w = w.map { $0 / sum }
                first.append(low)
                weights.append(w.map(Float.init))
            }
        }
    }

    static func resize(_ image: FloatRGBImage, width: Int, height: Int) -> FloatRGBImage {
        guard width != image.width || height != image.height else { return image }
        let across = Taps(from: image.width, to: width), down = Taps(from: image.height, to: height)
        // Rows first (source rows × target columns), then columns.
        var rows = [Float](repeating: 0, count: image.height * width * 3)
        image.values.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { out in
                let s = SendablePointer(source.baseAddress!), o = SendablePointer(out.baseAddress!)
                parallel(image.height) { range in
                    for y in range {
                        let from = s.pointer + y * image.width * 3, to = o.pointer + y * width * 3
                        for x in 0..<width {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for (k, w) in across.weights[x].enumerated() {
                                let p = from + (across.first[x] + k) * 3
                                r += w * p[0]
                                g += w * p[1]
                                b += w * p[2]
                            }
                            (to[3 * x], to[3 * x + 1], to[3 * x + 2]) = (r, g, b)
                        }
                    }
                }
            }
        }
        var values = [Float](repeating: 0, count: height * width * 3)
        rows.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { out in
                let s = SendablePointer(source.baseAddress!), o = SendablePointer(out.baseAddress!)
                let stride = width * 3
                parallel(height) { range in
                    for y in range {
                        let to = o.pointer + y * stride
                        for (k, w) in down.weights[y].enumerated() {
                            let from = s.pointer + (down.first[y] + k) * stride
                            for i in 0..<stride { to[i] += w * from[i] }
                        }
                    }
                }
            }
        }
        return FloatRGBImage(width: width, height: height, values: values)
    }
}
