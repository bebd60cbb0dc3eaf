import StyleFilter

/// Progress on stderr: a live bar on a terminal, plain lines (about twenty a run) otherwise.
struct ProgressReporter {
    let live = Console.stderrIsTerminal
    /// Put before each line, e.g. the scale of a coarse-to-fine run.
    var prefix = ""

    func report(_ p: TransferProgress, suffix: String = "") {
        guard !Console.quiet else { return }
        let rate = p.iteration > 0 && p.seconds > 0 ? Double(p.iteration) / p.seconds : 0
        let eta = rate > 0 ? Double(p.iterations - p.iteration) / rate : .nan
        let losses = "content \(Console.short(p.losses.content))  style \(Console.short(p.losses.style))"
            + (p.losses.totalVariation > 0 ? "  tv \(Console.short(p.losses.totalVariation))" : "")
        let timing = "\(Console.fixed(rate, digits: 2)) it/s  ETA \(Console.seconds(eta))" + suffix
        let width = String(p.iterations).count
        let count = String(repeating: " ", count: width - String(p.iteration).count) + "\(p.iteration)/\(p.iterations)"
        if live {
            let filled = p.iterations > 0 ? 20 * p.iteration / p.iterations : 20
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] "
            // Narrower terminals lose the losses first, then the bar; the count and ETA stay.
            Console.live([
                "\(prefix)\(bar)\(count)  \(losses)  \(timing)",
                "\(prefix)\(count)  \(losses)  \(timing)",
                "\(prefix)\(bar)\(count)  \(timing)",
                "\(prefix)\(count)  \(timing)",
                "\(prefix)\(count)  ETA \(Console.seconds(eta))",
            ], done: p.iteration == p.iterations)
        } else {
            let every = max(1, p.iterations / 20)
            if p.iteration % every == 0 || p.iteration == p.iterations {
                Console.say("\(prefix)iteration \(count)  \(losses)  \(timing)")
            }
        }
    }
}
