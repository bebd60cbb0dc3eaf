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
    UnsafeRawPointer(("0.1.0" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("sf_set_blas_threads")
public func sf_set_blas_threads(_ count: Int32) -> sf_status {
    (try? StyleFilter.setBLASThreads(Int(count))) == nil ? SF_ERROR_ARGUMENT : SF_OK
}

@_cdecl("sf_options_init")
public func sf_options_init(_ options: UnsafeMutablePointer<sf_options>?) {
    guard let options else { return }
    let defaults = TransferOptions()
    options.pointee = sf_options(struct_size: MemoryLayout<sf_options>.size, weights_path: nil,
                                 iterations: 0, content_weight: defaults.contentWeight,
                                 style_weight: defaults.styleWeight, tv_weight: defaults.tvWeight, style_size: 512,
                                 progress: nil, progress_user_data: nil)
}

@_cdecl("sf_context_create")
public func sf_context_create(_ options: UnsafePointer<sf_options>?, _ context: UnsafeMutablePointer<OpaquePointer?>?) -> sf_status {
    guard let context else { return SF_ERROR_ARGUMENT }
    context.pointee = nil
    // A caller built against a newer header passes a longer struct: read the fields this
    // version knows. A shorter one is from no released header, so it is refused.
    var o = sf_options()
    sf_options_init(&o)
    if let options {
        guard options.pointee.struct_size >= MemoryLayout<sf_options>.size, options.pointee.struct_size <= 1 << 16 else {
            return SF_ERROR_ARGUMENT
        }
        o = options.pointee
    }
    var transfer = TransferOptions()
    if o.iterations > 0 { transfer.iterations = Int(o.iterations) }
    transfer.contentWeight = o.content_weight
    transfer.styleWeight = o.style_weight
    transfer.tvWeight = o.tv_weight
    let path = VGG19Weights.resolvePath(explicit: o.weights_path.map { String(cString: $0) })
    // The context exists before the weights load, so a failure has somewhere to put its message.
    let made = Context(options: transfer, styleSize: Int(o.style_size), iterations: o.iterations > 0 ? Int(o.iterations) : nil,
                       progress: o.progress, progressUserData: o.progress_user_data)
    context.pointee = OpaquePointer(Unmanaged.passRetained(made).toOpaque())
    return made.guarded {
        try transfer.validate()
        guard Preset.sizeRange.contains(Int(o.style_size)), Preset.iterationRange.contains(Int(o.iterations)) else {
            throw StyleFilterError.invalidArgument("style_size must be 16 … 16384 and iterations 0 … 100000")
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
        // image) is the header's STYLE status; the weights and cancellation keep their own.
        do {
            let located = try PresetStore(extraDirectory: presetDir.map { String(cString: $0) }).find(String(cString: name))
            (c.style, c.options) = try located.finalScale(network: network, iterations: c.iterations) { _ in }
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
        let image: RGBImage
        do {
            image = try ImageIO.load(String(cString: path)) { w, h in StyleTransfer.contentSize(width: w, height: h, longSide: c.styleSize) }
        } catch {
            return c.fail(SF_ERROR_STYLE, "\(error)")
        }
        c.style = try StyleStatistics(network: try c.loadedNetwork(), styles: [(image, 1)], layers: c.options.activeStyleLayers)
        return SF_OK
    }
}

@_cdecl("sf_stylize")
public func sf_stylize(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    stylize(context, input, margin: 0, output)
}

@_cdecl("sf_stylize_tile")
public func sf_stylize_tile(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, _ margin: Int32,
                            _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    stylize(context, input, margin: Int(margin), output)
}

private func stylize(_ context: OpaquePointer?, _ input: UnsafePointer<sf_image>?, margin: Int,
                     _ output: UnsafeMutablePointer<sf_image>?) -> sf_status {
    guard let c = Context.from(context) else { return SF_ERROR_ARGUMENT }
    guard let input, let output else { return c.fail(SF_ERROR_ARGUMENT, "input or output is NULL") }
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
        guard let style = c.style else { return c.fail(SF_ERROR_NO_STYLE, "load a preset or a style image first") }
        // Checked before the buffer is copied: the copy alone of a 16384² float buffer is 4 GiB.
        try AvailableMemory.ensure(2 * source.rowBytes * source.height
                                   + MemoryBudget.transferBytes(width: source.width, height: source.height, options: c.options),
                                   for: "stylizing a \(source.width) × \(source.height) buffer")
        let pixels = try TilePixels(payload: source.packed()[...], width: source.width, height: source.height,
                                    bands: source.bands, format: source.format)
        let result = try c.stylize(pixels.rgb, style: style)
        target.unpack(pixels.payload(result: result, margin: margin, format: source.format).bytes)
        return SF_OK
    }
}

/// A checked view of an sf_image.
struct Buffer {
    let base: UnsafeMutableRawPointer
    let width: Int
    let height: Int
    let stride: Int
    let bands: Int
    let format: TileFrame.SampleFormat

    init(_ image: sf_image, what: String) throws {
        guard let data = image.data else { throw StyleFilterError.invalidArgument("\(what).data is NULL") }
        guard (1...16384).contains(Int(image.width)), (1...16384).contains(Int(image.height)) else {
            throw StyleFilterError.invalidArgument("\(what) is \(image.width) × \(image.height); each side must be 1 … 16384")
        }
        guard image.bands == 3 || image.bands == 4 else { throw StyleFilterError.invalidArgument("\(what).bands must be 3 or 4") }
        guard let format = TileFrame.SampleFormat(rawValue: UInt16(truncatingIfNeeded: image.format.rawValue)),
              image.format.rawValue <= 3 else {
            throw StyleFilterError.invalidArgument("\(what).format must be SF_FORMAT_U8, _U16 or _F32")
        }
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
