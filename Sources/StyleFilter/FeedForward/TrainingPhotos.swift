/// The photographs a feed-forward network is trained on, as random square crops: each photo is
/// read once at the size the preset paints at (its long side `longSide`, or larger where its short
/// side would be less than a crop), and kept in memory as bytes.
public final class TrainingPhotos: @unchecked Sendable {
    /// Where `scripts/setup --for-training` puts the default training photos: the twelve
    /// photographs of Debian's mate-backgrounds (free licence), and 22 of OpenCV's sample photos
    /// (Debian's opencv-doc) in the user cache. None of them is a test photo.
    public static var defaultDirectories: [String] {
        ["/usr/share/backgrounds/mate/nature", VGG19Weights.defaultCacheDirectory() + "/training-photos"]
    }

    public let photos: [RGBImage]
    public let cropSize: Int
    private var rng: SplitMix64

    /// Reads every file; unreadable ones are reported to `skipped` and left out.
    public convenience init(paths: [String], longSide: Int, cropSize: Int, seed: UInt64, skipped: (String, Error) -> Void = { _, _ in }) throws {
        var photos: [RGBImage] = []
        for path in paths {
            do {
                photos.append(try ImageIO.load(path) { w, h in
                    let scale = max(Double(longSide) / Double(max(w, h)), Double(cropSize) / Double(min(w, h)))
                    return (max(cropSize, Int((Double(w) * scale).rounded())), max(cropSize, Int((Double(h) * scale).rounded())))
                })
            } catch {
                skipped(path, error)
            }
        }
        guard !photos.isEmpty else { throw StyleFilterError.invalidArgument("no training photo could be read") }
        self.init(photos: photos, cropSize: cropSize, seed: seed)
    }

    public init(photos: [RGBImage], cropSize: Int, seed: UInt64) {
        precondition(photos.allSatisfy { $0.width >= cropSize && $0.height >= cropSize })
        self.photos = photos
        self.cropSize = cropSize
        rng = SplitMix64(seed: seed)
    }

    /// The generator's state, so a resumed training draws the crops it would have drawn.
    public var state: UInt64 {
        get { rng.state }
        set { rng.state = newValue }
    }

    /// A random crop of a random photo, mirrored left-right half the time, in the network's space.
    public func nextCrop() -> Tensor {
        let photo = photos[Int(rng.next() % UInt64(photos.count))]
        let left = Int(rng.next() % UInt64(photo.width - cropSize + 1)), top = Int(rng.next() % UInt64(photo.height - cropSize + 1))
        let mirrored = rng.next() & 1 == 1
        let crop = Tensor(channels: 3, height: cropSize, width: cropSize)
        photo.pixels.withUnsafeBufferPointer { p in
            for y in 0..<cropSize {
                for x in 0..<cropSize {
                    let sx = left + (mirrored ? cropSize - 1 - x : x), k = ((top + y) * photo.width + sx) * 3
                    // RGB bytes → BGR minus the mean, as networkTensor converts.
                    for c in 0..<3 { crop[c, y, x] = Float(p[k + 2 - c]) - VGG19.meanBGR[c] }
                }
            }
        }
        return crop
    }
}
