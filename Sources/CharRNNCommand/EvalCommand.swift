import ArgumentParser
import CharRNN
import Foundation
import Shell

/// `charrnn eval`: the loss of a checkpoint on a text, read as one sequence from h_0 = 0.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on a text: mean and total loss, bits/char, perplexity.",
        discussion: """
            The whole text is one sequence from h_0 = 0: inputs are all but the last character, targets \
            all but the first. With --gradients, writes d(mean loss)/d(tensor) for every tensor under the \
            checkpoint's names (full backpropagation through the whole text; up to \(EvalCommand.gradientLimit) characters).
            """)

    static let gradientLimit = 200_000

    @Option(help: "The checkpoint.") var checkpoint: String
    @Option(help: "The UTF-8 text.") var text: String
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Write the gradients of the mean loss to this safetensors file.") var gradients: String?
    @Flag(help: "Replace the --gradients file even if it is not a safetensors file.") var force = false
    @Option(
        parsing: .unconditional, help: "With --gradients: the most memory it may need, 8GB, 500MB (default: half the physical memory).")
    var memoryBudget: String?

    /// The memory budget (`--memory-budget`, checked as the shell's `memory-budget` setting).
    func budget() throws(BatchOptionError) -> MemoryBudget {
        var s = BatchSettings()
        if let memoryBudget { try s.set("memory-budget", to: memoryBudget) }
        return s.memoryBudget
    }

    func validate() throws {
        do { _ = try budget() } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        // Where the gradients go is checked before any work (a bad path is not found out at the end).
        if let gradients { try fail { try SafetensorsFile.checkWritable(path: gradients, force: force) } }
        let model = try fail { try Checkpoint.read(path: checkpoint).model }
        let corpus = try fail { try Corpus.load(path: text, vocabulary: model.vocabulary, validationFraction: 0, budget: try budget()) }
        let indices = corpus.indices
        let characters = indices.count - 1
        var total = 0.0
        if let gradients {
            guard indices.count <= EvalCommand.gradientLimit else {
                StandardStreams.error(
                    "error: --gradients keeps every step of the text; \(text) has \(indices.count) characters, the limit is \(EvalCommand.gradientLimit)"
                )
                throw ExitCode.failure
            }
            let budget = try budget()
            try fail { try budget.check(MemoryEstimate.gradients(model.shape, steps: characters), for: "eval --gradients") }
            let cache = model.forward(
                inputs: Array(indices.dropLast()), targets: Array(indices.dropFirst()), batchSize: 1,
                from: .zero(model.shape, batchSize: 1))
            total = cache.totalLoss
            let (grads, _) = model.backward(cache, lossScale: 1 / Float(characters))
            // The gradients under the checkpoint's names: the RNN's b_h is both bias_ih and bias_hh.
            var named = Checkpoint(
                model: try fail { try Model(vocabulary: model.vocabulary, shape: model.shape, parameters: grads) }
            ).file()
            named.metadata = ["format": "charrnn-gradients", "of": "mean loss", "text": corpus.name]
            if model.shape.cell == .rnn {
                for i in named.tensors.indices where named.tensors[i].name.hasPrefix("rnn.bias_hh_l") {
                    let k = named.tensors[i].name.dropFirst("rnn.bias_hh_l".count)
                    named.tensors[i].values = grads.first { $0.name == "rnn.bias_l\(k)" }!.values
                }
            }
            try fail { try named.write(path: gradients, force: force) }
        } else {
            total = model.evaluate(indices, batchSize: 1, sequenceLength: 256) * Double(characters)
        }
        let mean = total / Double(characters)
        if json {
            StandardStreams.line(
                "{\"characters\":\(characters),\"mean_loss\":\(jsonNumber(mean)),\"total_loss\":\(jsonNumber(total)),\"bits_per_char\":\(jsonNumber(LossUnits.bitsPerCharacter(mean))),\"perplexity\":\(jsonNumber(LossUnits.perplexity(mean)))}"
            )
        } else {
            StandardStreams.line("\(corpus.name): \(grouped(Double(characters))) predictions from h_0 = 0")
            StandardStreams.line(String(format: "mean loss   %.6f nats/char", mean))
            StandardStreams.line(String(format: "total loss  %.4f nats", total))
            StandardStreams.line(String(format: "bits/char   %.6f", LossUnits.bitsPerCharacter(mean)))
            StandardStreams.line(String(format: "perplexity  %.4f", LossUnits.perplexity(mean)))
            if let gradients { StandardStreams.line("gradients of the mean loss written to \(gradients)") }
        }
    }
}
