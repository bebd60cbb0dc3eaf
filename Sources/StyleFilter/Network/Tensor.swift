/// A channels × height × width block of Float32, owned and zero-initialised.
///
/// A class rather than an array so the network can allocate every activation once per image size
/// and the optimizer loop can run without touching the allocator.
public final class Tensor: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let data: UnsafeMutablePointer<Float>
    /// Set for a view: the tensor whose memory this one borrows, kept alive here.
    private let owner: Tensor?

    public var count: Int { channels * height * width }
    public var plane: Int { height * width }

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0, "tensor dimensions must be positive")
        self.channels = channels
        self.height = height
        self.width = width
        data = .allocate(capacity: channels * height * width)
        data.initialize(repeating: 0, count: channels * height * width)
        owner = nil
    }

    /// The first `channels` channels of `base`, sharing its memory.
    public convenience init(viewing base: Tensor, channels: Int) {
        precondition(channels <= base.channels)
        self.init(viewing: base, channels: channels, height: base.height, width: base.width)
    }

    /// `base`'s memory (its start, at most its size) seen as a tensor of another shape.
    public init(viewing base: Tensor, channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0 && channels * height * width <= base.count)
        self.channels = channels
        self.height = height
        self.width = width
        data = base.data
        owner = base
    }

    public convenience init(channels: Int, height: Int, width: Int, values: [Float]) {
        self.init(channels: channels, height: height, width: width)
        precondition(values.count == count, "value count does not match the shape")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { if owner == nil { data.deallocate() } }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count)
        data.update(from: other.data, count: count)
    }

    public func toArray() -> [Float] { Array(buffer) }
}
