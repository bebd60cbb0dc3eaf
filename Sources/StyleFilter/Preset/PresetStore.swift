import CShim
#if canImport(Glibc)
import Glibc
#endif

/// A preset as found on disk: where its JSON is and where its statistics are cached.
public struct LocatedPreset: Sendable {
    public let preset: Preset
    /// The JSON file.
    public let path: String

    public var directory: String { Files.directory(of: path) }

    /// Installed with the program (its own share/stylefilter/presets, or a data directory's): the
    /// package's file, never rewritten or deleted by filterctl, whoever runs it and however the
    /// folder was named (--preset-dir, a symlink).
    public var isInstalled: Bool {
        let folder = Files.absolute(directory)
        return PresetStore.installedDirectories().contains { Files.absolute($0) == folder }
    }

    /// Where the style statistics are cached: a cache kept beside the JSON (a preset kept by its
    /// statistics alone, or one from before caches moved) is used where it is; any other is the
    /// user's, in ~/.cache keyed by the JSON's real path, so preset folders (the user's own in
    /// ~/.config, the package's) hold only presets. An installed preset's cache is always the
    /// user's once written, so a stale one shipped beside it is never rewritten there.
    public var sidecarPath: String {
        let beside = directory + "/" + preset.name + ".grams"
        if isInstalled { return Files.exists(usersCachePath) || !Files.exists(beside) ? usersCachePath : beside }
        return Files.exists(beside) ? beside : usersCachePath
    }

    /// Where a rebuilt cache is written: never beside an installed preset.
    var writableSidecarPath: String { isInstalled ? usersCachePath : sidecarPath }

    private var usersCachePath: String {
        let tag = VGG19Weights.sha256Hex(Array(Files.absolute(path).utf8)).prefix(12)
        return VGG19Weights.defaultCacheDirectory() + "/presets/\(preset.name)-\(tag).grams"
    }

    /// The network `preset train` writes beside the preset, which applies its style in one pass.
    public var networkPath: String { directory + "/" + preset.name + ".network" }

    /// What a network trained for this preset records of what it learnt, and what `trainedNetwork`
    /// checks: the style, the VGG19 weights, the pooling and the loss layers.
    public func networkFields() throws -> [String: String] {
        let transfer = try preset.transferOptions(iterations: 0)
        return ["preset": preset.name, "style": styleFingerprint, "weights": VGG19Weights.sha256, "pooling": preset.pooling.rawValue,
                "layers": (transfer.activeContentLayers + transfer.activeStyleLayers).map(\.description).joined(separator: ",")]
    }

    /// The trained network, or nil when the preset has none. A damaged file, or one trained for
    /// another style, weights or layers than the preset's now, is an error: applied, it would
    /// paint what the preset no longer is.
    public func trainedNetwork() throws -> FeedForwardNetwork? {
        guard Files.exists(networkPath) else { return nil }
        let retrain = "train it again (filterctl preset train \(preset.name)) or apply with --method optimize"
        let file: FeedForwardFile
        do {
            file = try FeedForwardFile(decoding: try Files.read(networkPath, limit: 1 << 30).get())
        } catch {
            throw StyleFilterError.input("\(networkPath): \(error); \(retrain)")
        }
        let expected = try networkFields()
        for key in ["style", "weights", "pooling", "layers"] where file.fields[key] != expected[key] {
            throw StyleFilterError.input("\(networkPath) was trained for another \(key) than the preset's now; \(retrain)")
        }
        do {
            return try file.network()
        } catch {
            throw StyleFilterError.input("\(networkPath): \(error); \(retrain)")
        }
    }

    /// The style file's path with relative references taken from the preset's directory.
    public var styleImagePath: String? {
        guard case .image(let p) = preset.style else { return nil }
        return p.hasPrefix("/") ? p : directory + "/" + p
    }
}

/// Where presets are looked for, in order: `--preset-dir`, `./presets`, the user's own
/// (`$XDG_CONFIG_HOME/stylefilter/presets`, ~/.config/stylefilter/presets), then the installed ones
/// under each data directory (`$XDG_DATA_HOME`, ~/.local/share, then each of `$XDG_DATA_DIRS`,
/// /usr/local/share:/usr/share), in `stylefilter/presets`.
public struct PresetStore: Sendable {
    public let directories: [String]

    public init(extraDirectory: String? = nil) {
        let data = PresetStore.dataDirectories().map { $0 + "/stylefilter/presets" }
        let all = (extraDirectory.map { [$0] } ?? []) + ["presets", PresetStore.userDirectory(), data[0]]
            + (PresetStore.ownInstalledDirectory.map { [$0] } ?? []) + data.dropFirst()
        // An install under /usr is also a data directory's: named once, where it is first searched.
        var seen = Set<String>()
        directories = all.filter { seen.insert(Files.absolute($0)).inserted }
    }

    /// The presets installed with the running tool or library: PREFIX/share/stylefilter/presets,
    /// PREFIX the folder above its bin/ or lib/ (or lib/<multiarch>/); nil when there is none
    /// (a build tree).
    /// Found once: where this code was loaded from does not change while it runs.
    static let ownInstalledDirectory: String? = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard sf_loaded_from(&buffer, buffer.count) == 0 else { return nil }
        var folder = Files.directory(of: buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        for _ in 0..<2 {
            folder = Files.directory(of: folder)
            let presets = folder + "/share/stylefilter/presets"
            if Files.isDirectory(presets) { return presets }
        }
        return nil
    }()

