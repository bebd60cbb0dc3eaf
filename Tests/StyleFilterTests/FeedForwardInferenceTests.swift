import XCTest
@testable import StyleFilter

/// A trained network over a photo larger than its tiles: every tile normalised alike and given the
/// network's reach as context, so the tiled picture is the one-pass picture.
final class FeedForwardInferenceTests: XCTestCase {
    func testTiledEqualsOnePass() throws {
        // One residual block: a reach of 22 px, so 32 px of context is exact.
        let network = FeedForwardNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 4)
        let image = RGBImage.pattern(width: 130, height: 110, seed: 8).networkTensor()
        let whole = try FeedForwardInference.run(network, image: image, tile: 512)
        let tiled = try FeedForwardInference.run(network, image: image, tile: 32, halo: 32)
        let scale = whole.toArray().map { abs($0) }.max()!
        let worst = zip(whole.toArray(), tiled.toArray()).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThan(worst, 1e-4 * scale, "tiles of 32 with 32 px of context against one pass")
        // Too little context is not exact: the halo is what makes it so.
        let narrow = try FeedForwardInference.run(network, image: image, tile: 32, halo: 4)
        XCTAssertGreaterThan(zip(whole.toArray(), narrow.toArray()).map { abs($0 - $1) }.max()!, 1e-3 * scale)
    }

    /// The one-window run is the training pass on the photo, statistics measured on it: the
    /// inference pass (Winograd, padding and upsampling while reading, three buffers) computes the
    /// same network within float rounding.
    func testOneWindowIsThePass() throws {
        for (width, height, blocks) in [(64, 48, 1), (52, 36, 2)] {
            let network = FeedForwardNetwork(shape: .init(width: 4, residualBlocks: blocks), seed: 4)
            let image = RGBImage.pattern(width: width, height: height, seed: 9).networkTensor()
            let pass = FeedForwardPass(network: network, height: height, width: width)
            let expected = pass.forward(image).toArray(), got = try FeedForwardInference.run(network, image: image).toArray()
            let scale = expected.map { abs($0) }.max()!
            XCTAssertGreaterThan(scale, 0)
            XCTAssertLessThan(zip(expected, got).map { abs($0 - $1) }.max()!, 1e-5 * scale, "\(width)×\(height), \(blocks) blocks")
        }
    }

    /// A photo narrower than the smallest window (16 px) is mirrored more than once to fill it;
    /// a single reflection read outside the photo, and the garbage made NaN pixels.
    func testPhotosSmallerThanAWindow() throws {
        for n in 1...6 {
            // The mirror walked step by step: 0, 1, …, n − 1, n − 2, …, 0, 1, …
            func walked(_ t: Int) -> Int {
                guard n > 1 else { return 0 }
                var (i, direction) = (0, 1)
                for _ in 0..<abs(t) {
                    if !(0..<n).contains(i + direction * t.signum()) { direction = -direction }
                    i += direction * t.signum()
                }
                return i
            }
            for t in -40...40 { XCTAssertEqual(ReflectionPad.source(t, n), walked(t), "position \(t) on \(n) px") }
        }
        let network = FeedForwardNetwork(shape: .init(width: 4, residualBlocks: 1), seed: 4)
        for (width, height) in [(1, 1), (3, 40), (17, 15), (2, 2)] {
            let image = RGBImage.pattern(width: width, height: height, seed: 3).networkTensor()
            let out = try FeedForwardInference.run(network, image: image)
            XCTAssertEqual([out.height, out.width], [height, width])
            XCTAssertTrue(out.toArray().allSatisfy(\.isFinite), "\(width)×\(height)")
        }
        // A single pixel is a flat window: the network's answer for that colour everywhere.
        let pixel = RGBImage(width: 1, height: 1, pixels: [200, 40, 90])
        let flat = RGBImage(width: 16, height: 16, pixels: Array([[UInt8]](repeating: [200, 40, 90], count: 256).joined()))
        let one = try FeedForwardInference.run(network, image: pixel.networkTensor()).toArray()
        let expected = FeedForwardPass(network: network, height: 16, width: 16).forward(flat.networkTensor())
        for c in 0..<3 { XCTAssertEqual(one[c], expected[c, 7, 7], accuracy: 1e-3 * max(1, abs(expected[c, 7, 7]))) }
    }

    /// A tile painted by a network is counted as the network's windows, not as an optimization:
    /// a 4096² tile takes under 1.5 GiB (`apply --method fast` on a 4096² photo peaks at 1.26 GiB,
    /// the whole process), where the optimization's count is many times that.
    func testATileIsCountedAsWhatPaintsIt() throws {
        var options = TransferOptions()
        options.iterations = 1
        let optimized = TileJob(network: try TestSupport.network(), style: StyleStatistics(grams: []), options: options)
        var painted = optimized
        painted.fast = FeedForwardNetwork(shape: .init(), seed: 1)
        let side = 4096
        XCTAssertLessThan(painted.bytes(width: side, height: side), 3 << 29)
        XCTAssertGreaterThan(optimized.bytes(width: side, height: side), 4 * painted.bytes(width: side, height: side))
        // The windows stop growing past a tile; the images do not.
        XCTAssertEqual(FeedForwardInference.bytes(painted.fast!, width: 1152, height: 1152) - 1152 * 1152 * 12,
                       FeedForwardInference.bytes(painted.fast!, width: 4096, height: 4096) - 4096 * 4096 * 12)
    }

    /// Tiles are shared out evenly, so no last sliver costs a whole window.
    func testTilesAreEven() {
        XCTAssertEqual(FeedForwardInference.evenTile(5176, most: 1024), 864)
        XCTAssertEqual(FeedForwardInference.evenTile(3464, most: 1024), 868)
        XCTAssertEqual(FeedForwardInference.evenTile(1024, most: 1024), 1024)
        XCTAssertEqual(FeedForwardInference.evenTile(1025, most: 1024), 516)
        XCTAssertEqual(FeedForwardInference.evenTile(30, most: 1024), 32)
    }
}
