import CShim
#if canImport(Glibc)
import Glibc
#endif

/// Sliced Wasserstein style loss at one layer (Heitz, Vanhoey, Chambon & Belcour, CVPR 2021,
/// "A Sliced Wasserstein Loss for Neural Texture Synthesis"). A Gram matrix fixes the features'
/// second moments only, and many distributions share them: the optimizer finds speckled,
/// high-contrast ones (Risser, Wilmot & Barnes 2017). Sorted projections fix the whole
/// distribution along each of P fixed directions d_p:
///
///     loss = w / (P·N) · Σ_p Σ_i (y_p(i) − t_p(q_i))²
///
/// with y_p = d_pᵀ F over the N positions sorted ascending, q_i = (i + ½)/N the quantile of the
/// i-th of them and t_p the painting's quantile function along d_p. Each value moves towards the
/// painting's value of its own rank, so the gradient is exact and needs one sort per projection:
///
///     dL/dF = Dᵀ E,   E[p, j] = 2w/(P·N) · (y_pj − t_p(q_rank(j)))
///
/// The directions are fixed for a run (L-BFGS needs one function), drawn from its seed.
final class SlicedWassersteinLoss: @unchecked Sendable {
    public let layer: Int
    public let weight: Float
    public let target: SliceTargets
    /// The projections, then the gradient with respect to them: P × N, grown to the largest N seen.
    private var projected: UnsafeMutablePointer<Float>
    private var capacity = 0
    private let scratch = SortScratch()

    public init(layer: Int, weight: Float, target: SliceTargets) {
        self.layer = layer
        self.weight = weight
        self.target = target
        projected = .allocate(capacity: 1)
    }

    deinit { projected.deallocate() }

    /// The loss; when `grad` is given, adds d loss / d F into it.
    public func evaluate(_ features: Tensor, addingGradientTo grad: Tensor?) -> Double {
        let directions = target.directions
        precondition(features.channels == directions.channels, "features of the directions' channels")
        let c = directions.channels, n = features.plane, p = directions.count
        if p * n > capacity {
            projected.deallocate()
            capacity = p * n
            projected = .allocate(capacity: capacity)
        }
        // Forward: Y = D F (P × N).
        directions.values.withUnsafeBufferPointer { d in
            sf_sgemm(false, false, Int32(p), Int32(n), Int32(c), 1, d.baseAddress!, Int32(c), features.data, Int32(n),
                     0, projected, Int32(n))
        }
        let sum = Self.match(projected, projections: p, count: n, target: target, gradientScale: 2 * weight / Float(p * n), scratch: scratch)
        // Backward: dL/dF += Dᵀ E.
        if let grad {
            directions.values.withUnsafeBufferPointer { d in
                sf_sgemm(true, false, Int32(c), Int32(n), Int32(p), 1, d.baseAddress!, Int32(c), projected, Int32(n),
                         1, grad.data, Int32(n))
            }
        }
        return Double(weight) * sum / Double(p * n)
    }

    /// Each of the `projections` rows of `projected` (`count` values each) sorted and compared with
    /// the painting's values at the same quantiles; each value is replaced by its difference times
    /// `gradientScale` (the gradient with respect to it). Returns the sum of squared differences.
    static func match(_ projected: UnsafeMutablePointer<Float>, projections p: Int, count n: Int, target: SliceTargets,
                      gradientScale scale: Float, scratch: SortScratch) -> Double {
        scratch.reserve(count: n, projections: p)
        let y = SendablePointer(projected), sums = SendablePointer(scratch.sums)
        parallelParts(p) { part, rows in
            let buffers = scratch.part(part)
            target.values.withUnsafeBufferPointer { painting in
                for row in rows {
                    let values = y.pointer + row * n, quantiles = painting.baseAddress! + row * target.quantiles
                    let order = argsort(values, count: n, scratch: buffers)
                    var sum = 0.0
                    // Each position is read, then written once: the gradient replaces the value.
                    for rank in 0..<n {
                        let j = Int(order[rank])
                        let d = values[j] - SliceTargets.interpolate(quantiles, count: target.quantiles, at: (Float(rank) + 0.5) / Float(n))
                        sum += Double(d * d)
                        values[j] = scale * d
                    }
                    sums.pointer[row] = sum
                }
            }
        }
        return UnsafeBufferPointer(start: scratch.sums, count: p).reduce(0, +)
    }

    /// The positions of `values` by ascending value (ties by position), in `scratch`: a stable
    /// radix sort on the floats' order-preserving bit patterns, three passes of 11 bits. A
    /// comparison sort of relu1_1's 262,144 positions at 512 px, 64 times an evaluation, would
    /// take longer than the network's pass.
    static func argsort(_ values: UnsafePointer<Float>, count n: Int, scratch: UnsafeMutablePointer<UInt32>) -> UnsafeMutablePointer<UInt32> {
        var keys = scratch, order = scratch + n, otherKeys = scratch + 2 * n, otherOrder = scratch + 3 * n
        let counts = scratch + 4 * n
        for i in 0..<n {
            let bits = values[i].bitPattern
            // Negative floats reversed, positive ones above them: unsigned order is float order.
            keys[i] = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            order[i] = UInt32(i)
        }
        for shift: UInt32 in [0, 11, 22] {
            counts.update(repeating: 0, count: SortScratch.buckets + 1)
            for i in 0..<n { counts[Int((keys[i] >> shift) & 0x7ff) + 1] += 1 }
            for b in 1...SortScratch.buckets { counts[b] += counts[b - 1] }
            for i in 0..<n {
                let bucket = Int((keys[i] >> shift) & 0x7ff), at = Int(counts[bucket])
                counts[bucket] += 1
                otherKeys[at] = keys[i]
                otherOrder[at] = order[i]
            }
            swap(&keys, &otherKeys)
            swap(&order, &otherOrder)
        }
        return order
    }
}