    /// Every folder whose presets are the package's, not the user's.
    static func installedDirectories() -> [String] {
        (ownInstalledDirectory.map { [$0] } ?? []) + dataDirectories().map { $0 + "/stylefilter/presets" }
    }

    /// The XDG base directories for data, most personal first.
    static func dataDirectories() -> [String] {
        let home = Files.environment("XDG_DATA_HOME") ?? ((Files.environment("HOME") ?? ".") + "/.local/share")
        let system = (Files.environment("XDG_DATA_DIRS") ?? "/usr/local/share:/usr/share")
            .split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        var seen = Set<String>()
        return ([home] + system).filter { seen.insert($0).inserted }
    }

    public static func userDirectory() -> String {
        if let xdg = Files.environment("XDG_CONFIG_HOME") { return xdg + "/stylefilter/presets" }
        return (Files.environment("HOME") ?? ".") + "/.config/stylefilter/presets"
    }

    /// A name found on the search path, or a path to a preset file ("x.json", "dir/x.json").
    public func find(_ name: String) throws -> LocatedPreset {
        if name.hasSuffix(".json") || name.contains("/") {
            guard Files.isRegularFile(name) else { throw StyleFilterError.invalidArgument("preset file \(name) not found") }
            return try PresetStore.load(path: name)
        }
        try Preset.checkName(name)
        for dir in directories where Files.isRegularFile("\(dir)/\(name).json") {
            return try PresetStore.load(path: "\(dir)/\(name).json")
        }
        let known = list().compactMap { try? $0.get().preset.name }
        throw StyleFilterError.invalidArgument("no preset named '\(name)' in \(directories.joined(separator: ", "))"
            + (known.isEmpty ? "" : " (known: \(Array(Set(known)).sorted().joined(separator: ", ")))"))
    }

    /// Reads and validates one preset file; its `name` must match the file name.
    public static func load(path: String) throws -> LocatedPreset {
        let text: String
        switch Files.read(path, limit: 1 << 20) {
        case .success(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self) else { throw StyleFilterError.input("\(path): not UTF-8 text") }
            text = s
        case .failure(let e): throw e
        }
        let preset = try Preset(json: text, origin: path)
        let base = Files.basename(path)
        guard base == preset.name + ".json" else {
            throw StyleFilterError.input("\(path): field 'name' is '\(preset.name)' but the file is \(base); they must match")
        }
        return LocatedPreset(preset: preset, path: path)
    }

    /// Every preset file on the search path, earlier directories first; a broken file is listed
    /// with its error rather than hiding the others.
    public func list() -> [Result<LocatedPreset, StyleFilterError>] {
        var seen = Set<String>()
        var result: [Result<LocatedPreset, StyleFilterError>] = []
        for dir in directories where seen.insert(Files.absolute(dir)).inserted {
            for file in Files.list(dir) where file.hasSuffix(".json") && !file.hasPrefix(".") {
                do { result.append(.success(try PresetStore.load(path: "\(dir)/\(file)"))) } catch let e as StyleFilterError {
                    result.append(.failure(e))
                } catch {
                    result.append(.failure(.input("\(dir)/\(file): \(error)")))
                }
            }
        }
        return result
    }

    /// Writes `DIR/NAME.json`; an existing preset is replaced only when `replace` is set.
    @discardableResult
    public static func save(_ preset: Preset, in directory: String, replace: Bool) throws -> LocatedPreset {
        try Preset.checkName(preset.name)
        try Files.makeDirectories(directory)
        let path = "\(directory)/\(preset.name).json"
        let text = Array((preset.json.formatted() + "\n").utf8)
        if replace {
            try Files.writeAtomically(path, text)
        } else if !(try Files.writeExclusively(path, text)) {
            throw StyleFilterError.invalidArgument("preset \(path) already exists (use --force to replace it)")
        }
        let located = LocatedPreset(preset: preset, path: path)
        // A replaced preset's cached statistics may be for other settings; the key would catch
        // that, but removing them now keeps the folder honest.
        unlink(located.sidecarPath)
        return located
    }

    /// Removes the preset file, its cached statistics and its trained network (with a stopped
    /// training's checkpoint); never an installed preset's. The files it removed.
    @discardableResult
    public static func delete(_ located: LocatedPreset) throws -> [String] {
        guard !located.isInstalled else {
            throw StyleFilterError.invalidArgument("\(located.path) was installed with filterctl, not made by it: "
                + "it is not deleted (make uninstall or the package manager removes it)")
        }
        let sidecar = located.sidecarPath
        guard unlink(located.path) == 0 else {
            throw StyleFilterError.io("cannot delete \(located.path): \(String(cString: strerror(errno)))")
        }
        // The trained network is the preset's too (made by `preset train`), and useless without it.
        return [located.path] + [sidecar, located.networkPath, located.networkPath + ".checkpoint"].filter { unlink($0) == 0 }
    }
}
