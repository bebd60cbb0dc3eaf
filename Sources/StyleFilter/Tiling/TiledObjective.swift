import CShim

/// The style-transfer objective of an image too large for one network pass, evaluated window by
/// window so the network's activations exist only at window size (image and gradient stay at
/// image size).
///
/// Every evaluation cuts the image into cores along a grid shifted by a fresh random offset, so no
/// core border stays in one place; each core is evaluated inside a window with `halo` pixels of
/// context. Losses count each layer position once, in the core that owns it; the gradient of the
/// whole window (halo included) is added into the image's gradient, so it is the full objective's
/// gradient wherever the window's features equal the full image's. Style losses compare the
/// image's global Gram matrices, the sums over all cores (or, with `styleRegion`, each core's own:
/// then one sweep does). Those are complete only after the last
/// window, so an evaluation with a gradient first sweeps forward for them: using the previous
/// evaluation's sums instead saves that sweep, but L-BFGS then gets gradients of another loss
/// than the one it is told, and on a 256×171 test it ended 7× higher after 12 iterations. Adam
/// fares no better: refining tubingen at 512×384 it ended 16 iterations with a style loss of
/// 6.5e7 against 6.9e6 with the sweep (the one-pass run's curve).
final class TiledObjective: ImageObjective, @unchecked Sendable {
    public let height: Int
    public let width: Int
    let rows: TileAxis
    let columns: TileAxis
    let pass: VGG19Pass
    let contentLayers: [(layer: Int, weight: Float)]
    let styleLayers: [(layer: Int, weight: Float, target: [Float])]
    let tvWeight: Float
    /// Each core matches the style's statistics on its own (options.styleRegion): no sweep for
    /// the whole image's Gram matrices.
    let localStyle: Bool
    /// The layers any loss reads, in order (so sums add up in the same order every time).
    let lossLayers: [Int]
    /// Content features of the whole image at each content layer (computed once, tiled), in half
    /// precision: at relu4_2 they are 8 values per pixel, the largest image-sized state there is.
    private var contentFeatures: [Int: HalfTensor] = [:]
    /// Told (window, windows) before each window of an evaluation (with a gradient and global
    /// statistics: the forward sweep's windows, then the gradient sweep's): progress inside a
    /// long iteration. Returning false skips the rest of the evaluation (the caller is cancelling).
    public var onWindow: ((Int, Int) -> Bool)?
    /// With several ranks, each evaluates every size-th window of a sweep (from its rank on) and
    /// the sums are summed across the ranks after it; the content sweep at the start is done
    /// whole by every rank.
    public var ranks: RankGroup?
    /// Per style layer: the image's Gram matrix, normalised, from the last evaluation; the sums
    /// the current sweep adds up; G − G_s for the gradient (kept here: no allocation per sweep).
    private var grams: [[Float]]
    private var sums: [[Float]]
    private var differences: [[Float]]
    private var rng: SplitMix64
    /// The grid offsets (rows, columns) of every evaluation so far: where the core borders were.
    public private(set) var offsets: [(rows: Int, columns: Int)] = []
    /// Set when `onWindow` asked to stop: the evaluation ends without its second sweep.
    private var cancelled = false
    private let windowInput: Tensor
    /// A band of a core's features packed C × positions, and its gradient. Bands, not whole cores:
    /// a whole core at relu1_1 would be 64 floats per window pixel, twice, beyond the memory budget.
    private var packed: UnsafeMutablePointer<Float>
    private var packedGradient: UnsafeMutablePointer<Float>
    private let packedCapacity: Int
    /// With the sliced loss: each style layer's painting quantiles, and a core's projections
    /// (P × its positions), grown to the largest core seen.
    private let sliceTargets: [SliceTargets]
    private var projected = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var projectedCapacity = 0
    private let sortScratch = SortScratch()

