import CShim
#if canImport(Glibc)
import Glibc
#endif

/// Decoding and encoding through libvips: every format it reads and writes, EXIF orientation,
/// any colour space or bit depth brought to 8-bit sRGB.
public enum ImageIO {
    /// Images larger than this in either dimension are refused before decoding.
    public static let maxDimension = 100_000

    static func start() throws {
        if sf_vips_start() != 0 { throw StyleFilterError.image("libvips failed to start: \(takeVipsError())") }
    }

    static func takeVipsError() -> String {
        guard let text = sf_vips_take_error() else { return "unknown libvips error" }
        defer { g_free(text) }
        let s = String(cString: text).split(separator: "\n").map { String($0) }.first { !$0.isEmpty }
        return s ?? "unknown libvips error"
    }

    /// A file path, or "-" for standard input.
    public static func load(_ path: String) throws -> RGBImage {
        try load(path, resize: { _, _ in nil })
    }

    /// Loads and, if `resize` returns a target size for the oriented (width, height), resamples;
    /// colour-managed into 8-bit sRGB (see `loadPhoto`).
    public static func load(_ path: String, resize: (Int, Int) -> (width: Int, height: Int)?) throws -> RGBImage {
        try loadPhoto(path, resize: resize).colour.rounded
    }

    /// Decodes an 8-bit 3-band libvips image into memory (the step where a truncated file fails).
    static func rgbImage(_ image: UnsafeMutablePointer<VipsImage>, name: String) throws -> RGBImage {
        var length = 0
        guard let memory = vips_image_write_to_memory(image, &length) else {
            throw StyleFilterError.image("\(name): corrupt or truncated image (\(takeVipsError()))")
        }
        defer { g_free(memory) }
        let width = Int(sf_vips_width(image)), height = Int(sf_vips_height(image))
        guard length == width * height * 3 else { throw StyleFilterError.image("\(name): unexpected pixel layout") }
        let pixels = Array(UnsafeBufferPointer(start: memory.assumingMemoryBound(to: UInt8.self), count: length))
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Resamples with the same filter as loading (so a coarse result upsampled as the next scale's
    /// start, or a photo loaded at one size and shrunk, match what a direct load would give).
    public static func resize(_ image: RGBImage, width: Int, height: Int) throws -> RGBImage {
        guard width != image.width || height != image.height else { return image }
        return try resize(FloatRGBImage(image), width: width, height: height).rounded
    }

    public static func resize(_ image: FloatRGBImage, width: Int, height: Int) throws -> FloatRGBImage {
        guard width != image.width || height != image.height else { return image }
        try start()
        try AvailableMemory.ensure(width * height * 12 * 2, for: "resizing to \(width)×\(height)")
        guard width > 0, height > 0,
              let source = image.values.withUnsafeBytes({
                  sf_vips_from_memory($0.baseAddress, Int32(image.width), Int32(image.height), 3, VIPS_FORMAT_FLOAT, VIPS_INTERPRETATION_sRGB)
              })
        else { throw StyleFilterError.image("cannot resize to \(width)×\(height) (\(takeVipsError()))") }
        defer { g_object_unref(source) }
        let resized = try owned(name: "resized image", "cannot resize to \(width)×\(height)") {
            sf_vips_float_scaled(source, &$0, 1, Double(width) / Double(image.width), Double(height) / Double(image.height))
        }
        return FloatRGBImage(width: width, height: height, values: try floats(resized.pointer, name: "resized image"))
    }

    /// Whether libvips can write a file with this name and these options: checked before a long
    /// run, not after, by writing a tiny picture the same way (to memory for standard output, to
    /// a temporary beside the file otherwise).
    public static func checkWritable(_ path: String, format: String?) throws {
        try start()
        let probe = try vipsImage(RGBImage(width: 16, height: 16, pixels: [UInt8](repeating: 128, count: 16 * 16 * 3)))
        defer { g_object_unref(probe) }
        if path == "-" {
            let suffix = "." + (format ?? "png")
            guard vips_foreign_find_save_target(splitOptions(suffix).0) != nil, sf_vips_check_save(probe, suffix, 1) == 0 else {
                let reason = takeVipsError()
                throw StyleFilterError.invalidArgument("--format \(format ?? "png"): libvips cannot write that to a stream (\(reason))")
            }
            return
        }
        let (file, options) = splitOptions(path)
        guard !Files.isDirectory(file) else { throw StyleFilterError.invalidArgument("\(file) is a directory; give a file name") }
        guard vips_foreign_find_save(file) != nil else {
            _ = takeVipsError()
            throw StyleFilterError.invalidArgument("\(path): no image format for that file name (use .png, .jpg, .tif, .webp …)")
        }
        let dir = Files.directory(of: file)
        guard Files.exists(dir) else { throw StyleFilterError.io("\(dir): no such folder") }
        guard Files.isDirectory(dir) else { throw StyleFilterError.io("\(dir) is not a folder") }
        guard access(dir, W_OK) == 0 else { throw StyleFilterError.io("\(dir): directory is not writable") }
        let base = Files.basename(file)
        let temporary = Files.partialPath(for: file, suffix: base.lastIndex(of: ".").map { String(base[$0...]) } ?? "")
        defer { unlink(temporary) }
        guard sf_vips_check_save(probe, temporary + options, 0) == 0 else {
            throw StyleFilterError.invalidArgument("\(path): libvips cannot write it (\(takeVipsError()))")
        }
    }

    /// Writes atomically: a temporary file in the same directory, renamed over the target only
    /// once complete, so a failure never leaves a partial image. "-" writes to standard output.
    public static func save(_ image: RGBImage, to path: String, format: String? = nil) throws {
        let vimage = try vipsImage(image)
        defer { g_object_unref(vimage) }
        try write(vimage, to: path, format: format)
    }

    static func write(_ vimage: UnsafeMutablePointer<VipsImage>, to path: String, format: String?) throws {
        if path == "-" {
            guard sf_vips_save_fd(vimage, 1, withDefaultQuality("." + (format ?? "png"))) == 0 else {
                throw StyleFilterError.io("cannot write to standard output (\(takeVipsError()))")
            }
            return
        }
        try saveAtomically(vimage, to: path)
    }

    /// libvips picks the format from the suffix and allows "[options]" after it; the temporary
    /// file keeps the suffix so the format is the same.
    static func saveAtomically(_ vimage: UnsafeMutablePointer<VipsImage>, to path: String) throws {
        let (file, options) = splitOptions(withDefaultQuality(path))
        let base = Files.basename(file)
        let suffix = base.lastIndex(of: ".").map { String(base[$0...]) } ?? ""
        let temporary = Files.partialPath(for: file, suffix: suffix)
        guard sf_vips_save_file(vimage, temporary + options) == 0 else {
            let message = takeVipsError()
            unlink(temporary)
            throw StyleFilterError.io("cannot write \(file) (\(message))")
        }
        guard rename(temporary, file) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw StyleFilterError.io("cannot write \(file) (\(message))")
        }
    }

    /// A libvips image of the picture (the caller unrefs it).
    static func vipsImage(_ image: RGBImage) throws -> UnsafeMutablePointer<VipsImage> {
        try start()
        let vimage = image.pixels.withUnsafeBufferPointer {
            sf_vips_from_memory($0.baseAddress, Int32(image.width), Int32(image.height), 3, VIPS_FORMAT_UCHAR, VIPS_INTERPRETATION_sRGB)
        }
        guard let vimage else { throw StyleFilterError.image("cannot build the image (\(takeVipsError()))") }
        return vimage
    }

    /// JPEG quality when the name does not set one: libvips' own default (75) adds 8×8 blocks to
    /// fine brushwork, which a print at 1:1 shows.
    public static let defaultJPEGQuality = 92

    /// "out.jpg" → "out.jpg[Q=92]", "out.jpg[strip]" → "out.jpg[strip,Q=92]"; other names as given.
    static func withDefaultQuality(_ path: String) -> String {
        let (file, options) = splitOptions(path)
        let suffix = file.lowercased().split(separator: ".").last ?? ""
        guard ["jpg", "jpeg", "jpe", "jfif"].contains(suffix), !options.lowercased().contains("q=") else { return path }
        let inside = options.isEmpty ? "" : String(options.dropFirst().dropLast()) + ","
        return "\(file)[\(inside)Q=\(defaultJPEGQuality)]"
    }

    /// The file an output name writes: "out.jpg[Q=90]" → "out.jpg".
    public static func fileName(_ path: String) -> String { splitOptions(path).0 }

    /// The file an input names: libvips' "photo.tif[page=1]" is photo.tif read with those load
    /// options (a file whose own name ends in brackets is itself).
    public static func inputFile(_ path: String) -> String { Files.exists(path) ? path : fileName(path) }

    static func splitOptions(_ path: String) -> (String, String) {
        guard path.hasSuffix("]"), let open = path.lastIndex(of: "[") else { return (path, "") }
        return (String(path[..<open]), String(path[open...]))
    }
}
