/// 2×2 pooling with stride 2; odd sizes floor (5 → 2) and the last row/column is dropped.
public enum PoolingMode: String, Sendable, CaseIterable {
    case max
    case average = "avg"
}

enum Pool2x2 {
    public static func outputSize(_ n: Int) -> Int { n / 2 }

    public static func forward(_ input: Tensor, into output: Tensor, mode: PoolingMode) {
        let w = input.width, ow = output.width, oh = output.height
        parallel(input.channels) { channels in for c in channels {
            let src = input.data + c * input.plane, dst = output.data + c * output.plane
            for oy in 0..<oh {
                let r0 = src + 2 * oy * w, r1 = r0 + w
                for ox in 0..<ow {
                    let a = r0[2 * ox], b = r0[2 * ox + 1], d = r1[2 * ox], e = r1[2 * ox + 1]
                    dst[oy * ow + ox] = mode == .max ? Swift.max(Swift.max(a, b), Swift.max(d, e))
                                                     : 0.25 * (a + b + d + e)
                }
            }
        } }
    }

    /// gradInput (overwritten) from gradOutput. Max routes each gradient to the first maximum of
    /// its window, recomputed from the stored input, as PyTorch does.
    public static func backward(input: Tensor, gradOutput: Tensor, into gradInput: Tensor, mode: PoolingMode) {
        let w = input.width, ow = gradOutput.width, oh = gradOutput.height
        parallel(input.channels) { channels in for c in channels {
            (gradInput.data + c * gradInput.plane).update(repeating: 0, count: gradInput.plane)
            let src = input.data + c * input.plane
            let g = gradOutput.data + c * gradOutput.plane
            let dst = gradInput.data + c * gradInput.plane
            for oy in 0..<oh {
                let base = 2 * oy * w
                for ox in 0..<ow {
                    let go = g[oy * ow + ox]
                    let i0 = base + 2 * ox, i1 = i0 + 1, i2 = i0 + w, i3 = i2 + 1
                    if mode == .average {
                        let q = 0.25 * go
                        dst[i0] += q; dst[i1] += q; dst[i2] += q; dst[i3] += q
                    } else {
                        var best = i0
                        if src[i1] > src[best] { best = i1 }
                        if src[i2] > src[best] { best = i2 }
                        if src[i3] > src[best] { best = i3 }
                        dst[best] += go
                    }
                }
            }
        } }
    }
}
