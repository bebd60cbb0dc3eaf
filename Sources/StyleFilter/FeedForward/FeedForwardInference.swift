/// A trained feed-forward network applied to a photo of any size within a fixed memory: the photo is cut
/// into tiles, each run in a window with `halo` pixels of context, and every tile is normalised
/// with one set of instance-norm statistics, so tiles agree and no seam appears.
///
/// The statistics are the photo's own when it fits in one window; a larger photo's are measured on
/// the photo shrunk to `statisticsSide` in one pass. Exact whole-image statistics would take one
/// tiled pass per normalisation layer, each deeper than the last (about six forward passes for
/// Johnson et al.'s network), and each channel's mean and spread change little with the size.
enum FeedForwardInference {
    /// Context around each tile: the network's reach is 54 px (two 9×9 convolutions, and ten 3×3
    /// ones at a quarter of the resolution), so 64 keeps every tile's core exact.
    public static let defaultHalo = 64

    /// Tiles of at most this side: windows of about a megapixel (some 290 MB of buffers) keep the
    /// context's share of the work at a quarter.
    public static let defaultTile = 1024

    /// `image` in the network's space; the result in the same space and size.
    public static func run(_ network: FeedForwardNetwork, image: Tensor, tile: Int = defaultTile, halo: Int = defaultHalo,
                           statisticsSide: Int = 1024) throws -> Tensor {
        let m = FeedForwardNetwork.Shape.sizeMultiple
        guard tile >= 4 * m, tile % m == 0, halo >= 0, halo % m == 0 else {
            throw StyleFilterError.invalidArgument("network tiles must be multiples of 4 px, at least 16, halos multiples of 4")
        }
        let statistics = try wholeImageStatistics(network, image: image, side: statisticsSide)
        let output = Tensor(channels: 3, height: image.height, width: image.width)
        // As many tiles per axis as `tile` needs, sized evenly: a last sliver would cost a whole
        // window. Windows are of one size, so one pass serves them all; at the image's edges they
        // are shifted inwards, and an image smaller than a window is padded by reflection to the
        // multiple of 4.
        let tileHeight = evenTile(image.height, most: tile), tileWidth = evenTile(image.width, most: tile)
        let windowHeight = min(tileHeight + 2 * halo, roundUp(image.height, m)), windowWidth = min(tileWidth + 2 * halo, roundUp(image.width, m))
        let pass = FeedForwardInferencePass(network: network, height: max(windowHeight, 4 * m), width: max(windowWidth, 4 * m))
        let input = Tensor(channels: 3, height: pass.height, width: pass.width)
        for top in stride(from: 0, to: image.height, by: tileHeight) {
            for left in stride(from: 0, to: image.width, by: tileWidth) {
                let core = (rows: top..<min(top + tileHeight, image.height), columns: left..<min(left + tileWidth, image.width))
                // The window around the core, moved inside the image and onto the stride-4 grid.
                let y0 = clampedStart(core.rows.lowerBound - halo, size: pass.height, length: image.height)
                let x0 = clampedStart(core.columns.lowerBound - halo, size: pass.width, length: image.width)
                crop(image, top: y0, left: x0, into: input)
                let out = pass.forward(input, statistics: statistics)
                for c in 0..<3 {
                    for y in core.rows {
                        let from = out.data + (c * out.height + y - y0) * out.width + (core.columns.lowerBound - x0)
                        (output.data + (c * output.height + y) * output.width + core.columns.lowerBound).update(from: from, count: core.columns.count)
                    }
                }
            }
        }
        // A damaged or hand-edited network can overflow: NaN would be saved as black, with success.
        guard UnsafeBufferPointer(start: output.data, count: output.count).allSatisfy(\.isFinite) else {
            throw StyleFilterError.input("the trained network painted values that are not finite numbers: its file is damaged; "
                                         + "train it again, or use --method optimize")
        }
        return output
    }

    /// About what `run` allocates for an image of `width` × `height` besides the image: the result,
    /// and one window's buffers: two of the widest activation (the network's width in channels at
    /// full resolution) and a residual block's middle (a quarter of that), 9 bytes a pixel per
    /// channel of width. The statistics pass's window is no larger than a tile's.
    public static func bytes(_ network: FeedForwardNetwork, width: Int, height: Int, tile: Int = defaultTile, halo: Int = defaultHalo) -> Int {
        let window = min(width, tile + 2 * halo) * min(height, tile + 2 * halo)
        return window * 9 * network.shape.width + width * height * 12
    }

    /// A picture (RGB, 0 … 255) through the network, the result as a picture of the same size.
    public static func stylize(_ network: FeedForwardNetwork, _ picture: FloatRGBImage, tile: Int = defaultTile) throws -> FloatRGBImage {
        FloatRGBImage(networkTensor: try run(network, image: picture.networkTensor(), tile: tile, statisticsSide: min(tile, 1024)))
    }

    /// The statistics each normalisation layer uses: from one pass over the image (shrunk to at
    /// most `side` on its long side, to a multiple of 4).
    static func wholeImageStatistics(_ network: FeedForwardNetwork, image: Tensor, side: Int) throws -> [InstanceNorm.Statistics] {
        let m = FeedForwardNetwork.Shape.sizeMultiple
        let scale = min(1, Double(side) / Double(max(image.height, image.width)))
        let h = max(4 * m, roundUp(Int((Double(image.height) * scale).rounded()), m))
        let w = max(4 * m, roundUp(Int((Double(image.width) * scale).rounded()), m))
        let small: Tensor
        if h == roundUp(image.height, m) && w == roundUp(image.width, m) {
            // The image itself, only padded: its own statistics, so a one-window run is the untiled one.
            small = Tensor(channels: 3, height: h, width: w)
            crop(image, top: 0, left: 0, into: small)
        } else {
            let picture = FloatRGBImage(networkTensor: image)
            small = try ImageIO.resize(picture, width: w, height: h).networkTensor()
        }
        let pass = FeedForwardInferencePass(network: network, height: h, width: w)
        pass.forward(small)
        return pass.statistics
    }

    static func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

    /// The side of `length`'s tiles: ⌈length / most⌉ of them, equal up to the multiple of 4.
    static func evenTile(_ length: Int, most: Int) -> Int {
        let count = (length + most - 1) / most
        return roundUp((length + count - 1) / count, FeedForwardNetwork.Shape.sizeMultiple)
    }

    /// The window's start on an axis, on the stride grid and within the image padded to a multiple
    /// of 4 (where the padding is the image mirrored, as a one-window run pads it).
    static func clampedStart(_ wanted: Int, size: Int, length: Int) -> Int {
        let m = FeedForwardNetwork.Shape.sizeMultiple
        return max(0, min(wanted, roundUp(length, m) - size)) / m * m
    }

    /// `into` filled from `image` at (top, left); past the image's edges mirrored, as the network
    /// pads.
    static func crop(_ image: Tensor, top: Int, left: Int, into window: Tensor) {
        for c in 0..<3 {
            for y in 0..<window.height {
                let sy = ReflectionPad.source(top + y, image.height)
                let row = image.data + (c * image.height + sy) * image.width
                let out = window.data + (c * window.height + y) * window.width
                for x in 0..<window.width { out[x] = row[ReflectionPad.source(left + x, image.width)] }
            }
        }
    }
}
