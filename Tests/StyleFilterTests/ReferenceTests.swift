import XCTest
@testable import StyleFilter

/// The engine against PyTorch (float64) runs with the same weights: the project's own fixture
/// (Tests/Fixtures) and, where present, ../shared/reference's: weights, activations, losses and
/// the input gradient.
final class ReferenceTests: XCTestCase {
    func formulaInput(_ formula: (Double, Double, Double) -> Double, height: Int = 40, width: Int = 56) -> Tensor {
        let t = Tensor(channels: 3, height: height, width: width)
        for c in 0..<3 { for i in 0..<height { for j in 0..<width { t[c, i, j] = Float(formula(Double(c), Double(i), Double(j))) } } }
        return t
    }

    var imageA: Tensor { formulaInput { c, i, j in 100 * sin(0.37 * i + 0.23 * j + 1.1 * c) + 20 * cos(0.05 * i * j) } }
    var imageB: Tensor { formulaInput { c, i, j in 120 * sin(0.11 * i - 0.29 * j + 0.7 * c) * cos(0.13 * j) } }

    func testWeightsMatchReference() throws {
        let network = try TestSupport.network()
        for (source, values) in try TestSupport.references() {
            try checkWeights(network, values["weights"] as! [String: [String: Any]], source: source)
        }
    }

    func checkWeights(_ network: VGG19, _ reference: [String: [String: Any]], source: String) throws {
        for (layer, expected) in reference {
            let name = "\(layer) (\(source))"
            let conv = network.convs[VGG19.convNames.firstIndex(of: layer)!]
            XCTAssertEqual([conv.outChannels, conv.inChannels, 3, 3], expected["shape"] as! [Int], name)
            let sum = conv.weights.reduce(0.0) { $0 + Double($1) }
            let sumSq = conv.weights.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(sum, expected["weight_sum"] as! Double, accuracy: 1e-4 * max(1, abs(sum)), name)
            XCTAssertEqual(sumSq, expected["weight_sum_sq"] as! Double, accuracy: 1e-5 * sumSq, name)
            XCTAssertEqual(Double(conv.weights.first!), expected["weight_0000"] as! Double, accuracy: 1e-7, name)
            XCTAssertEqual(Double(conv.weights.last!), expected["weight_last"] as! Double, accuracy: 1e-7, name)
            XCTAssertEqual(conv.bias.reduce(0.0) { $0 + Double($1) }, expected["bias_sum"] as! Double, accuracy: 1e-4, name)
            XCTAssertEqual(Double(conv.bias[0]), expected["bias_0"] as! Double, accuracy: 1e-7, name)
        }
    }

    func testMaxPoolingMatchesReference() throws {
        for (_, values) in try TestSupport.references() { try checkAgainstReference(.max, values["max_pooling"] as! [String: Any]) }
    }

    func testAveragePoolingMatchesReference() throws {
        for (_, values) in try TestSupport.references() { try checkAgainstReference(.average, values["avg_pooling"] as! [String: Any]) }
    }

    /// The project's fixture is no copy: made by its own PyTorch script, it must still agree with
    /// the independent reference wherever both are at hand.
    func testTheProjectsFixtureAgreesWithTheIndependentReference() throws {
        let references = try TestSupport.references()
        try TestSupport.require(references.count == 2, "../shared/reference beside the fixture")
        var worst = 0.0
        func compare(_ ours: Any, _ theirs: Any, _ path: String) {
            switch theirs {
            case let dictionary as [String: Any]:
                for (key, value) in dictionary where key != "about" {
                    guard let mine = (ours as? [String: Any])?[key] else { return XCTFail("\(path)/\(key) missing") }
                    compare(mine, value, path + "/" + key)
                }
            case let array as [Any]:
                guard let mine = ours as? [Any], mine.count == array.count else { return XCTFail("\(path) differs") }
                for (m, t) in zip(mine, array) { compare(m, t, path) }
            case let number as Double:
                guard let mine = ours as? Double else { return XCTFail("\(path) is no number") }
                // Exact zeros (ReLU) on one side may be 1e-14 on the other: relative to at least 1e-6.
                worst = max(worst, abs(mine - number) / max(abs(mine), abs(number), 1e-6))
            default:
                XCTAssertEqual("\(ours)", "\(theirs)", path)
            }
        }
        compare(references[0].values, references[1].values, "")
        XCTAssertLessThan(worst, 1e-9, "worst relative difference")
    }

