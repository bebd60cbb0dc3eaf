import XCTest
@testable import StyleFilter

/// Tiled evaluation: the grid's geometry, the tiled gradient against the whole-image one, and a
/// tiled optimization without seams.
final class TilingTests: XCTestCase {
    /// Cores partition the axis at every layer; windows are one length, hold their core, start on
    /// multiples of 16 and stay inside the image.
    func testTileGridPartitionsEveryLayer() {
        for length in [40, 97, 160, 333] {
            for (tile, halo) in [(16, 16), (48, 32)] {
                let axis = TileAxis(length: length, tile: tile, halo: halo)
                XCTAssertTrue(axis.window == length || (length - axis.window) % 16 == 0)
                for offset in 0..<tile {
                    let spans = axis.spans(offset: offset)
                    XCTAssertEqual(spans.map(\.core.count).reduce(0, +), length)
                    XCTAssertEqual(spans.first!.core.lowerBound, 0)
                    for (a, b) in zip(spans, spans.dropFirst()) { XCTAssertEqual(a.core.upperBound, b.core.lowerBound) }
                    for span in spans {
                        XCTAssertEqual(span.start % 16, 0)
                        XCTAssertLessThanOrEqual(span.start, span.core.lowerBound)
                        XCTAssertGreaterThanOrEqual(span.start + axis.window, span.core.upperBound)
                        XCTAssertLessThanOrEqual(span.start + axis.window, length)
                    }
                    for level in 0...4 {
                        var covered = [Int]()
                        for span in spans {
                            let r = axis.layerRange(core: span.core, start: span.start, level: level)
                            XCTAssertGreaterThanOrEqual(r.lowerBound, 0)
                            XCTAssertLessThanOrEqual(r.upperBound, axis.window >> level)
                            covered += r.map { $0 + (span.start >> level) }
                        }
                        XCTAssertEqual(covered, Array(0..<(length >> level)), "length \(length) tile \(tile) offset \(offset) level \(level)")
                    }
                }
            }
        }
    }

    /// Panoramas and banners of every proportion get a tile shape within the budget, with and
    /// without style regions: an axis shorter than the smallest tile is one tile (before, a
    /// 750×125 scale "needed 876 MiB" whatever the budget), and the grid still partitions it.
    func testExtremeShapesGetTiles() throws {
        var regions = TransferOptions()
        regions.optimizer = .adam
        regions.styleRegion = 512
        var whole = TransferOptions()
        whole.optimizer = .adam
        for options in [regions, whole] {
            for (width, height) in [(750, 125), (1500, 120), (1024, 37), (20000, 16), (16, 12000), (5176, 100), (3000, 500), (6000, 2000)] {
                for budget in [MemoryBudget(bytes: 2 << 30), MemoryBudget(bytes: 16 << 30)] {
                    let shape = try budget.tiles(width: width, height: height, options: options)
                    guard let shape else {
                        XCTAssertTrue(options.styleRegion == nil || max(width, height) <= 512, "\(width)×\(height) in one pass")
                        continue
                    }
                    XCTAssertLessThanOrEqual(shape.width, width)
                    XCTAssertLessThanOrEqual(shape.height, height)
                    if let region = options.styleRegion { XCTAssertLessThanOrEqual(max(shape.width, shape.height), region) }
                    XCTAssertLessThanOrEqual(MemoryBudget.transferBytes(width: width, height: height, options: {
                        var o = options
                        o.tileShape = shape
                        return o
                    }()), budget.bytes - MemoryBudget.fixedBytes, "\(width)×\(height) within \(budget.bytes >> 20) MiB")
                    for (length, tile) in [(width, shape.width), (height, shape.height)] {
                        let axis = TileAxis(length: length, tile: tile, halo: options.tileHalo)
                        XCTAssertEqual(axis.spans(offset: 7).map(\.core.count).reduce(0, +), length)
                    }
                }
            }
        }
    }

