import ArgumentParser
import StyleFilter

/// Stylizing only part of a photo: `stylize` and `apply` take it.
struct MaskFlag: ParsableArguments {
    @Option(help: "Stylize only where this grey image is white; black keeps the photo, greys mix (soft edges). It needs the photo's proportions.", completion: Completions.file)
    var mask: String?

    var paths: [String] { mask.map { [$0] } ?? [] }

    func mask(for photo: PhotoInput?) throws -> Mask? {
        guard let mask else { return nil }
        guard let photo else { throw ValidationError("--mask needs a photo (texture mode has none)") }
        return try Mask(try PhotoInput(path: mask), photoWidth: photo.width, photoHeight: photo.height)
    }
}
