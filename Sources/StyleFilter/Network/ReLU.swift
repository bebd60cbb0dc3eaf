/// ReLU, applied in place on a conv output. Backward masks with the stored output: y > 0 ⇔ x > 0.
public enum ReLU {
    public static func forward(_ x: Tensor) {
        let p = x.data
        for i in 0..<x.count where p[i] < 0 { p[i] = 0 }
    }

    /// grad ← grad · [output > 0], in place.
    public static func backward(output: Tensor, grad: Tensor) {
        let y = output.data, g = grad.data
        for i in 0..<output.count where y[i] <= 0 { g[i] = 0 }
    }
}
