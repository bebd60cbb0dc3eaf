import CShim

/// Anything that gives the loss of an image and its gradient.
protocol ImageObjective: AnyObject {
    func evaluate(_ image: Tensor, gradient: Tensor?) -> LossBreakdown
}
