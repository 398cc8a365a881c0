// The one definition of validation loss (issue 15, item 2): the held-out text read as one stream
// from h_0 = 0, the state carried through — checked against one forward pass written out plainly.

import Foundation
import Testing

@testable import CharRNN

@Suite struct ValidationLossTests {
    /// A text with structure, long enough for several chunks of 100 steps.
    static let text = String(repeating: "c............c a............a d............d ", count: 12)

    @Test(arguments: [CellKind.rnn, .lstm])
    func isOneStreamFromTheStartWithTheStateCarried(cell: CellKind) throws {
        var generator = SplitMix64(seed: 3)
        let vocabulary = try Vocabulary(of: Self.text, order: .sorted)
        let model = Model(vocabulary: vocabulary, cell: cell, hiddenSize: 8, initialization: .pytorch, using: &generator)
        let data = try vocabulary.encode(Self.text)
        // One forward pass over the whole text from h_0 = 0: the mean of −ln p_t[x_{t+1}].
        let whole = model.forward(
            inputs: Array(data.dropLast()), targets: Array(data.dropFirst()), batchSize: 1,
            from: .zero(model.shape, batchSize: 1))
        let expected = whole.totalLoss / Double(data.count - 1)
        #expect(abs(model.validationLoss(data) - expected) < 1e-5)
        // The limit reads the first `limit` characters, as one stream too.
        let first = Array(data.prefix(250))
        let part = model.forward(
            inputs: Array(first.dropLast()), targets: Array(first.dropFirst()), batchSize: 1,
            from: .zero(model.shape, batchSize: 1))
        #expect(abs(model.validationLoss(data, limit: 250) - part.totalLoss / 249) < 1e-5)
        // It is not the mean over 8 streams that each start from h_0 = 0 inside the text.
        #expect(abs(model.validationLoss(data) - model.evaluate(data, batchSize: 8)) > 1e-6)
    }

    /// A huge vocabulary is read in short chunks, so the logits of a chunk stay at 2^24 floats.
    @Test func aHugeVocabularyIsEvaluatedInShortChunks() {
        #expect(Model.evaluationChunk(256, batchSize: 1, vocabularySize: 65) == 256)
        #expect(Model.evaluationChunk(256, batchSize: 1, vocabularySize: 65_536) == 256)
        #expect(Model.evaluationChunk(256, batchSize: 32, vocabularySize: 2_048) == 256)
        #expect(Model.evaluationChunk(256, batchSize: 1, vocabularySize: 1_000_000) == 16)
        #expect(Model.evaluationChunk(256, batchSize: 32, vocabularySize: 2_000_000) == 1)
    }
}
