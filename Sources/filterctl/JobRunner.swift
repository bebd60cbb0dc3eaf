import ArgumentParser
import StyleFilter

/// A job as every command runs it: progress on standard error, SIGINT and SIGTERM stop it at the
/// next iteration (exit 128 + the signal), and a failed or stopped run keeps the scales it finished
/// for --resume (a work directory with none is removed).
enum JobRunner {
    /// `event` sees every event after the progress line (false cancels); `save` writes the result,
    /// and the work directory goes only once it has. `progress` replaces the per-scale progress
    /// line (a command that runs many small jobs numbers them its own way). Returns the last
    /// iteration's progress.
    @discardableResult
    static func run(_ job: StyleJob, progress: ((CoarseToFineEvent) -> Void)? = nil,
                    event: @escaping (CoarseToFineEvent) -> Bool = { _ in true },
                    save: ((image: FloatRGBImage, original: Photo?)) throws -> Void) throws -> TransferProgress? {
        Termination.catchSignals()
        let report = progress ?? ScaleProgress(estimate: RunEstimate(scales: job.work)).report
        var last: TransferProgress?
        do {
            try save(try job.run { e in
                guard Termination.signal == nil else { return false }
                report(e)
                if case .iteration(_, let p, _) = e { last = p }
                return event(e)
            })
            job.workDirectory?.remove()
            return last
        } catch {
            let work = job.workDirectory
            let kept = work?.hasFinishedScales ?? false
            if let work, !kept { work.remove() }
            let resume = kept ? "finished scales are kept in \(work!.path): run the same command with --resume" : nil
            if case StyleFilterError.cancelled = error, let signal = Termination.signal {
                Console.error("stopped by signal \(signal)" + (resume.map { "; " + $0 } ?? ""))
                throw ExitCode(128 + signal)
            }
            if let resume { Console.error(resume) }
            throw error
        }
    }
}
