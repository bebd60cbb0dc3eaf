extension LocatedPreset {
    /// What the cached statistics must have been computed from, except the style image itself.
    func cacheKeyMatches(_ key: StyleStatisticsCache.Key) -> String? {
        if key.weights != VGG19Weights.sha256 { return "other VGG19 weights" }
        if key.pooling != preset.pooling.rawValue { return "\(key.pooling) pooling" }
        if key.layers != preset.styleLayers.map(\.name) { return "layers \(key.layers.joined(separator: ","))" }
        return nil
    }

    /// Whether statistics can be computed afresh (a preset kept by its cache alone has them for
    /// its own pooling only).
    var canComputeStatistics: Bool {
        if case .image = preset.style { return styleImagePath.map(Files.exists) ?? false }
        return true
    }

    /// The style's identity for the cache key, or nil when the style file is missing (then the
    /// cache is trusted as it is: that is what lets a preset work without its image).
    func styleIdentity() throws -> String? {
        switch preset.style {
        case .procedural(let painter, let seed):
            return "procedural:\(painter.rawValue):\(seed):v\(ProceduralStyle.painterVersion)"
        case .image:
            let path = styleImagePath!
            guard Files.exists(path) else { return nil }
            switch Files.read(path, limit: ImageIO.maxFileBytes) {
            case .success(let bytes): return "sha256:" + VGG19Weights.sha256Hex(bytes)
            case .failure(let e): throw e
            }
        }
    }

    /// What a trained network records of the style it learnt: the style file's checksum, or the
    /// cache's record of it when the file is gone.
    public var styleFingerprint: String {
        if let identity = try? styleIdentity() { return identity }
        if case .success(let bytes) = Files.read(sidecarPath, limit: StyleStatisticsCache.maxBytes),
           let cache = try? StyleStatisticsCache(decoding: bytes) { return cache.key.style }
        return "unknown"
    }

    /// The style image's own long side: nil for a procedural style (no resolution to run out of),
    /// or when the image is gone and only its cache is left.
    func styleOwnLongSide() -> Int? {
        guard case .image = preset.style, let path = styleImagePath, Files.exists(path) else { return nil }
        var side: Int?
        _ = try? ImageIO.load(path) { w, h in
            side = max(w, h)
            return StyleTransfer.contentSize(width: w, height: h, longSide: 16)
        }
        return side
    }

    /// The painting's statistics at `longSide` for `options`' style loss, its sliced targets
    /// included: made from the painting itself, as the cache keeps Gram matrices only.
    public func paintingStatistics(network: VGG19, longSide: Int, options: TransferOptions) throws -> StyleStatistics {
        guard canComputeStatistics else {
            throw StyleFilterError.invalidArgument("preset \(preset.name) is kept by its cached statistics alone: "
                                                   + "without its painting there are no distributions to match")
        }
        return try StyleStatistics(network: network, styles: [(try styleImage(longSide: longSide).image, 1)], layers: options.activeStyleLayers,
                                   sliced: options.styleLoss == .sliced ? options : nil)
    }

    /// The style picture with its long side `longSide`, and its own (source) size.
    public func styleImage(longSide: Int) throws -> (image: RGBImage, sourceWidth: Int, sourceHeight: Int) {
        switch preset.style {
        case .procedural(let painter, let seed):
            return (painter.paint(width: longSide, height: longSide, seed: seed), 1, 1)
        case .image:
            var source = (0, 0)
            let image = try ImageIO.load(styleImagePath!) { w, h in
                source = (w, h)
                return StyleTransfer.contentSize(width: w, height: h, longSide: longSide)
            }
            return (image, source.0, source.1)
        }
    }

    /// Style statistics for each style long side: from the sidecar where it has them, otherwise
    /// computed from the style image and added to it. A stale, damaged or foreign sidecar is
    /// reported through `note` and rebuilt; without the style image it is an error.
    /// Styles larger than `tiles` are summed window by window (see StyleStatistics).
    public func styleStatistics(network: VGG19, longSides: [Int], tiles: TileShape? = nil, halo: Int = TransferOptions().tileHalo,
                                note: (String) -> Void) throws -> [StyleStatistics] {
        let layers = preset.styleWeight > 0 ? preset.styleLayers : []
        guard !layers.isEmpty else { return longSides.map { _ in StyleStatistics(grams: []) } }
        let sidecar = sidecarPath
        let identity = try styleIdentity()
        var cache: StyleStatisticsCache?
        // The sidecar holds the preset's own pooling; a detail scale's other pooling is computed.
        let cachesHere = network.pooling == preset.pooling
        if cachesHere, Files.exists(sidecar) {
            do {
                let bytes = try Files.read(sidecar, limit: StyleStatisticsCache.maxBytes).get()
                let found = try StyleStatisticsCache(decoding: bytes)
                if let other = cacheKeyMatches(found.key) {
                    note("\(sidecar): cached for \(other); rebuilding")
                } else if let identity, identity != found.key.style {
                    note("\(sidecar): the style image changed since it was cached; rebuilding")
                } else {
                    cache = found
                }
            } catch {
                note("\(sidecar): damaged cache (\(error)); rebuilding")
            }
        }
        var changed = false
        var result: [StyleStatistics] = []
        for longSide in longSides {
            let cached = cache.flatMap { c in
                let size = c.key.styleSize(longSide: longSide)
                return c.statistics(width: size.width, height: size.height)
            }
            if let statistics = cached {
                result.append(statistics)
                continue
            }
            guard let identity else {
                throw StyleFilterError.invalidArgument("preset \(preset.name): style image \(styleImagePath!) not found, and "
                    + (cache == nil ? "there are no cached statistics (\(sidecar))" : "the cache has no statistics for a \(longSide) px style")
                    + "; restore the image or fix field 'style.image' in \(path)")
            }
            let style = try styleImage(longSide: longSide)
            if cache == nil, cachesHere {
                cache = StyleStatisticsCache(key: .init(weights: VGG19Weights.sha256, pooling: preset.pooling.rawValue,
                                                        layers: layers.map(\.name), style: identity,
                                                        sourceWidth: style.sourceWidth, sourceHeight: style.sourceHeight))
            }
            let statistics = try StyleStatistics(network: network, styles: [(style.image, 1)], layers: layers, tiles: tiles, halo: halo)
            if cache != nil {
                if cache!.entries.count >= StyleStatisticsCache.maxEntries { cache!.entries.removeFirst() }
                cache!.entries.append(.init(width: style.image.width, height: style.image.height, statistics: statistics))
                changed = true
            }
            result.append(statistics)
        }
        if changed, let cache {
            do {
                let target = writableSidecarPath
                try Files.makeDirectories(Files.directory(of: target))
                try Files.writeAtomically(target, cache.encoded())
            } catch {
                note("could not cache the style statistics: \(error)")
            }
        }
        return result
    }

    /// The preset as a single scale, its final one: what tile consumers (`serve`, the C API and
    /// the libvips module) use, since a tile is already at the final resolution.
    public func finalScale(network: VGG19, styleSize: Int? = nil, iterations: Int? = nil,
                           note: (String) -> Void) throws -> (style: StyleStatistics, options: TransferOptions) {
        let final = preset.scales.last!
        let style = try styleStatistics(network: network, longSides: [styleSize ?? preset.styleLongSide(forScaleSize: final.size)],
                                        note: note)[0]
        return (style, try preset.transferOptions(iterations: iterations ?? final.iterations))
    }
}
