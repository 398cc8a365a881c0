import Foundation
import Testing

@testable import CharRNN

/// Every `charrnn bench` configuration runs, very briefly, so that none of them rots.
@Suite struct BenchmarkTests {
    /// A short text with enough characters for 32 streams × (64 + 2) steps.
    static let corpus: Corpus = {
        let line = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n"
        return try! Corpus(name: "bench-test", text: String(repeating: line, count: 60))
    }()

    @Test(arguments: BenchmarkConfiguration.names)
    func configurationRuns(name: String) throws {
        let configuration = try #require(BenchmarkConfiguration.named(name))
        let result = try Benchmark.run(
            configuration, corpus: Self.corpus, seconds: 0.01, sampleSeconds: 0.01, warmupIterations: 0)
        #expect(result.config == name)
        #expect(result.iterations >= 1)
        #expect(result.trainCharactersPerSecond > 0 && result.trainCharactersPerSecond.isFinite)
        #expect(result.sampleCharactersPerSecond > 0 && result.sampledCharacters > 0)
        #expect(result.finalLoss.isFinite)
        #expect(result.json.hasPrefix("{\"config\": \"\(name)\", \"train_chars_per_second\": "))
    }

    /// The two-core paths (the batch cut in two for the recurrence, products split by panels,
    /// parallel packing) are fixed partitions: training twice gives the same bits, whatever the
    /// threads' timing — and in the middle of other threads using the kernels.
    @Test(arguments: [CellKind.lstm, .gru, .rnn])
    func batchedTrainingIsBitForBitReproducible(cell: CellKind) throws {
        func train() throws -> Trainer {
            var generator = SplitMix64(seed: 3)
            let model = Model(
                vocabulary: Self.corpus.vocabulary, cell: cell, hiddenSize: 48, layers: 2, initialization: .pytorch,
                using: &generator)
            let configuration = TrainingConfiguration(
                learningRate: 2e-3, optimizer: .adam, clipping: .value(5), batchSize: 20, sequenceLength: 16)
            var trainer = try Trainer(model: model, configuration: configuration, trainingCount: Self.corpus.training.count)
            var workspace = TrainingWorkspace(shape: model.shape)
            for _ in 0..<3 { try trainer.step(on: Self.corpus.training, workspace: &workspace) }
            return trainer
        }
        let first = try train(), second = try train()
        #expect(first.model.parameters == second.model.parameters)
        #expect(first.state == second.state && first.optimizer == second.optimizer)
        #expect(Model.batchParts(20).count == 2 && Model.batchParts(8).count == 1)
    }

    @Test func tableMatchesTheIssue() {
        #expect(
            BenchmarkConfiguration.names == [
                "rnn-100-b1", "rnn-256-b32", "lstm-128-b32", "lstm-256x2-b32", "lstm-512x2-b32", "gru-256-b32",
                // issue 13: a Korean-size vocabulary
                "rnn-100-v1500-b1", "rnn-256-v1500-b32", "lstm-256-v1500-b32",
            ])
        let small = BenchmarkConfiguration.named("rnn-100-b1")!
        #expect(small.training.optimizer == .adagrad && small.training.batchSize == 1 && small.training.sequenceLength == 25)
        let big = BenchmarkConfiguration.named("lstm-512x2-b32")!
        #expect(big.training.optimizer == .adam && big.training.batchSize == 32 && big.training.sequenceLength == 64)
        #expect(big.hiddenSize == 512 && big.layers == 2 && big.training.clipping == .value(5))
        #expect(BenchmarkConfiguration.named("nope") == nil)
    }

    @Test func jsonIsOneObjectPerLine() throws {
        let configuration = try #require(BenchmarkConfiguration.named("rnn-100-b1"))
        let result = try Benchmark.run(configuration, corpus: Self.corpus, seconds: 0.005, sampleSeconds: 0.005)
        let text = Benchmark.json([result, result])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["config"] as? String == "rnn-100-b1")
            #expect(object?["train_chars_per_second"] is NSNumber)
            #expect(object?["sample_chars_per_second"] is NSNumber)
        }
    }
}
