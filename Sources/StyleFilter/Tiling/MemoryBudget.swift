/// The memory a run may use, and the tile size that keeps each scale inside it.
///
/// The model counts what grows with pixels: the network's activations and gradient buffers grow
/// with the window, the image, its gradient, the optimizer's state and the stored content features
/// with the image. What does not grow (weights, their Winograd transforms, OpenBLAS, the runtime)
/// is `fixedBytes`: `filterctl bench --sizes 64` peaks at 603 MiB; the rest is headroom for the
/// allocator, libvips and the tiled objective's two 16 MiB band buffers.
public struct MemoryBudget: Sendable, Equatable {
    public let bytes: Int
    /// Set when the process cannot have the budget asked for: what the error then advises.
    let shortfall: String?

    public init(bytes: Int) {
        self.bytes = bytes
        shortfall = nil
    }

    init(bytes: Int, shortfall: String?) {
        self.bytes = bytes
        self.shortfall = shortfall
    }

    public static let fixedBytes = 800 << 20
    /// Below this, the halo's overlap makes tiles several times slower than one pass.
    public static let smallestTile = 128

    /// "2G", "1500M", "3.5GiB", or a plain number of bytes.
    public init(parsing text: String) throws {
        let gib = 1073741824.0, mib = 1048576.0, kib = 1024.0
        let units: [(String, Double)] = [("gib", gib), ("gb", gib), ("g", gib), ("mib", mib), ("mb", mib), ("m", mib),
                                         ("kib", kib), ("kb", kib), ("k", kib), ("", 1)]
        let lower = text.lowercased().filter { $0 != " " }
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            if let value = Double(lower.dropLast(suffix.count)), value.isFinite, value > 0, value * factor < 1e15 {
                self.init(bytes: Int(value * factor))
                return
            }
            break
        }
        throw StyleFilterError.invalidArgument("memory size '\(text)': use a number with K, M or G (e.g. 2G)")
    }

    /// A network pass to `deepest` per pixel of its window: every layer's output, one gradient
    /// buffer per resolution and the input's gradient (VGG19Pass allocates exactly these).
    static func passBytesPerPixel(deepest: Int) -> Double {
        var floats = 3.0, level = 0, widest: [Int: Int] = [:]
        for i in 0...deepest {
            let channels = VGG19.layerChannels[i]
            if case .pool = VGG19.layers[i].stage { level += 1 }
            floats += Double(channels) / Double(1 << (2 * level))
            widest[level] = max(widest[level] ?? 0, channels)
        }
        for (l, c) in widest { floats += Double(c) / Double(1 << (2 * l)) }
        return 4 * floats
    }

    /// A window's pass for these options: with the sliced loss, also a core's projections at the
    /// layer where they are largest (one buffer serves every layer).
    static func passBytesPerPixel(_ options: TransferOptions) -> Double {
        let pass = passBytesPerPixel(deepest: options.deepestLayer)
        guard options.styleLoss == .sliced else { return pass }
        let projections = options.activeStyleLayers.map { layer in
            Double(options.projections ?? VGG19.layerChannels[layer.index]) / Double(1 << (2 * TiledObjective.level(of: layer.index)))
        }
        return pass + 4 * (projections.max() ?? 0)
    }

    /// Image-sized state per pixel: the image, its gradient, the optimizer's state (Adam's
    /// half-precision moments, or L-BFGS's history, its three work vectors and the best image)
    /// and, when tiled, the content features in half precision. While a scale starts, the photo's
    /// network copy takes the gradient's place (the gradient is made after it is gone).
    static func stateBytesPerPixel(_ options: TransferOptions, tiled: Bool) -> Double {
        var bytes = 2.0 * 4 * 3
        switch options.optimizer {
        case .adam: bytes += tiled ? 12 : 24
        case .lbfgs: bytes += Double(2 * options.history + 4) * 12
        }
        if tiled {
            for layer in options.activeContentLayers {
                bytes += 2 * Double(VGG19.layerChannels[layer.index]) / Double(1 << (2 * TiledObjective.level(of: layer.index)))
            }
        }
        return bytes
    }

    /// This budget, or less where the process cannot have that much (an address-space limit, a
    /// small machine): the fixed part is mostly allocated already, so what is left must hold the
    /// rest.
    public func limitedToAvailable() -> MemoryBudget {
        let possible = AvailableMemory.bytes() - AvailableMemory.headroom + Self.fixedBytes / 2
        guard possible < bytes else { return self }
        return MemoryBudget(bytes: possible, shortfall: "this process can have only about \(AvailableMemory.mebibytes(possible)) MiB "
            + "(its address-space limit or the machine's memory)")
    }

    /// What a transfer of this size allocates (as the model counts it): one pass and the state at
    /// image size, or, tiled, a window's pass and the tiled state.
    public static func transferBytes(width: Int, height: Int, options: TransferOptions) -> Int {
        let pixels = Double(width) * Double(height)
        let pass = passBytesPerPixel(options)
        guard let tiles = options.tiles, width > tiles.width || height > tiles.height else {
            return Int(min(pixels * (pass + stateBytesPerPixel(options, tiled: false)), 1e18))
        }
        let window = Double(min(width, tiles.width + 2 * options.tileHalo + 15)) * Double(min(height, tiles.height + 2 * options.tileHalo + 15))
        return Int(min(window * pass + pixels * stateBytesPerPixel(options, tiled: true), 1e18))
    }

    /// The tiles for an image of this size: nil when one pass fits; else the tile height and width
    /// whose windows fit beside the image-sized state and cover the image with the fewest pixels.
    /// A grid shifted at random has about length/tile + 1 windows per axis, each tile + 2·halo
    /// long: so a scale a little larger than one window is better cut into strips than into
    /// squares (1294×866 in 2 GiB: windows add up to about 1.8× the image's pixels in strips of
    /// 432×866, 3.7× in squares of 624). With local style statistics, tiles are at most the
    /// style region (the cores are the regions), even where one pass would fit.
    public func tiles(width: Int, height: Int, options: TransferOptions) throws -> TileShape? {
        let pixels = Double(width * height), halo = options.tileHalo
        let free = Double(bytes - Self.fixedBytes)
        let pass = Self.passBytesPerPixel(options)
        let region = options.styleRegion.map { max(Self.smallestTile, $0 / 16 * 16) } ?? Int.max
        if pixels * (pass + Self.stateBytesPerPixel(options, tiled: false)) <= free, width <= region, height <= region { return nil }
        let area = (free - pixels * Self.stateBytesPerPixel(options, tiled: true)) / pass
        /// (window length, expected windows) for a tile along an axis; the window may be up to
        /// 15 px longer than tile + 2·halo (windows start on multiples of 16).
        func axis(_ length: Int, _ tile: Int) -> (window: Int, count: Double) {
            tile + 2 * halo >= length ? (length, 1) : (tile + 2 * halo + 15, Double(length) / Double(tile) + 1)
        }
        // An axis shorter than the smallest tile (a panorama's height) is one tile: its whole length.
        let smallestColumn = min(Self.smallestTile, width), smallestRow = min(Self.smallestTile, height)
        var best: (shape: TileShape, cost: Double)?
        for columnTile in stride(from: smallestColumn, through: min(width, region), by: 16) {
            let columns = axis(width, columnTile)
            let rowWindow = Int(area / Double(columns.window))
            let rowTile = min(rowWindow >= height ? height : (rowWindow - 2 * halo - 15) / 16 * 16, region)
            guard rowTile >= smallestRow else { continue }
            let rows = axis(height, rowTile)
            let cost = columns.count * Double(columns.window) * rows.count * Double(rows.window)
            if cost < best?.cost ?? .infinity { best = (TileShape(height: rowTile, width: columnTile), cost) }
            if columns.count == 1 { break }
        }
        guard let best else {
            let window = Double(min(width, smallestColumn + 2 * halo + 15) * min(height, smallestRow + 2 * halo + 15))
            let needed = Double(Self.fixedBytes) + pixels * Self.stateBytesPerPixel(options, tiled: true) + pass * window
            let hint = options.optimizer == .lbfgs ? " (or use Adam, or a shorter L-BFGS history)" : ""
            let advice = (shortfall.map { "; \($0)" } ?? "; raise --max-memory") + hint
            throw StyleFilterError.invalidArgument("\(width)×\(height) needs about \(Int(needed / 1048576) + 1) MiB with \(options.optimizer.rawValue)\(advice)")
        }
        return best.shape
    }
}