    /// Windows of `tile` + 2·`halo` pixels (tile, halo ≥ 16). `content` is in the network's space.
    public init(network: VGG19, content: Tensor, style: StyleStatistics, options: TransferOptions, tiles: TileShape, halo: Int) throws {
        height = content.height
        width = content.width
        rows = TileAxis(length: height, tile: tiles.height, halo: halo)
        columns = TileAxis(length: width, tile: tiles.width, halo: halo)
        contentLayers = options.activeContentLayers.map { ($0.index, options.contentWeight * $0.weight) }
        styleLayers = try zip(options.activeStyleLayers, style.targets(for: options.activeStyleLayers)).map {
            ($0.index, options.styleWeight * $0.weight, $1)
        }
        lossLayers = Array(Set(contentLayers.map(\.layer) + styleLayers.map(\.layer))).sorted()
        tvWeight = options.tvWeight
        localStyle = options.styleRegion != nil
        if options.styleLoss == .sliced {
            // Sorting is global: a window cannot rank its values among the whole image's. Each
            // region's own distribution can be, and that is what detail scales match.
            guard localStyle else {
                throw StyleFilterError.invalidArgument("the sliced style loss on a tiled scale matches each style region on its own, and only "
                                                       + "refining scales have regions (--refine-style-loss sliced): this \(width)×\(height) scale "
                                                       + "needs --style-loss gram, or a size that fits one window")
            }
            sliceTargets = try style.sliceTargets(for: options.activeStyleLayers)
        } else {
            sliceTargets = []
        }
        pass = VGG19Pass(network: network, height: rows.window, width: columns.window, deepest: options.deepestLayer)
        windowInput = Tensor(channels: 3, height: rows.window, width: columns.window)
        grams = self.styleLayers.map { [Float](repeating: 0, count: $0.target.count) }
        sums = grams
        differences = grams
        rng = SplitMix64(seed: options.seed ^ 0x7469_6c65)
        // 16 MiB each (band sgemms stay large), and at least one row of any style layer's window.
        let windowWidth = columns.window
        packedCapacity = self.styleLayers.map { style in
            VGG19.layerChannels[style.layer] * (windowWidth >> TiledObjective.level(of: style.layer))
        }.reduce(TiledObjective.bandFloats, max)
        packed = .allocate(capacity: packedCapacity)
        packedGradient = .allocate(capacity: packedCapacity)
        for (layer, _) in self.contentLayers {
            let level = TiledObjective.level(of: layer)
            contentFeatures[layer] = HalfTensor(channels: VGG19.layerChannels[layer], height: height >> level, width: width >> level)
        }
        // The content's features at the content layers, cut out core by core.
        if !self.contentLayers.isEmpty { sweep(content, offset: (0, 0)) { layer, features, core in
            guard let target = self.contentFeatures[layer] else { return }
            TiledObjective.copyCore(features, core, into: target)
        } }
    }

    deinit {
        packed.deallocate()
        packedGradient.deallocate()
        projected.deallocate()
    }

    static func level(of layer: Int) -> Int { VGG19.layers[0...layer].filter { $0.stage == .pool }.count }

    /// A core's rectangle at one layer: window-relative rows and columns, and where the window
    /// starts in that layer's full-image coordinates.
    struct Core {
        let rows: Range<Int>
        let columns: Range<Int>
        let top: Int
        let left: Int
    }

    /// Forward passes over all windows; `visit(layer, features, core)` sees each layer's output.
    private func sweep(_ image: Tensor, offset: (Int, Int), visit: (Int, Tensor, Core) -> Void) {
        for (rowCore, rowStart) in rows.spans(offset: offset.0) {
            for (columnCore, columnStart) in columns.spans(offset: offset.1) {
                crop(image, top: rowStart, left: columnStart)
                pass.forward(windowInput)
                for layer in lossLayers {
                    visit(layer, pass.outputs[layer], core(layer, rowCore, rowStart, columnCore, columnStart))
                }
            }
        }
    }

    private func core(_ layer: Int, _ rowCore: Range<Int>, _ rowStart: Int, _ columnCore: Range<Int>, _ columnStart: Int) -> Core {
        let level = TiledObjective.level(of: layer)
        return Core(rows: rows.layerRange(core: rowCore, start: rowStart, level: level),
                    columns: columns.layerRange(core: columnCore, start: columnStart, level: level),
                    top: rowStart >> level, left: columnStart >> level)
    }

    private func crop(_ image: Tensor, top: Int, left: Int) {
        let h = windowInput.height, w = windowInput.width
        for c in 0..<3 {
            for y in 0..<h {
                (windowInput.data + (c * h + y) * w).update(from: image.data + (c * height + top + y) * width + left, count: w)
            }
        }
    }