/// The sort's buffers, one set per worker thread (keys, positions, their copies and the bucket
/// counts), kept between evaluations and grown only when a larger layer or core comes: the
/// optimizer's loop allocates nothing for them.
final class SortScratch: @unchecked Sendable {
    static let buckets = 2048
    private(set) var buffer = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private(set) var sums = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var count = 0, projections = 0

    deinit {
        buffer.deallocate()
        sums.deallocate()
    }

    private var stride: Int { 4 * count + Self.buckets + 1 }

    func reserve(count n: Int, projections p: Int) {
        if n > count {
            buffer.deallocate()
            count = n
            buffer = .allocate(capacity: stride * Parallel.workers)
        }
        if p > projections {
            sums.deallocate()
            projections = p
            sums = .allocate(capacity: p)
        }
    }

    /// Worker `part`'s buffers.
    func part(_ part: Int) -> UnsafeMutablePointer<UInt32> { buffer + part * stride }
}

/// P unit directions in the space of a layer's C channels, from a seed: the same seed gives the
/// same directions, so a run, its painting's targets and a resumed run agree.
struct SliceDirections: Sendable, Equatable {
    public let channels: Int
    public let count: Int
    /// count × channels, row-major, each row of length 1.
    public let values: [Float]

    public init(channels: Int, count: Int, seed: UInt64) {
        precondition(channels > 0 && count > 0)
        self.channels = channels
        self.count = count
        var rng = SplitMix64(seed: seed)
        var values = [Float](repeating: 0, count: count * channels)
        for row in 0..<count {
            // Gaussian components (Box–Muller) make the direction uniform on the sphere.
            var norm: Float = 0
            for c in 0..<channels {
                let u = max(rng.nextUnit(), 1e-300), v = rng.nextUnit()
                let g = Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
                values[row * channels + c] = g
                norm += g * g
            }
            let scale = 1 / max(norm.squareRoot(), 1e-20)
            for c in 0..<channels { values[row * channels + c] *= scale }
        }
        self.values = values
    }
}

/// The painting's side of the loss: along each direction, its features' values at `quantiles`
/// evenly spaced quantiles, the k-th at (k + ½)/Q, ascending.
struct SliceTargets: Sendable, Equatable {
    public let directions: SliceDirections
    public let quantiles: Int
    /// count × quantiles, row-major.
    public let values: [Float]

    public init(directions: SliceDirections, quantiles: Int, values: [Float]) {
        precondition(values.count == directions.count * quantiles && quantiles > 0)
        self.directions = directions
        self.quantiles = quantiles
        self.values = values
    }

    /// The quantiles of `features` (C × H × W) along `directions`.
    public init(features: Tensor, directions: SliceDirections, quantiles: Int = 4096) {
        // Along each direction, the painting's own values sorted: its quantile function.
        let n = features.plane, p = directions.count
        var projected = [Float](repeating: 0, count: p * n)
        directions.values.withUnsafeBufferPointer { d in
            projected.withUnsafeMutableBufferPointer { y in
                sf_sgemm(false, false, Int32(p), Int32(n), Int32(directions.channels), 1, d.baseAddress!, Int32(directions.channels),
                         features.data, Int32(n), 0, y.baseAddress!, Int32(n))
            }
        }
        var rows: [[Float]] = []
        let scratch = SortScratch()
        scratch.reserve(count: n, projections: p)
        projected.withUnsafeBufferPointer { y in
            for row in 0..<p {
                let order = SlicedWassersteinLoss.argsort(y.baseAddress! + row * n, count: n, scratch: scratch.part(0))
                rows.append((0..<n).map { y[row * n + Int(order[$0])] })
            }
        }
        self.init(sortedRows: rows, directions: directions, quantiles: quantiles)
    }

    /// From each direction's values sorted ascending (as many as the painting has, or a sample).
    init(sortedRows: [[Float]], directions: SliceDirections, quantiles: Int = 4096) {
        var values = [Float](repeating: 0, count: directions.count * quantiles)
        for (row, sorted) in sortedRows.enumerated() {
            for k in 0..<quantiles { values[row * quantiles + k] = Self.interpolate(sorted, at: (Float(k) + 0.5) / Float(quantiles)) }
        }
        self.init(directions: directions, quantiles: quantiles, values: values)
    }

    static func interpolate(_ sorted: [Float], at q: Float) -> Float {
        sorted.withUnsafeBufferPointer { interpolate($0.baseAddress!, count: $0.count, at: q) }
    }

    /// Values stored at quantiles (k + ½)/count, ascending: the one at quantile q (0 … 1) lies at
    /// position q·count − ½, linear between its neighbours, the end ones held beyond them.
    @inline(__always)
    static func interpolate(_ sorted: UnsafePointer<Float>, count: Int, at q: Float) -> Float {
        guard count > 1 else { return sorted[0] }
        let x = min(max(q * Float(count) - 0.5, 0), Float(count - 1))
        let k = min(Int(x), count - 2), t = x - Float(k)
        return sorted[k] + t * (sorted[k + 1] - sorted[k])
    }
}
