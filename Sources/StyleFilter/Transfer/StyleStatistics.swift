/// What the style loss needs of the style image(s): one Gram matrix per style layer. Computing
/// them is a full VGG19 pass over the style, so presets cache them (`StyleStatisticsCache`).
public struct StyleStatistics: Sendable, Equatable {
    /// Layer name → C × C Gram matrix, row-major, in loss order.
    public let grams: [(layer: String, gram: [Float])]

    public init(grams: [(layer: String, gram: [Float])]) {
        self.grams = grams
    }

    public static func == (a: StyleStatistics, b: StyleStatistics) -> Bool {
        a.grams.count == b.grams.count && zip(a.grams, b.grams).allSatisfy { $0.layer == $1.layer && $0.gram == $1.gram }
    }

    public func gram(layer: String, channels: Int) -> [Float]? {
        guard let g = grams.first(where: { $0.layer == layer })?.gram, g.count == channels * channels else { return nil }
        return g
    }

    /// The Gram matrix of each layer, in order; an error names a layer the statistics lack.
    public func targets(for layers: [LayerWeight]) throws -> [[Float]] {
        try layers.map { layer in
            guard let g = gram(layer: layer.name, channels: VGG19.layerChannels[layer.index]) else {
                throw StyleFilterError.invalidArgument("no style statistics for layer \(layer.name)")
            }
            return g
        }
    }

    /// Σ wᵢ Gram(styleᵢ) / Σ wᵢ at each layer: several styles blend through their statistics.
    /// A style larger than `tiles` is summed window by window, so a style scaled up for a large
    /// result needs no more memory than the tiles. (The style's own tiles: the same area as the
    /// image's, square, as a style image has its own shape.)
    public init(network: VGG19, styles: [(image: RGBImage, weight: Float)], layers: [LayerWeight],
                tiles: TileShape? = nil, halo: Int = TransferOptions().tileHalo) throws {
        guard let deepest = layers.map(\.index).max() else {
            self.init(grams: [])
            return
        }
        let total = styles.reduce(0) { $0 + $1.weight }
        guard total > 0, styles.allSatisfy({ $0.weight >= 0 && $0.weight.isFinite }) else {
            throw StyleFilterError.invalidArgument("style blend weights must be ≥ 0 and not all 0")
        }
        var sums: [[Float]] = []
        for style in styles {
            try StyleTransfer.checkSize(style.image, deepest: deepest, what: "style image")
            let grams: [[Float]]
            if let tiles, style.image.width * style.image.height > (tiles.width + 2 * halo) * (tiles.height + 2 * halo) {
                let side = Int((Double((tiles.width + 2 * halo) * (tiles.height + 2 * halo))).squareRoot()) - 2 * halo - 15
                let square = TileShape(height: max(16, side / 16 * 16), width: max(16, side / 16 * 16))
                grams = try TiledObjective.grams(network: network, image: style.image.networkTensor(), layers: layers, tiles: square, halo: halo)
            } else {
                try AvailableMemory.ensure(Int(Double(style.image.width * style.image.height) * MemoryBudget.passBytesPerPixel(deepest: deepest)),
                                           for: "the statistics of a \(style.image.width)×\(style.image.height) style image")
                let pass = VGG19Pass(network: network, height: style.image.height, width: style.image.width, deepest: deepest)
                pass.forward(style.image.networkTensor())
                grams = layers.map { StyleLoss.gram(of: pass.outputs[$0.index]) }
            }
            for (i, gram) in grams.enumerated() {
                let g = gram.map { $0 * style.weight / total }
                if sums.count <= i { sums.append(g) } else { for j in g.indices { sums[i][j] += g[j] } }
            }
        }
        self.init(grams: zip(layers, sums).map { ($0.name, $1) })
    }
}
