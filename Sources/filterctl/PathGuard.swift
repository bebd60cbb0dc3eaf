import StyleFilter

/// Refuses, before any work, a run that would write over one of its own inputs or write two of
/// its outputs to one file: inputs are only ever read.
enum PathGuard {
    /// `inputs` are read ("-" is skipped; load "[options]" stripped); `outputs` are (flag, path) pairs of files the run writes
    /// (an image output's libvips "[options]" are stripped here); `directories` are (flag, path)
    /// pairs of folders it makes, which must name neither an input nor an output.
    static func check(inputs: [String], outputs: [(flag: String, path: String)],
                      directories: [(flag: String, path: String)] = []) throws {
        let read = inputs.filter { $0 != "-" }.compactMap { path in FileIdentity(ImageIO.inputFile(path)).map { ($0, path) } }
        var written: [(identity: FileIdentity?, absolute: String, flag: String)] = []
        for (flag, raw) in outputs where raw != "-" {
            let path = ImageIO.fileName(raw)
            if Files.isDirectory(path) { throw StyleFilterError.invalidArgument("\(flag) \(path) is a directory; give a file name") }
            let identity = FileIdentity(path)
            if let identity, let input = read.first(where: { $0.0 == identity }) {
                throw StyleFilterError.invalidArgument("\(flag) \(path) is the input \(input.1); inputs are only read, never overwritten: choose another name")
            }
            let absolute = Files.absolute(path)
            if let other = written.first(where: { ($0.identity != nil && $0.identity == identity) || $0.absolute == absolute }) {
                throw StyleFilterError.invalidArgument("\(flag) and \(other.flag) both name \(path)")
            }
            written.append((identity, absolute, flag))
        }
        for (flag, path) in directories {
            let identity = FileIdentity(path), absolute = Files.absolute(path)
            if let identity, let input = read.first(where: { $0.0 == identity }) {
                throw StyleFilterError.invalidArgument("\(flag) \(path) is the input \(input.1)")
            }
            if let other = written.first(where: { ($0.identity != nil && $0.identity == identity) || $0.absolute == absolute }) {
                throw StyleFilterError.invalidArgument("\(flag) and \(other.flag) both name \(path)")
            }
        }
    }
}
