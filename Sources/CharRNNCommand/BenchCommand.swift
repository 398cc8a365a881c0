import ArgumentParser
import CharRNN
import Foundation
import Shell

/// `charrnn bench`: trains and samples the speed issue's named configurations for a few seconds
/// each and prints characters per second (build with `swift build -c release` for real figures).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and sampling speed (characters per second) of the named configurations.",
        discussion: """
            Configurations: \(BenchmarkConfiguration.names.joined(separator: ", ")).

            Each trains on the text for --seconds (after two untimed iterations), then samples at \
            batch 1, temperature 1, for a third of that. A -v1500 configuration widens the text's \
            vocabulary to 1,500 characters with Hangul syllables the text \
            does not use (a Korean-size vocabulary).

            Compare with ../shared/bench/torch_charrnn.py run in the same sitting.
            """)

    @Flag(help: "Print one JSON object per configuration, one per line.") var json = false
    @Option(parsing: .unconditional, help: "Seconds of timed training per configuration.") var seconds: String = "3"
    @Option(help: "Run only this configuration.") var config: String?
    @Option(help: "The training text.") var text: String = "corpora/shakespeare.txt"
    @Flag(help: "Then measure the engine's matrix product alone (2048², both cores): the GFLOP/s ceiling.")
    var ceiling = false

    func validate() throws {
        do { _ = try checkedSeconds() } catch { throw ValidationError(error.message) }
        if let config, BenchmarkConfiguration.named(config) == nil {
            throw ValidationError(
                "unknown configuration '\(config)' (expected one of \(BenchmarkConfiguration.names.joined(separator: ", ")))")
        }
    }

    /// `--seconds`, checked with the range of `train --seconds`.
    func checkedSeconds() throws(BatchOptionError) -> Double {
        try BatchSettings.number(seconds, option: "seconds", in: TrainingLimits.seconds)
    }

    func run() throws {
        let seconds = try checkedSeconds()
        let corpus = try fail { try Corpus.load(path: text) }
        let configurations = config.map { [BenchmarkConfiguration.named($0)!] } ?? BenchmarkConfiguration.all
        if !json {
            StandardStreams.line("config            train chars/s   sample chars/s   ms/iter   GFLOP/s")
        }
        for configuration in configurations {
            let result = try fail { try Benchmark.run(configuration, corpus: corpus, seconds: seconds) }
            if json {
                StandardStreams.line(result.json)
            } else {
                StandardStreams.line(
                    result.config.padding(toLength: 16, withPad: " ", startingAt: 0)
                        + String(
                            format: "  %13.0f   %14.0f   %7.2f   %7.1f", result.trainCharactersPerSecond,
                            result.sampleCharactersPerSecond, result.millisecondsPerIteration,
                            result.trainGigaflopsPerSecond))
            }
        }
        if ceiling {  // one more line, in the same form as the rest, with the tiles this build uses
            let gigaflops = Benchmark.matrixProductGigaflops()
            let tiles = Kernels.TileShape.host == .wide ? "8 × 32" : "6 × 16"
            StandardStreams.line(
                json
                    ? "{\"config\": \"matrix-product-2048\", \"tiles\": \"\(tiles)\", \"gflops_per_second\": \(String(format: "%.2f", gigaflops))}"
                    : "matrix product 2048² (both cores, \(tiles) tiles)".padding(toLength: 61, withPad: " ", startingAt: 0)
                        + String(format: "%7.1f", gigaflops))
        }
    }
}
