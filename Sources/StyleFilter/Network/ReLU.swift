/// ReLU, applied in place on a conv output. Backward masks with the stored output: y > 0 ⇔ x > 0.
/// Both are single passes over memory, split over the cores by channel like the rest of a pass.
enum ReLU {
    public static func forward(_ x: Tensor) {
        let p = SendablePointer(x.data), plane = x.plane
        parallel(x.channels) { channels in
            let start = p.pointer + channels.lowerBound * plane
            for i in 0..<(channels.count * plane) { start[i] = Swift.max(start[i], 0) }
        }
    }

    /// grad ← grad · [output > 0], in place.
    public static func backward(output: Tensor, grad: Tensor) {
        let y = SendablePointer(output.data), g = SendablePointer(grad.data), plane = output.plane
        parallel(output.channels) { channels in
            let offset = channels.lowerBound * plane
            let ys = y.pointer + offset, gs = g.pointer + offset, n = channels.count * plane
            var i = 0
            while i + 8 <= n {
                var g8 = UnsafeRawPointer(gs + i).loadUnaligned(as: SIMD8<Float>.self)
                g8.replace(with: 0, where: UnsafeRawPointer(ys + i).loadUnaligned(as: SIMD8<Float>.self) .<= 0)
                UnsafeMutableRawPointer(gs + i).storeBytes(of: g8, as: SIMD8<Float>.self)
                i += 8
            }
            for j in i..<n where ys[j] <= 0 { gs[j] = 0 }
        }
    }
}
