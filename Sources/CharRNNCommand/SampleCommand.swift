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
    @Option(help: "Characters to draw.") var length: Int = 500
    @Option(help: "Temperature: below 1 safer, above 1 wilder.") var temperature: Double = 1
    @Option(name: .customLong("top-k"), help: "Draw only among the K most likely characters.") var topK: Int?
    @Flag(help: "Always take the most likely character.") var argmax = false
    @Option(help: "Random seed: the same seed gives the same text.") var seed: UInt64 = 42

    func validate() throws {
        if length < 0 { throw ValidationError("--length must be ≥ 0") }
        if !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature must be ≥ 0") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be ≥ 1") }
    }

    func run() throws {
        TerminalEnvironment.installInterruptHandler()
        let model = try fail { try Checkpoint.read(path: checkpoint).model }
        var generator = SplitMix64(seed: seed)
        _ = try fail { try model.vocabulary.encode(prime) }  // characters the model lacks: an error before any output
        StandardStreams.write(prime)
        interruptRequested.store(false, ordering: .relaxed)
        _ = try fail {
            try model.sample(
                prime: prime, length: length, options: SamplingOptions(temperature: temperature, topK: topK, argmax: argmax),
                using: &generator
            ) { character in
                StandardStreams.write(safeText(character))  // control characters shown, not obeyed
                return !interruptRequested.load(ordering: .relaxed)
            }
        }
        StandardStreams.write("\n")
    }
}
