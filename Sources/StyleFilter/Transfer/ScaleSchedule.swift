/// One scale of a coarse-to-fine run: the result's long side there and the iterations it gets.
public struct Scale: Sendable, Equatable, CustomStringConvertible {
    public var size: Int
    public var iterations: Int

    public init(size: Int, iterations: Int) {
        self.size = size
        self.iterations = iterations
    }

    public var description: String { "\(size) px × \(iterations)" }
}

/// The default coarse-to-fine schedule: sizes step down from the final one by `step` until the
/// base size is reached, so every run ends with the same steps whatever its size (and its cost
/// per megapixel stays about the same). The base scale gets a full optimization; the scale above
/// it starts from its result, and each larger scale gets half the iterations of the one below:
/// the largest scales, where an iteration costs most, only refine texture.
public enum ScaleSchedule {
    /// `base` is the long side the composition is made at (about 512); the smallest scale is the
    /// first size at or below base·√step, so it lies within a factor √step of `base`.
    public static func make(finalSize: Int, base: Int, step: Double, baseIterations: Int, refineIterations: Int) -> [Scale] {
        precondition(finalSize > 0 && base > 0 && step > 1)
        var sizes = [finalSize]
        while Double(sizes.last!) > Double(base) * step.squareRoot(), sizes.count < 32 {
            sizes.append(max(1, Int((Double(sizes.last!) / step).rounded())))
        }
        sizes.reverse()
        var scales = [Scale(size: sizes[0], iterations: baseIterations)]
        for (k, size) in sizes.enumerated().dropFirst() {
            let fromTop = sizes.count - 1 - k
            scales.append(Scale(size: size, iterations: min(baseIterations, refineIterations << min(fromTop, 20))))
        }
        return scales
    }
}
