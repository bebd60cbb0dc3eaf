/// What the style loss needs of the style image(s): one Gram matrix per style layer. Computing
/// them is a full VGG19 pass over the style, so presets cache them (`StyleStatisticsCache`).
public struct StyleStatistics: Sendable, Equatable {
    /// Layer name → C × C Gram matrix, row-major, in loss order.
    public let grams: [(layer: String, gram: [Float])]
    /// Layer name → the painting's quantiles along the sliced loss's directions (only when a run
    /// uses that loss).
    let slices: [(layer: String, targets: SliceTargets)]

    init(grams: [(layer: String, gram: [Float])], slices: [(layer: String, targets: SliceTargets)] = []) {
        self.grams = grams
        self.slices = slices
    }

    public static func == (a: StyleStatistics, b: StyleStatistics) -> Bool {
        a.grams.count == b.grams.count && zip(a.grams, b.grams).allSatisfy { $0.layer == $1.layer && $0.gram == $1.gram }
            && a.slices.count == b.slices.count && zip(a.slices, b.slices).allSatisfy { $0.layer == $1.layer && $0.targets == $1.targets }
    }

    /// The style losses `options` asks for against these statistics, one per active style layer:
    /// Gram matrices or the sliced distance (its targets must be here).
    func losses(_ options: TransferOptions) throws -> [any FeatureLoss] {
        let layers = options.activeStyleLayers
        switch options.styleLoss {
        case .gram:
            return zip(layers, try targets(for: layers)).map { StyleLoss(layer: $0.index, weight: options.styleWeight * $0.weight, target: $1) }
        case .sliced:
            return zip(layers, try sliceTargets(for: layers)).map {
                SlicedWassersteinLoss(layer: $0.index, weight: options.styleWeight * $0.weight, target: $1)
            }
        }
    }

    /// The sliced loss's targets of each layer, in order.
    func sliceTargets(for layers: [LayerWeight]) throws -> [SliceTargets] {
        try layers.map { layer in
            guard let t = slices.first(where: { $0.layer == layer.name })?.targets else {
                throw StyleFilterError.invalidArgument("no sliced statistics for layer \(layer.name) (presets keep Gram matrices only, for now)")
            }
            return t
        }
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
    /// With `sliced` (the run's options), the paintings' quantiles along its directions too, blended
    /// as their weighted mean: along one direction, the Wasserstein barycentre of distributions.
    public init(network: VGG19, styles: [(image: RGBImage, weight: Float)], layers: [LayerWeight],
                tiles: TileShape? = nil, halo: Int = TransferOptions().tileHalo, sliced: TransferOptions? = nil) throws {
        guard let deepest = layers.map(\.index).max() else {
            self.init(grams: [])
            return
        }
        let total = styles.reduce(0) { $0 + $1.weight }
        guard total > 0, styles.allSatisfy({ $0.weight >= 0 && $0.weight.isFinite }) else {
            throw StyleFilterError.invalidArgument("style blend weights must be ≥ 0 and not all 0")
        }
        var sums: [[Float]] = [], quantiles: [(directions: SliceDirections, values: [Float])] = []
        for style in styles {
            try StyleTransfer.checkSize(style.image, deepest: deepest, what: "style image")
            let grams: [[Float]]
            var slices: [SliceTargets] = []
            if let tiles, style.image.width * style.image.height > (tiles.width + 2 * halo) * (tiles.height + 2 * halo) {
                let side = Int((Double((tiles.width + 2 * halo) * (tiles.height + 2 * halo))).squareRoot()) - 2 * halo - 15
                let square = TileShape(height: max(16, side / 16 * 16), width: max(16, side / 16 * 16))
                let tensor = style.image.networkTensor()
                grams = try TiledObjective.grams(network: network, image: tensor, layers: layers, tiles: square, halo: halo)
                if let sliced {
                    slices = try TiledObjective.sliceTargets(network: network, image: tensor, layers: layers, options: sliced, tiles: square, halo: halo)
                }
            } else {
                try AvailableMemory.ensure(Int(Double(style.image.width * style.image.height) * MemoryBudget.passBytesPerPixel(deepest: deepest)),
                                           for: "the statistics of a \(style.image.width)×\(style.image.height) style image")
                let pass = VGG19Pass(network: network, height: style.image.height, width: style.image.width, deepest: deepest)
                pass.forward(style.image.networkTensor())
                grams = layers.map { StyleLoss.gram(of: pass.outputs[$0.index]) }
                if let sliced {
                    slices = layers.map { layer in
                        let features = pass.outputs[layer.index]
                        return SliceTargets(features: features, directions: sliced.sliceDirections(channels: features.channels, layer: layer.index))
                    }
                }
            }
            for (i, gram) in grams.enumerated() {
                let g = gram.map { $0 * style.weight / total }
                if sums.count <= i { sums.append(g) } else { for j in g.indices { sums[i][j] += g[j] } }
            }
            for (i, t) in slices.enumerated() {
                let q = t.values.map { $0 * style.weight / total }
                if quantiles.count <= i { quantiles.append((t.directions, q)) } else { for j in q.indices { quantiles[i].values[j] += q[j] } }
            }
        }
        let slices = zip(layers, quantiles).map { layer, q in
            (layer: layer.name, targets: SliceTargets(directions: q.directions, quantiles: q.values.count / q.directions.count, values: q.values))
        }
        self.init(grams: zip(layers, sums).map { ($0.name, $1) }, slices: slices)
    }
}