    /// Copies a core's features into the full-image tensor at their place.
    static func copyCore(_ features: Tensor, _ core: Core, into target: HalfTensor) {
        for c in 0..<features.channels {
            for y in core.rows {
                let src = features.data + (c * features.height + y) * features.width + core.columns.lowerBound
                let dst = target.data + (c * target.height + core.top + y) * target.width + core.left + core.columns.lowerBound
                for x in 0..<core.columns.count { dst[x] = Float16(src[x]) }
            }
        }
    }

    /// Floats in each band buffer (16 MiB).
    static let bandFloats = 1 << 22

    /// The core's columns at `rows` packed C × n into `packed`; returns n.
    private func pack(_ features: Tensor, rows: Range<Int>, columns: Range<Int>) -> Int {
        let n = rows.count * columns.count
        precondition(features.channels * n <= packedCapacity, "a band larger than its buffer")
        var k = 0
        for c in 0..<features.channels {
            for y in rows {
                (packed + k).update(from: features.data + (c * features.height + y) * features.width + columns.lowerBound,
                                    count: columns.count)
                k += columns.count
            }
        }
        return n
    }

    public func evaluate(_ image: Tensor, gradient: Tensor?) -> LossBreakdown {
        precondition(image.height == height && image.width == width)
        let offset = (Int(rng.next() % UInt64(rows.tile)), Int(rng.next() % UInt64(columns.tile)))
        offsets.append((offset.0, offset.1))
        let windows = rows.spans(offset: offset.0).count * columns.spans(offset: offset.1).count
        guard gradient != nil else { return evaluate(image, gradient: nil, offset: offset, progress: (0, windows)) }
        let sweeps = styleLayers.isEmpty || localStyle ? 1 : 2
        if sweeps == 2 {
            _ = evaluate(image, gradient: nil, offset: offset, progress: (0, 2 * windows))
            if cancelled { return LossBreakdown() }
        }
        return evaluate(image, gradient: gradient, offset: offset, progress: ((sweeps - 1) * windows, sweeps * windows))
    }

    /// One sweep over the windows of the grid at `offset`; leaves the image's Gram matrices in
    /// `grams`, and uses the ones there before for the gradient.
    /// `progress`: the number of windows before this sweep and in the whole evaluation, for `onWindow`.
    private func evaluate(_ image: Tensor, gradient: Tensor?, offset: (Int, Int), progress: (before: Int, total: Int)?) -> LossBreakdown {
        cancelled = false
        for s in styleLayers.indices {
            for i in styleLayers[s].target.indices {
                differences[s][i] = grams[s][i] - styleLayers[s].target[i]
                sums[s][i] = 0
            }
        }
        var losses = LossBreakdown()
        gradient?.zero()
        let rowSpans = rows.spans(offset: offset.0), columnSpans = columns.spans(offset: offset.1)
        var window = progress?.before ?? 0, index = -1
        for (rowCore, rowStart) in rowSpans {
            for (columnCore, columnStart) in columnSpans {
                index += 1
                if let progress, let onWindow {
                    window += 1
                    if !onWindow(window - 1, progress.total) {
                        cancelled = true
                        return losses
                    }
                }
                if let ranks, index % ranks.size != ranks.rank { continue }
                crop(image, top: rowStart, left: columnStart)
                pass.forward(windowInput)
                let inject: (Int, Tensor?) -> Void = { layer, grad in
                    let features = self.pass.outputs[layer]
                    let core = self.core(layer, rowCore, rowStart, columnCore, columnStart)
                    for (l, weight) in self.contentLayers where l == layer {
                        losses.content += self.contentLoss(features, core, target: self.contentFeatures[layer]!, weight: weight, grad: grad)
                    }
                    for (s, style) in self.styleLayers.enumerated() where style.layer == layer {
                        if !self.sliceTargets.isEmpty {
                            losses.style += self.localSlicedCore(features, core, layer: s, grad: grad)
                        } else if self.localStyle {
                            losses.style += self.localStyleCore(features, core, layer: s, grad: grad)
                        } else {
                            self.styleCore(features, core, layer: s, difference: self.differences[s], sums: &self.sums[s], grad: grad)
                        }
                    }
                }
                if let gradient {
                    let windowGradient = pass.backward { layer, grad in inject(layer, grad) }
                    add(windowGradient, into: gradient, top: rowStart, left: columnStart)
                } else {
                    for layer in lossLayers { inject(layer, nil) }
                }
            }
        }
        if let ranks, ranks.size > 1 { sumAcrossRanks(ranks, &losses, gradient) }
        for (s, style) in styleLayers.enumerated() where !localStyle {
            let c = Int(Double(style.target.count).squareRoot()), level = TiledObjective.level(of: style.layer)
            let n = Float(c * (height >> level) * (width >> level))
            var sum = 0.0
            for i in 0..<style.target.count {
                grams[s][i] = sums[s][i] / n
                let d = Double(grams[s][i] - style.target[i])
                sum += d * d
            }
            losses.style += Double(style.weight) * sum / Double(c * c)
        }
        losses.totalVariation = TotalVariation.evaluate(image, weight: tvWeight, addingGradientTo: gradient)
        return losses
    }

