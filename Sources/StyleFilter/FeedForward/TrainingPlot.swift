#if canImport(Glibc)
import Glibc
#endif

/// A training's losses as a picture: content, style and their total per step on a log scale
/// (they span decades), each a moving average over `smoothing` steps, since single random crops
/// scatter more than the trend moves.
public enum TrainingPlot {
    public static func render(steps: [(step: Int, losses: LossBreakdown)], width: Int = 900, height: Int = 400,
                              smoothing: Int = 20) throws -> RGBImage {
        precondition(width >= 100 && height >= 100 && smoothing >= 1)
        var image = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        // The total last and thinner: where one loss is nearly all of it, both lines still show.
        let series: [(colour: (UInt8, UInt8, UInt8), thickness: Int, values: [Double])] = [
            ((31, 119, 180), 2, steps.map(\.losses.content)),
            ((230, 120, 20), 2, steps.map(\.losses.style)),
            ((0, 0, 0), 1, steps.map(\.losses.total)),
        ]
        let logs = series.flatMap(\.values).filter { $0 > 0 && $0.isFinite }.map { log10($0) }
        let low = (logs.min() ?? 0).rounded(.down), high = max(low + 1, (logs.max() ?? 1).rounded(.up))
        let margin = 10, plotWidth = width - 2 * margin, plotHeight = height - 2 * margin
        let first = steps.first?.step ?? 0, last = max(first + 1, steps.last?.step ?? 1)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            let i = (y * width + x) * 3
            (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) = c
        }
        // A grey line at every power of ten.
        for decade in stride(from: low, through: high, by: 1) {
            let y = margin + Int((high - decade) / (high - low) * Double(plotHeight))
            for x in margin..<(width - margin) { put(x, y, (210, 210, 210)) }
        }
        for s in series {
            var previous: (Int, Int)?
            var window: [Double] = []
            for (k, value) in s.values.enumerated() where value > 0 && value.isFinite {
                window.append(log10(value))
                if window.count > smoothing { window.removeFirst() }
                let mean = window.reduce(0, +) / Double(window.count)
                let x = margin + Int(Double(steps[k].step - first) / Double(last - first) * Double(plotWidth))
                let y = margin + Int((high - mean) / (high - low) * Double(plotHeight))
                // Segments drawn as runs of points.
                let (x0, y0) = previous ?? (x, y), n = max(abs(x - x0), abs(y - y0), 1)
                for t in 0...n {
                    let px = x0 + (x - x0) * t / n, py = y0 + (y - y0) * t / n
                    for d in 0..<s.thickness { put(px, py + d, s.colour) }
                }
                previous = (x, y)
            }
        }
        let caption = "training losses, log scale, \(smoothing)-step means: total black, content blue, style orange; "
            + "steps \(first)–\(steps.last?.step ?? 0); grey lines at 1e\(Int(low)) … 1e\(Int(high))"
        return try ImageIO.contactSheet([(image, caption)], across: 1)
    }
}
