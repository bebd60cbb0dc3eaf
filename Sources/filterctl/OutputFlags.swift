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
}
