/// A frame's pixels as the network sees them (8-bit RGB) plus what must come back untouched
/// (alpha), and the way back into the frame's own sample format.
struct TilePixels {
    let rgb: RGBImage
    /// One value per pixel in 0 … 1, or nil for RGB frames.
    let alpha: [Float]?

    /// Interleaved samples; u16 and f32 are little-endian, f32 in 0 … 1.
    init(payload: ArraySlice<UInt8>, width: Int, height: Int, bands: Int, format: TileFrame.SampleFormat) throws {
        let count = width * height * bands
        precondition(payload.count == count * format.bytes)
        let base = payload.startIndex
        var samples = [Float](repeating: 0, count: count)
        switch format {
        case .u8:
            for i in 0..<count { samples[i] = Float(payload[base + i]) / 255 }
        case .u16:
            for i in 0..<count { samples[i] = Float(UInt16(payload[base + 2 * i]) | UInt16(payload[base + 2 * i + 1]) << 8) / 65535 }
        case .f32:
            for i in 0..<count {
                let k = base + 4 * i
                let bits = UInt32(payload[k]) | UInt32(payload[k + 1]) << 8 | UInt32(payload[k + 2]) << 16 | UInt32(payload[k + 3]) << 24
                let v = Float(bitPattern: bits)
                guard v.isFinite else { throw TileFrame.ParseError(status: .badPayload, description: "non-finite sample at \(i)") }
                samples[i] = min(max(v, 0), 1)
            }
        }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var alpha: [Float]? = bands == 4 ? [Float](repeating: 0, count: width * height) : nil
        for p in 0..<(width * height) {
            for c in 0..<3 { rgb[3 * p + c] = UInt8((samples[bands * p + c] * 255).rounded()) }
            alpha?[p] = samples[bands * p + 3]
        }
        self.rgb = RGBImage(width: width, height: height, pixels: rgb)
        self.alpha = alpha
    }

    /// The stylized picture cropped by `margin` on every side, with this tile's alpha, in `format`.
    func payload(result: RGBImage, margin: Int, format: TileFrame.SampleFormat) -> (width: Int, height: Int, bytes: [UInt8]) {
        let w = result.width - 2 * margin, h = result.height - 2 * margin
        let bands = alpha == nil ? 3 : 4
        var out: [UInt8] = []
        out.reserveCapacity(w * h * bands * format.bytes)
        func put(_ v: Float) {
            switch format {
            case .u8: out.append(UInt8((v * 255).rounded()))
            case .u16:
                let s = UInt16((v * 65535).rounded())
                out.append(UInt8(s & 0xFF))
                out.append(UInt8(s >> 8))
            case .f32: withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        for y in margin..<(margin + h) {
            for x in margin..<(margin + w) {
                let p = y * result.width + x
                for c in 0..<3 { put(Float(result.pixels[3 * p + c]) / 255) }
                if let alpha { put(alpha[p]) }
            }
        }
        return (w, h, out)
    }
}

/// The whole image in miniature (a guide frame): tiles start from their part of it, so separately
/// optimized tiles agree on colours and layout.
struct Guide {
    let image: RGBImage
    let fullWidth: Int
    let fullHeight: Int

    /// The guide's view of the rectangle at (x, y) of the whole image, bilinear, at the tile's
    /// size; outside the image it mirrors, as a driver's padding does.
    func region(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        func mirror(_ v: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            let period = 2 * n
            var m = v % period
            if m < 0 { m += period }
            return m < n ? m : period - 1 - m
        }
        let sx = Double(image.width) / Double(fullWidth), sy = Double(image.height) / Double(fullHeight)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for j in 0..<height {
            let fy = (Double(mirror(y + j, fullHeight)) + 0.5) * sy - 0.5
            let y0 = min(max(Int(fy.rounded(.down)), 0), image.height - 1), y1 = min(y0 + 1, image.height - 1)
            let ty = Float(min(max(fy - Double(y0), 0), 1))
            for i in 0..<width {
                let fx = (Double(mirror(x + i, fullWidth)) + 0.5) * sx - 0.5
                let x0 = min(max(Int(fx.rounded(.down)), 0), image.width - 1), x1 = min(x0 + 1, image.width - 1)
                let tx = Float(min(max(fx - Double(x0), 0), 1))
                for c in 0..<3 {
                    func at(_ xx: Int, _ yy: Int) -> Float { Float(image.pixels[3 * (yy * image.width + xx) + c]) }
                    let top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx
                    let bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx
                    pixels[3 * (j * width + i) + c] = UInt8((top * (1 - ty) + bottom * ty).rounded())
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
