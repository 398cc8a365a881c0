import Testing

@testable import CharRNN

/// The batched forward/backward is the same math as B separate single streams, and truncated BPTT
/// stops the gradient at the chunk boundary.
@Suite struct BatchingTests {
    static func model(_ cell: CellKind, layers: Int = 2) throws -> Model {
        var generator = SplitMix64(seed: 5)
        return Model(
            vocabulary: try Vocabulary(characters: Array("abcdefg")), cell: cell, hiddenSize: 5, layers: layers,
            initialization: .pytorch, using: &generator)
    }

    /// The loss (1/B) Σ_b Σ_t loss_t,b has the mean of the per-stream gradients as its gradient.
    @Test(arguments: CellKind.allCases)
    func batchedGradientIsMeanOfStreamGradients(cell: CellKind) throws {
        let model = try Self.model(cell)
        var generator = SplitMix64(seed: 9)
        let B = 3, T = 5
        let inputs = (0..<(B * T)).map { _ in Int(generator.next() % 7) }
        let targets = (0..<(B * T)).map { _ in Int(generator.next() % 7) }
        let batched = model.backward(
            model.forward(inputs: inputs, targets: targets, batchSize: B, from: .zero(model.shape, batchSize: B)),
            lossScale: 1 / Float(B)
        ).gradients
        var mean = model.zeroGradients()
        for b in 0..<B {
            let x = Array(inputs[(b * T)..<((b + 1) * T)]), y = Array(targets[(b * T)..<((b + 1) * T)])
            let single = model.backward(
                model.forward(inputs: x, targets: y, batchSize: 1, from: .zero(model.shape, batchSize: 1))
            ).gradients
            for i in mean.indices { for j in mean[i].values.indices { mean[i].values[j] += single[i].values[j] / Float(B) } }
        }
        for i in mean.indices {
            #expect(relativeError(batched[i].values, mean[i].values) < 1e-5, "\(cell) \(mean[i].name)")
        }
    }

    /// Forward in two chunks with the state carried equals forward over the whole; the second
    /// chunk's gradients depend on the first chunk only through the carried h (and c).
    @Test(arguments: CellKind.allCases)
    func truncatedBPTTDependsOnPreviousChunkOnlyThroughState(cell: CellKind) throws {
        let model = try Self.model(cell)
        var generator = SplitMix64(seed: 13)
        let text = (0..<12).map { _ in Int(generator.next() % 7) }
        let targets = (0..<12).map { _ in Int(generator.next() % 7) }
        let whole = model.forward(inputs: text, targets: targets, batchSize: 1, from: .zero(model.shape, batchSize: 1))
        let first = model.forward(
            inputs: Array(text[..<6]), targets: Array(targets[..<6]), batchSize: 1, from: .zero(model.shape, batchSize: 1))
        let second = model.forward(inputs: Array(text[6...]), targets: Array(targets[6...]), batchSize: 1, from: first.finalState)
        #expect(maxAbsoluteDifference(whole.losses, first.losses + second.losses) < 1e-6)
        #expect(maxAbsoluteDifference(whole.finalState.hidden[1], second.finalState.hidden[1]) < 1e-6)

        // A different first chunk that ends in the same state gives the same second-chunk gradients:
        // run the second chunk from an identical copy of the state, reached by another path.
        let copied = RecurrentState(batchSize: 1, hidden: first.finalState.hidden, cell: first.finalState.cell)
        let again = model.forward(inputs: Array(text[6...]), targets: Array(targets[6...]), batchSize: 1, from: copied)
        let g1 = model.backward(second).gradients, g2 = model.backward(again).gradients
        for i in g1.indices { #expect(g1[i].values == g2[i].values) }
        // …and a different carried state changes them: the state is the (only) channel.
        var other = copied
        other.hidden[0][0] += 0.5
        let changed = model.backward(
            model.forward(inputs: Array(text[6...]), targets: Array(targets[6...]), batchSize: 1, from: other)
        ).gradients
        #expect(changed[1].values != g1[1].values)
        // And the whole-sequence gradient differs from the sum of the chunks' (the truncation loses the cross-chunk terms).
        let full = model.backward(whole).gradients
        let g0 = model.backward(first).gradients
        let summed = zip(g0[1].values, g1[1].values).map { $0 + $1 }
        #expect(maxAbsoluteDifference(full[1].values, summed) > 1e-6)
    }

    @Test func batchCursorReadsLikeMinCharRNN() throws {
        let data = Array(0..<20)
        var cursor = try BatchCursor(count: data.count, batchSize: 1, sequenceLength: 5)
        var starts: [Int] = []
        var restarts: [Bool] = []
        for _ in 0..<6 {
            let (x, y, restarted) = cursor.next(from: data)
            starts.append(x[0])
            restarts.append(restarted)
            #expect(y == x.map { $0 + 1 })
        }
        // p = 0, 5, 10 (p + 5 + 1 < 20), then 15 + 6 >= 20 → back to 0, as min-char-rnn.
        #expect(starts == [0, 5, 10, 0, 5, 10])
        #expect(restarts == [false, false, false, true, false, false])
    }

    @Test func aTextOfTPlusOneCharactersIsReadWholeEachIteration() throws {
        let data = [0, 1, 2, 2, 3]  // "hello"
        var cursor = try BatchCursor(count: 5, batchSize: 1, sequenceLength: 4)
        for i in 0..<3 {
            let (x, y, restarted) = cursor.next(from: data)
            #expect(x == [0, 1, 2, 2] && y == [1, 2, 2, 3])
            #expect(restarted == (i > 0))
        }
        #expect(throws: CorpusError.self) { try BatchCursor(count: 4, batchSize: 1, sequenceLength: 4) }
    }

    @Test func batchCursorSplitsStreams() throws {
        let data = Array(0..<40)
        var cursor = try BatchCursor(count: 40, batchSize: 2, sequenceLength: 3)
        let (x, _, _) = cursor.next(from: data)
        #expect(x == [0, 1, 2, 20, 21, 22])
    }

    @Test func tooShortTextStatesTheNumbers() {
        #expect(throws: CorpusError.tooShortForBatch(characters: 50, batch: 4, steps: 25)) {
            try BatchCursor(count: 50, batchSize: 4, sequenceLength: 25)
        }
        let message = CorpusError.tooShortForBatch(characters: 50, batch: 4, steps: 25).description
        #expect(message.contains("50") && message.contains("104"))
    }
}
