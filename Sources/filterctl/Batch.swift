#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

/// A command `batch` runs for each photo: what would fail every photo alike is checked once.
protocol BatchCommand {
    func checkCommand() throws
}

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize many photos one after another, each as its own apply or stylize run.",
        discussion: """
            After -- comes the command for one photo, as you would type it without the photo and -o.
            PATTERN names each result: {name} is the photo's file name without its suffix; its
            folders are made. A photo whose result exists is skipped (results are written whole or
            not at all), one that was interrupted resumes from its finished scales, and one that
            fails does not stop the others. Re-running a batch therefore does only what is left.
            Exit status: 0 when every photo is done or skipped, 1 when one failed, 64 for a wrong
            command line, 128+N when stopped by signal N.
            Example: filterctl batch photos/*.jpg -o 'styled/{name}.jpg' -- apply --preset swirls --max-memory 2G
            """)

    @Argument(help: "The photos.", completion: Completions.file)
    var photos: [String] = []

    @Option(help: "A file listing more photos, one per line (- for standard input).", completion: Completions.file)
    var list: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "Where each result goes, with {name} for the photo's name: 'styled/{name}.jpg'.")
    var pattern: String

    @Flag(help: "Print each photo's end-of-run JSON line on standard output (see stylize --json).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors, for the batch and each run.")
    var quiet = false

    @Argument(parsing: .postTerminator, help: "apply or stylize and its flags, after --.")
    var command: [String] = []

    func validate() throws {
        guard let name = command.first else { throw ValidationError("give the command after --: -- apply --preset NAME, or -- stylize --style PAINTING") }
        guard ["apply", "stylize"].contains(name) else { throw ValidationError("batch runs apply or stylize, not \(name)") }
        for flag in ["-o", "--output", "--json", "--skip-existing", "--resume", "--resume-if-any", "--work-dir"] where command.contains(flag) {
            throw ValidationError("\(flag) after --: batch sets it for each photo")
        }
        guard pattern.contains("{name}") else { throw ValidationError("-o \(pattern): put {name} in it, or every photo's result would have one name") }
    }

    static let listLimit = 64 << 20

    /// The photos in order: the arguments, then the list's lines (blank lines and # comments skipped).
    func allPhotos() throws -> [String] {
        var all = photos
        if let list {
            let bytes: [UInt8]
            if list == "-" {
                var data: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
                while case let n = read(0, &buffer, buffer.count), n > 0 {
                    data += buffer[..<n]
                    guard data.count <= Self.listLimit else {
                        throw StyleFilterError.input("--list -: standard input has more than the \(Self.listLimit >> 20) MiB a list of photos can have")
                    }
                }
                bytes = data
            } else {
                bytes = try Files.read(list, limit: Self.listLimit).get()
            }
            all += String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0) }
                .filter { line in !line.allSatisfy(\.isWhitespace) && !line.hasPrefix("#") }
        }
        guard !all.isEmpty else { throw ValidationError("no photos: give them as arguments or with --list") }
        return all
    }

    func outputPath(_ photo: String) -> String {
        pattern.split(separator: "{name}", omittingEmptySubsequences: false).joined(separator: Frames.stem(photo))
    }

    func arguments(_ photo: String) -> [String] {
        // A photo named like an option ("-dark.jpg") is still a photo.
        [command[0], photo.hasPrefix("-") && photo != "-" ? "./" + photo : photo] + command.dropFirst() + ["-o", outputPath(photo), "--skip-existing", "--resume-if-any"] + (json ? ["--json"] : [])
            + (quiet && !command.contains("-q") && !command.contains("--quiet") ? ["--quiet"] : [])
    }

    func run() throws {
        Termination.catchSignals()
        Console.quiet = quiet || command.contains("-q") || command.contains("--quiet")
        let photos = try allPhotos()
        var outputs: [String: String] = [:]
        for photo in photos {
            if let other = outputs.updateValue(photo, forKey: outputPath(photo)) {
                throw ValidationError("\(other) and \(photo) would both be written to \(outputPath(photo))")
            }
        }
        // A wrong flag, a preset or a painting that is not there belong to the command, not to a
        // photo: found before any folder is made or any photo is run.
        try (FilterCtl.parseAsRoot(arguments(photos[0])) as? BatchCommand)?.checkCommand()
        var made: [String] = []
        for output in outputs.keys {
            let folder = Files.directory(of: ImageIO.fileName(output))
            var missing = folder
            while !Files.isDirectory(missing), !made.contains(missing) {
                made.append(missing)
                missing = Files.directory(of: missing)
            }
            try Files.makeDirectories(folder)
        }
        // Folders this batch made and left empty go (rmdir removes only empty ones).
        defer { for folder in made.sorted(by: { $0.count > $1.count }) { rmdir(folder) } }
        var done = 0, skipped = 0, failed: [String] = []
        func stopIfSignalled() throws {
            guard let signal = Termination.signal else { return }
            Console.error("batch stopped after \(done) done, \(skipped) skipped: run the same command again to go on")
            throw ExitCode(ExitStatus.signal(signal))
        }
        for (index, photo) in photos.enumerated() {
            try stopIfSignalled()
            Console.say("batch \(index + 1)/\(photos.count): \(photo) → \(outputPath(photo))")
            let existed = Files.isRegularFile(ImageIO.fileName(outputPath(photo)))
            do {
                // A photo with no name ("dir/") would make a bare suffix, which means standard output.
                if Frames.stem(photo).isEmpty || OutputFlags.standardOutputFormat(outputPath(photo)) != nil {
                    throw StyleFilterError.invalidArgument("its result would be named \(outputPath(photo)), which means standard output")
                }
                var one = try FilterCtl.parseAsRoot(arguments(photo))
                try one.run()
                if existed { skipped += 1 } else { done += 1 }
            } catch {
                try stopIfSignalled()
                // The command was checked before the loop; missing weights or a broken set-up would
                // fail every photo alike. Anything else is this photo's: the others still run.
                if ExitStatus.of(error) == ExitStatus.setup { throw error }
                Console.error("Error: \(photo): \((error as? StyleFilterError)?.description ?? FilterCtl.message(for: error))")
                failed.append(photo)
            }
        }
        let summary = "batch: \(done) done, \(skipped) skipped, \(failed.count) failed"
        if failed.isEmpty { Console.say(summary) } else { Console.error(summary + ": " + failed.joined(separator: ", ")) }
        if !failed.isEmpty { throw ExitCode(ExitStatus.failed) }
    }
}
