/// The loss values of one evaluation.
public struct LossBreakdown: Sendable, Equatable {
    /// The content loss.
    public var content: Double = 0
    public var style: Double = 0
    public var totalVariation: Double = 0
    public var total: Double { content + style + totalVariation }
    public init() {}
}

/// A loss on one layer's features: its value, and its gradient added into the layer's.
protocol FeatureLoss: AnyObject {
    var layer: Int { get }
    func evaluate(_ features: Tensor, addingGradientTo grad: Tensor?) -> Double
}

extension StyleLoss: FeatureLoss {}
extension SlicedWassersteinLoss: FeatureLoss {}

/// Content, style and total-variation losses of an image and their gradient with respect to the
/// image, through one forward and one backward pass of the network.
final class Objective: @unchecked Sendable {
    public let pass: VGG19Pass
    public let contentLosses: [ContentLoss]
    public let styleLosses: [any FeatureLoss]
    public let tvWeight: Float
    private let contentByLayer: [Int: [ContentLoss]]
    private let styleByLayer: [Int: [any FeatureLoss]]

    public init(pass: VGG19Pass, contentLosses: [ContentLoss], styleLosses: [any FeatureLoss], tvWeight: Float) {
        self.pass = pass
        self.contentLosses = contentLosses
        self.styleLosses = styleLosses
        self.tvWeight = tvWeight
        contentByLayer = Dictionary(grouping: contentLosses, by: \.layer)
        styleByLayer = Dictionary(grouping: styleLosses, by: \.layer)
        let deepest = (contentLosses.map(\.layer) + styleLosses.map(\.layer)).max() ?? 0
        precondition(deepest < pass.depth, "the pass is not deep enough for the losses")
    }

    /// The losses at `image`; with `gradient`, d total / d image is written to it.
    public func evaluate(_ image: Tensor, gradient: Tensor?) -> LossBreakdown {
        pass.forward(image)
        var losses = LossBreakdown()
        guard let gradient else {
            for l in contentLosses { losses.content += l.evaluate(pass.outputs[l.layer], addingGradientTo: nil) }
            for l in styleLosses { losses.style += l.evaluate(pass.outputs[l.layer], addingGradientTo: nil) }
            losses.totalVariation = TotalVariation.evaluate(image, weight: tvWeight, addingGradientTo: nil)
            return losses
        }
        let input = pass.backward { layer, grad in
            let features = pass.outputs[layer]
            for l in contentByLayer[layer] ?? [] { losses.content += l.evaluate(features, addingGradientTo: grad) }
            for l in styleByLayer[layer] ?? [] { losses.style += l.evaluate(features, addingGradientTo: grad) }
        }
        gradient.copy(from: input)
        losses.totalVariation = TotalVariation.evaluate(image, weight: tvWeight, addingGradientTo: gradient)
        return losses
    }
}
