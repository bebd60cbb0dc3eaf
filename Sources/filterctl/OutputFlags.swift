import ArgumentParser
import StyleFilter

/// Where a command's image goes: a file (format from its suffix) or standard output.
struct OutputFlags: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output image; its suffix picks the format; - for standard output.")
    var output: String

    @Option(help: "Output format when writing to standard output (png, jpg, tif, webp, …).")
    var format: String?

    /// Before any work: an unwritable name should not cost a whole run.
    func check() throws { try ImageIO.checkWritable(output, format: format) }

    func save(_ image: RGBImage) throws { try ImageIO.save(image, to: output, format: format) }

    /// A photo's result, written the way the photo came (see `ImageIO.save(_:like:profile:to:format:)`).
    func save(_ result: FloatRGBImage, like photo: Photo?, profile: OutputProfile) throws {
        for note in try ImageIO.save(result, like: photo, profile: profile, to: output, format: format) {
            Console.error("note: \(note)")
        }
    }
}

extension OutputProfile: ExpressibleByArgument {}
