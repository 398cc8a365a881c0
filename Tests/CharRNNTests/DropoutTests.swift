import Foundation
import Testing

@testable import CharRNN

/// Dropout between stacked layers: the masks are the ones the backward pass uses, gradients are
/// right for a fixed mask, p = 0 changes nothing, and training with dropout resumes bit for bit.
@Suite struct DropoutTests {
    static let p: Float = 0.4
    static func model(_ cell: CellKind) throws -> Model {
        var g = SplitMix64(seed: 21)
        return Model(
            vocabulary: try Vocabulary(characters: Array("abcdef")), cell: cell, hiddenSize: 5, layers: 2,
            initialization: .pytorch, using: &g)
    }

    static func loss(_ model: Model, _ x: [Int], _ y: [Int], seed: UInt64, p: Float) -> Double {
        var dropout: Dropout? = Dropout(probability: p, generator: SplitMix64(seed: seed))
        var cache = ForwardCache(shape: model.shape)
        model.forward(
            inputs: x, targets: y, batchSize: 2, from: .zero(model.shape, batchSize: 2), into: &cache, dropout: &dropout)
        return cache.totalLoss
    }

    /// For a fixed mask the network is an ordinary function of its weights: its gradient, through
    /// x_t = m_t ⊙ h_t, must match central differences taken with the same mask.
    @Test(arguments: CellKind.allCases)
    func gradientsThroughAFixedMaskMatchFiniteDifferences(cell: CellKind) throws {
        let model = try Self.model(cell)
        var g = SplitMix64(seed: 3)
        let x = (0..<12).map { _ in Int(g.next() % 6) }, y = (0..<12).map { _ in Int(g.next() % 6) }
        var dropout: Dropout? = Dropout(probability: Self.p, generator: SplitMix64(seed: 99))
        var cache = ForwardCache(shape: model.shape)
        model.forward(
            inputs: x, targets: y, batchSize: 2, from: .zero(model.shape, batchSize: 2), into: &cache, dropout: &dropout)
        #expect(cache.layers[0].dropoutMask.isEmpty)
        #expect(cache.layers[1].dropoutMask.contains(0))
        let (gradients, _) = model.backward(cache)
        var probe = model
        let epsilon: Float = 1e-2
        for (i, tensor) in model.parameters.enumerated() {
            var difference = 0.0, norm = 0.0
            for j in stride(from: 0, to: tensor.values.count, by: max(1, tensor.values.count / 8)) {
                probe.parameters[i].values[j] = tensor.values[j] + epsilon
                let plus = Self.loss(probe, x, y, seed: 99, p: Self.p)
                probe.parameters[i].values[j] = tensor.values[j] - epsilon
                let minus = Self.loss(probe, x, y, seed: 99, p: Self.p)
                probe.parameters[i].values[j] = tensor.values[j]
                let numeric = (plus - minus) / (2 * Double(epsilon))
                difference += pow(numeric - Double(gradients[i].values[j]), 2)
                norm += pow(numeric, 2) + pow(Double(gradients[i].values[j]), 2)
            }
            #expect(
                difference.squareRoot() / max(norm.squareRoot(), 1e-8) < 5e-3, "\(cell) \(tensor.name) norm \(norm.squareRoot())")
        }
    }

    @Test func masksAreInvertedDropout() throws {
        let model = try Self.model(.lstm)
        let x = Array(repeating: 1, count: 2 * 500)
        var dropout: Dropout? = Dropout(probability: 0.3, generator: SplitMix64(seed: 5))
        var cache = ForwardCache(shape: model.shape)
        model.forward(
            inputs: x, targets: x, batchSize: 2, from: .zero(model.shape, batchSize: 2), into: &cache, dropout: &dropout)
        let mask = Array(cache.layers[1].dropoutMask.dropFirst(2 * 5))
        let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
        #expect(abs(dropped - 0.3) < 0.03)
        #expect(Set(mask) == [0, Float(1 / 0.7)])
        // p = 0 is exactly the forward pass without dropout.
        var none: Dropout? = Dropout(probability: 0, generator: SplitMix64(seed: 5))
        var zero = ForwardCache(shape: model.shape)
        model.forward(inputs: x, targets: x, batchSize: 2, from: .zero(model.shape, batchSize: 2), into: &zero, dropout: &none)
        let plain = model.forward(inputs: x, targets: x, batchSize: 2, from: .zero(model.shape, batchSize: 2))
        #expect(zero.losses == plain.losses)
    }

    @Test func trainingWithDropoutResumesBitForBit() throws {
        let corpus = try Corpus(
            name: "t", text: String(repeating: "to be or not to be, that is the question. ", count: 10), validationFraction: 0)
        var g = SplitMix64(seed: 8)
        let model = Model(
            vocabulary: corpus.vocabulary, cell: .gru, hiddenSize: 6, layers: 2, initialization: .pytorch, using: &g)
        let configuration = TrainingConfiguration(
            learningRate: 0.01, optimizer: .adam, batchSize: 2, sequenceLength: 9, dropout: 0.25)
        var straight = try Trainer(model: model, configuration: configuration, trainingCount: corpus.training.count, seed: 4)
        var w = TrainingWorkspace(shape: model.shape)
        for _ in 0..<4 { try straight.step(on: corpus.training, workspace: &w) }
        let path = NSTemporaryDirectory() + "charrnn-dropout-\(getpid()).safetensors"
        defer { unlink(path) }
        try Checkpoint(model: straight.model, training: TrainingState(trainer: straight, generator: nil)).write(path: path)
        var resumed = try Checkpoint.read(path: path).training!.trainer
        try resumed.attach(trainingCount: corpus.training.count)
        #expect(resumed.configuration.dropout == 0.25)
        for _ in 0..<5 {
            try straight.step(on: corpus.training, workspace: &w)
            try resumed.step(on: corpus.training, workspace: &w)
        }
        #expect(resumed.model.parameters == straight.model.parameters)
        #expect(resumed.generator == straight.generator)
        // Dropout is really on: the same run without it ends elsewhere.
        var plain = try Trainer(
            model: model,
            configuration: TrainingConfiguration(learningRate: 0.01, optimizer: .adam, batchSize: 2, sequenceLength: 9),
            trainingCount: corpus.training.count, seed: 4)
        for _ in 0..<9 { try plain.step(on: corpus.training, workspace: &w) }
        #expect(plain.model.parameters != straight.model.parameters)
    }
}
