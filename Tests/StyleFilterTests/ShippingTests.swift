import Foundation
import XCTest
@testable import StyleFilter

/// What a new user meets first: a quiet run that is quiet, a progress line that fits the
/// terminal, libvips' output conventions, and presets found where an installed tool keeps them.
final class ShippingTests: FilterctlTestCase {
    func sh(_ command: String) throws -> (status: Int32, output: String) { try shell(["sh", "-c", command]) }

    func testQuietPrintsNothingButErrors() throws {
        try requireWeights()
        let content = try makeImage("content.png", width: 48, height: 40)
        // A photo with alpha written as JPEG: a run that has a note to make.
        XCTAssertEqual(try sh("vips bandjoin_const content.png alpha.png 200").status, 0)
        let arguments = ["stylize", file("alpha.png"), content, "--size", "32", "--iterations", "2"]
        let loud = try run(arguments + ["-o", file("loud.jpg")])
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertTrue(loud.stderr.contains("note: ") && loud.stderr.contains("iteration 2/2"), loud.stderr)
        for flag in ["-q", "--quiet"] {
            let quiet = try run(arguments + ["-o", file("quiet\(flag).jpg"), flag])
            XCTAssertEqual(quiet.status, 0, quiet.stderr)
            XCTAssertEqual(quiet.stderr, "", "\(flag) prints nothing")
        }
        let failing = try run(["stylize", file("missing.png"), content, "-o", file("x.png"), "-q"])
        XCTAssertNotEqual(failing.status, 0)
        XCTAssertTrue(failing.stderr.contains("missing.png"), "errors still show: \(failing.stderr)")
    }

    /// On a 60-column terminal every update of the live line fits in 59 columns: a wrapped line
    /// leaves a trail of copies.
    func testTheLiveProgressLineFitsTheTerminal() throws {
        try requireWeights()
        try TestSupport.require(try sh("command -v script").status == 0, "script (bsdutils)")
        _ = try makeImage("content.png", width: 48, height: 40)
        let command = "stty cols 60 rows 20; '\(filterctl.path)' stylize content.png content.png -o out.png --size 32 --iterations 3"
        let result = try sh("script -qec \"\(command)\" /dev/null")
        XCTAssertEqual(result.status, 0, result.output)
        // "\r\n" is one Character in Swift: split on the scalars.
        let updates = result.output.replacingOccurrences(of: "\u{1B}[2K", with: "").unicodeScalars
            .split(whereSeparator: { $0 == "\r" || $0 == "\n" }).map { String(String.UnicodeScalarView($0)) }
        XCTAssertTrue(updates.contains { $0.contains("3/3") && $0.contains("ETA") }, result.output)
        for update in updates { XCTAssertLessThanOrEqual(update.count, 59, update) }
    }

    func testABareSuffixWritesThatFormatToStandardOutput() throws {
        let png = try run(["preset", "paint", "mosaic", "--size", "32", "-o", ".png"])
        XCTAssertEqual(png.status, 0, png.stderr)
        XCTAssertEqual(Array(png.stdout.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG on standard output")
        let jpeg = try run(["preset", "paint", "mosaic", "--size", "32", "-o", ".jpg[Q=95]"])
        XCTAssertEqual(jpeg.status, 0, jpeg.stderr)
        XCTAssertEqual(Array(jpeg.stdout.prefix(3)), [0xFF, 0xD8, 0xFF], "a JPEG on standard output")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }, [],
                       "no hidden file named after the suffix")
        try assertFails(["preset", "paint", "mosaic", "-o", ".png", "--format", "jpg"], mentions: "contradicts")
    }

    /// The networks shipped beside the presets (the README names them) load for their presets as
    /// they are now (checksum, style, weights, pooling, layers) and paint: a pass changes a photo.
    func testShippedNetworksAreCurrent() throws {
        try requireWeights()
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets").path
        let names = try FileManager.default.contentsOfDirectory(atPath: shipped).filter { $0.hasSuffix(".network") }
        XCTAssertEqual(Set(names), ["swirls.network", "ink.network", "mosaic.network"])
        let photo = try ImageIO.load(try makeImage("photo.png", width: 64, height: 48))
        for name in names {
            let located = try PresetStore.load(path: shipped + "/" + name.replacingOccurrences(of: ".network", with: ".json"))
            let network = try XCTUnwrap(try located.trainedNetwork(), name)
            let painted = RGBImage(networkTensor: try FeedForwardInference.run(network, image: photo.networkTensor()))
            XCTAssertEqual([painted.width, painted.height], [64, 48], name)
            XCTAssertGreaterThan(OneEngineTests.meanDifference(painted.pixels, photo.pixels), 10, name)
        }
    }

