#if canImport(Glibc)
import Glibc
#endif

/// The losses of a run, iteration by iteration: written as JSON lines for scripts and drawn as an
/// SVG chart for people (content, style, tv and total on a log scale, as papers plot them).
public struct LossHistory: Sendable {
    public struct Record: Sendable, Equatable {
        public let iteration: Int
        public let seconds: Double
        public let losses: LossBreakdown
    }

    public private(set) var records: [Record] = []

    public init() {}

    public mutating func append(_ progress: TransferProgress) {
        append(iteration: progress.iteration, seconds: progress.seconds, losses: progress.losses)
    }

    /// A training's step is its iteration.
    public mutating func append(iteration: Int, seconds: Double, losses: LossBreakdown) {
        records.append(Record(iteration: iteration, seconds: seconds, losses: losses))
    }

    /// One JSON object per line: {"iteration":…,"seconds":…,"content":…,"style":…,"tv":…,"total":…}.
    public var jsonLines: String { records.map { Self.jsonLine($0) }.joined() }

    /// One record's line (a training's log writes them as it goes).
    public static func jsonLine(_ r: Record) -> String {
        JSON.object([("iteration", .number(Double(r.iteration))), ("seconds", .number(r.seconds)),
                     ("content", .number(r.losses.content)), ("style", .number(r.losses.style)),
                     ("tv", .number(r.losses.totalVariation)), ("total", .number(r.losses.total))]).compact + "\n"
    }

    /// Total is drawn dashed so it stays visible where one term is all of it.
    static let series: [(name: String, colour: String, value: @Sendable (LossBreakdown) -> Double)] = [
        ("total", "#000000", { $0.total }),
        ("content", "#1f77b4", { $0.content }),
        ("style", "#d62728", { $0.style }),
        ("tv", "#2ca02c", { $0.totalVariation }),
    ]

    /// A log-scale line chart; series that are zero throughout are left out (log 0 has no place).
    public func svg(width: Int = 720, height: Int = 420, title: String = "loss per iteration") -> String {
        let left = 70.0, right = 110.0, top = 30.0, bottom = 40.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let drawn = LossHistory.series.filter { s in records.contains { s.value($0.losses) > 0 } }
        let positive = records.flatMap { r in drawn.map { $0.value(r.losses) } }.filter { $0 > 0 && $0.isFinite }
        let lo = (positive.min() ?? 1).log10Floor, hi = max((positive.max() ?? 10).log10Ceil, lo + 1)
        let lastIteration = max(1, records.last?.iteration ?? 1)
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(lastIteration) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (log10(max(v, 1e-300)) - Double(lo)) / Double(hi - lo)) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="18" font-size="14">\(LossHistory.escape(title))</text>

            """
        for e in lo...hi {
            let yy = y(pow(10, Double(e)))
            out += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(left + plotW))\" y2=\"\(f(yy))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">1e\(e)</text>\n"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f(left))\" y=\"\(f(top + plotH + 16))\">0</text>"
        out += "<text x=\"\(f(left + plotW))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"end\">\(lastIteration)</text>"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 32))\" text-anchor=\"middle\">iteration</text>\n"
        for (k, s) in drawn.enumerated() {
            let points = records.filter { s.value($0.losses) > 0 }.map { "\(f(x($0.iteration))),\(f(y(s.value($0.losses))))" }
            let dash = s.name == "total" ? " stroke-dasharray=\"6 4\"" : ""
            out += "<polyline fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"1.5\"\(dash) points=\"\(points.joined(separator: " "))\"/>\n"
            let ly = top + 14 + Double(k) * 18
            out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly - 4))\" stroke=\"\(s.colour)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly))\">\(s.name)</text>\n"
        }
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { String(Double(Int((v * 10).rounded())) / 10) }

    static func escape(_ s: String) -> String {
        s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }
}

extension Double {
    var log10Floor: Int { Int(log10(self).rounded(.down)) }
    var log10Ceil: Int { Int(log10(self).rounded(.up)) }
}

extension String {
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
