#if canImport(Glibc)
import Glibc
#endif

/// stderr output for messages and progress; stdout stays free for image data.
enum Console {
    static func error(_ text: String, newline: Bool = true) {
        let line = newline ? text + "\n" : text
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

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
