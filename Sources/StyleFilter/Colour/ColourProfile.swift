import CShim

/// An ICC profile as embedded in an image file, checked by lcms2 when it is read.
struct ColourProfile: Sendable, Equatable {
    public enum Space: String, Sendable {
        case rgb = "RGB", grey, cmyk = "CMYK"

        var lcms: sf_space {
            switch self {
            case .rgb: return SF_SPACE_RGB
            case .grey: return SF_SPACE_GREY
            case .cmyk: return SF_SPACE_CMYK
            }
        }

        var channels: Int {
            switch self {
            case .rgb: return 3
            case .grey: return 1
            case .cmyk: return 4
            }
        }
    }

    public let data: [UInt8]
    public let space: Space
    /// The profile's own description ("Adobe RGB (1998)", "Display P3" …), for messages.
    public let name: String

    /// Fails with the reason when lcms2 cannot parse the bytes or the profile is not one of an
    /// RGB, grey or CMYK device (a Lab, named-colour or device-link profile cannot tag a photo).
    public init(iccData: [UInt8]) throws {
        let handle = try ProfileHandle(data: iccData)
        switch cmsGetColorSpace(handle.profile) {
        case cmsSigRgbData: space = .rgb
        case cmsSigGrayData: space = .grey
        case cmsSigCmykData: space = .cmyk
        default: throw StyleFilterError.image("the ICC profile is not for RGB, grey or CMYK pixels")
        }
        guard cmsIsIntentSupported(handle.profile, cmsUInt32Number(INTENT_RELATIVE_COLORIMETRIC), cmsUInt32Number(LCMS_USED_AS_INPUT)) != 0 else {
            throw StyleFilterError.image("the ICC profile cannot convert colours from its device")
        }
        data = iccData
        name = handle.description
    }

    /// lcms2's sRGB, for files written with `--output-profile srgb`.
    public static func sRGB() throws -> ColourProfile {
        try ColourProfile(iccData: ProfileHandle.sRGB().bytes())
    }

    func open() throws -> ProfileHandle { try ProfileHandle(data: data) }
}

/// What a photo's numbers mean: its embedded profile, or what an untagged file of its kind is
/// taken to be (sRGB; linear sRGB for scRGB floats; sRGB-curve grey; libvips' default CMYK).
enum ColourSource: Sendable, Equatable {
    case embedded(ColourProfile)
    case untagged(ColourProfile.Space, linear: Bool)

    public var space: ColourProfile.Space {
        switch self {
        case .embedded(let p): return p.space
        case .untagged(let s, _): return s
        }
    }

    public var profile: ColourProfile? {
        if case .embedded(let p) = self { return p }
        return nil
    }

    func open() throws -> ProfileHandle {
        switch self {
        case .embedded(let p): return try p.open()
        case .untagged(.rgb, linear: false): return try .sRGB()
        case .untagged(.rgb, linear: true): return try ProfileHandle(owning: sf_lcms_linear_srgb_profile())
        case .untagged(.grey, _): return try ProfileHandle(owning: sf_lcms_grey_profile())
        case .untagged(.cmyk, _):
            var length = 0
            guard let blob = sf_vips_named_profile("cmyk", &length) else {
                throw StyleFilterError.image("libvips has no default CMYK profile (\(ImageIO.takeVipsError()))")
            }
            defer { g_free(blob) }
            return try ProfileHandle(data: Array(UnsafeRawBufferPointer(start: blob, count: length)))
        }
    }
}

/// An open lcms2 profile, closed when released.
final class ProfileHandle {
    let profile: cmsHPROFILE

    init(owning profile: cmsHPROFILE?) throws {
        guard let profile else { throw StyleFilterError.image("lcms2 could not build a profile") }
        self.profile = profile
    }

    convenience init(data: [UInt8]) throws {
        let opened = data.withUnsafeBytes { cmsOpenProfileFromMem($0.baseAddress, cmsUInt32Number($0.count)) }
        guard let opened else { throw StyleFilterError.image("the ICC profile is damaged (lcms2 cannot read it)") }
        try self.init(owning: opened)
    }

    deinit { cmsCloseProfile(profile) }

    static func lab() throws -> ProfileHandle { try ProfileHandle(owning: cmsCreateLab4Profile(nil)) }

    /// The network's working space.
    static func sRGB() throws -> ProfileHandle { try ProfileHandle(owning: cmsCreate_sRGBProfile()) }

    var description: String {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", &buffer, cmsUInt32Number(buffer.count))
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return n > 0 && !text.isEmpty ? text : "unnamed profile"
    }

    func bytes() throws -> [UInt8] {
        var length: cmsUInt32Number = 0
        guard cmsSaveProfileToMem(profile, nil, &length) != 0, length > 0 else { throw StyleFilterError.image("lcms2 could not write the profile") }
        var data = [UInt8](repeating: 0, count: Int(length))
        guard cmsSaveProfileToMem(profile, &data, &length) != 0 else { throw StyleFilterError.image("lcms2 could not write the profile") }
        return data
    }
}

/// Pixels from one profile into another, as floats (see `sf_space` for the scales).
enum ColourConversion {
    static func convert(_ samples: [Float], pixels: Int, from: ProfileHandle, _ fromSpace: sf_space,
                        to: ProfileHandle, _ toSpace: sf_space) throws -> [Float] {
        guard let t = sf_lcms_float_transform(from.profile, fromSpace, to.profile, toSpace) else {
            throw StyleFilterError.image("lcms2 cannot convert from \(from.description) to \(to.description)")
        }
        defer { cmsDeleteTransform(t) }
        var out = [Float](repeating: 0, count: pixels * channels(toSpace))
        samples.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in cmsDoTransform(t, src.baseAddress, dst.baseAddress, cmsUInt32Number(pixels)) }
        }
        return out
    }

    static func channels(_ space: sf_space) -> Int {
        switch space {
        case SF_SPACE_GREY: return 1
        case SF_SPACE_CMYK: return 4
        default: return 3
        }
    }
}
