import CShim

/// A photo as read from its file: its colours converted into the network's working space (sRGB,
/// floats), and what writing the result back needs: its profile, its depth, its alpha.
public struct Photo: Sendable {
    public var colour: FloatRGBImage
    /// Opacity 0…1 per pixel at the colour's size, nil when the file has none.
    public var alpha: [Float]?
    let source: ColourSource
    /// 8, or 16 for 16-bit and float files (the result is written at 16 bits where the format can).
    public let bitsPerSample: Int
    /// What was tolerated on the way in (a damaged profile that was ignored), for the user to see.
    public var warnings: [String] = []
}

/// Which profile the result is written in.
public enum OutputProfile: String, Sendable, CaseIterable {
    /// The photo's own (an untagged photo stays untagged sRGB; grey becomes sRGB colour).
    case content
    /// sRGB, with the sRGB profile embedded.
    case srgb
}

extension ImageIO {
    /// Reads a file (or "-") through libvips, applies EXIF orientation, resamples to the size
    /// `resize` gives for the oriented (width, height), and converts with lcms2 from the embedded
    /// profile (or the default for untagged files) into sRGB. A damaged or unusable profile is
    /// ignored with a warning: the pixels are still there, so the file is read as untagged.
    public static func loadPhoto(_ path: String, resize: (Int, Int) -> (width: Int, height: Int)? = { _, _ in nil }) throws -> Photo {
        try start()
        let name = path == "-" ? "standard input" : path
        let encoded = try EncodedInput(path)
        defer { encoded.release() }
        guard let loader = encoded.loader() else { throw StyleFilterError.image("\(name): not a readable image (no libvips loader recognises it)") }
        // Before the loader parses anything: an untrusted one does not get to read the header.
        try checkLoader(loader, name: name)
        // Sequential access decodes while the resample pulls rows, so even a photo at the pixel
        // limit is never held whole; only a rotation needs random access.
        guard let header = encoded.open(sequential: true, shrink: 1) else {
            throw StyleFilterError.image("\(name): not a readable image (\(takeVipsError()))")
        }
        var opened = VipsReference(header)
        try checkSize(opened.pointer, name: name)
        let orientation = sf_vips_orientation(opened.pointer)
        let stored = (width: Int(sf_vips_width(header)), height: Int(sf_vips_height(header)))
        let upright = (5...8).contains(orientation) ? (stored.height, stored.width) : stored
        let target = resize(upright.0, upright.1) ?? upright
        guard target.width > 0, target.height > 0, target.width <= maxDimension, target.height <= maxDimension else {
            throw StyleFilterError.image("\(name): cannot resize to \(target.width)×\(target.height)")
        }
        // JPEG shrinks on load by 2, 4 or 8 in the DCT: where the photo is still at least twice
        // the target after it, an 18-megapixel photo read at 647 px decodes a sixteenth of its
        // pixels, and the antialiased resample still does the last halving or more.
        var shrink = 1
        if loader.hasPrefix("VipsForeignLoadJpeg") {
            while shrink < 8, upright.0 / (shrink * 2) >= 2 * target.width, upright.1 / (shrink * 2) >= 2 * target.height { shrink *= 2 }
        }
        if shrink > 1 || ![0, 1].contains(orientation) {
            guard let reopened = encoded.open(sequential: [0, 1].contains(orientation), shrink: shrink) else {
                throw StyleFilterError.image("\(name): not a readable image (\(takeVipsError()))")
            }
            opened = VipsReference(reopened)
        }
        var image = try owned(name: name, "cannot apply the orientation") { sf_vips_autorot(opened.pointer, &$0) }
        var interpretation = vips_image_guess_interpretation(image.pointer)
        if ![VIPS_INTERPRETATION_sRGB, VIPS_INTERPRETATION_RGB16, VIPS_INTERPRETATION_scRGB, VIPS_INTERPRETATION_B_W,
             VIPS_INTERPRETATION_GREY16, VIPS_INTERPRETATION_CMYK, VIPS_INTERPRETATION_MULTIBAND].contains(interpretation) {
            // Lab, XYZ, HSV …: device-independent already, libvips converts them exactly.
            let source = image
            image = try owned(name: name, "cannot convert to sRGB") { sf_vips_colourspace_srgb(source.pointer, &$0) }
            interpretation = VIPS_INTERPRETATION_sRGB
        }
        let format = vips_image_get_format(image.pointer)
        let divisor: Double, bits: Int
        switch format {
        case VIPS_FORMAT_UCHAR: (divisor, bits) = (255, 8)
        case VIPS_FORMAT_USHORT: (divisor, bits) = (65535, 16)
        case VIPS_FORMAT_FLOAT, VIPS_FORMAT_DOUBLE:
            // libvips' convention: scRGB floats are linear 0…1, other floats 0…255.
            (divisor, bits) = (interpretation == VIPS_INTERPRETATION_scRGB ? 1 : 255, 16)
        default:
            throw StyleFilterError.image("\(name): \(String(cString: vips_enum_nick(vips_band_format_get_type(), Int32(format.rawValue)))) samples are not supported (8-bit, 16-bit or float)")
        }
        let bands = Int(sf_vips_bands(image.pointer))
        let hasAlpha = vips_image_hasalpha(image.pointer) != 0
        let colourBands = bands - (hasAlpha ? 1 : 0)
        let space: ColourProfile.Space
        switch colourBands {
        case 1: space = .grey
        case 3: space = .rgb
        case 4 where interpretation == VIPS_INTERPRETATION_CMYK: space = .cmyk
        default: throw StyleFilterError.image("\(name): \(bands) bands is not a grey, RGB or CMYK image")
        }
        var warnings: [String] = []
        var source = ColourSource.untagged(space, linear: interpretation == VIPS_INTERPRETATION_scRGB)
        if let icc = embeddedProfile(image.pointer) {
            do {
                let profile = try ColourProfile(iccData: icc)
                guard profile.space == space else {
                    throw StyleFilterError.image("the ICC profile is for \(profile.space.rawValue), the pixels are \(space.rawValue)")
                }
                source = .embedded(profile)
            } catch {
                warnings.append("\(name): embedded ICC profile ignored, read as untagged \(space.rawValue): \(error)")
            }
        }

        let w = Int(sf_vips_width(image.pointer)), h = Int(sf_vips_height(image.pointer))
        // The decoded samples, the device values, the sRGB floats and the image made of them.
        try AvailableMemory.ensure(target.width * target.height * 4 * (2 * bands + 6), for: "reading \(name) at \(target.width)×\(target.height)")
        let scaled = try owned(name: name, "cannot resize") {
            sf_vips_float_scaled(image.pointer, &$0, divisor, Double(target.width) / Double(w), Double(target.height) / Double(h))
        }
        var samples = try floats(scaled.pointer, name: name)
        let pixels = target.width * target.height
        if format == VIPS_FORMAT_FLOAT || format == VIPS_FORMAT_DOUBLE {
            try requireFinite(samples, name: name)
            // Grey and CMYK floats beyond their range are as light (or as inked) as the range goes:
            // lcms2's curves turned a grey mask of 1e20 black. RGB floats keep values outside
            // 0 … 1, which a wide-gamut or linear photo may have.
            if space != .rgb { for i in samples.indices { samples[i] = min(max(samples[i], 0), 1) } }
        }
        guard samples.count == pixels * bands else { throw StyleFilterError.image("\(name): unexpected pixel layout") }

        var alpha: [Float]? = hasAlpha ? [Float](repeating: 0, count: pixels) : nil
        // lcms2 takes CMYK floats as percent ink.
        let deviceScale: Float = space == .cmyk ? 100 : 1
        // Image-sized arrays are made only where needed: an 18-megapixel photo is 216 MB of floats.
        var deviceValues = samples
        if hasAlpha || deviceScale != 1 {
            deviceValues = [Float](repeating: 0, count: pixels * colourBands)
            for p in 0..<pixels {
                for c in 0..<colourBands { deviceValues[p * colourBands + c] = samples[p * bands + c] * deviceScale }
                if hasAlpha { alpha![p] = min(max(samples[p * bands + colourBands], 0), 1) }
            }
        }
        // Untagged RGB is sRGB already: taken as it is, so a file and the same pixels handed over
        // by a C host (which skip lcms2) give the optimizer the very same numbers.
        var srgb = source == .untagged(.rgb, linear: false) ? deviceValues
            : try ColourConversion.convert(deviceValues, pixels: pixels, from: source.open(), space.lcms, to: ProfileHandle.sRGB(), SF_SPACE_RGB)
        for i in srgb.indices { srgb[i] *= 255 }
        try requireFinite(srgb, name: name)
        let colour = FloatRGBImage(width: target.width, height: target.height, values: srgb)
        return Photo(colour: colour, alpha: alpha, source: source, bitsPerSample: bits, warnings: warnings)
    }

