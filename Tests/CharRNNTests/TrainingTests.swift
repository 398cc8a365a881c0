import Foundation
import Testing

@testable import CharRNN

/// Optimizers, the training loop, sampling, and checkpoints (round trip, resume, bad files).
@Suite struct TrainingTests {
    // MARK: - One update, against numpy

    @Test(arguments: [OptimizerKind.sgd, .adagrad])
    func oneUpdateMatchesNumpy(kind: OptimizerKind) throws {
        var model = try ReferenceTests.helloModel()
        let cache = try ReferenceTests.helloForward(model)
        var (gradients, _) = model.backward(cache)
        Clipping.value(5).apply(&gradients)
        var optimizer = Optimizer(kind: kind, parameters: model.parameters)
        optimizer.update(&model.parameters, gradients: gradients, learningRate: 0.1)
        let expected = ReferenceTests.hello[kind == .sgd ? "after_sgd" : "after_adagrad"] as! [String: Any]
        for (i, name) in ["W_xh", "W_hh", "b_h", "W_hy", "b_y"].enumerated() {
            #expect(maxAbsoluteDifference(model.parameters[i].values, Fixtures.flat(expected[name])) < 1e-5, "\(kind) \(name)")
        }
    }

    @Test func clippingByValueAndNorm() {
        var g = [Tensor(name: "a", shape: [3], values: [7, -9, 1])]
        let (norm, changed) = Clipping.value(5).apply(&g)
        #expect(g[0].values == [5, -5, 1])
        #expect(changed == [[0, 1]])
        #expect(abs(norm - (49.0 + 81 + 1).squareRoot()) < 1e-9)
        var h = [Tensor(name: "a", shape: [2], values: [3, 4])]
        Clipping.norm(1).apply(&h)
        #expect(maxAbsoluteDifference(h[0].values, [0.6, 0.8]) < 1e-6)
    }

    // MARK: - min-char-rnn, written again the slow way

    // The plain min-char-rnn loop is `ReferenceTraining` (Sources/CharRNN/Reference/ReferenceTraining.swift):
    // loops over scalars, Adagrad, clip ±5, the state carried from chunk to chunk.

