/// What a detail scale keeps of the composition scale (the preview): its picture, exactly, at a
/// given resolution (`JobPlan.Refinement.holdRatio`: half the preview's by default; "the
/// preview" below is the preview reduced to it). After every optimizer step the image is reduced
/// to the preview's size as image tools reduce it (each preview pixel a tent-weighted mean of the
/// pixels within one preview pixel of its centre) and the difference from the preview is taken
/// off, enlarged bilinearly: the detail scale paints only what a reduction to that size does not
/// see.
///
/// A loss term tying the image to the previous scale cannot do this under Adam: Adam scales every
/// pixel's step to the learning rate whatever the gradient's size, so a strong tie stops the
/// detail and a weak one lets the preview's finest octave drift, and the look at the preview's
/// size with it (docs/benchmarks-notebook.md#large-look: 137× the preview's
/// style loss held by box means, 2.2× by the tent, 1.1× by the tent inside the pixel range).
struct CompositionLock: @unchecked Sendable {
    /// The preview, in the network's space.
    let target: Tensor
    let rows: TentWeights
    let columns: TentWeights
    let rowsUp: LinearWeights
    let columnsUp: LinearWeights
    /// R x − t, at the preview's size.
    let residual: Tensor

    /// `preview` (the composition scale's result, in the network's space) for an image of `width` × `height`.
    public init(preview: Tensor, width: Int, height: Int) {
        precondition(preview.width <= width && preview.height <= height, "the preview is not larger than the image")
        rows = TentWeights(from: height, to: preview.height)
        columns = TentWeights(from: width, to: preview.width)
        rowsUp = LinearWeights(from: preview.height, to: height)
        columnsUp = LinearWeights(from: preview.width, to: width)
        target = Tensor(channels: 3, height: preview.height, width: preview.width)
        target.copy(from: preview)
        residual = Tensor(channels: 3, height: preview.height, width: preview.width)
    }

    /// `preview` reduced as the lock reduces (a tent) to a long side of `longSide`, if that is
    /// smaller: what is held of it.
    public static func reduced(_ preview: Tensor, longSide: Int?) -> Tensor {
        guard let longSide, longSide < max(preview.width, preview.height) else { return preview }
        let size = StyleTransfer.contentSize(width: preview.width, height: preview.height, longSide: max(1, longSide))
        let small = Tensor(channels: 3, height: size.height, width: size.width)
        CompositionLock(preview: small, width: preview.width, height: preview.height).reduce(preview, into: small)
        return small
    }

    /// Moves `image` onto the preview: `rounds` times, the residual R x − t is enlarged and taken
    /// off. Reducing the enlargement is a slight blur of the preview's grid (at its finest
    /// frequency about 0.4 in two dimensions), so each round leaves at most 0.6 of the residual.
    /// With `bounds`, every round ends inside the pixel range (alternating projections): where
    /// the preview is at the range's edge, detail clipped there would otherwise move the mean
    /// off the preview, and a mean the lock puts back outside the range would be clipped again.
    /// Returns the residual's RMS before, in pixel levels.
    @discardableResult
    public func apply(_ image: Tensor, bounds: PixelBounds? = nil, rounds: Int = 6) -> Double {
        var first = 0.0
        for round in 0..<rounds {
            reduce(image, into: residual)
            var sum = 0.0
            for i in 0..<residual.count {
                residual.data[i] -= target.data[i]
                sum += Double(residual.data[i] * residual.data[i])
            }
            if round == 0 { first = (sum / Double(residual.count)).squareRoot() }
            subtractEnlarged(residual, from: image)
            bounds?.clamp(image)
        }
        return first
    }

    /// R x: `image` reduced to `small`'s size, row by row, so only small-sized buffers exist (an
    /// image-sized one at 18 megapixels would be 215 MB).
    func reduce(_ image: Tensor, into small: Tensor) {
        let w = image.width, tw = small.width
        var rowSum = [Float](repeating: 0, count: w)
        for c in 0..<3 {
            let x = image.data + c * image.plane, s = small.data + c * small.plane
            for j in 0..<small.height {
                for i in 0..<w { rowSum[i] = 0 }
                for (y, a) in rows.taps[j] { for i in 0..<w { rowSum[i] += a * x[y * w + i] } }
                for k in 0..<tw {
                    var v: Float = 0
                    for (i, a) in columns.taps[k] { v += a * rowSum[i] }
                    s[j * tw + k] = v
                }
            }
        }
    }

    /// image −= the residual enlarged bilinearly to the image's size, row by row.
    private func subtractEnlarged(_ small: Tensor, from image: Tensor) {
        let w = image.width, sw = small.width
        var row = [Float](repeating: 0, count: sw)
        for c in 0..<3 {
            let s = small.data + c * small.plane, x = image.data + c * image.plane
            for y in 0..<image.height {
                let (y0, y1, fy) = rowsUp.taps[y]
                for k in 0..<sw { row[k] = (1 - fy) * s[y0 * sw + k] + fy * s[y1 * sw + k] }
                let line = x + y * w
                for i in 0..<w {
                    let (x0, x1, fx) = columnsUp.taps[i]
                    line[i] -= (1 - fx) * row[x0] + fx * row[x1]
                }
            }
        }
    }
}

/// One axis of a reduction from `from` samples to `to`: each output's inputs and weights, a tent
/// one output spacing wide on each side of its centre, normalised (image tools' bilinear
/// reduction). Neighbouring outputs share inputs, so what the lock takes off has no block edges.
struct TentWeights {
    let taps: [[(Int, Float)]]

    init(from n: Int, to m: Int) {
        precondition(m >= 1 && m <= n)
        let ratio = Double(n) / Double(m)
        taps = (0..<m).map { k in
            let centre = (Double(k) + 0.5) * ratio
            let near = (max(0, Int(centre - ratio))..<min(n, Int((centre + ratio).rounded(.up)))).compactMap { i -> (Int, Double)? in
                let w = 1 - abs(Double(i) + 0.5 - centre) / ratio
                return w > 1e-9 ? (i, w) : nil
            }
            let sum = near.reduce(0) { $0 + $1.1 }
            return near.map { ($0.0, Float($0.1 / sum)) }
        }
    }
}

/// One axis of a bilinear enlargement from `from` samples to `to`, pixel centres aligned: each
/// output's two inputs and the second one's weight.
struct LinearWeights {
    let taps: [(Int, Int, Float)]

    init(from n: Int, to m: Int) {
        let ratio = Double(n) / Double(m)
        taps = (0..<m).map { i in
            let u = min(max((Double(i) + 0.5) * ratio - 0.5, 0), Double(n - 1))
            let j = min(Int(u), n - 1)
            return (j, min(j + 1, n - 1), Float(u - Double(j)))
        }
    }
}
