import CShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What an input image may be before it is decoded. Images are untrusted input: a small file can
/// declare a huge canvas (a 353 KB PNG or a 118-byte SVG asking for gigabytes), and some libvips
/// loaders are not hardened against hostile files.
public struct InputLimits: Sendable, Equatable {
    /// Pixels of the image as stored, checked from its header before any pixel is decoded.
    public var maxPixels = 100_000_000
    /// Whether loaders libvips marks as unsafe with untrusted input (SVG, PDF, ImageMagick, FITS,
    /// OpenEXR, JPEG 2000 …) may read inputs. The netpbm loader is allowed regardless: it is the
    /// plain format of shell pipelines, and its header gives the size before anything is read.
    public var allowUntrustedLoaders = false

    public static let defaults = InputLimits()

    public init() {}
}

extension ImageIO {
    /// Encoded inputs larger than this (a file, or standard input) are refused.
    public static let maxFileBytes = 1 << 30

    private static let limitsState = Mutex(InputLimits.defaults)

    /// The limits every image read obeys; an application sets them once (filterctl from
    /// --max-pixels and --allow-untrusted-loaders).
    public static var inputLimits: InputLimits {
        get { limitsState.withLock { $0 } }
        set { limitsState.withLock { $0 = newValue } }
    }

    /// Refuses an image whose stored size (from its header) is over the limits.
    static func checkSize(_ image: UnsafeMutablePointer<VipsImage>, name: String) throws {
        let limits = inputLimits
        let width = Int(sf_vips_width(image)), height = Int(sf_vips_height(image))
        guard width <= maxDimension, height <= maxDimension else {
            throw StyleFilterError.image("\(name): \(width)×\(height) is larger than \(maxDimension) px on a side")
        }
        guard width * height <= limits.maxPixels else {
            throw StyleFilterError.image("\(name): \(width)×\(height) is \(megapixels(width * height)) megapixels, over the limit of "
                + "\(megapixels(limits.maxPixels)) (raise it with --max-pixels if the image is meant to be that large)")
        }
    }

    /// Refuses a loader libvips marks as unsafe with untrusted input, unless allowed.
    static func checkLoader(_ loader: String, name: String) throws {
        if !inputLimits.allowUntrustedLoaders, !loader.hasPrefix("VipsForeignLoadPpm"), sf_vips_loader_is_untrusted(loader) != 0 {
            throw StyleFilterError.image("\(name): only libvips' \(loader) would read it, and that loader is not safe with untrusted files; "
                + "convert it to PNG, JPEG or TIFF, or pass --allow-untrusted-loaders if you trust it")
        }
    }

    /// Whether `path` is an image that decodes whole, through a loader that is safe with any file:
    /// what --skip-existing asks of a file before taking it for a finished result (an empty file,
    /// a text file or a truncated image is not one).
    public static func decodesWhole(_ path: String) -> Bool {
        guard Files.isRegularFile(path), (try? start()) != nil, let loader = sf_vips_loader(path, nil, 0),
              sf_vips_loader_is_untrusted(loader) == 0 else { return false }
        defer { _ = takeVipsError() }
        return sf_vips_decodes(path) == 0
    }

    static func megapixels(_ pixels: Int) -> String {
        let tenths = (pixels + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Reads an encoded image from a descriptor (standard input), handing it to `consume` in
    /// chunks: at most `maxFileBytes`, never empty, and only if libvips recognises the first bytes
    /// as an image, so `< /dev/zero` or a stray text stream ends at once with a clear message
    /// instead of growing memory or tripping libvips on an empty source.
    public static func readEncoded(fd: Int32, name: String = "standard input", consume: ([UInt8]) throws -> Void) throws {
        try start()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var head: [UInt8] = []
        var total = 0
        var sniffed = false
        func sniff() throws {
            guard !head.isEmpty else { throw StyleFilterError.image("\(name) is empty: no image to read") }
            guard let loader = head.withUnsafeBytes({ sf_vips_loader(nil, $0.baseAddress, $0.count) }) else {
                throw StyleFilterError.image("\(name) is not a readable image (no libvips loader recognises it)")
            }
            try checkLoader(String(cString: loader), name: name)
            sniffed = true
            try consume(head)
        }
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StyleFilterError.io("cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            total += n
            guard total <= maxFileBytes else {
                throw StyleFilterError.image("\(name) is over \(maxFileBytes >> 20) MiB: too large for an encoded image")
            }
            if sniffed {
                try consume(Array(chunk[0..<n]))
            } else {
                head += chunk[0..<n]
                if head.count >= 4096 { try sniff() }
            }
        }
        if !sniffed { try sniff() }
    }
}

/// An image file, or standard input read whole into memory (checked as `readEncoded` does), as
/// libvips opens it.
struct EncodedInput {
    let path: String
    /// Standard input's bytes; libvips reads them in place, so they live until `release`.
    let buffer: UnsafeMutableRawBufferPointer?

    init(_ path: String) throws {
        self.path = path
        guard path == "-" else {
            let file = ImageIO.inputFile(path)
            guard Files.exists(file) else { throw StyleFilterError.image("\(file): no such file") }
            guard Files.isRegularFile(file) else { throw StyleFilterError.image("\(file): not a regular file") }
            buffer = nil
            return
        }
        var bytes: [UInt8] = []
        try ImageIO.readEncoded(fd: 0) { bytes += $0 }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        buffer = copy
    }

    func release() { buffer?.deallocate() }

    /// The libvips loader's type name, or nil when no loader knows the data.
    func loader() -> String? {
        let found = buffer.map { sf_vips_loader(nil, $0.baseAddress, $0.count) } ?? sf_vips_loader(path, nil, 0)
        return found.map { String(cString: $0) }
    }

    /// `shrink` > 1 only for JPEG, whose loader alone takes it.
    func open(sequential: Bool, shrink: Int) -> UnsafeMutablePointer<VipsImage>? {
        if let buffer { return sf_vips_open_buffer(buffer.baseAddress, buffer.count, sequential ? 1 : 0, Int32(shrink)) }
        return sf_vips_open_file(path, sequential ? 1 : 0, Int32(shrink))
    }
}
