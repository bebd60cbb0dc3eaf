#if canImport(Glibc)
import Glibc
#endif

/// stderr output for messages and progress; stdout stays free for image data.
enum Console {
    /// `-q`: everything but errors is silent. Set once, by the command, before any work.
    nonisolated(unsafe) static var quiet = false

    /// An error (always shown); everything else goes through `say`.
    static func error(_ text: String, newline: Bool = true) {
        // The photo read from standard input is called that, not by the spool file's name.
        let named = StandardInputSpool.active.map { text.replacing($0, with: "standard input") } ?? text
        let line = newline ? named + "\n" : named
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// Progress, notes and warnings: silent under `-q`.
    static func say(_ text: String) {
        if !quiet { error(text) }
    }

    /// A live line needs a terminal that understands carriage return and erase-line.
    static var stderrIsTerminal: Bool {
        isatty(2) == 1 && getenv("TERM").map { String(cString: $0) } != "dumb"
    }

    /// Replaces the live progress line. Of the candidates, longest first, the first that fits the
    /// terminal is shown: a line that wraps leaves a trail of copies on every update.
    static func live(_ candidates: [String], done: Bool = false) {
        guard !quiet else { return }
        let width = terminalColumns - 1
        var line = candidates.first { $0.count <= width } ?? candidates.last ?? ""
        if line.count > width { line = String(line.prefix(max(0, width))) }
        error("\r\u{1B}[2K" + line + (done ? "\n" : ""), newline: false)
    }

    /// The terminal's width (stderr's), else `$COLUMNS`, else 80.
    static var terminalColumns: Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 { return columns }
        return 80
    }

    static func seconds(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600):\(pad2((t / 60) % 60)):\(pad2(t % 60))" : "\(t / 60):\(pad2(t % 60))"
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// A compact number for loss values (3 significant digits).
    static func short(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == 0 { return "0" }
        let exponent = Int(log10(abs(x)).rounded(.down))
        if exponent >= -2 && exponent < 5 { return fixed(x, digits: max(0, 2 - exponent)) }
        let mantissa = x / pow(10, Double(exponent))
        return fixed(mantissa, digits: 2) + "e" + String(exponent)
    }

    static func fixed(_ x: Double, digits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([x]) { vsnprintf(&buffer, 64, "%.\(digits)f", $0) }
        return string(buffer)
    }

    static func string(_ chars: [CChar]) -> String {
        chars.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Starts VmHWM afresh (Linux's clear_refs "5"): a batch runs photo after photo in one
    /// process, and each one's peak should be its own.
    static func resetPeakMemory() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }

    /// Peak resident memory of this process (VmHWM), in MiB.
    static func peakMemoryMiB() -> Double {
        guard let file = fopen("/proc/self/status", "r") else { return .nan }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, file) != nil {
            let s = string(line)
            if s.hasPrefix("VmHWM:") {
                let kb = s.split(separator: " ").compactMap { Double($0) }.first ?? .nan
                return kb / 1024
            }
        }
        return .nan
    }
}
