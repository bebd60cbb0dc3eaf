import CShim

/// A channels × height × width block of Float16: features kept for the whole run at image size.
final class HalfTensor: @unchecked Sendable {
    let channels: Int
    let height: Int
    let width: Int
    let data: UnsafeMutablePointer<Float16>

    init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        data = .allocate(capacity: channels * height * width)
        data.initialize(repeating: 0, count: channels * height * width)
    }

    var count: Int { channels * height * width }

    deinit { data.deallocate() }
}
