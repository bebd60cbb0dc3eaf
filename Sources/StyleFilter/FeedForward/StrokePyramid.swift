/// A trained network's picture at a size larger than the one it paints its look at. The network
/// paints strokes of the pixel size it learnt, so one pass over an 18 MP photo leaves a fine
/// texture and, seen whole, little of the painting. Instead the network paints the photo at the
/// preset's size (the look), and again at each octave up to the result's size, and each pass
/// keeps only what the smaller ones could not give: its picture is corrected until, reduced to
/// the size below, it is the picture so far (iterative back-projection, Irani & Peleg 1991,
/// kept within the pixel range at every step, as alternating projections),
///
///     R₀ = N(base),   Rₖ ← N(sₖ), then repeatedly Rₖ ← Rₖ + up(Rₖ₋₁ − down(Rₖ)),
///
/// so the result seen whole is the base pass's picture, and at 1:1 it has the network's own
/// marks, with strokes of every size in between (Wang et al., CVPR 2017, "Multimodal Transfer",
/// build their hierarchy of networks for the same reason). The passes smaller than the result
/// cost about a third of its own.
public enum StrokePyramid {
    /// Long sides of the passes, smallest first: `base`, then the result's long side halved until
    /// it comes within √2 of the base (no pass at almost the size of the last).
    public static func sides(base: Int, full: Int) -> [Int] {
        guard full > base else { return [full] }
        var sides = [full]
        while Double(sides[0]) / 2 >= Double(base) * 2.0.squareRoot() { sides.insert((sides[0] + 1) / 2, at: 0) }
        return [base] + sides
    }

    /// Back-projections per pass. Ink on boston.jpg at 5176 px, reduced to 512 px, against the
    /// 512 px pass: 5 without the range kept left a mean difference of 14 of 255 and the style
    /// loss at 1.6×, 20 of them no better (what the range cuts off is lost); 20 within the range
    /// leave 4.4 and 1.08×, for some 10 s.
    static let defaultCorrections = 20

    /// The result at the photo's size, and the base pass's picture: `pass` paints the photo at each
    /// of the sizes `sides` gives, reduced here (not read again at each size), so every door that
    /// hands the job the same pixels gets the same picture.
    static func paint(_ photo: FloatRGBImage, base: Int, corrections: Int = defaultCorrections,
                      pass: (FloatRGBImage) throws -> FloatRGBImage) throws -> (result: FloatRGBImage, base: FloatRGBImage) {
        var result: FloatRGBImage?, first: FloatRGBImage?
        for side in sides(base: base, full: max(photo.width, photo.height)) {
            let size = StyleTransfer.contentSize(width: photo.width, height: photo.height, longSide: side)
            var painted = try pass(CentredResample.resize(photo, width: size.width, height: size.height))
            guard let coarser = result else {
                (result, first) = (painted, painted)
                continue
            }
            // One correction is the Laplacian pyramid (the pass's low octaves replaced by the
            // picture so far); resampling blurs what it carries, and on ink at 5176 px that left
            // the look's contrast at 0.7 and its style loss 2.8× the look's.
            for _ in 0..<corrections {
                var difference = CentredResample.resize(painted, width: coarser.width, height: coarser.height)
                for i in difference.values.indices { difference.values[i] = coarser.values[i] - difference.values[i] }
                let up = CentredResample.resize(difference, width: size.width, height: size.height)
                correct(&painted, by: up)
            }
            result = painted
        }
        return (result!, first!)
    }

    /// Each pixel moved along its correction as far as the pixel range allows. Clamping each
    /// channel instead turned the strokes' edges yellow and blue (ink on boston.jpg: 45 % of the
    /// pixels in colours the painting never uses).
    static func correct(_ picture: inout FloatRGBImage, by correction: FloatRGBImage) {
        picture.values.withUnsafeMutableBufferPointer { p in
            correction.values.withUnsafeBufferPointer { d in
                let p = SendablePointer(p.baseAddress!), d = SendablePointer(d.baseAddress!)
                parallel(correction.width * correction.height) { pixels in
                    for k in pixels {
                        var t: Float = 1
                        for c in 3 * k..<3 * k + 3 where d.pointer[c] != 0 {
                            let room = d.pointer[c] > 0 ? 255 - p.pointer[c] : -p.pointer[c]
                            t = min(t, max(room / d.pointer[c], 0))
                        }
                        for c in 3 * k..<3 * k + 3 { p.pointer[c] += t * d.pointer[c] }
                    }
                }
            }
        }
    }
}