    func testPaintTakesAPresetPaintedByAPainter() throws {
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets").path
        let ink = try run(["preset", "paint", "ink", "--preset-dir", shipped, "--size", "48", "-o", file("ink.png")])
        XCTAssertEqual(ink.status, 0, ink.stderr)
        let hatching = try run(["preset", "paint", "hatching", "--seed", "1", "--size", "48", "-o", file("hatching.png")])
        XCTAssertEqual(hatching.status, 0, hatching.stderr)
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: self.file(name))) }
        XCTAssertEqual(try bytes("ink.png"), try bytes("hatching.png"), "ink is hatching with seed 1")
        try assertFails(["preset", "paint", "nonsense", "-o", file("x.png")], mentions: "no preset named 'nonsense'")
        // A preset that exists but does not load is reported as such, not as unknown.
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: file("broken.json")))
        try assertFails(["preset", "paint", file("broken.json"), "-o", file("x.png")], mentions: "broken.json")
    }

    /// An installed tool's presets (share/stylefilter/presets under a data directory) are found,
    /// after the user's own.
    func testInstalledPresetsAreFoundAfterTheUsersOwn() throws {
        let shipped = TestSupport.packageRoot.appendingPathComponent("presets/mosaic.json").path
        let installed = file("system-data/stylefilter/presets"), own = file("config/stylefilter/presets")
        for directory in [installed, own] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: shipped, toPath: installed + "/mosaic.json")
        let found = try run(["preset", "show", "mosaic"])
        XCTAssertEqual(found.status, 0, found.stderr)
        let shown = String(decoding: found.stdout, as: UTF8.self)
        XCTAssertTrue(shown.hasPrefix("# \(installed)/mosaic.json"), shown)
        // The package's folder holds only the package's files, even where the user could write.
        XCTAssertTrue(shown.contains("# statistics cache: \(file("cache"))/stylefilter/presets/mosaic-"), shown)
        try assertFails(["preset", "delete", "mosaic"], mentions: "not made by it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: installed + "/mosaic.json"), "an installed preset is never deleted")
        try FileManager.default.copyItem(atPath: shipped, toPath: own + "/mosaic.json")
        let mine = try run(["preset", "show", "mosaic"])
        XCTAssertTrue(String(decoding: mine.stdout, as: UTF8.self).hasPrefix("# \(own)/mosaic.json"))
    }
}

extension ShippingTests {
    /// The house rule the installed tool's size rests on: the library imports Glibc, never
    /// Foundation (which links itself and ICU into the library and the tool, about 50 MB each).
    /// Comments cite the benchmark notebook by anchor: every cited anchor is there.
    func testCitedBenchmarkAnchorsExist() throws {
        let root = TestSupport.packageRoot.path
        let cited = try sh("grep -rhoE 'benchmarks-notebook\\.md#[a-z0-9-]+' '\(root)/Sources' '\(root)/benchmarks' '\(root)/BENCHMARKS.md' | sort -u").output
        let notebook = try String(contentsOfFile: root + "/docs/benchmarks-notebook.md", encoding: .utf8)
        let anchors = cited.split(separator: "\n").map { String($0.split(separator: "#")[1]) }
        XCTAssertGreaterThan(anchors.count, 5, cited)
        for anchor in anchors { XCTAssertTrue(notebook.contains("<a id=\"\(anchor)\"></a>"), anchor) }
    }

    func testTheLibraryDoesNotImportFoundation() throws {
        let sources = TestSupport.packageRoot.appendingPathComponent("Sources/StyleFilter").path
        let found = try sh("grep -rln '^import Foundation' '\(sources)' || true").output
        XCTAssertEqual(found, "", "files of the library that import Foundation")
    }
}

