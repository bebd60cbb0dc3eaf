/// Padding by reflection (the edge pixel not repeated: …, x2, x1, x0, x1, x2, …), which keeps a
/// convolution's border from seeing a dark frame. Backward folds each padded position's gradient
/// back onto the pixel it copied.
enum ReflectionPad {
    /// The source index of position `t` on an axis of length `n`, mirrored as often as it takes:
    /// a window or a padding wider than the image (a photo a few pixels across) reflects more than
    /// once, and a single reflection would index outside it.
    @inline(__always)
    static func source(_ t: Int, _ n: Int) -> Int {
        if t >= 0 && t < n { return t }
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        let m = (t % period + period) % period
        return m < n ? m : period - m
    }

    static func forward(_ x: Tensor, pad: Int, into y: Tensor) {
        precondition(pad < x.height && pad < x.width, "reflection padding needs an image larger than the padding")
        precondition(y.channels == x.channels && y.height == x.height + 2 * pad && y.width == x.width + 2 * pad)
        let src = SendablePointer(x.data), dst = SendablePointer(y.data)
        let (h, w, ph, pw) = (x.height, x.width, y.height, y.width)
        parallel(x.channels) { channels in
            for c in channels {
                let from = src.pointer + c * h * w, to = dst.pointer + c * ph * pw
                for i in 0..<ph {
                    let row = from + source(i - pad, h) * w, out = to + i * pw
                    for j in 0..<pad { out[j] = row[source(j - pad, w)] }
                    (out + pad).update(from: row, count: w)
                    for j in (pad + w)..<pw { out[j] = row[source(j - pad, w)] }
                }
            }
        }
    }

    /// gradX = the adjoint of forward applied to gradY (overwritten).
    static func backward(_ gradY: Tensor, pad: Int, into gradX: Tensor) {
        gradX.zero()
        let src = SendablePointer(gradY.data), dst = SendablePointer(gradX.data)
        let (h, w, ph, pw) = (gradX.height, gradX.width, gradY.height, gradY.width)
        parallel(gradX.channels) { channels in
            for c in channels {
                let from = src.pointer + c * ph * pw, to = dst.pointer + c * h * w
                for i in 0..<ph {
                    let row = to + source(i - pad, h) * w, g = from + i * pw
                    for j in 0..<pw { row[source(j - pad, w)] += g[j] }
                }
            }
        }
    }
}
