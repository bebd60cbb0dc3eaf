/// How one axis of a large image is cut for tiled evaluation: cores that partition the axis, each
/// inside a window of one fixed length that adds at least `halo` pixels of context where the
/// image has them. Windows start on multiples of 16, the stride of relu5_1, so every window's
/// pooling grid is the full image's and a window's features are the full image's features away
/// from its edges.
struct TileAxis: Sendable, Equatable {
    /// Window length: the whole axis if it is short, else between tile + 2·halo and 15 more, chosen
    /// so that (length − window) is a multiple of 16 and the last window ends on the image's edge.
    let window: Int
    let length: Int
    let tile: Int
    let halo: Int

    static let alignment = 16

    init(length: Int, tile: Int, halo: Int) {
        precondition((tile >= TileAxis.alignment || tile >= length) && halo >= TileAxis.alignment, "tile and halo of at least 16 pixels, or one tile")
        self.length = length
        self.tile = tile
        self.halo = halo
        let wanted = tile + 2 * halo
        window = length <= wanted ? length : length - TileAxis.alignment * ((length - wanted) / TileAxis.alignment)
    }

    /// The cores (boundaries at `offset` + k·tile, merged where they share a window) and the
    /// start of each one's window.
    func spans(offset: Int) -> [(core: Range<Int>, start: Int)] {
        var bounds = [0]
        var b = offset % tile == 0 ? tile : offset % tile
        while b < length {
            bounds.append(b)
            b += tile
        }
        bounds.append(length)
        var spans: [(core: Range<Int>, start: Int)] = []
        for (c0, c1) in zip(bounds, bounds.dropFirst()) {
            let aligned = Swift.max(0, (c0 - halo) / TileAxis.alignment * TileAxis.alignment)
            let start = Swift.min(aligned, length - window)
            assert(start <= c0 && start + window >= c1, "the window holds its core")
            // Neighbouring cores in the same window are one core: the window is evaluated once.
            if let last = spans.last, last.start == start {
                spans[spans.count - 1].core = last.core.lowerBound..<c1
            } else {
                spans.append((c0..<c1, start))
            }
        }
        return spans
    }

    /// A core's positions at a layer `level` poolings deep, relative to its window: the full
    /// image's positions q with c0 ≤ q·2^level < c1, so cores partition every layer too.
    func layerRange(core: Range<Int>, start: Int, level: Int) -> Range<Int> {
        let scale = 1 << level, size = length >> level
        let lower = Swift.min((core.lowerBound + scale - 1) / scale, size)
        let upper = Swift.min((core.upperBound + scale - 1) / scale, size)
        return (lower - start / scale)..<(upper - start / scale)
    }
}
