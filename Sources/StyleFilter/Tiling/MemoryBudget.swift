/// The memory a run may use, and the tile size that keeps each scale inside it.
///
/// The model counts what grows with pixels: the network's activations and gradient buffers grow
/// with the window, the image, its gradient, the optimizer's state and the stored content features
/// with the image. What does not grow (weights, their Winograd transforms, OpenBLAS, the runtime)
/// is `fixedBytes`, measured: `filterctl bench --sizes 64` peaks at 603 MiB.
public struct MemoryBudget: Sendable, Equatable {
    public let bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    public static let fixedBytes = 700 << 20
    /// Windows beyond this gain little speed (the halo's share is already small) and cost memory.
    public static let largestTile = 1024
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

    /// The tile size for an image of this size: nil when one pass fits, else the largest tile
    /// (a multiple of 16) whose window fits beside the image-sized state.
    public func tileSize(width: Int, height: Int, options: TransferOptions) throws -> Int? {
        let pixels = Double(width * height), deepest = options.deepestLayer
        let free = Double(bytes - Self.fixedBytes)
        let pass = Self.passBytesPerPixel(deepest: deepest)
        if pixels * (pass + Self.stateBytesPerPixel(options, tiled: false)) <= free { return nil }
        let forWindows = free - pixels * Self.stateBytesPerPixel(options, tiled: true)
        let window = forWindows > 0 ? Int((forWindows / pass).squareRoot()) : 0
        let tile = min(Self.largestTile, (window - 2 * options.tileHalo) / 16 * 16)
        guard tile >= Self.smallestTile else {
            let needed = Double(Self.fixedBytes) + pixels * Self.stateBytesPerPixel(options, tiled: true)
                + pass * Double((Self.smallestTile + 2 * options.tileHalo) * (Self.smallestTile + 2 * options.tileHalo))
            let hint = options.optimizer == .lbfgs ? " (or use Adam, or a shorter L-BFGS history)" : ""
            throw StyleFilterError.invalidArgument("\(width)×\(height) needs about \(Int(needed / 1048576) + 1) MiB with \(options.optimizer.rawValue); raise --max-memory\(hint)")
        }
        return tile
    }
}
