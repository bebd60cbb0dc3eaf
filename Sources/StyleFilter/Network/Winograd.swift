import CShim
import Dispatch

/// Winograd F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2016): each 4×4 output tile from a 6×6 input tile with 36 multiplications per channel pair
/// instead of 144, so the GEMM work of a 3×3 convolution drops fourfold. The input tiles are
/// transformed (V = Bᵀ d B), multiplied position by position with the transformed kernels
/// (U = G g Gᵀ, computed once at load) as 36 sgemms, and transformed back (Y = Aᵀ M A).
/// The same routine computes the forward pass and, with the adjoint's kernels, the input gradient.
struct WinogradKernels: Sendable {
    let inChannels: Int
    let outChannels: Int
    /// [36][out][in]: for each of the 6×6 positions, the out × in matrix of one sgemm.
    let transformed: [Float]

    /// `weights` [out][in][3][3].
    init(weights: [Float], inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        var u = [Float](repeating: 0, count: 36 * outChannels * inChannels)
        let pairs = outChannels * inChannels
        u.withUnsafeMutableBufferPointer { u in
            weights.withUnsafeBufferPointer { w in
                let target = SendablePointer(u.baseAddress!), source = SendablePointer(w.baseAddress!)
                parallel(pairs) { range in
                    // G g (6×3), then (G g) Gᵀ (6×6); in Double so the kernels carry no rounding of ours.
                    var gg = InlineArray6(0, 0, 0, 0, 0, 0), columns = [gg, gg, gg]
                    for pair in range {
                        let g = source.pointer + pair * 9
                        for col in 0..<3 { columns[col] = WinogradKernels.applyG(Double(g[col]), Double(g[3 + col]), Double(g[6 + col])) }
                        for row in 0..<6 {
                            gg = WinogradKernels.applyG(columns[0][row], columns[1][row], columns[2][row])
                            for col in 0..<6 { target.pointer[(row * 6 + col) * pairs + pair] = Float(gg[col]) }
                        }
                    }
                }
            }
        }
        transformed = u
    }

    /// G x for a 3-vector: the kernel's values at the interpolation points 0, ±1, ±2 and ∞.
    static func applyG(_ x0: Double, _ x1: Double, _ x2: Double) -> InlineArray6 {
        InlineArray6(x0 / 4, -(x0 + x1 + x2) / 6, -(x0 - x1 + x2) / 6,
                     x0 / 24 + x1 / 12 + x2 / 6, x0 / 24 - x1 / 12 + x2 / 6, x2)
    }

    /// Floats one band of `tiles` tiles needs: V (36 × in × tiles) and M (36 × out × tiles).
    func workspaceFloats(tiles: Int) -> Int { 36 * (inChannels + outChannels) * tiles }

    /// Each thread's scratch for the transforms of an image `width` wide (taken from the
    /// workspace, so a pass allocates nothing): six padded rows and Bᵀ of them, or A-products.
    static func scratchFloats(width: Int) -> Int {
        let tilesX = (width + 3) / 4
        return max(12 * (tilesX * 4 + 2) + 32, 40 * tilesX)
    }

    /// Whether one row of tiles and the scratch fit a workspace (only images tens of thousands
    /// of pixels wide do not).
    static func fits(width: Int, inChannels: Int, outChannels: Int, capacity: Int) -> Bool {
        36 * (inChannels + outChannels) * ((width + 3) / 4) + Parallel.workers * scratchFloats(width: width) <= capacity
    }

    /// What surrounds the input, and whether it is first upsampled.
    enum Border: Sendable {
        /// Zero padding 1 (VGG19).
        case zero
        /// Reflection padding 1 (the feed-forward network).
        case reflected
        /// The input upsampled 2× by nearest neighbour, then reflection-padded: the feed-forward network's
        /// decoder stages without the 4×-sized upsampled copy.
        case reflectedUpsampled
    }

