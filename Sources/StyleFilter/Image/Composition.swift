import CShim

/// Pictures made of pictures: labelled contact sheets (parameter sweeps) and animations (frames).
extension ImageIO {
    /// Cells in rows of `across`, each with its caption underneath; a title line on top if given.
    public static func contactSheet(_ cells: [(image: RGBImage, caption: String)], across: Int,
                                    title: String? = nil) throws -> RGBImage {
        precondition(!cells.isEmpty && across > 0)
        var owned: [UnsafeMutablePointer<VipsImage>] = []
        defer { owned.forEach { g_object_unref($0) } }
        func keep(_ image: UnsafeMutablePointer<VipsImage>?) throws -> UnsafeMutablePointer<VipsImage> {
            guard let image else { throw StyleFilterError.image("cannot compose the contact sheet (\(takeVipsError()))") }
            owned.append(image)
            return image
        }
        func made(_ operation: (inout UnsafeMutablePointer<VipsImage>?) -> Int32) throws -> UnsafeMutablePointer<VipsImage> {
            var out: UnsafeMutablePointer<VipsImage>?
            return try keep(operation(&out) == 0 ? out : nil)
        }
        // Captions get a readable width even under thumbnails; narrow pictures are centred above.
        let cellWidth = max(cells.map(\.image.width).max()!, 200)
        var labelled: [UnsafeMutablePointer<VipsImage>?] = []
        for cell in cells {
            let picture = try keep(try vipsImage(cell.image))
            let caption = try keep(sf_vips_caption(cell.caption, Int32(cellWidth)))
            labelled.append(try made { sf_vips_join_below(picture, caption, &$0) })
        }
        var sheet = try made { sf_vips_grid(&labelled, Int32(labelled.count), Int32(across), 8, &$0) }
        if let title {
            let heading = try keep(sf_vips_caption(title, sf_vips_width(sheet)))
            let body = sheet
            sheet = try made { sf_vips_join_below(heading, body, &$0) }
        }
        return try rgbImage(sheet, name: "contact sheet")
    }

    /// Equal-sized frames as a looping animation; the format comes from the suffix (.gif, .webp).
    public static func saveAnimation(_ frames: [RGBImage], to path: String, delayMilliseconds: Int) throws {
        precondition(!frames.isEmpty)
        guard frames.allSatisfy({ $0.width == frames[0].width && $0.height == frames[0].height }) else {
            throw StyleFilterError.invalidArgument("animation frames must all have the same size")
        }
        var pages: [UnsafeMutablePointer<VipsImage>?] = []
        defer { pages.forEach { g_object_unref($0) } }
        for frame in frames { pages.append(try vipsImage(frame)) }
        var stacked: UnsafeMutablePointer<VipsImage>?
        guard sf_vips_pages(&pages, Int32(pages.count), Int32(delayMilliseconds), &stacked) == 0, let stacked else {
            throw StyleFilterError.image("cannot build the animation (\(takeVipsError()))")
        }
        defer { g_object_unref(stacked) }
        try saveAtomically(stacked, to: path)
    }
}
