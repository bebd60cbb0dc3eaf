/// Preset ⇄ JSON. Decoding is strict: an unknown key, a wrong type or an out-of-range value is
/// one error that names the file and the field, because a silently ignored typo in a saved style
/// would quietly give a different picture.
extension Preset {
    public init(json text: String, origin: String) throws {
        let value: JSON
        do { value = try JSON.parse(text) } catch { throw StyleFilterError.input("\(origin): \(error)") }
        do { self = try Preset.decode(value) } catch let e as PresetFieldError {
            throw StyleFilterError.input("\(origin): field '\(e.field)' \(e.message)")
        }
    }

    static func decode(_ value: JSON) throws -> Preset {
        let top = try FieldReader(value, path: "")
        try top.rejectUnknown(["format", "version", "name", "description", "style", "styleSize", "contentLayers",
                               "styleLayers", "contentWeight", "styleWeight", "tvWeight", "optimizer", "learningRate",
                               "pooling", "scales", "color", "tileSize"])
        if let format = try top.string("format"), format != "stylefilter-preset" {
            throw PresetFieldError("format", "must be \"stylefilter-preset\"")
        }
        if let version = try top.integer("version", in: 1...1_000_000), version != formatVersion {
            throw PresetFieldError("version", "is \(version); this filterctl reads version \(formatVersion)")
        }
        guard let name = try top.string("name") else { throw PresetFieldError("name", "is missing") }
        do { try checkName(name) } catch { throw PresetFieldError("name", "is invalid: \(error)") }
        guard let styleValue = top.member("style") else { throw PresetFieldError("style", "is missing") }
        var preset = Preset(name: name, style: try decodeStyle(styleValue))
        preset.description = try top.string("description") ?? ""
        preset.styleSize = try top.integer("styleSize", in: Defaults.styleSize.range) ?? preset.styleSize
        preset.contentLayers = try decodeLayers(top, "contentLayers") ?? preset.contentLayers
        preset.styleLayers = try decodeLayers(top, "styleLayers") ?? preset.styleLayers
        preset.contentWeight = try top.float("contentWeight", atLeast: 0) ?? preset.contentWeight
        preset.styleWeight = try top.float("styleWeight", atLeast: 0) ?? preset.styleWeight
        preset.tvWeight = try top.float("tvWeight", atLeast: 0) ?? preset.tvWeight
        if let o = try top.string("optimizer") {
            guard let kind = OptimizerKind(rawValue: o) else { throw PresetFieldError("optimizer", "must be \"lbfgs\" or \"adam\"") }
            preset.optimizer = kind
        }
        if let lr = try top.float("learningRate", atLeast: 0) {
            guard lr > 0 else { throw PresetFieldError("learningRate", "must be > 0") }
            preset.learningRate = lr
        }
        if let p = try top.string("pooling") {
            guard let mode = PoolingMode(rawValue: p) else { throw PresetFieldError("pooling", "must be \"max\" or \"avg\"") }
            preset.pooling = mode
        }
        if let scales = try decodeScales(top) { preset.scales = scales }
        // Fields of the first format that nothing ever read: still checked in older files, not kept.
        if let color = try top.string("color"), color != "none" {
            throw PresetFieldError("color", "must be \"none\"")
        }
        _ = try top.integer("tileSize", in: 64...16384)
        guard !preset.contentLayers.isEmpty || !preset.styleLayers.isEmpty else {
            throw PresetFieldError("styleLayers", "and contentLayers are both empty")
        }
        return preset
    }

