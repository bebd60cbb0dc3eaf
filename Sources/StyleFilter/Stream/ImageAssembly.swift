#if canImport(Glibc)
import Glibc
#endif

/// A whole image arriving as parts (the stream's whole-image mode), kept in an unlinked temporary
/// file rather than in memory, so the server's memory stays the job's: the job reads it back
/// rectangle by rectangle at each scale, and the result parts take their alpha from it.
final class ImageAssembly {
    let width: Int
    let height: Int
    let samples: Samples
    /// The parts in the order they came: the result is sent back in the same rectangles.
    private(set) var parts: [(id: UInt64, x: Int, y: Int, width: Int, height: Int)] = []
    private let fd: Int32
    /// One bit per pixel: which pixels some part has given.
    private var covered: [UInt64]
    private var coveredCount = 0

    init(width: Int, height: Int, bands: Int, format: TileFrame.SampleFormat) throws {
        guard width * height <= ImageIO.inputLimits.maxPixels else {
            throw StyleFilterError.invalidArgument("a \(width)×\(height) image is over the pixel limit (--max-pixels)")
        }
        self.width = width
        self.height = height
        samples = Samples(bands: bands, format: format)
        var template = Array("\(Files.temporaryDirectory)/filterctl-image-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw StyleFilterError.io("cannot create a temporary file for the image: \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard ftruncate(fd, off_t(width * height * samples.pixelBytes)) == 0 else {
            close(fd)
            throw StyleFilterError.io("no room for a \(width)×\(height) image in \(Files.temporaryDirectory): \(String(cString: strerror(errno)))")
        }
        covered = [UInt64](repeating: 0, count: (width * height + 63) / 64)
    }

    deinit { close(fd) }

    var isComplete: Bool { coveredCount == width * height }

    func add(id: UInt64, x: Int, y: Int, width w: Int, height h: Int, payload: [UInt8]) throws {
        guard x + w <= width, y + h <= height else {
            throw TileFrame.ParseError(status: .badHeader, description: "part (\(x), \(y)) \(w)×\(h) reaches outside the \(width)×\(height) image")
        }
        let row = w * samples.pixelBytes
        try payload.withUnsafeBytes { bytes in
            for j in 0..<h {
                let offset = off_t(((y + j) * width + x) * samples.pixelBytes)
                guard pwrite(fd, bytes.baseAddress! + j * row, row, offset) == row else {
                    throw StyleFilterError.io("cannot keep the image's part: \(String(cString: strerror(errno)))")
                }
            }
        }
        for j in y..<(y + h) {
            for i in x..<(x + w) {
                let p = j * width + i
                if covered[p >> 6] & (1 << (p & 63)) == 0 {
                    covered[p >> 6] |= 1 << (p & 63)
                    coveredCount += 1
                }
            }
        }
        parts.append((id, x, y, w, h))
    }

    /// Host pixels of a rectangle, rows packed.
    func read(x: Int, y: Int, width w: Int, height h: Int) throws -> [UInt8] {
        let row = w * samples.pixelBytes
        var out = [UInt8](repeating: 0, count: row * h)
        try out.withUnsafeMutableBytes { bytes in
            for j in 0..<h {
                let offset = off_t(((y + j) * width + x) * samples.pixelBytes)
                guard pread(fd, bytes.baseAddress! + j * row, row, offset) == row else {
                    throw StyleFilterError.io("cannot read the image back: \(String(cString: strerror(errno)))")
                }
            }
        }
        return out
    }

    /// The image as a job's photo.
    func photo() throws -> PhotoInput {
        try PhotoInput(width: width, height: height) { [self] x, y, w, h, pixels, stride in
            let bytes = try read(x: x, y: y, width: w, height: h)
            try bytes.withUnsafeBytes {
                try samples.decodeRGB($0.baseAddress!, stride: w * samples.pixelBytes, width: w, height: h, into: pixels, floatStride: stride)
            }
        }
    }

    /// The result cut into the parts' rectangles, each with its own alpha, as reply frames.
    func resultParts(_ result: FloatRGBImage, format: TileFrame.SampleFormat) throws -> [(TileFrame, [UInt8])] {
        try parts.map { part in
            let crop = FloatRGBImage(width: part.width, height: part.height, values: (0..<part.height).flatMap { j in
                let start = 3 * ((part.y + j) * width + part.x)
                return result.values[start..<(start + 3 * part.width)]
            })
            let row = part.width * samples.pixelBytes
            var bytes = [UInt8](repeating: 0, count: row * part.height)
            let alpha = samples.bands == 4 ? try read(x: part.x, y: part.y, width: part.width, height: part.height) : nil
            try bytes.withUnsafeMutableBytes { out in
                try alpha.withUnsafeBufferPointerOrNil { a in
                    try samples.encode(crop, rows: 0..<part.height, into: out.baseAddress!, stride: row,
                                       alpha: a.map { UnsafeRawPointer($0.baseAddress!) }, alphaStride: row)
                }
            }
            let frame = TileFrame(isRequest: false, kind: .imagePart, id: part.id, x: Int32(part.x), y: Int32(part.y),
                                  width: UInt32(part.width), height: UInt32(part.height), bands: UInt16(samples.bands), format: format)
            return (frame, bytes)
        }
    }
}

extension Optional where Wrapped == [UInt8] {
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard let self else { return try body(nil) }
        return try self.withUnsafeBufferPointer { try body($0) }
    }
}
