#if canImport(Glibc)
import Glibc
#endif

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

/// The default coarse-to-fine schedule: sizes step down from the final one by `step` while they
/// stay clearly above the base size, and the base scale is the base size itself, so a large
/// result is refined from the very picture a preview at that size shows. The base scale gets a
/// full optimization; the scale above it starts from its result, and each larger scale gets half
/// the iterations of the one below: the largest scales, where an iteration costs most, only
/// paint detail.
enum ScaleSchedule {
    /// `base` is the long side the composition is made at (512). A result within √step of it is
    /// made in one scale at its own size.
    public static func make(finalSize: Int, base: Int, step: Double, baseIterations: Int, refineIterations: Int) -> [Scale] {
        precondition(finalSize > 0 && base > 0 && step > 1)
        var sizes = [finalSize]
        if Double(finalSize) > Double(base) * step.squareRoot() {
            // A scale less than √step above the base would paint little but noise: held to the
            // base's picture (detail scales), it can only add what a reduction by less than 1.4
            // does not see, pixel-level detail in a beat pattern with the base's grid, which the
            // scales above enlarge into a grid of lines (docs/benchmarks-notebook.md#lock-in-range).
            while Double(sizes.last!) / step > Double(base) * step.squareRoot(), sizes.count < 32 {
                sizes.append(Int((Double(sizes.last!) / step).rounded()))
            }
            sizes.append(base)
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
