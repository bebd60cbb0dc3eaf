import XCTest
@testable import StyleFilter

/// A trained network over a photo larger than its tiles: every tile normalised alike and given the
/// network's reach as context, so the tiled picture is the one-pass picture.
final class TransformerInferenceTests: XCTestCase {
    func testTiledEqualsOnePass() throws {
        // One residual block: a reach of 22 px, so 32 px of context is exact.
        let network = TransformerNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 4)
        let image = RGBImage.pattern(width: 130, height: 110, seed: 8).networkTensor()
        let whole = try TransformerInference.run(network, image: image, tile: 512)
        let tiled = try TransformerInference.run(network, image: image, tile: 32, halo: 32)
        let scale = whole.toArray().map { abs($0) }.max()!
        let worst = zip(whole.toArray(), tiled.toArray()).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThan(worst, 1e-4 * scale, "tiles of 32 with 32 px of context against one pass")
        // Too little context is not exact: the halo is what makes it so.
        let narrow = try TransformerInference.run(network, image: image, tile: 32, halo: 4)
        XCTAssertGreaterThan(zip(whole.toArray(), narrow.toArray()).map { abs($0 - $1) }.max()!, 1e-3 * scale)
    }

    /// The one-window run is the network's own pass on the photo, statistics measured on it.
    func testOneWindowIsThePass() throws {
        let network = TransformerNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 4)
        let image = RGBImage.pattern(width: 64, height: 48, seed: 9).networkTensor()
        let pass = TransformerPass(network: network, height: 48, width: 64)
        XCTAssertEqual(try TransformerInference.run(network, image: image).toArray(), pass.forward(image).toArray())
    }
}
