import XCTest
@testable import StyleFilter

/// The one finite-difference harness of the gradient tests: along random directions v over the
/// `count` floats at `values`, ⟨analytic gradient, v⟩ against (f(p + εv) − f(p − εv)) / 2ε.
/// The floats are perturbed in place and put back; direction d comes from `seed` + d.
enum FiniteDifferences {
    static func relativeErrors(_ values: UnsafeMutablePointer<Float>, count: Int, gradient: [Float], eps: Float,
                               directions: Int, seed: UInt64 = 700, loss: () -> Double) -> [Double] {
        let saved = Array(UnsafeBufferPointer(start: values, count: count))
        return (0..<directions).map { d in
            var rng = SplitMix64(seed: seed + UInt64(d))
            let v = (0..<count).map { _ in Float(rng.nextUnit() * 2 - 1) }
            for i in 0..<count { values[i] = saved[i] + eps * v[i] }
            let plus = loss()
            for i in 0..<count { values[i] = saved[i] - eps * v[i] }
            let minus = loss()
            for i in 0..<count { values[i] = saved[i] }
            let analytic = zip(gradient, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            return TestSupport.relativeError((plus - minus) / (2 * Double(eps)), analytic)
        }
    }

    static func check(_ values: UnsafeMutablePointer<Float>, count: Int, gradient: [Float], eps: Float = 1e-2,
                      tolerance: Double = 2e-3, directions: Int = 3, seed: UInt64 = 700, loss: () -> Double,
                      file: StaticString = #filePath, line: UInt = #line) {
        let errors = relativeErrors(values, count: count, gradient: gradient, eps: eps, directions: directions, seed: seed, loss: loss)
        XCTAssertLessThan(errors.max()!, tolerance, "\(errors)", file: file, line: line)
    }
}