    /// Pixels enter through a file's decode or a host's reader, and both end here: a NaN or an
    /// infinity (a float file's, or a conversion's overflow) would paint black and report success.
    static func requireFinite(_ values: [Float], name: String) throws {
        guard values.allSatisfy(\.isFinite) else {
            throw StyleFilterError.image("\(name): has samples that are not finite numbers (NaN, infinity, or floats too large to convert)")
        }
    }

    /// Writes the result as the photo came: in its profile (or sRGB), at its depth where the
    /// format holds 16 bits, with its alpha where the format holds alpha, CMYK stays CMYK in JPEG
    /// and TIFF. Atomic like every save. Returns notes on what the format could not keep.
    @discardableResult
    public static func save(_ colour: FloatRGBImage, like photo: Photo?, profile choice: OutputProfile,
                            to path: String, format: String? = nil) throws -> [String] {
        try start()
        let file = path == "-" ? "." + (format ?? "png") : splitOptions(path).0
        let suffix = Files.basename(file).split(separator: ".").last.map { String($0).lowercased() } ?? ""
        let caps = FormatCapabilities(suffix: suffix)
        var notes: [String] = []
        let destination = try outputSource(photo, choice, caps, suffix: suffix, notes: &notes)
        let space = destination.space
        let pixels = colour.width * colour.height
        let device: [Float]
        if destination == .untagged(.rgb, linear: false) {
            device = colour.values.map { $0 / 255 }
        } else {
            device = try ColourConversion.convert(colour.values.map { $0 / 255 }, pixels: pixels,
                                                  from: ProfileHandle.sRGB(), SF_SPACE_RGB,
                                                  to: destination.open(), space.lcms)
        }
        let sixteen = (photo?.bitsPerSample ?? 8) > 8 && caps.sixteenBit
        if (photo?.bitsPerSample ?? 8) > 8 && !sixteen { notes.append("\(suffix) holds 8 bits per sample: written at 8 bits") }
        var alpha = photo?.alpha
        if alpha != nil, !caps.alpha {
            notes.append("\(suffix) cannot hold alpha: transparency dropped")
            alpha = nil
        }
        // A result of another size than the photo (not one stylize or apply makes) has no alpha to take.
        if let a = alpha, a.count != pixels { alpha = nil }
        let channels = space.channels, bands = channels + (alpha == nil ? 0 : 1)
        let deviceScale: Float = space == .cmyk ? 0.01 : 1
        var samples = [Float](repeating: 0, count: pixels * bands)
        for p in 0..<pixels {
            for c in 0..<channels { samples[p * bands + c] = device[p * channels + c] * deviceScale }
            if let alpha { samples[p * bands + channels] = alpha[p] }
        }
        let interpretation = space == .cmyk ? VIPS_INTERPRETATION_CMYK : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB)
        let built = quantized(samples, width: colour.width, height: colour.height, bands: bands, sixteen: sixteen,
                              interpretation: interpretation)
        guard let built else { throw StyleFilterError.image("cannot build the image (\(takeVipsError()))") }
        defer { g_object_unref(built) }
        if let icc = destination.profile?.data {
            icc.withUnsafeBytes { vips_image_set_blob_copy(built, VIPS_META_ICC_NAME, $0.baseAddress, $0.count) }
        }
        try write(built, to: path, format: format)
        return notes
    }

    /// The profile the result is written in, noting when the format forces sRGB.
    static func outputSource(_ photo: Photo?, _ choice: OutputProfile, _ caps: FormatCapabilities, suffix: String,
                             notes: inout [String]) throws -> ColourSource {
        let srgb = ColourSource.untagged(.rgb, linear: false)
        guard let photo else { return srgb }
        switch (choice, photo.source) {
        case (.srgb, _): return .embedded(try ColourProfile.sRGB())
        case (.content, .embedded(let p)) where p.space == .rgb: return photo.source
        case (.content, let s) where s.space == .cmyk:
            if caps.cmyk { return photo.source }
            notes.append("\(suffix) cannot hold CMYK: written as sRGB")
            return srgb
        default:
            // Untagged RGB stays untagged sRGB; grey becomes colour, in sRGB.
            return srgb
        }
    }

    /// Samples 0…1 rounded to 8 or 16 bits, as a libvips image.
    static func quantized(_ samples: [Float], width: Int, height: Int, bands: Int, sixteen: Bool,
                          interpretation: VipsInterpretation) -> UnsafeMutablePointer<VipsImage>? {
        if sixteen {
            let q = samples.map { Quantize.word($0 * 65535) }
            return q.withUnsafeBytes { sf_vips_from_memory($0.baseAddress, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_USHORT, interpretation) }
        }
        let q = samples.map { Quantize.byte($0 * 255) }
        return q.withUnsafeBytes { sf_vips_from_memory($0.baseAddress, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR, interpretation) }
    }

    /// The ICC bytes a file carries, if any.
    static func embeddedProfile(_ image: UnsafeMutablePointer<VipsImage>) -> [UInt8]? {
        guard vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0 else { return nil }
        var data: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(image, VIPS_META_ICC_NAME, &data, &length) == 0, let data, length > 0 else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// Decodes a float libvips image into memory (the step where a truncated file fails).
    static func floats(_ image: UnsafeMutablePointer<VipsImage>, name: String) throws -> [Float] {
        var length = 0
        guard let memory = vips_image_write_to_memory(image, &length) else {
            throw StyleFilterError.image("\(name): corrupt or truncated image (\(takeVipsError()))")
        }
        defer { g_free(memory) }
        return Array(UnsafeBufferPointer(start: memory.assumingMemoryBound(to: Float.self), count: length / 4))
    }

    /// Runs a libvips call that produces an image, as an owned reference.
    static func owned(name: String, _ what: String, _ call: (inout UnsafeMutablePointer<VipsImage>?) -> Int32) throws -> VipsReference {
        var out: UnsafeMutablePointer<VipsImage>?
        guard call(&out) == 0, let out else { throw StyleFilterError.image("\(name): \(what) (\(takeVipsError()))") }
        return VipsReference(out)
    }
}

/// A libvips image released with the last reference.
final class VipsReference {
    let pointer: UnsafeMutablePointer<VipsImage>
    init(_ pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }
    deinit { g_object_unref(pointer) }
}

/// What an output format can hold, by its suffix.
struct FormatCapabilities {
    let sixteenBit: Bool
    let alpha: Bool
    let cmyk: Bool

    init(suffix: String) {
        sixteenBit = ["png", "tif", "tiff", "ppm", "pnm", "jxl"].contains(suffix)
        alpha = ["png", "tif", "tiff", "webp", "gif", "heic", "heif", "avif", "jxl"].contains(suffix)
        cmyk = ["jpg", "jpeg", "tif", "tiff"].contains(suffix)
    }
}
