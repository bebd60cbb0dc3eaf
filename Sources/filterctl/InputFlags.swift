import ArgumentParser
import StyleFilter

/// What input images may be: shared by every command that reads images.
struct InputFlags: ParsableArguments {
    @Option(help: "Refuse input images of more pixels than this, checked before decoding.")
    var maxPixels = InputLimits.defaults.maxPixels

    @Flag(help: "Let libvips' loaders that are not safe with untrusted files (SVG, PDF, ImageMagick, FITS, …) read inputs.")
    var allowUntrustedLoaders = false

    func validate() throws {
        guard maxPixels >= 256, maxPixels <= ImageIO.maxDimension * ImageIO.maxDimension else {
            throw ValidationError("--max-pixels must be 256 … \(ImageIO.maxDimension * ImageIO.maxDimension)")
        }
    }

    /// Makes these the limits of every image read in this process.
    func apply() {
        var limits = InputLimits()
        limits.maxPixels = maxPixels
        limits.allowUntrustedLoaders = allowUntrustedLoaders
        ImageIO.inputLimits = limits
    }
}
