#if canImport(Glibc)
import Glibc
#endif

/// Style images painted by the project's own code, so the shipped presets need no third-party
/// artwork. Bold, high-contrast marks suit the method: Gram matrices pick up their colours and
/// stroke shapes. Each painter scales its marks with the canvas, so a style painted larger for a
/// larger scale is the same picture, not a finer one.
public enum ProceduralStyle: String, Sendable, CaseIterable {
    /// Voronoi tiles in saturated colours with dark grout.
    case mosaic
    /// Black-ink cross-hatching on warm paper.
    case hatching
    /// Swirling strokes of yellow, cyan and white on ultramarine, after a flow field.
    case swirls

    /// Bumped whenever a painter's output changes, so cached statistics built from it go stale.
    static let painterVersion = 1

    public var summary: String {
        switch self {
        case .mosaic: return "Voronoi tiles in saturated colours with dark grout"
        case .hatching: return "black-ink cross-hatching on warm paper"
        case .swirls: return "swirling yellow, cyan and white strokes on ultramarine"
        }
    }

    public func paint(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        var rng = SplitMix64(seed: seed &+ UInt64(ProceduralStyle.allCases.firstIndex(of: self)!) &* 0x1000_0001)
        switch self {
        case .mosaic: canvas.paintMosaic(&rng)
        case .hatching: canvas.paintHatching(&rng)
        case .swirls: canvas.paintSwirls(&rng)
        }
        return canvas.image
    }
}

