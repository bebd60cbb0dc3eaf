/// One scale of a coarse-to-fine run.
public struct ScaleStep: Sendable {
    /// The result's long side at this scale.
    public let size: Int
    public let options: TransferOptions
    public let style: StyleStatistics

    public init(size: Int, options: TransferOptions, style: StyleStatistics) {
        self.size = size
        self.options = options
        self.style = style
    }
}

/// Coarse-to-fine: the first scale starts as its options say; each later one starts from the
/// previous result upsampled, so large scales only refine what the small one laid out (and need
/// far fewer iterations than starting afresh).
public enum CoarseToFine {
    /// `content` is the photo at the final scale's size; smaller scales are resampled from it.
    /// `progress` gets the scale's index with each iteration's report; false cancels.
    public static func run(network: VGG19, content: FloatRGBImage, steps: [ScaleStep],
                           progress: (Int, TransferProgress) -> Bool = { _, _ in true }) throws -> FloatRGBImage {
        precondition(!steps.isEmpty, "at least one scale")
        var result: FloatRGBImage?
        for (index, step) in steps.enumerated() {
            let size = StyleTransfer.contentSize(width: content.width, height: content.height, longSide: step.size)
            let scaled = try ImageIO.resize(content, width: size.width, height: size.height)
            var options = step.options
            if let previous = result {
                options.initialization = .image(try ImageIO.resize(previous, width: size.width, height: size.height).rounded)
            }
            let transfer = try StyleTransfer(network: network, content: scaled, style: step.style, options: options)
            try transfer.run { progress(index, $0) }
            result = transfer.floatResult
        }
        return result!
    }
}