    /// out[k] = Σ_c w[k][c] ⋆ in[c] (+ bias[k]) with padding 1 (`border`), in bands of tile rows.
    /// The output is the input's size (twice it for `.reflectedUpsampled`).
    func convolve(_ input: Tensor, border: Border = .zero, bias: UnsafePointer<Float>?, into output: Tensor, workspace: Workspace) {
        let factor = border == .reflectedUpsampled ? 2 : 1
        precondition(output.height == factor * input.height && output.width == factor * input.width)
        let height = output.height, width = output.width
        let tilesX = (width + 3) / 4, tilesY = (height + 3) / 4
        let scratch = Parallel.workers * WinogradKernels.scratchFloats(width: width)
        let bandRows = max(1, min(tilesY, (workspace.capacity - scratch) / workspaceFloats(tiles: tilesX)))
        let storage = workspace.reserve(workspaceFloats(tiles: bandRows * tilesX) + scratch)
        let scratchStart = storage + workspaceFloats(tiles: bandRows * tilesX)
        var top = 0
        while top < tilesY {
            let rows = min(bandRows, tilesY - top)
            let tiles = rows * tilesX
            let v = storage, m = storage + 36 * inChannels * tiles
            transformInput(input, border: border, tileRow: top, tileRows: rows, into: v, scratch: scratchStart)
            transformed.withUnsafeBufferPointer { u in
                let (k, c) = (outChannels, inChannels)
                let uu = SendablePointer(UnsafeMutablePointer(mutating: u.baseAddress!)), vv = SendablePointer(v), mm = SendablePointer(m)
                // The positions split over the cores, each sgemm on one thread (see Parallel.swift).
                parallel(36) { positions in
                    for position in positions {
                        sf_sgemm(false, false, Int32(k), Int32(tiles), Int32(c),
                                    1, uu.pointer + position * k * c, Int32(c), vv.pointer + position * c * tiles, Int32(tiles),
                                    0, mm.pointer + position * k * tiles, Int32(tiles))
                    }
                }
            }
            transformOutput(m, tileRow: top, tileRows: rows, bias: bias, into: output, scratch: scratchStart)
            top += rows
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for the 6×6 input patch d of every tile t in the band. Bᵀ runs
    /// down whole padded rows and B across each row's tiles, so both loops stream through
    /// memory and vectorise.
    func transformInput(_ input: Tensor, border: Border = .zero, tileRow: Int, tileRows: Int, into v: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>) {
        let factor = border == .reflectedUpsampled ? 2 : 1
        let sourceHeight = input.height, sourceWidth = input.width
        let height = factor * sourceHeight, width = factor * sourceWidth, channels = input.channels
        let tilesX = (width + 3) / 4, tiles = tileRows * tilesX
        let paddedWidth = tilesX * 4 + 2, stride = channels * tiles
        let source = SendablePointer(input.data), target = SendablePointer(v), scratchPointer = SendablePointer(scratch)
        let scratchStride = WinogradKernels.scratchFloats(width: width)
        parallelParts(channels) { part, range in
            // Six zero-padded rows of one channel, and Bᵀ applied down them (the scratch has 32
            // floats to spare: the last vector load of a row may read a few past the strip's end).
            let strip = scratchPointer.pointer + part * scratchStride
            let vertical = strip + 6 * paddedWidth
            for c in range {
                let plane = source.pointer + c * sourceHeight * sourceWidth
                for r in 0..<tileRows {
                    let y0 = (tileRow + r) * 4 - 1
                    for i in 0..<6 {
                        let row = strip + i * paddedWidth
                        row.update(repeating: 0, count: paddedWidth)
                        let y = y0 + i
                        switch border {
                        case .zero:
                            if y >= 0 && y < height { (row + 1).update(from: plane + y * width, count: width) }
                        case .reflected:
                            // Rows past the reflected frame only feed outputs cropped away.
                            guard y >= -1 && y <= height else { continue }
                            let line = plane + ReflectionPad.source(y, height) * width
                            (row + 1).update(from: line, count: width)
                            row[0] = line[1]
                            row[width + 1] = line[width - 2]
                        case .reflectedUpsampled:
                            guard y >= -1 && y <= height else { continue }
                            let line = plane + ReflectionPad.source(y, height) / 2 * sourceWidth
                            for x in 0..<sourceWidth {
                                row[1 + 2 * x] = line[x]
                                row[2 + 2 * x] = line[x]
                            }
                            row[0] = line[0]
                            row[width + 1] = line[sourceWidth - 1]
                        }
                    }
                    let s0 = strip, s1 = strip + paddedWidth, s2 = strip + 2 * paddedWidth
                    let s3 = strip + 3 * paddedWidth, s4 = strip + 4 * paddedWidth, s5 = strip + 5 * paddedWidth
                    for x in 0..<paddedWidth {
                        let x0 = s0[x], x1 = s1[x], x2 = s2[x], x3 = s3[x], x4 = s4[x], x5 = s5[x]
                        vertical[x] = 4 * x0 - 5 * x2 + x4
                        vertical[paddedWidth + x] = -4 * x1 - 4 * x2 + x3 + x4
                        vertical[2 * paddedWidth + x] = 4 * x1 - 4 * x2 - x3 + x4
                        vertical[3 * paddedWidth + x] = -2 * x1 - x2 + 2 * x3 + x4
                        vertical[4 * paddedWidth + x] = 2 * x1 - x2 - 2 * x3 + x4
                        vertical[5 * paddedWidth + x] = 4 * x1 - 5 * x3 + x5
                    }
                    let column = c * tiles + r * tilesX
                    for i in 0..<6 {
                        let row = vertical + i * paddedWidth
                        let o0 = target.pointer + (i * 6) * stride + column, o1 = o0 + stride, o2 = o1 + stride
                        let o3 = o2 + stride, o4 = o3 + stride, o5 = o4 + stride
                        // Four tiles at a time: 16 floats hold their first four columns, the 16 from
                        // four further on their fifth and sixth; even/odd lane halves pick them out.
                        var tx = 0
                        while tx + 4 <= tilesX {
                            let lo = UnsafeRawPointer(row + 4 * tx).loadUnaligned(as: SIMD16<Float>.self)
                            let hi = UnsafeRawPointer(row + 4 * tx + 4).loadUnaligned(as: SIMD16<Float>.self)
                            let x0 = lo.evenHalf.evenHalf, x1 = lo.oddHalf.evenHalf, x2 = lo.evenHalf.oddHalf
                            let x3 = lo.oddHalf.oddHalf, x4 = hi.evenHalf.evenHalf, x5 = hi.oddHalf.evenHalf
                            store(4 * x0 - 5 * x2 + x4, o0 + tx)
                            store(-4 * x1 - 4 * x2 + x3 + x4, o1 + tx)
                            store(4 * x1 - 4 * x2 - x3 + x4, o2 + tx)
                            store(-2 * x1 - x2 + 2 * x3 + x4, o3 + tx)
                            store(2 * x1 - x2 - 2 * x3 + x4, o4 + tx)
                            store(4 * x1 - 5 * x3 + x5, o5 + tx)
                            tx += 4
                        }
                        for tx in tx..<tilesX {
                            let d = row + 4 * tx
                            let x0 = d[0], x1 = d[1], x2 = d[2], x3 = d[3], x4 = d[4], x5 = d[5]
                            o0[tx] = 4 * x0 - 5 * x2 + x4
                            o1[tx] = -4 * x1 - 4 * x2 + x3 + x4
                            o2[tx] = 4 * x1 - 4 * x2 - x3 + x4
                            o3[tx] = -2 * x1 - x2 + 2 * x3 + x4
                            o4[tx] = 2 * x1 - x2 - 2 * x3 + x4
                            o5[tx] = 4 * x1 - 5 * x3 + x5
                        }
                    }
                }
            }
        }
    }

    /// output tile = Aᵀ M A (+ bias), cropped at the image's right and bottom edges; both passes
    /// run along a tile row, one tile per vector lane.
    func transformOutput(_ m: UnsafeMutablePointer<Float>, tileRow: Int, tileRows: Int, bias: UnsafePointer<Float>?,
                         into output: Tensor, scratch: UnsafeMutablePointer<Float>) {
        let height = output.height, width = output.width, channels = outChannels
        let tilesX = (width + 3) / 4, tiles = tileRows * tilesX, stride = channels * tiles
        let source = SendablePointer(m), target = SendablePointer(output.data)
        let biasPointer = bias.map { SendablePointer($0) }, scratchPointer = SendablePointer(scratch)
        let scratchStride = WinogradKernels.scratchFloats(width: width)
        parallelParts(channels) { part, range in
            // a[i][q][tx]: M A along each row i; y[p][q][tx]: Aᵀ (M A) down the columns.
            let a = scratchPointer.pointer + part * scratchStride
            let y = a + 24 * tilesX
            for k in range {
                let b = biasPointer?.pointer[k] ?? 0
                let plane = target.pointer + k * height * width
                for r in 0..<tileRows {
                    let base = source.pointer + k * tiles + r * tilesX
                    for i in 0..<6 {
                        let p0 = base + (i * 6) * stride, p1 = p0 + stride, p2 = p1 + stride
                        let p3 = p2 + stride, p4 = p3 + stride, p5 = p4 + stride
                        let q0 = a + (i * 4) * tilesX, q1 = q0 + tilesX, q2 = q1 + tilesX, q3 = q2 + tilesX
                        for tx in 0..<tilesX {
                            let m0 = p0[tx], m1 = p1[tx], m2 = p2[tx], m3 = p3[tx], m4 = p4[tx], m5 = p5[tx]
                            q0[tx] = m0 + m1 + m2 + m3 + m4
                            q1[tx] = m1 - m2 + 2 * (m3 - m4)
                            q2[tx] = m1 + m2 + 4 * (m3 + m4)
                            q3[tx] = m1 - m2 + 8 * (m3 - m4) + m5
                        }
                    }
                    for q in 0..<4 {
                        let a0 = a + q * tilesX, a1 = a0 + 4 * tilesX, a2 = a1 + 4 * tilesX
                        let a3 = a2 + 4 * tilesX, a4 = a3 + 4 * tilesX, a5 = a4 + 4 * tilesX
                        let y0 = y + q * tilesX, y1 = y0 + 4 * tilesX, y2 = y1 + 4 * tilesX, y3 = y2 + 4 * tilesX
                        for tx in 0..<tilesX {
                            let m0 = a0[tx], m1 = a1[tx], m2 = a2[tx], m3 = a3[tx], m4 = a4[tx], m5 = a5[tx]
                            y0[tx] = m0 + m1 + m2 + m3 + m4 + b
                            y1[tx] = m1 - m2 + 2 * (m3 - m4) + b
                            y2[tx] = m1 + m2 + 4 * (m3 + m4) + b
                            y3[tx] = m1 - m2 + 8 * (m3 - m4) + m5 + b
                        }
                    }
                    let top = (tileRow + r) * 4, fullTiles = width / 4
                    for p in 0..<min(4, height - top) {
                        let row = plane + (top + p) * width
                        let t0 = y + (p * 4) * tilesX, t1 = t0 + tilesX, t2 = t1 + tilesX, t3 = t2 + tilesX
                        for tx in 0..<fullTiles {
                            let o = row + 4 * tx
                            o[0] = t0[tx]
                            o[1] = t1[tx]
                            o[2] = t2[tx]
                            o[3] = t3[tx]
                        }
                        for x in (fullTiles * 4)..<width { row[x] = y[(p * 4 + x % 4) * tilesX + fullTiles] }
                    }
                }
            }
        }
    }
}

@inline(__always)
private func store(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// Six values without a heap allocation (the kernel transform runs for every channel pair).
struct InlineArray6 {
    var values: (Double, Double, Double, Double, Double, Double)
    init(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double) { values = (a, b, c, d, e, f) }
    subscript(i: Int) -> Double {
        switch i {
        case 0: return values.0
        case 1: return values.1
        case 2: return values.2
        case 3: return values.3
        case 4: return values.4
        default: return values.5
        }
    }
}
