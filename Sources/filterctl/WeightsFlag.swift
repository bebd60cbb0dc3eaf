import ArgumentParser
import StyleFilter

/// `--weights`: every command that loads the network takes it, with the same lookup.
struct WeightsFlag: ParsableArguments {
    @Option(help: "Path of the VGG19 weight file (default: $STYLEFILTER_WEIGHTS, then the user cache).", completion: Completions.file)
    var weights: String?

    var path: String { VGG19Weights.resolvePath(explicit: weights) }

    func network(pooling: PoolingMode = .max) throws -> VGG19 {
        try VGG19Weights.load(path: path, pooling: pooling)
    }
}
