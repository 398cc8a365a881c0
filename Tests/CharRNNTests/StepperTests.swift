import Foundation
import Testing

@testable import CharRNN

/// The lean one-character path (sampling, `predict`) computes exactly what the batched forward pass
/// computes, step after step — and sampling draws characters as often as p says.
@Suite struct StepperTests {
    @Test(arguments: [(CellKind.rnn, 1, 100), (.rnn, 2, 37), (.lstm, 1, 64), (.lstm, 2, 130), (.gru, 3, 48), (.rnn, 1, 3)])
    func stepperMatchesForward(cell: CellKind, layers: Int, hidden: Int) throws {
        var g = SplitMix64(seed: UInt64(hidden))
        let vocabulary = try Vocabulary(characters: Array("abcdefghijklmnopqrstuvwxyz ,.!?"))
        let model = Model(vocabulary: vocabulary, cell: cell, hiddenSize: hidden, layers: layers, initialization: .pytorch, using: &g)
        let x = (0..<40).map { _ in Int(g.next() % UInt64(vocabulary.count)) }
        let cache = model.forward(inputs: x, targets: nil, batchSize: 1, from: .zero(model.shape, batchSize: 1))
        var stepper = Stepper(model: model)
        for (t, i) in x.enumerated() {
            let logits = stepper.feed(i)
            let expected = cache.slice(cache.logits, step: t, width: vocabulary.count)
            #expect(maxAbsoluteDifference(logits, expected) < 1e-4, "\(cell)×\(layers) H \(hidden) step \(t)")
        }
        #expect(maxAbsoluteDifference(stepper.state.hidden[layers - 1], cache.finalState.hidden[layers - 1]) < 1e-4)
    }

    /// Over many draws each character appears about as often as its probability.
    @Test func drawsFollowTheDistribution() {
        let options = SamplingOptions(temperature: 1)
        let p = options.distribution(logits: [2, 0, 1, -1])
        var g = SplitMix64(seed: 1)
        var counts = [0, 0, 0, 0]
        let n = 100_000
        for _ in 0..<n { counts[SamplingOptions.draw(p, using: &g)] += 1 }
        for v in 0..<4 { #expect(abs(Double(counts[v]) / Double(n) - p[v]) < 0.01, "\(v): \(counts[v]) vs \(p[v])") }
        let softmax = [2.0, 0, 1, -1].map { exp($0) }
        let total = softmax.reduce(0, +)
        for v in 0..<4 { #expect(abs(p[v] - softmax[v] / total) < 1e-12) }
    }
}