    /// What the ranks' windows added up, summed: then every rank holds the whole sweep's.
    private func sumAcrossRanks(_ ranks: RankGroup, _ losses: inout LossBreakdown, _ gradient: Tensor?) {
        for s in sums.indices { sums[s].withUnsafeMutableBufferPointer { ranks.sum($0.baseAddress!, count: $0.count) } }
        // Local statistics give each core's style loss where its window was evaluated; global
        // ones are computed from the summed sums after this.
        var parts = localStyle ? [losses.content, losses.style] : [losses.content]
        ranks.sum(&parts)
        losses.content = parts[0]
        if localStyle { losses.style = parts[1] }
        if let gradient { ranks.sum(gradient.data, count: gradient.count) }
    }

    /// weight · mean((F − F_content)²) over the whole layer, this core's share.
    private func contentLoss(_ features: Tensor, _ core: Core, target: HalfTensor, weight: Float, grad: Tensor?) -> Double {
        let total = Float(target.count), scale = 2 * weight / total
        var sum = 0.0
        for c in 0..<features.channels {
            for y in core.rows {
                let f = features.data + (c * features.height + y) * features.width
                let t = target.data + (c * target.height + core.top + y) * target.width + core.left
                let g = grad.map { $0.data + (c * features.height + y) * features.width }
                for x in core.columns {
                    let d = f[x] - Float(t[x])
                    sum += Double(d * d)
                    g?[x] += scale * d
                }
            }
        }
        return Double(weight) * sum / Double(total)
    }

    /// Adds this core's F Fᵀ to `sums`; with `grad`, adds 4·w/(C²·C·N) · (G − G_s) F at the core,
    /// with G the image's Gram matrix (`difference` = G − G_s).
    private func styleCore(_ features: Tensor, _ core: Core, layer s: Int, difference: [Float], sums: inout [Float], grad: Tensor?) {
        let c = features.channels
        guard !core.rows.isEmpty, !core.columns.isEmpty else { return }
        let scale = gradientScale(layer: s, channels: c)
        for rows in bands(core, channels: c) {
            let n = pack(features, rows: rows, columns: core.columns)
            sums.withUnsafeMutableBufferPointer {
                sf_sgemm(false, true, Int32(c), Int32(c), Int32(n), 1, packed, Int32(n),
                            packed, Int32(n), 1, $0.baseAddress!, Int32(c))
            }
            if let grad { addBandGradient(difference, scale: scale, channels: c, rows: rows, columns: core.columns, into: grad) }
        }
    }

    /// A core's own statistics (local style): its Gram matrix G_c over its n_c positions against
    /// the style's. Its loss is w · (n_c/N) · ‖G_c − G_s‖² / C², so the cores' losses add up to
    /// the whole image's where every core is alike; its gradient is the whole image's formula with
    /// G_c, 4·w/(C²·C·N) · (G_c − G_s) F. Returns the loss.
    private func localStyleCore(_ features: Tensor, _ core: Core, layer s: Int, grad: Tensor?) -> Double {
        let c = features.channels
        guard !core.rows.isEmpty, !core.columns.isEmpty else { return 0 }
        let style = styleLayers[s], n = core.rows.count * core.columns.count, bands = bands(core, channels: c)
        // G_c − G_s in `differences[s]`, which whole-image statistics alone use otherwise: no
        // allocation per core.
        var sum = 0.0
        differences[s].withUnsafeMutableBufferPointer { gram in
            gram.update(repeating: 0)
            for rows in bands {
                let m = pack(features, rows: rows, columns: core.columns)
                sf_sgemm(false, true, Int32(c), Int32(c), Int32(m), 1 / Float(c * n), packed, Int32(m),
                         packed, Int32(m), 1, gram.baseAddress!, Int32(c))
            }
            for i in gram.indices {
                gram[i] -= style.target[i]
                sum += Double(gram[i] * gram[i])
            }
        }
        if let grad {
            let scale = gradientScale(layer: s, channels: c)
            for rows in bands {
                // A core in one band (the usual case) is still packed from the sums.
                if bands.count > 1 { _ = pack(features, rows: rows, columns: core.columns) }
                addBandGradient(differences[s], scale: scale, channels: c, rows: rows, columns: core.columns, into: grad)
            }
        }
        let level = TiledObjective.level(of: style.layer), positions = (height >> level) * (width >> level)
        return Double(style.weight) * Double(n) / Double(positions) * sum / Double(c * c)
    }