    static func decodeStyle(_ value: JSON) throws -> StyleSource {
        let style = try FieldReader(value, path: "style.")
        try style.rejectUnknown(["image", "procedural", "seed"])
        switch (try style.string("image"), try style.string("procedural")) {
        case (let path?, nil):
            guard !path.isEmpty else { throw PresetFieldError("style.image", "is empty") }
            guard style.member("seed") == nil else { throw PresetFieldError("style.seed", "applies to procedural styles only") }
            return .image(path)
        case (nil, let kind?):
            guard let painter = ProceduralStyle(rawValue: kind) else {
                throw PresetFieldError("style.procedural", "must be one of \(ProceduralStyle.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let seed = try style.integer("seed", in: 0...Int(UInt32.max)) ?? 0
            return .procedural(painter, seed: UInt64(seed))
        default:
            throw PresetFieldError("style", "needs exactly one of \"image\" (a path) or \"procedural\" (a painter name)")
        }
    }

    /// Layers as an object in loss order: {"relu1_1": 1, "relu2_1": 0.5}.
    static func decodeLayers(_ reader: FieldReader, _ key: String) throws -> [LayerWeight]? {
        guard let value = reader.member(key) else { return nil }
        guard case .object(let members) = value else {
            throw PresetFieldError(key, "must be an object of layer names and weights, like {\"relu4_2\": 1}; got \(value.kind)")
        }
        return try members.map { member in
            guard case .number(let w) = member.value else {
                throw PresetFieldError("\(key).\(member.key)", "must be a number; got \(member.value.kind)")
            }
            do { return try LayerWeight(member.key, weight: Float(w)) } catch {
                throw PresetFieldError("\(key).\(member.key)", "is invalid: \(error)")
            }
        }
    }

    static func decodeScales(_ reader: FieldReader) throws -> [Scale]? {
        guard let value = reader.member("scales") else { return nil }
        guard case .array(let items) = value, !items.isEmpty, items.count <= 16 else {
            throw PresetFieldError("scales", "must be an array of 1 … 16 {\"size\": …, \"iterations\": …} objects")
        }
        var scales: [Scale] = []
        for (i, item) in items.enumerated() {
            let scale = try FieldReader(item, path: "scales[\(i)].")
            try scale.rejectUnknown(["size", "iterations"])
            guard let size = try scale.integer("size", in: Defaults.size.range) else { throw PresetFieldError("scales[\(i)].size", "is missing") }
            guard let iterations = try scale.integer("iterations", in: Defaults.iterations.range) else {
                throw PresetFieldError("scales[\(i)].iterations", "is missing")
            }
            if let previous = scales.last, size <= previous.size {
                throw PresetFieldError("scales[\(i)].size", "must be larger than the scale before it (\(previous.size))")
            }
            scales.append(Scale(size: size, iterations: iterations))
        }
        return scales
    }

    public var json: JSON {
        var style: [(key: String, value: JSON)]
        switch self.style {
        case .image(let path): style = [("image", .string(path))]
        case .procedural(let painter, let seed): style = [("procedural", .string(painter.rawValue)), ("seed", .number(Double(seed)))]
        }
        func layers(_ list: [LayerWeight]) -> JSON { .object(list.map { ($0.name, JSON.float($0.weight)) }) }
        var members: [(key: String, value: JSON)] = [
            ("format", .string("stylefilter-preset")),
            ("version", .number(Double(Preset.formatVersion))),
            ("name", .string(name)),
            ("description", .string(description)),
            ("style", .object(style)),
            ("styleSize", .number(Double(styleSize))),
            ("contentLayers", layers(contentLayers)),
            ("styleLayers", layers(styleLayers)),
            ("contentWeight", JSON.float(contentWeight)),
            ("styleWeight", JSON.float(styleWeight)),
            ("tvWeight", JSON.float(tvWeight)),
            ("optimizer", .string(optimizer.rawValue)),
        ]
        if let learningRate { members.append(("learningRate", JSON.float(learningRate))) }
        members += [
            ("pooling", .string(pooling.rawValue)),
            ("scales", .array(scales.map { .object([("size", .number(Double($0.size))), ("iterations", .number(Double($0.iterations)))]) })),
        ]
        return .object(members)
    }
}

struct PresetFieldError: Error {
    let field: String
    let message: String
    init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// Typed access to one JSON object's members, errors naming the dotted field path.
struct FieldReader {
    let members: [(key: String, value: JSON)]
    let path: String

    init(_ value: JSON, path: String) throws {
        guard case .object(let members) = value else {
            throw PresetFieldError(path.isEmpty ? "(top level)" : String(path.dropLast()), "must be an object; got \(value.kind)")
        }
        self.members = members
        self.path = path
    }

    func member(_ key: String) -> JSON? { members.first { $0.key == key }?.value }

    func rejectUnknown(_ known: [String]) throws {
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw PresetFieldError(path + unknown.key, "is not a preset field (known: \(known.joined(separator: ", ")))")
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = member(key) else { return nil }
        guard case .string(let s) = value else { throw PresetFieldError(path + key, "must be a string; got \(value.kind)") }
        return s
    }

    func number(_ key: String) throws -> Double? {
        guard let value = member(key) else { return nil }
        guard case .number(let x) = value else { throw PresetFieldError(path + key, "must be a number; got \(value.kind)") }
        return x
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let x = try number(key) else { return nil }
        guard x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
            throw PresetFieldError(path + key, "must be a whole number in \(range.lowerBound) … \(range.upperBound); got \(JSON.format(x))")
        }
        return Int(x)
    }

    func float(_ key: String, atLeast lower: Double) throws -> Float? {
        guard let x = try number(key) else { return nil }
        guard x >= lower, x <= Double(Float.greatestFiniteMagnitude) else {
            throw PresetFieldError(path + key, "must be a number ≥ \(JSON.format(lower)); got \(JSON.format(x))")
        }
        return Float(x)
    }
}
