#if canImport(Glibc)
import Glibc
#endif

/// The rules for a training's saved state (`NAME.network.checkpoint` beside the network it makes):
/// a checkpoint is resumed only by a training of the same settings and style; a new training never
/// starts over one, which would be lost; and a training never ends without a state to resume
/// from, written where it belongs or, failing that, in the temporary folder.
public struct TrainingCheckpoint {
    public let path: String
    /// What a resumed training must share with the stopped one (the network file's fields).
    public let fields: [String: String]

    public init(network: String, fields: [String: String]) {
        path = network + ".checkpoint"
        self.fields = fields
    }

    /// The stopped training to go on from with `resume`, else nil; an error for a checkpoint that
    /// is missing, damaged or of other settings when resuming, and for one that is there when not.
    public func stopped(resume: Bool) throws -> FeedForwardFile? {
        guard resume else {
            if Files.exists(path) {
                throw StyleFilterError.invalidArgument("\(path) holds a stopped training: continue it with --resume, or delete it")
            }
            return nil
        }
        guard Files.exists(path) else { throw StyleFilterError.invalidArgument("--resume: no checkpoint at \(path)") }
        let file: FeedForwardFile
        do {
            file = try FeedForwardFile(decoding: try Files.read(path, limit: 1 << 30).get())
        } catch {
            throw StyleFilterError.input("\(path): \((error as? StyleFilterError)?.description ?? "\(error)"); "
                                         + "it cannot be resumed (delete it to train afresh)")
        }
        guard file.fields["training"] == fields["training"], file.fields["style"] == fields["style"] else {
            throw StyleFilterError.invalidArgument("--resume: \(path) is of a training with other settings or another style")
        }
        guard file.fields["crops"].flatMap(UInt64.init) != nil else {
            throw StyleFilterError.invalidArgument("--resume: the checkpoint lacks the crops' state")
        }
        return file
    }

    /// `training` and `photos` where `file` (from `stopped`) left them.
    public func restore(_ file: FeedForwardFile, into training: FeedForwardTraining, photos: TrainingPhotos) throws {
        try training.restore(file)
        photos.state = file.fields["crops"].flatMap(UInt64.init) ?? photos.state
    }

    /// The state now, written atomically at `path` (or `elsewhere`).
    public func write(_ training: FeedForwardTraining, photos: TrainingPhotos, to elsewhere: String? = nil) throws {
        var all = fields
        all["crops"] = String(photos.state)
        try Files.writeAtomically(elsewhere ?? path, FeedForwardFile(network: training.feedForward, fields: all, adam: training.adam).encoded())
    }

    /// After a stop or a failure (`why`): the state kept, and what to tell the user about where.
    public func keep(_ training: FeedForwardTraining, photos: TrainingPhotos, why: String) -> String {
        do {
            try write(training, photos: photos)
            return "\(why); the training is kept in \(path): continue it with --resume"
        } catch {
            let spare = Files.temporaryDirectory + "/" + Files.basename(path) + ".\(getpid())"
            do {
                try write(training, photos: photos, to: spare)
                return "\(why); \(path) cannot be written (\(error)), so the training is kept in \(spare): "
                    + "move it to \(path) and continue with --resume"
            } catch {
                return "\(why); no checkpoint could be written, at \(path) or \(spare) (\(error)): the training is lost"
            }
        }
    }

    /// The training ended with its network written: nothing is left to resume.
    public func remove() { unlink(path) }
}
