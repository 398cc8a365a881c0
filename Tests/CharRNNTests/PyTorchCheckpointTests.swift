import Foundation
import Testing

@testable import CharRNN

/// A checkpoint written by PyTorch itself (`safetensors.torch.save_file` of an `nn.LSTM(V, 8, 2)` +
/// `nn.Linear` state dict, trained 30 Adam steps; see Fixtures/make_torch_lstm.py) loads, evaluates to
/// PyTorch's loss, and samples.
@Suite struct PyTorchCheckpointTests {
    static let pytorchLoss = 2.623431921005249  // printed by make_torch_lstm.py

    @Test func pytorchLSTMLoadsAndEvaluatesToPyTorchLoss() throws {
        let path = Fixtures.directory.appendingPathComponent("torch-lstm.safetensors").path
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.model.shape == ModelShape(cell: .lstm, vocabularySize: 21, hiddenSize: 8, layers: 2))
        #expect(checkpoint.training == nil)
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("torch-lstm-text.txt"), encoding: .utf8)
        let indices = try checkpoint.model.vocabulary.encode(text)
        let model = checkpoint.model
        let cache = model.forward(
            inputs: Array(indices.dropLast()), targets: Array(indices.dropFirst()), batchSize: 1,
            from: .zero(model.shape, batchSize: 1))
        #expect(abs(cache.meanLoss - Self.pytorchLoss) < 1e-5)
        // Chunked evaluation with the state carried is the same number.
        #expect(abs(model.evaluate(indices, batchSize: 1, sequenceLength: 7) - Self.pytorchLoss) < 1e-5)
        var generator = SplitMix64(seed: 1)
        let sample = try model.sample(prime: "hello", length: 40, using: &generator)
        #expect(sample.count == 40)
    }
}
