import ArgumentParser
import StyleFilter

/// What the shells complete for a flag or argument: files and folders where a path is asked for,
/// and the presets on the search path (with the command line's own --preset-dir) where a name is.
enum Completions {
    static let file = CompletionKind.file()
    static let directory = CompletionKind.directory
    static let presets = CompletionKind.custom { words, _, _ in presetNames(words) }
    /// `preset paint`: the painters, and the presets painted by one.
    static let painters = CompletionKind.custom { words, _, _ in ProceduralStyle.allCases.map(\.rawValue) + presetNames(words) }

    static func presetNames(_ words: [String]) -> [String] {
        let extra = words.firstIndex(of: "--preset-dir").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        return Array(Set(PresetStore(extraDirectory: extra).list().compactMap { try? $0.get().preset.name })).sorted()
    }
}
