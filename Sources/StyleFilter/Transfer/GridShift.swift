/// Moves the picture under the network's pooling grid before an evaluation and the gradient back
/// after it, by a different offset each time, so no pixel has the same place in every 2×2 window.
///
/// Pooling evaluates a picture on a fixed grid: max pooling sends each window's gradient to one of
/// its four pixels, average pooling to all four alike, and both paint detail that lines up with
/// the windows. At a detail scale, where the start is an enlargement smooth enough that the same
/// pixel of every window wins over whole areas, that detail is a grid; enlarged by the next scale
/// it is the 4- and 8-pixel pattern a large print shows (docs/benchmarks-notebook.md#the-grid: this
/// lowers it, it does not remove it).
/// The objective itself is unchanged (tiles stay on the network's 16-pixel stride): the picture
/// moves by (dy, dx) inside its own buffer, the strip it uncovers at the top and left filled with
/// the picture's mirror image (no edge the network could read as a stroke), and the `dy` rows and
/// `dx` columns pushed out at the far edges kept aside and put back. Those far-edge pixels get no
/// gradient from that evaluation. Only for losses that do not care where a feature is (style and
/// total variation): content targets would be misaligned.
struct GridShift {
    let dy: Int
    let dx: Int

    /// The shift of evaluation `k` (0, 1, …) of a run, in 0..<limit on each axis (less on a
    /// dimension too small to shift), from the run's random `origin`. Not drawn afresh each time:
    /// a scale has few evaluations (8 at the largest), and the first steps of Adam move every
    /// pixel by the whole step whatever its gradient, so an unlucky draw of mostly even shifts
    /// would paint the grid anyway. Consecutive evaluations step 5 pixels across (odd, so the
    /// column parity alternates and every phase mod 4 comes in any 4) and, every second one, 5
    /// down: every four evaluations see each of the four parities of a 2×2 window.
    init(evaluation k: Int, origin: (Int, Int), limit: Int, height: Int, width: Int) {
        let ly = max(1, min(limit, height / 2)), lx = max(1, min(limit, width / 2))
        dy = (origin.0 + 5 * (k / 2)) % ly
        dx = (origin.1 + 5 * k) % lx
    }

    init(dy: Int, dx: Int) {
        self.dy = dy
        self.dx = dx
    }

    var isNone: Bool { dy == 0 && dx == 0 }

    /// `evaluate` sees `image` shifted; `gradient` (when given) comes back in the image's own
    /// place, zero where the shifted picture had no pixel. `image` is exactly as it was after.
    func around<T>(_ image: Tensor, gradient: Tensor?, _ evaluate: () -> T) -> T {
        guard !isNone else { return evaluate() }
        let h = image.height, w = image.width
        // The far edges, which the move overwrites.
        var bottom = [Float](repeating: 0, count: image.channels * dy * w)
        var right = [Float](repeating: 0, count: image.channels * (h - dy) * dx)
        for c in 0..<image.channels {
            let p = image.data + c * image.plane
            for y in 0..<dy { for x in 0..<w { bottom[(c * dy + y) * w + x] = p[(h - dy + y) * w + x] } }
            for y in 0..<(h - dy) { for x in 0..<dx { right[(c * (h - dy) + y) * dx + x] = p[y * w + w - dx + x] } }
        }
        GridShift.move(image, dy: dy, dx: dx)
        for c in 0..<image.channels {
            let p = image.data + c * image.plane
            // Mirror the picture into the uncovered strips: column dx − 1 − k from dx + k, then rows.
            for y in dy..<h { for k in 0..<dx { p[y * w + dx - 1 - k] = p[y * w + Swift.min(dx + k, w - 1)] } }
            for k in 0..<dy { for x in 0..<w { p[(dy - 1 - k) * w + x] = p[Swift.min(dy + k, h - 1) * w + x] } }
        }
        let result = evaluate()
        GridShift.move(image, dy: -dy, dx: -dx)
        for c in 0..<image.channels {
            let p = image.data + c * image.plane
            for y in 0..<dy { for x in 0..<w { p[(h - dy + y) * w + x] = bottom[(c * dy + y) * w + x] } }
            for y in 0..<(h - dy) { for x in 0..<dx { p[y * w + w - dx + x] = right[(c * (h - dy) + y) * dx + x] } }
        }
        if let gradient {
            GridShift.move(gradient, dy: -dy, dx: -dx)
            // The far strips, which had no pixel in the moved picture.
            for c in 0..<gradient.channels {
                let p = gradient.data + c * gradient.plane
                (p + (h - dy) * w).update(repeating: 0, count: dy * w)
                for y in 0..<(h - dy) { (p + y * w + w - dx).update(repeating: 0, count: dx) }
            }
        }
        return result
    }

    /// t[y + dy][x + dx] = t[y][x] wherever both are inside, in place (the other cells keep what
    /// they held): rows and columns are visited away from where they move to.
    static func move(_ t: Tensor, dy: Int, dx: Int) {
        let h = t.height, w = t.width
        let rows = dy >= 0 ? Array(stride(from: h - 1, through: dy, by: -1)) : Array(0..<(h + dy))
        parallel(t.channels) { channels in
            for c in channels {
                let p = t.data + c * t.plane
                for y in rows {
                    let from = p + (y - dy) * w, to = p + y * w
                    if dx >= 0 {
                        (to + dx).update(from: from, count: w - dx)
                    } else {
                        to.update(from: from - dx, count: w + dx)
                    }
                }
            }
        }
    }
}