    /// With halos wider than the layers' reach, the tiled objective is the whole-image objective:
    /// same losses, same gradient (float rounding apart).
    func testTiledGradientEqualsWholeImageGradient() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 160, height: 128, seed: 6), style = RGBImage.pattern(width: 64, height: 64, seed: 7)
        var options = TransferOptions()
        options.contentLayers = [try LayerWeight("relu2_1")]
        options.styleLayers = [try LayerWeight("relu1_1"), try LayerWeight("relu2_1")]
        options.initialization = .noise
        options.tvWeight = 1
        let whole = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
        options.tileSize = 32
        options.tileHalo = 32
        let tiled = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
        XCTAssertTrue(tiled.objective is TiledObjective)
        let g1 = Tensor(channels: 3, height: 128, width: 160), g2 = Tensor(channels: 3, height: 128, width: 160)
        let l1 = whole.objective.evaluate(whole.image, gradient: g1)
        for _ in 0..<2 {
            // Two evaluations: each with its own random grid.
            let l2 = tiled.objective.evaluate(tiled.image, gradient: g2)
            XCTAssertEqual(l2.content, l1.content, accuracy: 1e-4 * l1.content)
            XCTAssertEqual(l2.style, l1.style, accuracy: 1e-4 * l1.style)
            XCTAssertEqual(l2.totalVariation, l1.totalVariation, accuracy: 1e-6 * l1.totalVariation)
            let scale = g1.toArray().map { abs($0) }.max()!
            let worst = zip(g1.toArray(), g2.toArray()).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-3 * scale, "gradient")
        }
    }

    /// A detail scale (style layers alone, no content; the composition held) tiled with the halo
    /// its plan gives it (twice its deepest layer's reach, in 16 px steps: 32 px for relu3_1), with
    /// the whole image's statistics: the same losses and gradient as in one pass.
    func testDetailScaleTiledEqualsWholeImage() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 160, height: 128, seed: 6), style = RGBImage.pattern(width: 64, height: 64, seed: 7)
        var plan = JobPlan(finalSize: 160, base: [Scale(size: 80, iterations: 2)], options: TransferOptions())
        // By default the largest scale has the base's style layers up to relu3_1, region by
        // region, the composition held.
        XCTAssertTrue(plan.steps[1].detail)
        XCTAssertEqual(plan.steps[1].options.styleLayers, Array(TransferOptions().styleLayers.prefix(3)))
        XCTAssertEqual(plan.steps[1].options.activeContentLayers.count, 0)
        XCTAssertTrue(plan.steps[1].options.holdsComposition)
        XCTAssertEqual(plan.steps[1].options.styleRegion, 512)
        XCTAssertEqual(plan.steps[1].options.tileHalo, 32)
        XCTAssertFalse(plan.steps[0].options.holdsComposition)
        var detail = JobPlan.Refinement()
        detail.detailLayers = try LayerWeight.parseList("relu1_1,relu2_1,relu3_1")
        detail.styleRegion = nil
        plan = JobPlan(finalSize: 160, base: [Scale(size: 80, iterations: 2)], options: TransferOptions(), refinement: detail)
        var options = plan.steps[1].options
        XCTAssertEqual(options.tileHalo, 32)
        options.initialization = .noise
        let statistics = try StyleStatistics(network: network, styles: [(style, 1)], layers: options.activeStyleLayers)
        let whole = try StyleTransfer(network: network, content: content, style: statistics, options: options)
        options.tileSize = 32
        let tiled = try StyleTransfer(network: network, content: content, style: statistics, options: options)
        XCTAssertTrue(tiled.objective is TiledObjective)
        let g1 = Tensor(channels: 3, height: 128, width: 160), g2 = Tensor(channels: 3, height: 128, width: 160)
        let l1 = whole.objective.evaluate(whole.image, gradient: g1)
        let l2 = tiled.objective.evaluate(tiled.image, gradient: g2)
        XCTAssertEqual(l2.content, 0)
        XCTAssertEqual(l2.style, l1.style, accuracy: 1e-4 * l1.style)
        let scale = g1.toArray().map { abs($0) }.max()!
        XCTAssertLessThan(zip(g1.toArray(), g2.toArray()).map { abs($0 - $1) }.max()!, 1e-3 * scale, "gradient")
        // Refining with the base scale's losses: content back, the usual halo, nothing held.
        detail.baseLosses = true
        plan = JobPlan(finalSize: 160, base: [Scale(size: 80, iterations: 2)], options: TransferOptions(), refinement: detail)
        XCTAssertFalse(plan.steps[1].detail)
        XCTAssertEqual(plan.steps[1].options.tileHalo, 64)
        XCTAssertFalse(plan.steps[1].options.holdsComposition)
        // The detail layers among the base's, with its weights; none among them: the base's losses.
        detail.baseLosses = false
        var coarse = TransferOptions()
        coarse.styleLayers = try LayerWeight.parseList("relu1_1:0.5,relu4_1")
        plan = JobPlan(finalSize: 160, base: [Scale(size: 80, iterations: 2)], options: coarse, refinement: detail)
        XCTAssertEqual(plan.steps[1].options.styleLayers, [try LayerWeight("relu1_1", weight: 0.5)])
        coarse.styleLayers = [try LayerWeight("relu4_1")]
        XCTAssertFalse(JobPlan(finalSize: 160, base: [Scale(size: 80, iterations: 2)], options: coarse, refinement: detail).steps[1].detail)
    }

    /// No step follows the last iteration, so its image is evaluated forward only: one sweep of
    /// the windows, where an evaluation with a gradient and whole-image statistics takes two; its
    /// losses are still the whole image's.
    func testLastIterationIsEvaluatedWithoutGradient() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 96, height: 64, seed: 3), style = RGBImage.pattern(width: 64, height: 64, seed: 4)
        var options = TransferOptions()
        options.contentLayers = [try LayerWeight("relu2_1")]
        options.styleLayers = [try LayerWeight("relu1_1"), try LayerWeight("relu2_1")]
        options.optimizer = .adam
        options.iterations = 2
        options.tvWeight = 1
        let whole = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
        options.tileSize = 32
        options.tileHalo = 16
        let transfer = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
        let tiled = try XCTUnwrap(transfer.objective as? TiledObjective)
        var reportedWindows: [Int] = []
        tiled.onWindow = { window, windows in
            if window == 0 { reportedWindows.append(windows) }
            return true
        }
        var last = LossBreakdown()
        try transfer.run { last = $0.losses; return true }
        let windows = tiled.offsets.map { tiled.rows.spans(offset: $0.rows).count * tiled.columns.spans(offset: $0.columns).count }
        XCTAssertEqual(windows.count, 3)
        XCTAssertEqual(reportedWindows, [2 * windows[0], 2 * windows[1], windows[2]])
        let exact = whole.objective.evaluate(transfer.image, gradient: nil)
        XCTAssertEqual(last.style, exact.style, accuracy: 1e-4 * exact.style)
        XCTAssertEqual(last.content, exact.content, accuracy: 1e-4 * exact.content)
        XCTAssertGreaterThan(exact.style, 0)
    }

    /// A tiled optimization (tiles of 128 with 32 px halos in a 256×192 image, a new grid every
    /// iteration) lowers the whole-image loss about as far as the whole-image optimization and
    /// leaves no seam. Margins: no column or row of the result changes more sharply than in the
    /// whole-image result, within 25 %; and the mean change across the columns and rows where
    /// some iteration's grid had a tile border is within 10 % of the mean across all others.
    func testTiledStylizationHasNoSeams() throws {
        let network = try TestSupport.network()
        let content = RGBImage.pattern(width: 256, height: 192, seed: 8), style = RGBImage.pattern(width: 128, height: 128, seed: 9)
        var options = TransferOptions()
        options.iterations = 20
        let whole = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
        let start = whole.objective.evaluate(whole.image, gradient: nil).total
        var results: [(image: RGBImage, loss: Double)] = []
        var offsets: [(rows: Int, columns: Int)] = []
        for tile in [nil, 128] {
            options.tileSize = tile
            options.tileHalo = 32
            let transfer = try StyleTransfer(network: network, content: content, styles: [(style, 1)], options: options)
            try transfer.run()
            offsets = (transfer.objective as? TiledObjective)?.offsets ?? []
            // Both results scored by the whole-image objective.
            results.append((transfer.result, whole.objective.evaluate(transfer.image, gradient: nil).total))
        }
        print("start \(start); after 20 iterations: whole image \(results[0].loss), tiled \(results[1].loss)")
        XCTAssertLessThan(results[1].loss, 0.5 * start, "the tiled optimization works")
        XCTAssertLessThan(results[1].loss, 1.3 * results[0].loss)
        /// Σ |difference| between neighbouring columns (index x: between x and x + 1) and rows.
        func changes(_ image: RGBImage) -> (columns: [Double], rows: [Double]) {
            var columns = [Double](repeating: 0, count: image.width - 1), rows = [Double](repeating: 0, count: image.height - 1)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    for c in 0..<3 {
                        let v = Double(image.pixels[(y * image.width + x) * 3 + c])
                        if x + 1 < image.width { columns[x] += abs(Double(image.pixels[(y * image.width + x + 1) * 3 + c]) - v) }
                        if y + 1 < image.height { rows[y] += abs(Double(image.pixels[((y + 1) * image.width + x) * 3 + c]) - v) }
                    }
                }
            }
            return (columns, rows)
        }
        func peak(_ a: [Double]) -> Double { a.max()! / a.sorted()[a.count / 2] }
        let untiled = changes(results[0].image), tiled = changes(results[1].image)
        print("sharpest column/row against the median: whole \(peak(untiled.columns)), \(peak(untiled.rows)); tiled \(peak(tiled.columns)), \(peak(tiled.rows))")
        XCTAssertLessThan(peak(tiled.columns), 1.25 * peak(untiled.columns))
        XCTAssertLessThan(peak(tiled.rows), 1.25 * peak(untiled.rows))
        /// Mean change across the grid's borders (b: between b − 1 and b) over the mean elsewhere.
        func borderRatio(_ energy: [Double], _ gridOffsets: [Int]) -> (ratio: Double, borders: Int) {
            var border = Set<Int>()
            for offset in gridOffsets {
                var b = offset % 128 == 0 ? 128 : offset % 128
                while b < energy.count + 1 {
                    border.insert(b - 1)
                    b += 128
                }
            }
            let on = border.map { energy[$0] }, off = energy.indices.filter { !border.contains($0) }.map { energy[$0] }
            return ((on.reduce(0, +) / Double(on.count)) / (off.reduce(0, +) / Double(off.count)), border.count)
        }
        XCTAssertEqual(offsets.count, 21, "a new grid for each of the 21 evaluations")
        let columns = borderRatio(tiled.columns, offsets.map(\.columns)), rows = borderRatio(tiled.rows, offsets.map(\.rows))
        print("change across tile borders against elsewhere: columns \(columns), rows \(rows)")
        XCTAssertGreaterThan(columns.borders, 10)
        XCTAssertLessThan(columns.ratio, 1.1)
        XCTAssertLessThan(rows.ratio, 1.1)
    }
}
