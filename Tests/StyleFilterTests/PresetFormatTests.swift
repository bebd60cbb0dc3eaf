import Testing
@testable import StyleFilter

/// The preset file and its statistics sidecar as bytes and text: what a hand edit or a damaged
/// disk can do to them, each answered by one message naming the field or the file.
@Suite struct PresetFormatTests {
    static let minimal = #"{"name": "p", "style": {"procedural": "mosaic"}}"#

    func message(_ json: String) -> String {
        do {
            _ = try Preset(json: json, origin: "p.json")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func jsonParsesAndPointsAtErrors() throws {
        let value = try JSON.parse(#"{"a": [1, 2.5e1, -0.5], "b": {"c": "x\n\u00e9\ud83d\ude00"}, "d": [true, false, null]}"#)
        #expect(value == .object([("a", .array([.number(1), .number(25), .number(-0.5)])),
                                  ("b", .object([("c", .string("x\né😀"))])),
                                  ("d", .array([.bool(true), .bool(false), .null]))]))
        #expect(try JSON.parse(value.formatted()) == value)
        let cases: [(String, String)] = [
            ("{\"a\": 1,\n \"a\": 2}", "line 2, column 2: duplicate key 'a'"),
            ("[1, 2,]", "unexpected character"),
            ("{\"a\": 01}", "leading zero"),
            ("{\"a\": 1} x", "unexpected text after"),
            ("\"abc", "unterminated string"),
            ("[1e999]", "out of range"),
            (String(repeating: "[", count: 100), "nested too deeply"),
        ]
        for (text, expected) in cases {
            #expect(throws: StyleFilterError.self) { try JSON.parse(text) }
            do { _ = try JSON.parse(text) } catch { #expect("\(error)".contains(expected), "\(text) → \(error)") }
        }
    }

    @Test func randomBytesNeverCrashTheParser() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array(#"{}[]":,0123456789.eE+-truefalsn\ abc"#.utf8)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 40)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            _ = try? JSON.parse(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func aMinimalPresetGetsTheDefaults() throws {
        let preset = try Preset(json: Self.minimal, origin: "p.json")
        #expect(preset.style == .procedural(.mosaic, seed: 0))
        #expect(preset.styleWeight == TransferOptions().styleWeight)
        #expect(preset.scales == [Scale(size: 512, iterations: 300)])
        #expect(preset.styleLayers.map(\.name) == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
    }

    @Test func writtenPresetsReadBackTheSame() throws {
        var preset = Preset(name: "ink-2", style: .image("/styles/ink.png"))
        preset.description = "a \"quoted\" description"
        preset.styleLayers = [try LayerWeight("relu1_1", weight: 0.2), try LayerWeight("relu3_1", weight: 2)]
        preset.styleWeight = 123.5
        preset.learningRate = 0.5
        preset.pooling = .average
        preset.optimizer = .adam
        preset.scales = [.init(size: 256, iterations: 100), .init(size: 1024, iterations: 30)]
        let text = preset.json.formatted()
        #expect(text.contains("\"relu1_1\": 0.2"), "weights are written as typed, not as float noise")
        #expect(try Preset(json: text, origin: "x") == preset)
    }

    @Test(arguments: [
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "styel": 1}"#, "field 'styel' is not a preset field"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "styleWeight": "high"}"#, "field 'styleWeight' must be a number; got a string"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "styleWeight": -1}"#, "field 'styleWeight' must be a number ≥ 0"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "scales": [{"size": 8, "iterations": 1}]}"#, "field 'scales[0].size' must be a whole number in 16"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "scales": [{"size": 512, "iterations": 1}, {"size": 256, "iterations": 1}]}"#, "field 'scales[1].size' must be larger"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "scales": [{"size": 512, "iterations": 1.5}]}"#, "field 'scales[0].iterations' must be a whole number"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "styleLayers": {"relu9_9": 1}}"#, "field 'styleLayers.relu9_9' is invalid"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "styleLayers": ["relu1_1"]}"#, "field 'styleLayers' must be an object"),
        (#"{"name": "p", "style": {"procedural": "oils"}}"#, "field 'style.procedural' must be one of mosaic, hatching, swirls"),
        (#"{"name": "p", "style": {"image": "a.png", "procedural": "mosaic"}}"#, "field 'style' needs exactly one"),
        (#"{"name": "p", "style": {"image": "a.png", "seed": 3}}"#, "field 'style.seed' applies to procedural"),
        (#"{"name": "p"}"#, "field 'style' is missing"),
        (#"{"name": "../p", "style": {"procedural": "mosaic"}}"#, "field 'name' is invalid"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "color": "sepia"}"#, "field 'color' must be \"none\""),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "version": 2}"#, "field 'version' is 2"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "optimizer": "sgd"}"#, "field 'optimizer' must be"),
        (#"{"name": "p", "style": {"procedural": "mosaic"}, "tileSize": 10}"#, "field 'tileSize' must be a whole number in 64"),
        (#"[1]"#, "field '(top level)' must be an object"),
        (#"{"name": "p", "style": {"procedural": "mosaic"},}"#, "p.json: JSON line 1, column"),
    ])
    func badPresetsAreRejectedNamingTheField(_ json: String, _ expected: String) {
        let text = message(json)
        #expect(text.hasPrefix("p.json: "), "the message names the file: \(text)")
        #expect(text.contains(expected), "\(text)")
    }

    /// A preset's plan: its scales, then refinement (Adam, halving iterations) up to the result.
    @Test func presetPlansGoOnCoarseToFine() throws {
        var preset = Preset(name: "p", style: .procedural(.swirls, seed: 0))
        preset.scales = [.init(size: 256, iterations: 150), .init(size: 512, iterations: 100)]
        preset.styleSize = 200
        func plan(_ size: Int, _ iterations: Int? = nil) throws -> [String] {
            try JobPlan(preset: preset, finalSize: size, iterations: iterations).steps.map {
                "\($0.scale.size)×\($0.scale.iterations) \($0.options.optimizer.rawValue)"
            }
        }
        #expect(try plan(512) == ["256×150 lbfgs", "512×100 lbfgs"])
        #expect(try plan(2000, 20) == ["256×150 lbfgs", "512×20 lbfgs", "1000×6 adam", "2000×8 adam"])
        #expect(try plan(128) == ["128×100 lbfgs"])
        // Strokes keep their size relative to the picture: the style grows with the scale.
        #expect(preset.styleLongSide(forScaleSize: 256) == 200)
        #expect(preset.styleLongSide(forScaleSize: 1024) == 800)
    }

    func sampleCache() throws -> StyleStatisticsCache {
        let key = StyleStatisticsCache.Key(weights: VGG19Weights.sha256, pooling: "max", layers: ["relu1_1", "relu2_1"],
                                           style: "sha256:abc", sourceWidth: 640, sourceHeight: 480)
        var rng = SplitMix64(seed: 3)
        func gram(_ c: Int) -> [Float] { (0..<(c * c)).map { _ in Float(rng.nextUnit()) } }
        let stats = StyleStatistics(grams: [("relu1_1", gram(64)), ("relu2_1", gram(128))])
        return StyleStatisticsCache(key: key, entries: [.init(width: 64, height: 48, statistics: stats)])
    }

    @Test func sidecarsRoundTripAndRefuseDamage() throws {
        let cache = try sampleCache()
        let bytes = cache.encoded()
        #expect(try StyleStatisticsCache(decoding: bytes) == cache)
        #expect(cache.key.styleSize(longSide: 320) == (320, 240))

        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        #expect(throws: CacheFormatError.self) { try StyleStatisticsCache(decoding: flipped) }
        #expect(throws: CacheFormatError.self) { try StyleStatisticsCache(decoding: Array(bytes.prefix(bytes.count - 100))) }
        #expect(throws: CacheFormatError.self) { try StyleStatisticsCache(decoding: Array("SFGRAMS1".utf8)) }
        #expect(throws: CacheFormatError.self) { try StyleStatisticsCache(decoding: []) }
    }

    /// A damaged sidecar with a valid checksum (as a hostile or buggy writer could make) still
    /// fails on its counts and sizes, never by reading out of bounds.
    @Test func forgedSidecarsAreBoundsChecked() throws {
        let body = Array(try sampleCache().encoded().dropLast(64))
        var rng = SplitMix64(seed: 11)
        for _ in 0..<300 {
            var forged = body
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = 8 + Int(rng.next() % UInt64(min(forged.count - 8, 400)))
                forged[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 3 == 0 { forged = Array(forged.prefix(Int(rng.next() % UInt64(forged.count)))) }
            forged += Array(VGG19Weights.sha256Hex(forged).utf8)
            _ = try? StyleStatisticsCache(decoding: forged)
        }
    }
}
