/// Samples of a host's pixels (u8, u16, f32 0 … 1; native-endian; 3 or 4 bands) to and from the
/// engine's floats, at full precision both ways.
struct Samples {
    let bands: Int
    let format: TileFrame.SampleFormat

    var pixelBytes: Int { bands * format.bytes }

    /// One sample as 0 … 1 (f32 clamped; NaN and infinity refused): v · (1/255) in float, as
    /// libvips scales a file's samples, so a buffer and a file give the engine the same numbers.
    @inline(__always)
    func value(_ row: UnsafeRawPointer, _ index: Int) throws -> Float {
        switch format {
        case .u8: return Float(row.load(fromByteOffset: index, as: UInt8.self)) * Float(1.0 / 255)
        case .u16: return Float(row.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)) * Float(1.0 / 65535)
        case .f32:
            let v = row.loadUnaligned(fromByteOffset: 4 * index, as: Float.self)
            guard v.isFinite else { throw StyleFilterError.invalidArgument("a sample of the input is NaN or infinite") }
            return min(max(v, 0), 1)
        }
    }

    @inline(__always)
    func store(_ v: Float, _ row: UnsafeMutableRawPointer, _ index: Int) {
        let v = Quantize.unit(v)
        switch format {
        case .u8: row.storeBytes(of: Quantize.byte(v * 255), toByteOffset: index, as: UInt8.self)
        case .u16: row.storeBytes(of: Quantize.word(v * 65535), toByteOffset: 2 * index, as: UInt16.self)
        case .f32: row.storeBytes(of: v, toByteOffset: 4 * index, as: Float.self)
        }
    }

    /// A mask's lightness as grey RGB 0 … 1: its one band, or the mean of its first three.
    func decodeLightness(_ source: UnsafeRawPointer, stride: Int, width: Int, height: Int,
                         into pixels: UnsafeMutablePointer<Float>, floatStride: Int) throws {
        for y in 0..<height {
            let row = source + y * stride
            for x in 0..<width {
                let v = bands == 1 ? try value(row, x)
                    : (try value(row, x * bands) + value(row, x * bands + 1) + value(row, x * bands + 2)) / 3
                for c in 0..<3 { pixels[y * floatStride + 3 * x + c] = v }
            }
        }
    }

    /// RGB of `width` × `height` host pixels into floats 0 … 1, rows `floatStride` apart.
    func decodeRGB(_ source: UnsafeRawPointer, stride: Int, width: Int, height: Int,
                   into pixels: UnsafeMutablePointer<Float>, floatStride: Int) throws {
        for y in 0..<height {
            let row = source + y * stride
            for x in 0..<width {
                for c in 0..<3 { pixels[y * floatStride + 3 * x + c] = try value(row, x * bands + c) }
            }
        }
    }

    /// Rows `rows` of the result (0 … 255) into host pixels at `destination` (its first row is
    /// `rows.lowerBound`), alpha copied from `alpha` (the input's same rows) when 4 bands.
    func encode(_ result: FloatRGBImage, rows: Range<Int>, into destination: UnsafeMutableRawPointer, stride: Int,
                alpha: UnsafeRawPointer?, alphaStride: Int) throws {
        let w = result.width
        try result.values.withUnsafeBufferPointer { values in
            for (k, y) in rows.enumerated() {
                let row = destination + k * stride
                for x in 0..<w {
                    let a = bands == 4 ? try value(alpha! + k * alphaStride, x * 4 + 3) : 0
                    for c in 0..<3 { store(values[3 * (y * w + x) + c] / 255, row, x * bands + c) }
                    if bands == 4 { store(a, row, x * 4 + 3) }
                }
            }
        }
    }
}
