/// Tile height and width of a tiled evaluation, pixels.
public struct TileShape: Sendable, Equatable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
}