    @Test func adagradTrainingMatchesPlainMinCharRNN() throws {
        let text = "the quick brown fox jumps over the lazy dog; the five boxing wizards jump quickly."
        let corpus = try Corpus(name: "t", text: text, validationFraction: 0)
        var generator = SplitMix64(seed: 3)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 12, using: &generator)
        var trainer = try Trainer(
            model: model, configuration: TrainingConfiguration(learningRate: 0.1, optimizer: .adagrad, sequenceLength: 10),
            trainingCount: corpus.training.count)
        var workspace = TrainingWorkspace(shape: model.shape)
        var slow = ReferenceTraining(model: ReferenceModel(model), sequenceLength: 10, learningRate: 0.1)
        let data = Array(corpus.training)
        for _ in 0..<40 {  // crosses the end of the text: the reset to p = 0, h = 0 is covered
            let loss = slow.iterate(on: data)
            let report = try trainer.step(on: data, workspace: &workspace)
            #expect(abs(report.loss * 10 - Double(loss)) < 1e-3)
        }
        let slowParameters = slow.model.tensors
        #expect(maxAbsoluteDifference(trainer.model.parameters[1].values, slowParameters[1].values) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.model.parameters[3].values, slowParameters[3].values) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.model.parameters[0].values, slowParameters[0].values) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.state.hidden[0], slow.hprev.h[0]) < 1e-4)
    }

    @Test func nonFiniteLossLeavesTheTrainerAsItWas() throws {
        let corpus = try Corpus(name: "hello", text: "hello", order: .firstAppearance, validationFraction: 0)
        var generator = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 3, using: &generator)
        var trainer = try Trainer(
            model: model,
            configuration: TrainingConfiguration(learningRate: 1e38, optimizer: .sgd, clipping: .none, sequenceLength: 3),
            trainingCount: 5)
        var workspace = TrainingWorkspace(shape: model.shape)
        var failure: TrainingError?
        var before = trainer
        for _ in 0..<20 {
            before = trainer
            do { try trainer.step(on: corpus.training, workspace: &workspace) } catch {
                failure = error
                break
            }
        }
        #expect(failure != nil)
        #expect(trainer == before)
        #expect(failure!.description.contains("learning rate"))
        #expect(failure!.description.contains("clip"))
    }

    // MARK: - Sampling

    @Test func seededSamplingIsReproducible() throws {
        var g = SplitMix64(seed: 4)
        let model = Model(
            vocabulary: try Vocabulary(characters: Array("abcdef")), hiddenSize: 8, initialization: .uniform, using: &g)
        var g1 = SplitMix64(seed: 99), g2 = SplitMix64(seed: 99), g3 = SplitMix64(seed: 100)
        let a = try model.sample(prime: "ab", length: 200, using: &g1)
        let b = try model.sample(prime: "ab", length: 200, using: &g2)
        let c = try model.sample(prime: "ab", length: 200, using: &g3)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 200)
        var streamed = ""
        var g4 = SplitMix64(seed: 99)
        _ = try model.sample(prime: "ab", length: 200, using: &g4) {
            streamed.append($0); return true
        }
        #expect(streamed == a)
    }

    @Test func lowTemperatureEqualsArgmax() throws {
        var g = SplitMix64(seed: 4)
        let model = Model(
            vocabulary: try Vocabulary(characters: Array("abcdef")), hiddenSize: 8, initialization: .pytorch, using: &g)
        var g1 = SplitMix64(seed: 1), g2 = SplitMix64(seed: 2)
        let greedy = try model.sample(prime: "a", length: 50, options: .init(argmax: true), using: &g1)
        let cold = try model.sample(prime: "a", length: 50, options: .init(temperature: 1e-6), using: &g2)
        #expect(greedy == cold)
        let p = SamplingOptions(temperature: 1, topK: 2).distribution(logits: [0, 3, 1, 2])
        #expect(p[0] == 0 && p[2] == 0 && abs(p[1] + p[3] - 1) < 1e-12)
    }

    @Test func unknownPrimeCharactersAreNamed() throws {
        var g = SplitMix64(seed: 4)
        let model = Model(vocabulary: try Vocabulary(characters: Array("abc")), hiddenSize: 2, using: &g)
        #expect(throws: VocabularyError.unknownCharacters(["x", "한"])) { try model.sample(prime: "ax한x", length: 1, using: &g) }
    }

    // MARK: - Checkpoints

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "charrnn-test-\(getpid())-\(name)"
    }

    static func trainedTrainer(cell: CellKind, steps: Int) throws -> (Trainer, [Int]) {
        let corpus = try Corpus(name: "t", text: String(repeating: "abracadabra, simsalabim! ", count: 8), validationFraction: 0)
        var g = SplitMix64(seed: 8)
        let model = Model(
            vocabulary: corpus.vocabulary, cell: cell, hiddenSize: 6, layers: 2, initialization: .pytorch, using: &g)
        var trainer = try Trainer(
            model: model,
            configuration: TrainingConfiguration(learningRate: 0.01, optimizer: .adam, batchSize: 2, sequenceLength: 7),
            trainingCount: corpus.training.count)
        var w = TrainingWorkspace(shape: model.shape)
        for _ in 0..<steps { try trainer.step(on: corpus.training, workspace: &w) }
        return (trainer, Array(corpus.training))
    }

    @Test(arguments: CellKind.allCases)
    func checkpointRoundTripIsBitExact(cell: CellKind) throws {
        let (trainer, _) = try Self.trainedTrainer(cell: cell, steps: 3)
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: SplitMix64(seed: 77)),
            extra: ["seed": "8"])
        let path = Self.temporaryPath("roundtrip-\(cell).safetensors")
        defer { unlink(path) }
        try checkpoint.write(path: path)
        var loaded = try Checkpoint.read(path: path)
        #expect(loaded.model == trainer.model)
        #expect(loaded.extra == ["seed": "8"])
        #expect(loaded.training?.generator == SplitMix64(seed: 77))
        try loaded.training!.trainer.attach(trainingCount: 200)
        #expect(loaded.training!.trainer == trainer)
    }

    @Test func resumedTrainingContinuesBitForBit() throws {
        let (straight, data) = try Self.trainedTrainer(cell: .lstm, steps: 12)
        let (halfway, _) = try Self.trainedTrainer(cell: .lstm, steps: 5)
        let path = Self.temporaryPath("resume.safetensors")
        defer { unlink(path) }
        try Checkpoint(model: halfway.model, training: TrainingState(trainer: halfway, generator: nil)).write(path: path)
        var resumed = try Checkpoint.read(path: path).training!.trainer
        try resumed.attach(trainingCount: data.count)
        var w = TrainingWorkspace(shape: resumed.model.shape)
        for _ in 0..<7 { try resumed.step(on: data, workspace: &w) }
        #expect(resumed.model.parameters == straight.model.parameters)
        #expect(resumed.optimizer == straight.optimizer)
        #expect(resumed.state == straight.state)
    }

    @Test func badCheckpointsGiveOneClearErrorAndNoModel() throws {
        let (trainer, _) = try Self.trainedTrainer(cell: .rnn, steps: 1)
        let good = Checkpoint(model: trainer.model).file()
        let bytes = good.encoded()
        let path = Self.temporaryPath("bad.safetensors")
        defer { unlink(path) }
        var current = trainer.model
        // Truncations at many points: always an error, never a crash, and the model is untouched.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)) {
            try AtomicFile.write(Array(bytes[..<cut]), to: path)
            do {
                current = try Checkpoint.read(path: path).model
                Issue.record("truncated at \(cut) loaded")
            } catch {
                #expect(error.description.contains(path))
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(current == trainer.model)
        // Valid safetensors, wrong content.
        func expectInvalid(_ file: SafetensorsFile, _ fragment: String) {
            do {
                _ = try Checkpoint(file: file, source: "x.safetensors")
                Issue.record("accepted: \(fragment)")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
        var noVocabulary = good
        noVocabulary.metadata["vocabulary"] = nil
        expectInvalid(noVocabulary, "vocabulary")
        var wrongVocabulary = good
        wrongVocabulary.metadata["vocabulary"] = "[\"a\", \"bb\"]"
        expectInvalid(wrongVocabulary, "one character")
        var wrongShape = good
        wrongShape.tensors[wrongShape.tensors.firstIndex { $0.name == "decoder.bias" }!] = .init(
            name: "decoder.bias", shape: [2], values: [0, 0])
        expectInvalid(wrongShape, "decoder.bias")
        var nan = good
        let i = nan.tensors.firstIndex { $0.name == "rnn.weight_hh_l0" }!
        nan.tensors[i].values[0] = .nan
        expectInvalid(nan, "NaN")
        var badCell = good
        badCell.metadata["cell"] = "transformer"
        expectInvalid(badCell, "transformer")
    }

    /// A state dict as PyTorch writes it (separate non-zero bias_ih and bias_hh, no charrnn keys but
    /// the vocabulary) loads and evaluates to PyTorch's loss.
    @Test(arguments: 0..<5)
    func pytorchStyleFileLoadsAndEvaluatesToPyTorchLoss(index: Int) throws {
        let case_ = ReferenceTests.torchCases[index]
        let tensors = case_["tensors"] as! [String: [String: Any]]
        var file = SafetensorsFile(tensors: [], metadata: ["vocabulary": "[\"a\",\"b\",\"c\",\"d\",\"e\"]"])
        for (name, t) in tensors {
            let shape = (t["shape"] as! [NSNumber]).map(\.intValue)
            file.tensors.append(.init(name: name, shape: shape, values: Fixtures.flat(t["value"])))
        }
        let model = try Checkpoint(
            file: SafetensorsFile.decode(file.encoded(), source: "torch.safetensors"), source: "torch.safetensors"
        ).model
        #expect(model.shape.cell.rawValue == case_["cell"] as! String)
        let inputs = (case_["inputs"] as! [NSNumber]).map(\.intValue)
        let targets = (case_["targets"] as! [NSNumber]).map(\.intValue)
        let loss = model.forward(inputs: inputs, targets: targets, batchSize: 1, from: .zero(model.shape, batchSize: 1)).meanLoss
        #expect(abs(loss - (case_["loss_mean"] as! Double)) < 1e-5)
    }
}