    func checkAgainstReference(_ pooling: PoolingMode, _ reference: [String: Any]) throws {
        let network = try TestSupport.network(pooling)
        let a = imageA, b = imageB
        let deepest = VGG19.index(of: "relu5_1")!
        let pass = VGG19Pass(network: network, height: 40, width: 56, deepest: deepest)

        // Activations of image a.
        pass.forward(a)
        for (name, value) in reference["layers"] as! [String: [String: Any]] {
            let t = pass.outputs[VGG19.index(of: name)!]
            XCTAssertEqual([t.channels, t.height, t.width], value["shape"] as! [Int], name)
            let values = t.toArray().map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            XCTAssertLessThan(TestSupport.relativeError(mean, value["mean"] as! Double), 1e-4, "\(name) mean")
            XCTAssertLessThan(TestSupport.relativeError(std, value["std"] as! Double), 1e-4, "\(name) std")
            XCTAssertLessThan(TestSupport.relativeError(values.max()!, value["max"] as! Double), 1e-4, "\(name) max")
            XCTAssertLessThan(TestSupport.relativeError(values.reduce(0) { $0 + $1 * $1 }, value["sum_sq"] as! Double), 2e-4, "\(name) sum_sq")
            for sample in value["samples"] as! [[Double]] {
                let v = Double(t[Int(sample[0]), Int(sample[1]), Int(sample[2])])
                XCTAssertEqual(v, sample[3], accuracy: 1e-4 * max(1, abs(value["max"] as! Double)), "\(name) sample \(sample)")
            }
        }

        // Losses with b as both content and style target; total = content + 1000 · style.
        let passB = VGG19Pass(network: network, height: 40, width: 56, deepest: deepest)
        passB.forward(b)
        let content = ContentLoss(layer: VGG19.index(of: "relu4_2")!, weight: 1, target: passB.outputs[VGG19.index(of: "relu4_2")!])
        let styleNames = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
        let styles = styleNames.map {
            StyleLoss(layer: VGG19.index(of: $0)!, weight: 1000, target: StyleLoss.gram(of: passB.outputs[VGG19.index(of: $0)!]))
        }
        let perLayer = reference["style_per_layer"] as! [String: Double]
        pass.forward(a)
        for (name, loss) in zip(styleNames, styles) {
            let value = loss.evaluate(pass.outputs[loss.layer], addingGradientTo: nil) / 1000
            XCTAssertLessThan(TestSupport.relativeError(value, perLayer[name]!), 1e-4, "style \(name)")
        }
        let objective = Objective(pass: pass, contentLosses: [content], styleLosses: styles, tvWeight: 0)
        let gradient = Tensor(channels: 3, height: 40, width: 56)
        let losses = objective.evaluate(a, gradient: gradient)
        XCTAssertLessThan(TestSupport.relativeError(losses.content, reference["content_loss"] as! Double), 1e-4)
        XCTAssertLessThan(TestSupport.relativeError(losses.style / 1000, reference["style_loss"] as! Double), 1e-4)
        XCTAssertLessThan(TestSupport.relativeError(losses.total, reference["total_loss"] as! Double), 1e-4)

        let expected = reference["input_gradient"] as! [String: Any]
        let g = gradient.toArray().map(Double.init)
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertLessThan(TestSupport.relativeError(norm, expected["norm"] as! Double), 1e-3, "gradient norm")
        XCTAssertLessThan(TestSupport.relativeError(g.reduce(0, +) / Double(g.count), expected["mean"] as! Double), 1e-3, "gradient mean")
        for sample in expected["samples"] as! [[Double]] {
            let v = Double(gradient[Int(sample[0]), Int(sample[1]), Int(sample[2])])
            XCTAssertEqual(v, sample[3], accuracy: 1e-3 * (expected["norm"] as! Double) / 100, "gradient sample \(sample)")
        }
    }
}