/// Issue 42: what a user of an installed tool trips on.
extension ShippingTests {
    /// A tool installed under any PREFIX finds PREFIX/share/stylefilter/presets without
    /// XDG_DATA_DIRS, treats them as the package's however they are named (--preset-dir), and
    /// caches their statistics in the user's cache, never beside them.
    func testAnInstalledToolFindsItsOwnPresets() throws {
        let prefix = file("prefix"), presets = prefix + "/share/stylefilter/presets"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: presets, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: filterctl.path, toPath: prefix + "/bin/filterctl")
        let tiny = """
            {"format": "stylefilter-preset", "version": 1, "name": "tiny", "style": {"procedural": "hatching", "seed": 1},
             "styleSize": 32, "styleLayers": {"relu1_1": 1}, "contentLayers": {"relu2_2": 1}, "scales": [{"size": 48, "iterations": 2}]}
            """
        try tiny.write(toFile: presets + "/tiny.json", atomically: true, encoding: .utf8)
        func installed(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try sh("cd / && XDG_CONFIG_HOME='\(file("config"))' XDG_CACHE_HOME='\(file("cache"))' XDG_DATA_HOME='\(file("data"))' "
                   + "XDG_DATA_DIRS='\(file("system-data"))' '\(prefix)/bin/filterctl' " + arguments.map { "'\($0)'" }.joined(separator: " "))
        }
        let listed = try installed(["preset", "list"])
        XCTAssertEqual(listed.status, 0, listed.output)
        XCTAssertTrue(listed.output.contains("\(presets)/tiny.json"), listed.output)
        let photo = try makeImage("photo.png", width: 48, height: 40)
        let applied = try installed(["apply", "--preset", "tiny", "--preset-dir", presets, photo, "-o", file("out.png"), "-q"])
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: presets), ["tiny.json"], "nothing written beside an installed preset")
        XCTAssertTrue(FileManager.default.fileExists(atPath: presetCache(presets + "/tiny.json")))
        XCTAssertTrue(try installed(["preset", "delete", "tiny", "--preset-dir", presets]).output.contains("not made by it"))

        // Where nothing is found, the empty list says where it looked.
        try FileManager.default.removeItem(atPath: presets + "/tiny.json")
        let empty = try installed(["preset", "list"])
        XCTAssertEqual(empty.status, 0)
        XCTAssertTrue(empty.output.contains("no presets in") && empty.output.contains(presets), empty.output)
    }

    /// A user's preset keeps its cache in ~/.cache, not among the presets in ~/.config; deleting
    /// the preset names every file it removes.
    func testAUsersPresetCachesInTheCacheAndDeletesWhatItSays() throws {
        try requireWeights()
        XCTAssertEqual(try run(["preset", "create", "mine", "--procedural", "hatching", "--style-size", "32", "--scales", "48:2",
                                "--style-layers", "relu1_1", "--content-layers", "relu2_2"]).status, 0)
        let own = file("config/stylefilter/presets")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: own), ["mine.json"])
        let cache = presetCache(own + "/mine.json")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache))
        let deleted = try run(["preset", "delete", "mine"])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        XCTAssertTrue(deleted.stderr.contains("deleted \(own)/mine.json") && deleted.stderr.contains("deleted \(cache)"), deleted.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache))
    }

    /// Netpbm on standard input, the plain format of pipelines, is read as the same file is.
    func testNetpbmOnStandardInput() throws {
        try requireWeights()
        let picture = RGBImage.pattern(width: 40, height: 32, seed: 3)
        let ppm = Data("P6\n40 32\n255\n".utf8) + Data(picture.pixels)
        try ppm.write(to: URL(fileURLWithPath: file("photo.ppm")))
        let painting = try makeImage("painting.png", width: 40, height: 40)
        let flags = ["--iterations", "2", "--size", "40", "-q"]
        let piped = try run(["stylize", "-", painting, "-o", file("piped.png")] + flags, stdin: ppm)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try run(["stylize", file("photo.ppm"), painting, "-o", file("file.png")] + flags).status, 0)
        XCTAssertEqual(try ImageIO.load(file("piped.png")), try ImageIO.load(file("file.png")))
    }

    /// The installed tool fetches the weights itself when asked: verified weights are left alone,
    /// and without pip the error says what is missing (status 78, the set-up).
    func testFetchWeightsSaysWhatItDid() throws {
        try requireWeights()
        let kept = try run(["fetch-weights"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stderr.contains("in place and verify"), kept.stderr)
        let target = file("elsewhere/weights.bin")
        let noPython = try run(["fetch-weights", "--weights", target], environment: ["PATH": file("empty")])
        XCTAssertEqual(noPython.status, 78, noPython.stderr)
        XCTAssertTrue(noPython.stderr.contains("cannot run python3"), noPython.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        // Another file where the weights would go is never replaced.
        try FileManager.default.createDirectory(atPath: file("elsewhere"), withIntermediateDirectories: true)
        try "mine".write(toFile: file("elsewhere/notes.bin"), atomically: true, encoding: .utf8)
        let foreign = try run(["fetch-weights", "--weights", file("elsewhere/notes.bin")])
        XCTAssertEqual(foreign.status, 78, foreign.stderr)
        XCTAssertTrue(foreign.stderr.contains("never overwritten"), foreign.stderr)
        XCTAssertEqual(try String(contentsOfFile: file("elsewhere/notes.bin"), encoding: .utf8), "mine")
        let missing = try run(["info", "--weights", target])
        XCTAssertTrue(String(decoding: missing.stdout, as: UTF8.self).contains("filterctl fetch-weights"))
    }

    /// The man page has the sections a man page has after the commands.
    func testTheManPageHasItsSections() throws {
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/manpage.py").path
        let page = try sh("'\(filterctl.path)' --experimental-dump-help | python3 '\(script)'")
        XCTAssertEqual(page.status, 0, page.output)
        for section in [".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH SEE ALSO", "STYLEFILTER_WEIGHTS", "fetch\\-weights"] {
            XCTAssertTrue(page.output.contains(section), section)
        }
    }
}

extension ShippingTests {
    /// Tab completion in a real bash, with the script `make install` installs: files for a photo
    /// and a mask, preset names (with the line's own --preset-dir) for --preset and preset show.
    func testBashCompletesFilesAndPresets() throws {
        try TestSupport.require(try sh("command -v bash").status == 0, "bash")
        let script = file("filterctl.bash")
        let generated = try sh("'\(filterctl.path)' --generate-completion-script bash > '\(script)'")
        XCTAssertEqual(generated.status, 0, generated.output)
        _ = try makeImage("photo-one.png", width: 8, height: 8)
        _ = try makeImage("sky-mask.png", width: 8, height: 8)
        let presets = file("mine")
        try FileManager.default.createDirectory(atPath: presets, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/ink.json").path, toPath: presets + "/ink.json")
        // A real bash runs the script's function as the shell's Tab would.
        let driver = file("complete.sh")
        try """
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
            _filterctl filterctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """.write(toFile: driver, atomically: true, encoding: .utf8)
        let path = filterctl.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        /// What bash offers for the line `words`, the last word being completed.
        func complete(_ words: [String]) throws -> [String] {
            try shell(["PATH=\(path)", "XDG_CONFIG_HOME=\(file("config"))", "XDG_DATA_DIRS=\(file("system-data"))", "bash", driver, script] + words)
                .output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
        XCTAssertEqual(try complete(["filterctl", "stylize", "pho"]), ["photo-one.png"])
        XCTAssertEqual(try complete(["filterctl", "apply", "--preset", "ink", "photo-one.png", "--mask", "sky"]), ["sky-mask.png"])
        XCTAssertTrue(try complete(["filterctl", "apply", "--preset-dir", presets, "--preset", ""]).contains("ink"))
        XCTAssertTrue(try complete(["filterctl", "preset", "show", "--preset-dir", presets, "i"]).contains("ink"))
    }
}

extension ShippingTests {
    /// Conventions a user of other tools brings: what was meant is said, not guessed.
    func testMisreadFlagsSayWhatWasMeant() throws {
        let photo = try makeImage("photo.png", width: 32, height: 32), painting = try makeImage("painting.png", width: 32, height: 32)
        try assertFails(["stylize", photo, painting, "--init", "random", "-o", file("x.png")], mentions: "noise starts from random noise")
        try assertFails(["stylize", photo, painting, "--style", painting, "--style-weights", "3", "7", "-o", file("x.png")],
                        mentions: "--style-weights 3,7")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("x.png")))
        // Binary image data is not written to a terminal (script(1) gives the run one).
        try TestSupport.require(try sh("command -v script").status == 0, "script")
        let terminal = try sh("script -qec \"'\(filterctl.path)' stylize '\(photo)' '\(painting)' -o .png --iterations 1\" /dev/null")
        XCTAssertEqual(terminal.status, 64, terminal.output)
        XCTAssertTrue(terminal.output.contains("which is a terminal"), terminal.output)
    }
}

extension ShippingTests {
    /// -q on the commands that lacked it, and a preset as one JSON object for jq.
    func testQuietEverywhereAndPresetsAsJSON() throws {
        try requireWeights()
        let created = try run(["preset", "create", "q", "--procedural", "hatching", "--style-size", "32", "--scales", "48:2",
                               "--style-layers", "relu1_1", "--content-layers", "relu2_2", "--preset-dir", file("mine"), "-q"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(created.stderr, "")
        try FileManager.default.createDirectory(atPath: file("photos"), withIntermediateDirectories: true)
        try ImageIO.save(RGBImage.pattern(width: 48, height: 48, seed: 1), to: file("photos/a.png"))
        let trained = try run(["preset", "train", "q", "--preset-dir", file("mine"), "--photos", file("photos"), "--steps", "2",
                               "--crop-size", "32", "--width", "2", "--blocks", "0", "-q"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertEqual(trained.stderr, "")
        let batch = try run(["batch", file("photos/a.png"), "-o", file("out/{name}.png"), "-q", "--", "apply", "--preset", "q",
                             "--preset-dir", file("mine")])
        XCTAssertEqual(batch.status, 0, batch.stderr)
        XCTAssertEqual(batch.stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("out/a.png")))

        let shown = try run(["preset", "show", "q", "--preset-dir", file("mine"), "--json"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: shown.stdout) as? [String: Any])
        XCTAssertEqual(object["path"] as? String, file("mine") + "/q.json")
        XCTAssertEqual(object["network"] as? String, file("mine") + "/q.network")
        XCTAssertEqual((object["preset"] as? [String: Any])?["name"] as? String, "q")
    }
}

extension ShippingTests {
    /// zsh and fish complete preset names and files as a user types them: each shell runs in tmux
    /// with the script `make install` installs, the line is typed and Tab pressed.
    func testZshAndFishCompleteInARealTerminal() throws {
        for tool in ["tmux", "zsh", "fish"] { try TestSupport.require(try sh("command -v \(tool)").status == 0, tool) }
        _ = try makeImage("photo-one.png", width: 8, height: 8)
        let presets = file("mine")
        try FileManager.default.createDirectory(atPath: presets + "/functions", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.packageRoot.appendingPathComponent("presets/mosaic.json").path, toPath: presets + "/mosaic.json")
        let bin = filterctl.deletingLastPathComponent().path
        XCTAssertEqual(try sh("'\(filterctl.path)' --generate-completion-script zsh > '\(presets)/functions/_filterctl' && "
                              + "'\(filterctl.path)' --generate-completion-script fish > '\(file("filterctl.fish"))'").status, 0)
        let shells = [
            ("zsh", "zsh -f", "fpath=(\(presets)/functions $fpath); autoload -U compinit; compinit -u"),
            ("fish", "fish --no-config", "source \(file("filterctl.fish"))"),
        ]
        for (name, command, setup) in shells {
            // A tmux server of the test's own (never the user's), driven by a script whose screens
            // go to files: the server outlives the script and must hold none of the test's pipes.
            let script = file("\(name).sh"), tmux = "tmux -L sf-test-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
            try """
                cd '\(scratch.path)'
                \(tmux) new-session -d -s t -x 160 -y 30 "env PATH='\(bin)':$PATH XDG_CONFIG_HOME='\(file("config"))' \(command)"
                sleep 1; \(tmux) send-keys -t t '\(setup)' Enter; sleep 1
                \(tmux) send-keys -t t 'filterctl apply --preset-dir \(presets) --preset ' Tab; sleep 2
                \(tmux) capture-pane -t t -p > '\(file("\(name)-presets.txt"))'
                \(tmux) send-keys -t t C-u 'filterctl stylize photo-o' Tab; sleep 2
                \(tmux) capture-pane -t t -p > '\(file("\(name)-files.txt"))'
                \(tmux) kill-server
                """.write(toFile: script, atomically: true, encoding: .utf8)
            XCTAssertEqual(try sh("timeout 60 sh '\(script)' </dev/null >/dev/null 2>&1").status, 0, name)
            XCTAssertTrue(try String(contentsOfFile: file("\(name)-presets.txt"), encoding: .utf8).contains("mosaic"), name)
            XCTAssertTrue(try String(contentsOfFile: file("\(name)-files.txt"), encoding: .utf8).contains("photo-one.png"), name)
        }
    }
}

extension ShippingTests {
    /// Input file names take libvips' load "[options]", as vips does: the file is the name before
    /// them, an unknown option is the image's error (65), and an input given with options is still
    /// never an output.
    func testInputsTakeLibvipsLoadOptions() throws {
        try requireWeights()
        let photo = try makeImage("photo.png", width: 48, height: 40), painting = try makeImage("painting.png", width: 40, height: 40)
        let flags = [painting, "--size", "48", "--iterations", "2", "-q"]
        XCTAssertEqual(try run(["stylize", photo + "[fail=true]"] + flags + ["-o", file("with.png")]).status, 0)
        XCTAssertEqual(try run(["stylize", photo] + flags + ["-o", file("without.png")]).status, 0)
        XCTAssertEqual(try ImageIO.load(file("with.png")), try ImageIO.load(file("without.png")))
        let unknown = try run(["stylize", photo + "[bogus=1]"] + flags + ["-o", file("never.png")])
        XCTAssertEqual(unknown.status, 65, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no property named `bogus'"), unknown.stderr)
        try assertFails(["stylize", photo + "[fail=true]"] + flags + ["-o", photo], mentions: "is the input")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("never.png")))
    }
}
