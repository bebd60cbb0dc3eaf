import CShim

/// The photo of a job, read again at each scale's size so that only one scale's copy is in memory:
/// a file (libvips decodes straight to the size, JPEGs shrink on load, colours managed), or pixels
/// a reader hands over rectangle by rectangle (a buffer, a C host's region callback, an image
/// assembled from stream tiles), resampled by the same libvips code as a file.
public final class PhotoInput: @unchecked Sendable {
    /// The size the photo is used at (after EXIF orientation).
    public let width: Int
    public let height: Int
    /// What was tolerated on the way in, for the user to see.
    public let warnings: [String]
    let source: Source

    enum Source {
        case file(String)
        /// Fills RGB 0 … 1 of a rectangle into rows `stride` floats apart; throws to fail the read.
        case reader((_ x: Int, _ y: Int, _ width: Int, _ height: Int, _ pixels: UnsafeMutablePointer<Float>, _ stride: Int) throws -> Void)
    }

    public init(path: String) throws {
        var size = (0, 0)
        let probe = try ImageIO.loadPhoto(path) { w, h in
            size = (w, h)
            return StyleTransfer.contentSize(width: w, height: h, longSide: 16)
        }
        (width, height) = size
        warnings = probe.warnings
        source = .file(path)
    }

    /// Pixels in sRGB from `read`, which libvips calls one rectangle at a time (never two at once)
    /// for each scale's resample: the photo itself need never be in memory whole.
    public init(width: Int, height: Int,
                read: @escaping (_ x: Int, _ y: Int, _ width: Int, _ height: Int, _ pixels: UnsafeMutablePointer<Float>, _ stride: Int) throws -> Void) throws {
        guard (16...ImageIO.maxDimension).contains(width), (16...ImageIO.maxDimension).contains(height) else {
            throw StyleFilterError.invalidArgument("a \(width) × \(height) photo: each side must be 16 … \(ImageIO.maxDimension)")
        }
        self.width = width
        self.height = height
        warnings = []
        source = .reader(read)
    }

    var isFile: Bool {
        if case .file = source { return true }
        return false
    }

    /// The photo at this size in the network's range (sRGB, 0 … 255).
    public func colour(width: Int, height: Int) throws -> FloatRGBImage {
        switch source {
        case .file: return try photo(width: width, height: height).colour
        case .reader(let read): return try Self.resample(read, from: (self.width, self.height), to: (width, height))
        }
    }

    /// The photo at this size with what saving the result needs (profile, depth, alpha); a
    /// reader's photo is untagged 8-bit sRGB without alpha (its caller keeps its own alpha).
    public func photo(width: Int, height: Int) throws -> Photo {
        switch source {
        case .file(let path): return try ImageIO.loadPhoto(path) { _, _ in (width, height) }
        case .reader: return Photo(colour: try colour(width: width, height: height), alpha: nil,
                                   source: .untagged(.rgb, linear: false), bitsPerSample: 8)
        }
    }

    /// The reader wrapped as a libvips image, so a scale's size comes from the same antialiased
    /// resample a file gets, pulling strips of the source as it goes.
    static func resample(_ read: @escaping (Int, Int, Int, Int, UnsafeMutablePointer<Float>, Int) throws -> Void,
                         from source: (width: Int, height: Int), to target: (width: Int, height: Int)) throws -> FloatRGBImage {
        try ImageIO.start()
        try AvailableMemory.ensure(target.width * target.height * 12 * 2, for: "reading the photo at \(target.width)×\(target.height)")
        final class Box {
            let read: (Int, Int, Int, Int, UnsafeMutablePointer<Float>, Int) throws -> Void
            var error: Error?
            init(_ read: @escaping (Int, Int, Int, Int, UnsafeMutablePointer<Float>, Int) throws -> Void) { self.read = read }
        }
        let box = Box(read)
        let user = Unmanaged.passRetained(box)
        defer { user.release() }
        let callback: sf_source_read_fn = { user, x, y, w, h, pixels, stride in
            let box = Unmanaged<Box>.fromOpaque(user!).takeUnretainedValue()
            do {
                try box.read(Int(x), Int(y), Int(w), Int(h), pixels!, stride / 4)
                return 0
            } catch {
                box.error = error
                return 1
            }
        }
        guard let image = sf_vips_source(Int32(source.width), Int32(source.height), callback, user.toOpaque()) else {
            throw StyleFilterError.image("cannot read the photo (\(ImageIO.takeVipsError()))")
        }
        defer { sf_vips_source_drop(image) }
        let scaled = try ImageIO.owned(name: "the photo", "cannot resize") {
            sf_vips_float_scaled(image, &$0, 1, Double(target.width) / Double(source.width), Double(target.height) / Double(source.height))
        }
        var length = 0
        guard let memory = vips_image_write_to_memory(scaled.pointer, &length) else {
            let message = ImageIO.takeVipsError()
            if let error = box.error { throw error }
            throw StyleFilterError.image("cannot read the photo (\(message))")
        }
        defer { g_free(memory) }
        guard length == target.width * target.height * 12 else { throw StyleFilterError.image("the photo: unexpected pixel layout") }
        // Scaled to 0 … 255 here, as loadPhoto does after its resample: the same numbers as a file.
        let values = UnsafeBufferPointer(start: memory.assumingMemoryBound(to: Float.self), count: length / 4).map { $0 * 255 }
        try ImageIO.requireFinite(values, name: "the photo")
        return FloatRGBImage(width: target.width, height: target.height, values: values)
    }
}