/// A float RGB canvas (0…1) with the few primitives the painters need.
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgb = [Float](repeating: 0, count: width * height * 3)
    }

    /// Marks are sized against this, so the picture does not depend on the resolution.
    var unit: Double { Double(max(width, height)) }

    var image: RGBImage {
        RGBImage(width: width, height: height, pixels: rgb.map { UInt8(min(max($0 * 255, 0), 255).rounded()) })
    }

    mutating func fill(_ colour: [Float]) {
        for i in 0..<(width * height) { for c in 0..<3 { rgb[3 * i + c] = colour[c] } }
    }

    /// A round brush dab with a soft one-pixel edge, blended by `opacity`.
    mutating func dab(x: Double, y: Double, radius: Double, colour: [Float], opacity: Float = 1) {
        let x0 = max(0, Int(x - radius - 1)), x1 = min(width - 1, Int(x + radius + 1))
        let y0 = max(0, Int(y - radius - 1)), y1 = min(height - 1, Int(y + radius + 1))
        guard x0 <= x1, y0 <= y1 else { return }
        for py in y0...y1 {
            for px in x0...x1 {
                let d = ((Double(px) + 0.5 - x) * (Double(px) + 0.5 - x) + (Double(py) + 0.5 - y) * (Double(py) + 0.5 - y)).squareRoot()
                let coverage = Float(min(max(radius + 0.5 - d, 0), 1)) * opacity
                guard coverage > 0 else { continue }
                let k = 3 * (py * width + px)
                for c in 0..<3 { rgb[k + c] += (colour[c] - rgb[k + c]) * coverage }
            }
        }
    }

    /// A straight stroke as a row of dabs.
    mutating func line(from a: (Double, Double), to b: (Double, Double), radius: Double, colour: [Float], opacity: Float = 1) {
        let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
        let steps = max(1, Int(length / max(radius * 0.7, 0.5)))
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            dab(x: a.0 + (b.0 - a.0) * t, y: a.1 + (b.1 - a.1) * t, radius: radius, colour: colour, opacity: opacity)
        }
    }

    mutating func paintMosaic(_ rng: inout SplitMix64) {
        let palette: [[Float]] = [[0.85, 0.12, 0.10], [0.98, 0.75, 0.08], [0.05, 0.35, 0.75], [0.08, 0.55, 0.30],
                                  [0.95, 0.45, 0.05], [0.55, 0.10, 0.55], [0.95, 0.93, 0.85], [0.10, 0.65, 0.70]]
        // Jittered grid of tile centres: even coverage without the regularity of a lattice.
        let cells = 22
        let step = unit / Double(cells)
        var centres: [(x: Double, y: Double, colour: [Float])] = []
        for gy in 0...(Int(Double(height) / step) + 1) {
            for gx in 0...(Int(Double(width) / step) + 1) {
                centres.append(((Double(gx) + rng.nextUnit()) * step, (Double(gy) + rng.nextUnit()) * step,
                                palette[Int(rng.next() % UInt64(palette.count))]))
            }
        }
        let columns = Int(Double(width) / step) + 2
        let grout: [Float] = [0.08, 0.07, 0.06]
        for y in 0..<height {
            for x in 0..<width {
                let gx = Int(Double(x) / step), gy = Int(Double(y) / step)
                var best = Double.infinity, second = Double.infinity, colour = grout
                for ny in max(0, gy - 2)...(gy + 2) {
                    for nx in max(0, gx - 2)...min(columns - 1, gx + 2) {
                        let i = ny * columns + nx
                        guard i < centres.count else { continue }
                        let c = centres[i]
                        let d = ((c.x - Double(x)) * (c.x - Double(x)) + (c.y - Double(y)) * (c.y - Double(y))).squareRoot()
                        if d < best { second = best; best = d; colour = c.colour } else if d < second { second = d }
                    }
                }
                // The bisector between the two nearest centres is where the grout runs.
                let edge = (second - best) / (step * 0.08)
                let t = Float(min(max(edge - 0.5, 0), 1))
                let shade: Float = 0.85 + 0.15 * Float(min(best / step, 1))
                let k = 3 * (y * width + x)
                for c in 0..<3 { rgb[k + c] = grout[c] + (colour[c] * shade - grout[c]) * t }
            }
        }
    }

    mutating func paintHatching(_ rng: inout SplitMix64) {
        fill([0.96, 0.92, 0.83])
        let ink: [Float] = [0.05, 0.05, 0.08]
        let patches = 150
        for _ in 0..<patches {
            let cx = rng.nextUnit() * Double(width), cy = rng.nextUnit() * Double(height)
            // A few dominant directions, as a draughtsman's hand keeps to.
            let angle = [0.25, 0.8, 1.3, 2.2][Int(rng.next() % 4)] * Double.pi / 2 + (rng.nextUnit() - 0.5) * 0.2
            let (dx, dy) = (cos(angle), sin(angle))
            let length = unit * (0.05 + 0.1 * rng.nextUnit())
            let spacing = unit * (0.006 + 0.008 * rng.nextUnit())
            let count = 4 + Int(rng.next() % 10)
            let radius = max(0.6, unit * (0.0012 + 0.0015 * rng.nextUnit()))
            for k in 0..<count {
                let offset = (Double(k) - Double(count) / 2) * spacing
                let ox = cx - dy * offset + (rng.nextUnit() - 0.5) * spacing, oy = cy + dx * offset
                let l = length * (0.7 + 0.3 * rng.nextUnit())
                line(from: (ox - dx * l / 2, oy - dy * l / 2), to: (ox + dx * l / 2, oy + dy * l / 2),
                     radius: radius, colour: ink, opacity: 0.9)
            }
        }
    }

    mutating func paintSwirls(_ rng: inout SplitMix64) {
        fill([0.06, 0.12, 0.42])
        let palette: [[Float]] = [[0.98, 0.85, 0.20], [0.35, 0.75, 0.90], [0.95, 0.95, 0.90], [0.10, 0.25, 0.65], [0.02, 0.05, 0.20]]
        // Vortices: the flow turns around each, so strokes curl into eddies.
        let vortices = (0..<7).map { _ in (x: rng.nextUnit(), y: rng.nextUnit(), spin: rng.nextUnit() < 0.5 ? -1.0 : 1.0) }
        func flow(_ x: Double, _ y: Double) -> (Double, Double) {
            var vx = 0.3 + 0.2 * sin(y * 9), vy = 0.15 * cos(x * 7)
            for v in vortices {
                let ex = x - v.x, ey = y - v.y
                let r2 = ex * ex + ey * ey + 0.002
                vx += -ey * v.spin * 0.02 / r2
                vy += ex * v.spin * 0.02 / r2
            }
            let n = (vx * vx + vy * vy).squareRoot() + 1e-9
            return (vx / n, vy / n)
        }
        let strokes = 2600
        for _ in 0..<strokes {
            var x = rng.nextUnit(), y = rng.nextUnit() * Double(height) / unit
            let colour = palette[Int(rng.next() % UInt64(palette.count))]
            let radius = unit * (0.004 + 0.004 * rng.nextUnit())
            let steps = 10 + Int(rng.next() % 20)
            for _ in 0..<steps {
                let (fx, fy) = flow(x, y)
                let (nx, ny) = (x + fx * radius / unit * 1.2, y + fy * radius / unit * 1.2)
                line(from: (x * unit, y * unit), to: (nx * unit, ny * unit), radius: radius, colour: colour)
                (x, y) = (nx, ny)
            }
        }
    }
}
