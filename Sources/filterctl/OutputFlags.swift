#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

/// Where a command's image goes: a file (format from its suffix) or standard output.
struct OutputFlags: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")],
            help: "Output image; its suffix picks the format; - or a bare suffix (.png, .jpg[Q=95]) for standard output.", completion: Completions.file)
    var outputArgument: String

    @Option(name: .customLong("format"), help: "Output format when writing to standard output (png, jpg, tif, webp, …).")
    var formatArgument: String?

    /// libvips' convention: a name that is only a suffix, such as ".png" or ".jpg[Q=95]", writes
    /// that format to standard output (rather than a hidden file called ".png").
    static func standardOutputFormat(_ name: String) -> String? {
        guard name.hasPrefix("."), !name.contains("/") else { return nil }
        let body = name.dropFirst()
        let type = body.prefix { $0 != "[" }
        guard !type.isEmpty, type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return String(body)
    }

    var output: String { Self.standardOutputFormat(outputArgument) == nil ? outputArgument : "-" }
    var format: String? { Self.standardOutputFormat(outputArgument) ?? formatArgument }

    func validate() throws {
        if let suffix = Self.standardOutputFormat(outputArgument), let formatArgument, formatArgument != suffix {
            throw ValidationError("-o \(outputArgument) writes \(suffix) to standard output; --format \(formatArgument) contradicts it")
        }
    }

    /// Before any work: an unwritable name should not cost a whole run, nor should image bytes
    /// scroll over a terminal.
    func check() throws {
        if output == "-" && isatty(1) != 0 {
            throw StyleFilterError.invalidArgument("-o \(outputArgument) writes the image to standard output, which is a terminal: "
                                                   + "redirect it (> out.png, | program) or give a file name")
        }
        try ImageIO.checkWritable(output, format: format)
    }

    func save(_ image: RGBImage) throws { try ImageIO.save(image, to: output, format: format) }

    /// A photo's result, written the way the photo came (see `ImageIO.save(_:like:profile:to:format:)`).
    func save(_ result: FloatRGBImage, like photo: Photo?, profile: OutputProfile) throws {
        for note in try ImageIO.save(result, like: photo, profile: profile, to: output, format: format) {
            Console.say("note: \(note)")
        }
    }
}

extension OutputProfile: ExpressibleByArgument {}
