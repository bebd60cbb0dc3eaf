/// Floats to integer samples, for every output. A NaN must never reach `UInt8(_:)` or
/// `UInt16(_:)`: they trap, and a trap in the library aborts its host. `min` and `max` pass NaN
/// through, so these clamp with a comparison that sends NaN to 0.
enum Quantize {
    /// `v` on 0 … 255, rounded.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 { v >= 0 ? UInt8(min(v.rounded(), 255)) : 0 }

    /// `v` on 0 … 65535, rounded.
    @inline(__always)
    static func word(_ v: Float) -> UInt16 { v >= 0 ? UInt16(min(v.rounded(), 65535)) : 0 }

    /// `v` on 0 … 1.
    @inline(__always)
    static func unit(_ v: Float) -> Float { v >= 0 ? min(v, 1) : 0 }
}
