/// Instance normalisation (Ulyanov et al.) with a learned scale and shift per channel:
/// y = γ · (x − μ) / σ + β, μ and σ² the channel's mean and variance over the image.
///
/// Statistics can be given instead of measured: a photo processed in tiles takes them from the
/// whole image (a first pass), so every tile is normalised alike and no seam appears.
final class InstanceNorm: @unchecked Sendable {
    public let channels: Int
    let scale: UnsafeMutablePointer<Float>
    let shift: UnsafeMutablePointer<Float>
    let scaleGradient: UnsafeMutablePointer<Float>
    let shiftGradient: UnsafeMutablePointer<Float>
    static let epsilon: Float = 1e-5

    /// Per channel: the mean and 1/σ that normalised the last forward (backward's input).
    public struct Statistics: Sendable, Equatable {
        public var mean: [Float]
        public var inverseDeviation: [Float]
    }
    private(set) var last: Statistics

    init(channels: Int, parameters: Parameters) {
        self.channels = channels
        (scale, scaleGradient) = parameters.take(channels)
        (shift, shiftGradient) = parameters.take(channels)
        scale.update(repeating: 1, count: channels)
        shift.update(repeating: 0, count: channels)
        last = Statistics(mean: [Float](repeating: 0, count: channels), inverseDeviation: [Float](repeating: 1, count: channels))
    }

    /// Sums per channel of x and x², in double precision (a channel of a large photo has millions
    /// of values); what a tiled first pass adds up over its tiles.
    static func sums(_ x: Tensor, rows: Range<Int>? = nil, columns: Range<Int>? = nil) -> [(sum: Double, squares: Double)] {
        let rows = rows ?? 0..<x.height, columns = columns ?? 0..<x.width
        return (0..<x.channels).map { c in
            var s = 0.0, q = 0.0
            for i in rows {
                let row = x.data + (c * x.height + i) * x.width
                for j in columns {
                    let v = Double(row[j])
                    s += v
                    q += v * v
                }
            }
            return (s, q)
        }
    }

    static func statistics(sums: [(sum: Double, squares: Double)], count: Int) -> Statistics {
        var mean = [Float](), inverse = [Float]()
        for (s, q) in sums {
            let m = s / Double(count), variance = max(0, q / Double(count) - m * m)
            mean.append(Float(m))
            inverse.append(Float(1 / (variance + Double(epsilon)).squareRoot()))
        }
        return Statistics(mean: mean, inverseDeviation: inverse)
    }

    // MARK: forward

    func forward(_ x: Tensor, into y: Tensor, statistics given: Statistics? = nil) {
        precondition(x.channels == channels && y.count == x.count)
        last = given ?? InstanceNorm.statistics(sums: InstanceNorm.sums(x), count: x.plane)
        let src = SendablePointer(x.data), dst = SendablePointer(y.data), plane = x.plane, stats = last
        let scale = SendablePointer(scale), shift = SendablePointer(shift)
        parallel(channels) { cs in
            for c in cs {
                let a = scale.pointer[c] * stats.inverseDeviation[c], b = shift.pointer[c] - a * stats.mean[c]
                let from = src.pointer + c * plane, to = dst.pointer + c * plane
                for i in 0..<plane { to[i] = a * from[i] + b }
            }
        }
    }

    // MARK: backward

    /// With x̂ = (x − μ)/σ: dγ += Σ dy·x̂, dβ += Σ dy, and
    /// dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy·x̂)), μ and σ depending on x.
    func backward(_ x: Tensor, gradOutput gy: Tensor, into gx: Tensor) {
        let plane = x.plane, stats = last
        let src = SendablePointer(x.data), g = SendablePointer(gy.data), dst = SendablePointer(gx.data)
        let scale = SendablePointer(scale), dScale = SendablePointer(scaleGradient), dShift = SendablePointer(shiftGradient)
        parallel(channels) { cs in
            for c in cs {
                let xs = src.pointer + c * plane, gs = g.pointer + c * plane, out = dst.pointer + c * plane
                let mu = stats.mean[c], r = stats.inverseDeviation[c]
                var sumG = 0.0, sumGX = 0.0
                for i in 0..<plane {
                    sumG += Double(gs[i])
                    sumGX += Double(gs[i]) * Double((xs[i] - mu) * r)
                }
                dScale.pointer[c] += Float(sumGX)
                dShift.pointer[c] += Float(sumG)
                let meanG = Float(sumG / Double(plane)), meanGX = Float(sumGX / Double(plane)), a = scale.pointer[c] * r
                for i in 0..<plane { out[i] = a * (gs[i] - meanG - (xs[i] - mu) * r * meanGX) }
            }
        }
    }
}
