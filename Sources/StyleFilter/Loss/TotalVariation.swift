/// Total variation of the image: weight · mean over channels and pixels of the squared
/// differences to the right and below neighbours. Squared, not absolute, so the objective stays
/// smooth for L-BFGS.
enum TotalVariation {
    public static func evaluate(_ image: Tensor, weight: Float, addingGradientTo grad: Tensor?) -> Double {
        guard weight != 0 else { return 0 }
        let h = image.height, w = image.width, n = image.count
        let scale = 2 * weight / Float(n)
        var sum = 0.0
        for c in 0..<image.channels {
            let x = image.data + c * image.plane
            let g = grad.map { $0.data + c * image.plane }
            for y in 0..<h {
                for i in 0..<w {
                    let p = y * w + i
                    if i + 1 < w {
                        let d = x[p + 1] - x[p]
                        sum += Double(d * d)
                        if let g { g[p + 1] += scale * d; g[p] -= scale * d }
                    }
                    if y + 1 < h {
                        let d = x[p + w] - x[p]
                        sum += Double(d * d)
                        if let g { g[p + w] += scale * d; g[p] -= scale * d }
                    }
                }
            }
        }
        return Double(weight) * sum / Double(n)
    }
}
