import Testing

@testable import CharRNN

/// The first proof of every gradient: central finite differences on random small models of every
/// cell and depth — and a check that the check itself can fail.
@Suite struct GradientCheckTests {
    static func randomCase(cell: CellKind, layers: Int, seed: UInt64) throws -> (Model, [Int], [Int], RecurrentState) {
        var generator = SplitMix64(seed: seed)
        let vocabulary = try Vocabulary(characters: ["a", "b", "c", "d", "e"])
        let model = Model(
            vocabulary: vocabulary, cell: cell, hiddenSize: 4, layers: layers, initialization: .pytorch, using: &generator)
        let B = 2, T = 6
        let inputs = (0..<(B * T)).map { _ in Int(generator.next() % 5) }
        let targets = (0..<(B * T)).map { _ in Int(generator.next() % 5) }
        // A nonzero carried state, so the check covers h_0 (and c_0) entering the chunk.
        var state = RecurrentState.zero(model.shape, batchSize: B)
        for k in 0..<layers {
            state.hidden[k] = state.hidden[k].map { _ in Float(generator.nextUnitDouble() - 0.5) }
            state.cell[k] = state.cell[k].map { _ in Float(generator.nextUnitDouble() - 0.5) }
        }
        return (model, inputs, targets, state)
    }

    @Test(arguments: [(CellKind.rnn, 1), (.rnn, 2), (.lstm, 1), (.lstm, 2), (.gru, 1), (.gru, 3)])
    func analyticGradientsMatchFiniteDifferences(cell: CellKind, layers: Int) throws {
        let (model, inputs, targets, state) = try Self.randomCase(cell: cell, layers: layers, seed: 7)
        var generator = SplitMix64(seed: 1)
        let results = GradientCheck.run(
            model: model, inputs: inputs, targets: targets, batchSize: 2, from: state, lossScale: 0.5,
            using: &generator)
        #expect(results.count == model.parameters.count)
        for r in results {
            #expect(r.passed, "\(cell)×\(layers) \(r.name): relative error \(r.relativeError)")
            #expect(r.relativeError < 5e-3, "\(cell)×\(layers) \(r.name): relative error \(r.relativeError)")
        }
    }

    /// Break one gradient on purpose: the check must catch it (and only it).
    @Test(arguments: CellKind.allCases)
    func corruptedGradientIsCaught(cell: CellKind) throws {
        let (model, inputs, targets, state) = try Self.randomCase(cell: cell, layers: 1, seed: 11)
        let cache = model.forward(inputs: inputs, targets: targets, batchSize: 2, from: state)
        var (gradients, _) = model.backward(cache, lossScale: 1)
        let broken = 1  // W_hh: double every entry, as a backward pass that counted dh_next twice would
        gradients[broken].values = gradients[broken].values.map { $0 * 2 }
        var generator = SplitMix64(seed: 1)
        let results = GradientCheck.run(
            model: model, inputs: inputs, targets: targets, batchSize: 2, from: state, analytic: gradients,
            using: &generator)
        #expect(!results[broken].passed, "the check missed a doubled \(results[broken].name)")
        #expect(results[broken].relativeError > 0.1)
        for (i, r) in results.enumerated() where i != broken { #expect(r.passed, "\(r.name) \(r.relativeError)") }
    }

    /// One wrong entry (a sign) in a small tensor is caught too.
    @Test func flippedSignIsCaught() throws {
        let (model, inputs, targets, state) = try Self.randomCase(cell: .rnn, layers: 1, seed: 3)
        var (gradients, _) = model.backward(model.forward(inputs: inputs, targets: targets, batchSize: 2, from: state))
        let bias = model.parameters.firstIndex { $0.mathName == "b_h" }!
        let j = gradients[bias].values.indices.max { abs(gradients[bias].values[$0]) < abs(gradients[bias].values[$1]) }!
        gradients[bias].values[j] = -gradients[bias].values[j]
        var generator = SplitMix64(seed: 1)
        let results = GradientCheck.run(
            model: model, inputs: inputs, targets: targets, batchSize: 2, from: state, analytic: gradients, using: &generator)
        #expect(!results[bias].passed)
    }
}

extension GradientCheckTests {
    /// A model trained until its loss is ≈ 0 has gradients below float32's noise: reported as such,
    /// not as a failure — and a normal model is never taken for one.
    @Test func vanishingGradientsAreBelowNoiseNotFailures() throws {
        let corpus = try Corpus(name: "hello", text: "hello", order: .firstAppearance, validationFraction: 0)
        var g = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 3, using: &g)
        var trainer = try Trainer(
            model: model, configuration: TrainingConfiguration(learningRate: 0.5, sequenceLength: 4), trainingCount: 5)
        var w = TrainingWorkspace(shape: model.shape)
        for _ in 0..<20_000 { try trainer.step(on: corpus.training, workspace: &w) }
        let x = Array(corpus.training.dropLast()), y = Array(corpus.training.dropFirst())
        let results = GradientCheck.run(model: trainer.model, inputs: x, targets: y, batchSize: 1, using: &g)
        #expect(results.allSatisfy { $0.passed })
        #expect(results.contains { $0.belowNoise })
        let (fresh, inputs, targets, state) = try Self.randomCase(cell: .rnn, layers: 1, seed: 7)
        let normal = GradientCheck.run(model: fresh, inputs: inputs, targets: targets, batchSize: 2, from: state, using: &g)
        let anyBelowNoise = normal.contains { $0.belowNoise }
        #expect(!anyBelowNoise)
    }
}
