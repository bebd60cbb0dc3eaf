/// Nearest-neighbour upsampling by 2 (Johnson et al.'s decoder upsamples, then convolves: no
/// checkerboard that a strided transposed convolution paints). Backward sums each 2×2 block.
enum Upsample2x {
    static func forward(_ x: Tensor, into y: Tensor) {
        precondition(y.channels == x.channels && y.height == 2 * x.height && y.width == 2 * x.width)
        let src = SendablePointer(x.data), dst = SendablePointer(y.data), (h, w) = (x.height, x.width)
        parallel(x.channels) { channels in
            for c in channels {
                for i in 0..<h {
                    let row = src.pointer + (c * h + i) * w
                    let top = dst.pointer + (c * 2 * h + 2 * i) * 2 * w, bottom = top + 2 * w
                    for j in 0..<w {
                        top[2 * j] = row[j]
                        top[2 * j + 1] = row[j]
                    }
                    bottom.update(from: top, count: 2 * w)
                }
            }
        }
    }

    static func backward(_ gradY: Tensor, into gradX: Tensor) {
        let src = SendablePointer(gradY.data), dst = SendablePointer(gradX.data), (h, w) = (gradX.height, gradX.width)
        parallel(gradX.channels) { channels in
            for c in channels {
                for i in 0..<h {
                    let row = dst.pointer + (c * h + i) * w
                    let top = src.pointer + (c * 2 * h + 2 * i) * 2 * w, bottom = top + 2 * w
                    for j in 0..<w { row[j] = top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1] }
                }
            }
        }
    }
}
