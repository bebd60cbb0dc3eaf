import CShim

// The functions of stylefilter.h. Each one checks every pointer and size before use and turns
// every Swift error into a status, because a trap here would take the host process down.

#if _endian(big)
#error("sf_image samples are native-endian and converted as little-endian here")
#endif

@_cdecl("sf_version")
public func sf_version() -> UnsafePointer<CChar> {
    // A static C string (the ABI promises it never needs freeing), so it repeats
    // StyleFilter.version; a test keeps the two equal.
    UnsafeRawPointer(("0.2.0" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("sf_set_blas_threads")
public func sf_set_blas_threads(_ count: Int32) -> sf_status {
    (try? StyleFilter.setBLASThreads(Int(count))) == nil ? SF_ERROR_ARGUMENT : SF_OK
}

/// The size of sf_options in 0.1, before max_memory: the shortest struct a caller can pass.
let optionsSizeV1 = MemoryLayout<sf_options>.offset(of: \sf_options.max_memory)!

@_cdecl("sf_options_init")
public func sf_options_init(_ options: UnsafeMutablePointer<sf_options>?) {
    guard let options else { return }
    options.pointee = sf_options(struct_size: MemoryLayout<sf_options>.size, weights_path: nil,
                                 iterations: 0, content_weight: Defaults.contentWeight.value,
                                 style_weight: Defaults.styleWeight.value, tv_weight: Defaults.tvWeight.value, style_size: 0,
                                 progress: nil, progress_user_data: nil, max_memory: Defaults.maxMemory.value,
                                 base_size: Int32(Defaults.baseSize.value),
                                 refine_iterations: Int32(Defaults.refineIterations.value), progress_ex: nil,
                                 method: Int32(SF_METHOD_AUTOMATIC), refine: Int32(Defaults.refine.value))
}

/// The numeric fields of sf_options, as the table has them.
let settingsByField: [String: sf_setting] = {
    func entry<V>(_ s: Setting<V>, _ double: (V) -> Double) -> (String, sf_setting) {
        (s.cName, sf_setting(default_value: double(s.value), minimum: double(s.range.lowerBound), maximum: double(s.range.upperBound)))
    }
    let integers = [Defaults.iterations, Defaults.styleSize, Defaults.maxMemory, Defaults.baseSize, Defaults.refineIterations, Defaults.refine]
    let weights = [Defaults.contentWeight, Defaults.styleWeight, Defaults.tvWeight]
    return Dictionary(uniqueKeysWithValues: integers.map { entry($0) { Double($0) } } + weights.map { entry($0) { Double($0) } })
}()

@_cdecl("sf_setting_get")
public func sf_setting_get(_ name: UnsafePointer<CChar>?, _ setting: UnsafeMutablePointer<sf_setting>?) -> sf_status {
    guard let name, let setting, let found = settingsByField[String(cString: name)] else { return SF_ERROR_ARGUMENT }
    setting.pointee = found
    return SF_OK
}

@_cdecl("sf_context_create")
public func sf_context_create(_ options: UnsafePointer<sf_options>?, _ context: UnsafeMutablePointer<OpaquePointer?>?) -> sf_status {
    guard let context else { return SF_ERROR_ARGUMENT }
    context.pointee = nil
    // A caller built against an older header passes a shorter struct: its fields, then today's
    // defaults; a newer one a longer struct, of which this version reads what it knows.
    var o = sf_options()
    sf_options_init(&o)
    if let options {
        let size = options.pointee.struct_size
        guard size >= optionsSizeV1, size <= 1 << 16 else { return SF_ERROR_ARGUMENT }
        withUnsafeMutableBytes(of: &o) { $0.copyMemory(from: UnsafeRawBufferPointer(start: options, count: min(size, $0.count))) }
        o.struct_size = MemoryLayout<sf_options>.size
    }
    if o.max_memory == 0 { o.max_memory = Defaults.maxMemory.value }
    var transfer = TransferOptions()
    if o.iterations > 0 { transfer.iterations = Int(o.iterations) }
    transfer.contentWeight = o.content_weight
    transfer.styleWeight = o.style_weight
    transfer.tvWeight = o.tv_weight
    let path = VGG19Weights.resolvePath(explicit: o.weights_path.map { String(cString: $0) })
    o.weights_path = nil
    // The context exists before the weights load, so a failure has somewhere to put its message.
    let made = Context(options: transfer, settings: o)
    context.pointee = OpaquePointer(Unmanaged.passRetained(made).toOpaque())
    return made.guarded {
        try transfer.validate()
        // The table's ranges in C's names; style_size 0 is the painting sized to the photo.
        guard o.style_size == 0 || Defaults.styleSize.range.contains(Int(o.style_size)) else {
            throw StyleFilterError.invalidArgument("style_size must be 0 or \(Defaults.styleSize.rangeText)")
        }
        try Defaults.baseSize.checked(Int(o.base_size), as: Defaults.baseSize.cName)
        try Defaults.iterations.checked(Int(o.iterations), as: Defaults.iterations.cName)
        try Defaults.refineIterations.checked(Int(o.refine_iterations), as: Defaults.refineIterations.cName)
        try Defaults.refine.checked(Int(o.refine), as: Defaults.refine.cName)
        let memory = Defaults.maxMemory.range
        guard memory.contains(o.max_memory) else {
            throw StyleFilterError.invalidArgument("max_memory must be \(memory.lowerBound >> 30) … \(memory.upperBound >> 30) GiB "
                                                   + "(the network alone takes 800 MiB)")
        }
        guard [SF_METHOD_AUTOMATIC, SF_METHOD_FAST, SF_METHOD_OPTIMIZE].contains(Int(o.method)),
              o.refine == 0 || o.method != Int32(SF_METHOD_OPTIMIZE) else {
            throw StyleFilterError.invalidArgument("method must be SF_METHOD_AUTOMATIC, _FAST or _OPTIMIZE, and refine 0 with _OPTIMIZE")
        }
        made.network = try VGG19Weights.load(path: path)
        return SF_OK
    }
}

@_cdecl("sf_context_destroy")
public func sf_context_destroy(_ context: OpaquePointer?) {
    guard let context else { return }
    Unmanaged<Context>.fromOpaque(UnsafeRawPointer(context)).release()
}

@_cdecl("sf_context_last_error")
public func sf_context_last_error(_ context: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let c = Context.from(context) else {
        return UnsafeRawPointer(("no context" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
    return c.lastError.withUnsafeBufferPointer { $0.baseAddress! }
}

@_cdecl("sf_context_load_preset")
public func sf_context_load_preset(_ context: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                   _ presetDir: UnsafePointer<CChar>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let name else { return c.fail(SF_ERROR_ARGUMENT, "preset name is NULL") }
    return c.guarded {
        let network = try c.loadedNetwork()
        // Whatever is wrong with the preset (missing, malformed, a bad cache, an unreadable style
        // image) is the header's STYLE status; the weights and cancellation keep their own. Its
        // statistics at the scale the picture is composed at are made (and cached) now, so a bad
        // style fails here rather than in the first stylize.
        do {
            let located = try PresetStore(extraDirectory: presetDir.map { String(cString: $0) }).find(String(cString: name))
            c.tile = try TileJob.preset(located, network: network, iterations: c.iterations, method: c.method) { _ in }
            c.style = .preset(located)
        } catch let error as StyleFilterError where error == .cancelled || error.isWeights {
            throw error
        } catch {
            return c.fail(SF_ERROR_STYLE, "\(error)")
        }
        return SF_OK
    }
}

@_cdecl("sf_context_load_style")
public func sf_context_load_style(_ context: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let path else { return c.fail(SF_ERROR_ARGUMENT, "image path is NULL") }
    return c.guarded {
        let file = String(cString: path)
        let size = Int(c.settings.style_size)
        let network = try c.loadedNetwork()
        // Whatever is wrong with the image (missing, unreadable, too thin for the network) is the
        // header's STYLE status, as for a preset.
        do {
            c.tile = try TileJob.painting(file, network: network, longSide: size > 0 ? size : Defaults.styleSize.value, options: c.options)
        } catch let error as StyleFilterError where error == .cancelled || error.isWeights {
            throw error
        } catch {
            return c.fail(SF_ERROR_STYLE, "\(error)")
        }
        c.style = .images([StyleImage(path: file)], sizing: size > 0 ? .longSide(size) : .relative(Defaults.styleScale.value))
        return SF_OK
    }
}

@_cdecl("sf_stylize")
public func sf_stylize(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    return stylize(c, input, mask: nil, output)
}

@_cdecl("sf_stylize_masked")
public func sf_stylize_masked(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, _ mask: UnsafePointer<sf_image>?,
                              _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let mask else { return c.fail(SF_ERROR_ARGUMENT, "mask is NULL (sf_stylize stylizes everywhere)") }
    return stylize(c, input, mask: mask, output)
}

/// sf_stylize and sf_stylize_masked: one job on the input buffer, the result into the output.
func stylize(_ c: Context, _ input: UnsafePointer<sf_image>?, mask: UnsafePointer<sf_image>?,
             _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    guard let input, let output else { return c.fail(SF_ERROR_ARGUMENT, "input or output is NULL") }
    return c.guarded {
        let source = try Buffer(input.pointee, what: "input")
        let target = try Buffer(output.pointee, what: "output")
        guard target.width == source.width, target.height == source.height, target.bands == source.bands, target.format == source.format else {
            return c.fail(SF_ERROR_ARGUMENT, "output must be \(source.width) × \(source.height) with the input's bands and format")
        }
        let maskBuffer = try mask.map { try Buffer($0.pointee, what: "mask", bands: [1, 3, 4]) }
        guard c.style != nil else { return c.fail(SF_ERROR_NO_STYLE, "load a preset or a style image first") }
        let samples = Samples(bands: source.bands, format: source.format)
        let photo = try PhotoInput(width: source.width, height: source.height) { x, y, w, h, pixels, stride in
            try samples.decodeRGB(source.base + y * source.stride + x * samples.pixelBytes, stride: source.stride,
                                  width: w, height: h, into: pixels, floatStride: stride)
        }
        var job = try c.job(photo: photo)
        if let buffer = maskBuffer {
            let maskSamples = Samples(bands: buffer.bands, format: buffer.format)
            let grey = try PhotoInput(width: buffer.width, height: buffer.height) { x, y, w, h, pixels, stride in
                try maskSamples.decodeLightness(buffer.base + y * buffer.stride + x * maskSamples.pixelBytes, stride: buffer.stride,
                                                width: w, height: h, into: pixels, floatStride: stride)
            }
            job.mask = try Mask(grey, photoWidth: source.width, photoHeight: source.height)
        }
        let result = try c.run(job)
        try samples.encode(result, rows: 0..<result.height, into: target.base, stride: target.stride,
                           alpha: UnsafeRawPointer(source.base), alphaStride: source.stride)
        return SF_OK
    }
}

@_cdecl("sf_stylize_regions")
public func sf_stylize_regions(_ context: OpaquePointer?, _ io: UnsafePointer<sf_region_io>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let io else { return c.fail(SF_ERROR_ARGUMENT, "io is NULL") }
    // A caller built before the mask fields passes the shorter struct: only its own bytes are read.
    let withoutMask = MemoryLayout<sf_region_io>.offset(of: \sf_region_io.read_mask)!
    guard io.pointee.struct_size >= withoutMask, io.pointee.struct_size <= 1 << 16 else {
        return c.fail(SF_ERROR_ARGUMENT, "io->struct_size must be sizeof(sf_region_io)")
    }
    var r = sf_region_io()
    withUnsafeMutableBytes(of: &r) {
        $0.copyMemory(from: UnsafeRawBufferPointer(start: io, count: min(io.pointee.struct_size, MemoryLayout<sf_region_io>.size)))
    }
    guard let read = r.read, let write = r.write else { return c.fail(SF_ERROR_ARGUMENT, "io->read or io->write is NULL") }
    return c.guarded {
        guard r.bands == 3 || r.bands == 4 else { throw StyleFilterError.invalidArgument("io->bands must be 3 or 4") }
        let samples = Samples(bands: Int(r.bands), format: try sampleFormat(r.format, what: "io->format"))
        let maskSamples = try r.read_mask.map { _ in
            guard [1, 3, 4].contains(r.mask_bands) else { throw StyleFilterError.invalidArgument("io->mask_bands must be 1, 3 or 4") }
            return Samples(bands: Int(r.mask_bands), format: try sampleFormat(r.mask_format, what: "io->mask_format"))
        }
        guard c.style != nil else { return c.fail(SF_ERROR_NO_STYLE, "load a preset or a style image first") }
        var buffer: [UInt8] = []
        /// A rectangle through one of the host's read callbacks, in a buffer reused by the next read.
        func fetch(_ read: sf_read_fn, _ samples: Samples, _ x: Int, _ y: Int, _ w: Int, _ h: Int) throws -> UnsafeRawPointer {
            buffer = [UInt8](repeating: 0, count: w * h * samples.pixelBytes)
            let status = buffer.withUnsafeMutableBytes {
                read(r.user_data, Int32(x), Int32(y), Int32(w), Int32(h), $0.baseAddress, w * samples.pixelBytes)
            }
            guard status == 0 else { throw StyleFilterError.io("the read callback failed at (\(x), \(y)) \(w) × \(h)") }
            return buffer.withUnsafeBytes { $0.baseAddress! }
        }
        let photo = try PhotoInput(width: Int(r.width), height: Int(r.height)) { x, y, w, h, pixels, stride in
            try samples.decodeRGB(try fetch(read, samples, x, y, w, h), stride: w * samples.pixelBytes, width: w, height: h,
                                  into: pixels, floatStride: stride)
        }
        var job = try c.job(photo: photo)
        if let readMask = r.read_mask, let maskSamples {
            let grey = try PhotoInput(width: Int(r.mask_width), height: Int(r.mask_height)) { x, y, w, h, pixels, stride in
                try maskSamples.decodeLightness(try fetch(readMask, maskSamples, x, y, w, h), stride: w * maskSamples.pixelBytes,
                                                width: w, height: h, into: pixels, floatStride: stride)
            }
            job.mask = try Mask(grey, photoWidth: photo.width, photoHeight: photo.height)
        }
        let result = try c.run(job)
        // Strips of about 4 MiB, each with its alpha read back from the input.
        let rowBytes = result.width * samples.pixelBytes
        let strip = max(1, min(result.height, (4 << 20) / rowBytes))
        var out = [UInt8](repeating: 0, count: strip * rowBytes)
        for top in stride(from: 0, to: result.height, by: strip) {
            let rows = top..<min(result.height, top + strip)
            let alpha = samples.bands == 4 ? try fetch(read, samples, 0, top, result.width, rows.count) : nil
            try out.withUnsafeMutableBytes { dst in
                try samples.encode(result, rows: rows, into: dst.baseAddress!, stride: rowBytes, alpha: alpha, alphaStride: rowBytes)
                guard write(r.user_data, 0, Int32(top), Int32(result.width), Int32(rows.count), dst.baseAddress, rowBytes) == 0 else {
                    throw StyleFilterError.io("the write callback failed at row \(top)")
                }
            }
        }
        return SF_OK
    }
}

@_cdecl("sf_check_size")
public func sf_check_size(_ context: OpaquePointer?, _ width: Int32, _ height: Int32) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    return c.guarded {
        guard c.style != nil else { return c.fail(SF_ERROR_NO_STYLE, "load a preset or a style image first") }
        // A photo that is never read: the check needs only its size.
        let photo = try PhotoInput(width: Int(width), height: Int(height)) { _, _, _, _, _, _ in
            throw StyleFilterError.invalidArgument("not read")
        }
        try c.job(photo: photo).check()
        return SF_OK
    }
}

@_cdecl("sf_stylize_tile")
public func sf_stylize_tile(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, _ margin: Int32,
                            _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let input, let output else { return c.fail(SF_ERROR_ARGUMENT, "input or output is NULL") }
    let margin = Int(margin)
    return c.guarded {
        let source = try Buffer(input.pointee, what: "input")
        let target = try Buffer(output.pointee, what: "output")
        guard margin >= 0, source.width - 2 * margin >= 16, source.height - 2 * margin >= 16 else {
            return c.fail(SF_ERROR_ARGUMENT, "margin \(margin) leaves less than 16 × 16 pixels of a \(source.width) × \(source.height) input")
        }
        guard target.width == source.width - 2 * margin, target.height == source.height - 2 * margin,
              target.bands == source.bands, target.format == source.format else {
            return c.fail(SF_ERROR_ARGUMENT, "output must be \(source.width - 2 * margin) × \(source.height - 2 * margin) with the input's bands and format")
        }
        guard let tile = c.tile else { return c.fail(SF_ERROR_NO_STYLE, "load a preset or a style image first") }
        // Checked before the buffer is copied: the copy alone of a 16384² float buffer is 4 GiB.
        try AvailableMemory.ensure(2 * source.rowBytes * source.height
                                   + tile.bytes(width: source.width, height: source.height),
                                   for: "stylizing a \(source.width) × \(source.height) buffer")
        let pixels = try TilePixels(payload: source.packed()[...], width: source.width, height: source.height,
                                    bands: source.bands, format: source.format)
        let settings = c.settings
        let result = try tile.run(pixels.rgb) { p in
            guard let progress = settings.progress else { return true }
            return progress(settings.progress_user_data, Int32(p.iteration), Int32(p.iterations), p.losses.total) == 0
        }
        target.unpack(pixels.payload(result: result, margin: margin, format: source.format).bytes)
        return SF_OK
    }
}

/// The sample format a caller names, checked.
func sampleFormat(_ format: sf_format, what: String) throws -> TileFrame.SampleFormat {
    guard format.rawValue <= 3, let checked = TileFrame.SampleFormat(rawValue: UInt16(truncatingIfNeeded: format.rawValue)) else {
        throw StyleFilterError.invalidArgument("\(what) must be SF_FORMAT_U8, _U16 or _F32")
    }
    return checked
}

/// A checked view of an sf_image.
struct Buffer {
    let base: UnsafeMutableRawPointer
    let width: Int
    let height: Int
    let stride: Int
    let bands: Int
    let format: TileFrame.SampleFormat

    init(_ image: sf_image, what: String, bands allowed: Set<Int32> = [3, 4]) throws {
        guard let data = image.data else { throw StyleFilterError.invalidArgument("\(what).data is NULL") }
        guard (1...16384).contains(Int(image.width)), (1...16384).contains(Int(image.height)) else {
            throw StyleFilterError.invalidArgument("\(what) is \(image.width) × \(image.height); each side must be 1 … 16384")
        }
        guard allowed.contains(image.bands) else {
            throw StyleFilterError.invalidArgument("\(what).bands must be \(allowed.sorted().map(String.init).joined(separator: ", "))")
        }
        let format = try sampleFormat(image.format, what: "\(what).format")
        let row = Int(image.width) * Int(image.bands) * format.bytes
        guard image.stride >= row, image.stride <= 1 << 30 else {
            throw StyleFilterError.invalidArgument("\(what).stride \(image.stride) is less than a row (\(row) bytes) or absurd")
        }
        base = data
        width = Int(image.width)
        height = Int(image.height)
        stride = Int(image.stride)
        bands = Int(image.bands)
        self.format = format
    }

    var rowBytes: Int { width * bands * format.bytes }

    func packed() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rowBytes * height)
        out.withUnsafeMutableBytes { dst in
            for y in 0..<height { (dst.baseAddress! + y * rowBytes).copyMemory(from: base + y * stride, byteCount: rowBytes) }
        }
        return out
    }

    func unpack(_ bytes: [UInt8]) {
        precondition(bytes.count == rowBytes * height)
        bytes.withUnsafeBytes { src in
            for y in 0..<height { (base + y * stride).copyMemory(from: src.baseAddress! + y * rowBytes, byteCount: rowBytes) }
        }
    }
}
