/// A detail scale's gradient blurred along rows and columns before the optimizer steps on it.
/// Pooling sends each 2×2 window's gradient to its pixels in a fixed phase, so the steps, and
/// Adam's early steps most (they move every pixel by the whole step whatever its gradient's
/// size), paint 2- and 4-px patterns (one and two poolings deep) that each enlargement makes the
/// next scale's 4- and 8-px grid. The kernel [1 2 2 2 1]/8 (a 4-px box and a 2-px box) has no
/// response at those two periods, so they are never stepped on; at 8 px it keeps 0.6, at 16 px 0.9.
enum StepSmoothing {
    static let kernel: [Float] = [1, 2, 2, 2, 1].map { $0 / 8 }

    /// A detail scale's start (the scale before, enlarged by 2) blurred by [1 2 1]/4. A linear
    /// enlargement keeps the smaller picture's pixels at even positions and their means between
    /// them, so all its curvature is at even positions; the fine layers' gradient answers
    /// curvature, and the steps painted that phase as a 2-px grid no shift of the network can
    /// move (at 2588 px: columns ±4.2 → ±1.9 %, at 1.25× the fine-layer Gram loss;
    /// docs/benchmarks-notebook.md#momentum-and-shift).
    static func blurOnce(_ t: Tensor) { apply(t, kernel: [0.25, 0.5, 0.25]) }

    /// In place, each channel's plane; the picture mirrored at its edges.
    static func apply(_ t: Tensor) { apply(t, kernel: kernel) }

    private static func apply(_ t: Tensor, kernel: [Float]) {
        let h = t.height, w = t.width, data = SendablePointer(t.data)
        guard h > 2, w > 2 else { return }
        parallel(t.channels * h) { rows in
            var line = [Float](repeating: 0, count: w)
            for r in rows { filter(data.pointer + r * w, count: w, stride: 1, kernel: kernel, line: &line) }
        }
        parallel(t.channels * w) { columns in
            var line = [Float](repeating: 0, count: h)
            for k in columns { filter(data.pointer + (k / w) * h * w + k % w, count: h, stride: w, kernel: kernel, line: &line) }
        }
    }

    /// One line of `count` values `stride` apart, through `line` (scratch of `count`).
    private static func filter(_ p: UnsafeMutablePointer<Float>, count n: Int, stride: Int, kernel: [Float], line: inout [Float]) {
        for i in 0..<n { line[i] = p[i * stride] }
        let reach = kernel.count / 2
        for i in 0..<n {
            var sum: Float = 0
            for (k, weight) in kernel.enumerated() {
                var j = i + k - reach
                if j < 0 { j = -j } else if j >= n { j = 2 * (n - 1) - j }
                sum += weight * line[j]
            }
            p[i * stride] = sum
        }
    }
}