    /// A core's own distribution against the painting's (local style, sliced loss): the core's
    /// features projected band by band, each projection sorted over the core, every value pulled
    /// towards the painting's at its quantile. Its loss is w/(P·N) · Σ over the core, so the cores'
    /// losses add up to the whole image's where every core is alike, and the gradient is
    /// SlicedWassersteinLoss's with N the whole layer's positions. Returns the loss.
    private func localSlicedCore(_ features: Tensor, _ core: Core, layer s: Int, grad: Tensor?) -> Double {
        let c = features.channels, target = sliceTargets[s], p = target.directions.count
        guard !core.rows.isEmpty, !core.columns.isEmpty else { return 0 }
        let n = core.rows.count * core.columns.count, bands = bands(core, channels: c)
        if p * n > projectedCapacity {
            projected.deallocate()
            projectedCapacity = p * n
            projected = .allocate(capacity: projectedCapacity)
        }
        var offset = 0
        for rows in bands {
            let m = pack(features, rows: rows, columns: core.columns)
            target.directions.values.withUnsafeBufferPointer { d in
                sf_sgemm(false, false, Int32(p), Int32(m), Int32(c), 1, d.baseAddress!, Int32(c), packed, Int32(m),
                         0, projected + offset, Int32(n))
            }
            offset += m
        }
        let style = styleLayers[s], level = TiledObjective.level(of: style.layer), positions = (height >> level) * (width >> level)
        let sum = SlicedWassersteinLoss.match(projected, projections: p, count: n, target: target,
                                              gradientScale: 2 * style.weight / Float(p * positions), scratch: sortScratch)
        if let grad {
            offset = 0
            for rows in bands {
                let m = rows.count * core.columns.count
                target.directions.values.withUnsafeBufferPointer { d in
                    sf_sgemm(true, false, Int32(c), Int32(m), Int32(p), 1, d.baseAddress!, Int32(c), projected + offset, Int32(n),
                             0, packedGradient, Int32(m))
                }
                addPacked(packedGradient, channels: c, rows: rows, columns: core.columns, into: grad)
                offset += m
            }
        }
        return Double(style.weight) * sum / Double(p * positions)
    }

    /// 4·w/(C²·C·N) of style layer `s`, N its positions in the whole image.
    private func gradientScale(layer s: Int, channels c: Int) -> Float {
        let style = styleLayers[s], level = TiledObjective.level(of: style.layer)
        return 4 * style.weight / (Float(c * c) * Float(c * (height >> level) * (width >> level)))
    }

    /// The core's rows in bands that fit the packing buffers.
    private func bands(_ core: Core, channels c: Int) -> [Range<Int>] {
        let band = max(1, packedCapacity / (c * core.columns.count))
        return stride(from: core.rows.lowerBound, to: core.rows.upperBound, by: band).map { $0..<min($0 + band, core.rows.upperBound) }
    }

    /// grad at the band += scale · difference · (the band packed in `packed`).
    private func addBandGradient(_ difference: [Float], scale: Float, channels c: Int, rows: Range<Int>, columns: Range<Int>, into grad: Tensor) {
        let n = rows.count * columns.count
        sf_sgemm(false, false, Int32(c), Int32(n), Int32(c), scale, difference, Int32(c),
                    packed, Int32(n), 0, packedGradient, Int32(n))
        addPacked(packedGradient, channels: c, rows: rows, columns: columns, into: grad)
    }

    /// grad at the band += `values`, the band's C × n in packed order.
    private func addPacked(_ values: UnsafeMutablePointer<Float>, channels c: Int, rows: Range<Int>, columns: Range<Int>, into grad: Tensor) {
        var k = 0
        for ch in 0..<c {
            for y in rows {
                let g = grad.data + (ch * grad.height + y) * grad.width + columns.lowerBound
                for x in 0..<columns.count { g[x] += values[k + x] }
                k += columns.count
            }
        }
    }

