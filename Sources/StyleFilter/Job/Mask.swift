/// Where a result is stylized: a grey image over the photo, white for the stylized result, black
/// for the photo as it was, greys for a mix (soft edges come from soft greys). Applied once, at
/// the end, at the result's size: the optimization itself sees the whole photo, so the stylized
/// part's strokes are the same as without a mask.
public struct Mask: Sendable {
    let source: PhotoInput

    /// `source` must have the photo's proportions (within 1 %): a mask drawn for another crop
    /// would land in the wrong place.
    public init(_ source: PhotoInput, photoWidth: Int, photoHeight: Int) throws {
        let ratio = Double(source.width) / Double(source.height), photoRatio = Double(photoWidth) / Double(photoHeight)
        guard abs(ratio / photoRatio - 1) <= 0.01 else {
            throw StyleFilterError.input(
                "the mask is \(source.width)×\(source.height) and the photo \(photoWidth)×\(photoHeight): a mask needs the photo's proportions")
        }
        self.source = source
    }

    /// `stylized` where the mask is white, `photo` where it is black, a mix between.
    public func blend(_ stylized: FloatRGBImage, over photo: FloatRGBImage) throws -> FloatRGBImage {
        precondition(stylized.width == photo.width && stylized.height == photo.height)
        let mask = try source.colour(width: stylized.width, height: stylized.height)
        var out = stylized
        for p in 0..<(stylized.width * stylized.height) {
            // The mask's lightness: the mean of its channels (a grey mask has them equal).
            let weight = min(max((mask.values[3 * p] + mask.values[3 * p + 1] + mask.values[3 * p + 2]) / (3 * 255), 0), 1)
            for c in 0..<3 {
                let i = 3 * p + c
                out.values[i] = weight * stylized.values[i] + (1 - weight) * photo.values[i]
            }
        }
        return out
    }
}
