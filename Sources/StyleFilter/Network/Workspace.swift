/// Scratch memory for im2col, shared by all conv layers of one network and reused every pass.
///
/// The capacity caps the column buffer (and so the memory a convolution needs) independently of
/// the image size; larger images simply take more bands.
final class Workspace: @unchecked Sendable {
    public let capacity: Int
    private let storage: UnsafeMutablePointer<Float>

    /// `capacity` in floats; 8 Mi floats (32 MiB) keeps sgemm's N dimension in the thousands.
    public init(capacity: Int = 8 << 20) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        precondition(count <= capacity, "workspace too small for one row of im2col")
        return storage
    }
}