    private func add(_ windowGradient: Tensor, into gradient: Tensor, top: Int, left: Int) {
        let h = windowGradient.height, w = windowGradient.width
        for c in 0..<3 {
            for y in 0..<h {
                let src = windowGradient.data + (c * h + y) * w
                let dst = gradient.data + (c * height + top + y) * width + left
                for x in 0..<w { dst[x] += src[x] }
            }
        }
    }
}

extension TiledObjective {
    /// The normalised Gram matrices of a large image (a style image at a big scale) at `layers`,
    /// summed core by core so only one window's activations exist at a time.
    static func grams(network: VGG19, image: Tensor, layers: [LayerWeight], tiles: TileShape, halo: Int) throws -> [[Float]] {
        var options = TransferOptions()
        options.contentWeight = 0
        options.styleLayers = layers
        let zeros = StyleStatistics(grams: layers.map { ($0.name, [Float](repeating: 0, count: VGG19.layerChannels[$0.index] * VGG19.layerChannels[$0.index])) })
        let objective = try TiledObjective(network: network, content: image, style: zeros, options: options, tiles: tiles, halo: halo)
        _ = objective.evaluate(image, gradient: nil, offset: (0, 0), progress: nil)
        return objective.grams
    }
}

extension TiledObjective {
    /// The sliced loss's targets of a large image (a painting at its own resolution), window by
    /// window: every k-th position of the layer (k from `samples`), projected on the directions
    /// `options` draws, then sorted into quantiles. A painting's positions sampled evenly give its
    /// quantiles within the sampling's error, at a fixed memory.
    static func sliceTargets(network: VGG19, image: Tensor, layers: [LayerWeight], options: TransferOptions, tiles: TileShape, halo: Int,
                             samples: Int = 1 << 18) throws -> [SliceTargets] {
        var sweepOptions = TransferOptions()
        sweepOptions.contentWeight = 0
        sweepOptions.styleLayers = layers
        let zeros = StyleStatistics(grams: layers.map { ($0.name, [Float](repeating: 0, count: VGG19.layerChannels[$0.index] * VGG19.layerChannels[$0.index])) })
        let objective = try TiledObjective(network: network, content: image, style: zeros, options: sweepOptions, tiles: tiles, halo: halo)
        var directions = [SliceDirections?](repeating: nil, count: layers.count)
        var values = [[[Float]]](repeating: [], count: layers.count)
        objective.sweep(image, offset: (0, 0)) { layer, features, core in
            for (i, l) in layers.enumerated() where l.index == layer {
                let c = features.channels, level = TiledObjective.level(of: layer)
                let layerWidth = objective.width >> level, step = max(1, (objective.height >> level) * layerWidth / samples)
                let d = directions[i] ?? options.sliceDirections(channels: c, layer: layer)
                directions[i] = d
                if values[i].isEmpty { values[i] = [[Float]](repeating: [], count: d.count) }
                // The core's sampled positions gathered C × m, then projected in one product.
                var picked: [(y: Int, x: Int)] = []
                for y in core.rows {
                    for x in core.columns where ((core.top + y) * layerWidth + core.left + x) % step == 0 { picked.append((y, x)) }
                }
                guard !picked.isEmpty else { continue }
                var gathered = [Float](repeating: 0, count: c * picked.count)
                for ch in 0..<c {
                    for (k, at) in picked.enumerated() { gathered[ch * picked.count + k] = features.data[(ch * features.height + at.y) * features.width + at.x] }
                }
                var projected = [Float](repeating: 0, count: d.count * picked.count)
                d.values.withUnsafeBufferPointer { dv in
                    sf_sgemm(false, false, Int32(d.count), Int32(picked.count), Int32(c), 1, dv.baseAddress!, Int32(c), gathered, Int32(picked.count),
                             0, &projected, Int32(picked.count))
                }
                for row in 0..<d.count { values[i][row] += projected[(row * picked.count)..<((row + 1) * picked.count)] }
            }
        }
        return try layers.indices.map { i in
            guard let d = directions[i] else { throw StyleFilterError.invalidArgument("no positions of \(layers[i].name) in the painting") }
            return SliceTargets(sortedRows: values[i].map { $0.sorted() }, directions: d)
        }
    }
}

extension Objective: ImageObjective {}
