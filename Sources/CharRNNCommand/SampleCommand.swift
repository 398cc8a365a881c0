import ArgumentParser
import CharRNN
import Rendering
import Shell
import Terminal

/// `charrnn sample`: draw text from a checkpoint, streamed as it is drawn.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Write text with a trained model, one character at a time.")

    @Option(help: "The checkpoint to sample from.") var checkpoint: String
    @Option(help: "Text that warms up the hidden state first (printed before the sample).") var prime: String = ""
    @Option(parsing: .unconditional, help: "Characters to draw.") var length: String = "500"
    @Option(parsing: .unconditional, help: "Temperature: below 1 safer, above 1 wilder.") var temperature: String = "1"
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Draw only among the K most likely characters (0: all).")
    var topK: String?
    @Flag(help: "Always take the most likely character.") var argmax = false
    @Option(parsing: .unconditional, help: "Random seed: the same seed gives the same text.") var seed: String = "42"

    /// The options, checked with the shell's ranges and messages.
    func checked() throws(BatchOptionError) -> (length: Int, options: SamplingOptions, seed: UInt64) {
        var s = BatchSettings()
        let length = try BatchSettings.wholeNumber(length, option: "length", in: 0...1_000_000)
        try s.set("temperature", to: temperature)
        if let topK { try s.set("topk", to: topK, option: "top-k") }
        let seed = UInt64(try BatchSettings.wholeNumber(seed, option: "seed", in: 0...Int.max))
        return (length, SamplingOptions(temperature: s.temperature, topK: s.topK > 0 ? s.topK : nil, argmax: argmax), seed)
    }

    func validate() throws {
        do { _ = try checked() } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        TerminalEnvironment.installInterruptHandler()
        let (length, options, seed) = try checked()
        let model = try fail { try Checkpoint.read(path: checkpoint).model }
        var generator = SplitMix64(seed: seed)
        _ = try fail { try model.vocabulary.encode(prime) }  // characters the model lacks: an error before any output
        StandardStreams.write(safeText(prime))
        interruptRequested.store(false, ordering: .relaxed)
        _ = try fail {
            try model.sample(prime: prime, length: length, options: options, using: &generator) { character in
                StandardStreams.write(safeText(character))  // control characters shown, not obeyed
                return !interruptRequested.load(ordering: .relaxed) && !StandardStreams.outputFailed
            }
        }
        StandardStreams.write("\n")
    }
}
