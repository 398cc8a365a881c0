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

    /// min-char-rnn's loop, plainly: loops over scalars, the same init values, Adagrad, clip ±5.
    struct SlowMinCharRNN {
        var Wxh: [[Float]], Whh: [[Float]], Why: [[Float]], bh: [Float], by: [Float]
        var mWxh: [[Float]], mWhh: [[Float]], mWhy: [[Float]], mbh: [Float], mby: [Float]
        let H: Int, V: Int

        init(_ model: Model) {
            H = model.shape.hiddenSize
            V = model.shape.vocabularySize
            func matrix(_ t: Tensor) -> [[Float]] {
                (0..<t.shape[0]).map { Array(t.values[($0 * t.shape[1])..<(($0 + 1) * t.shape[1])]) }
            }
            Wxh = matrix(model.parameters[0]); Whh = matrix(model.parameters[1]); bh = model.parameters[2].values
            Why = matrix(model.parameters[3]); by = model.parameters[4].values
            mWxh = Wxh.map { $0.map { _ in 0 } }; mWhh = Whh.map { $0.map { _ in 0 } }; mWhy = Why.map { $0.map { _ in 0 } }
            mbh = bh.map { _ in 0 }; mby = by.map { _ in 0 }
        }

        /// lossFun + the Adagrad update; returns the summed loss and the new hprev.
        mutating func iterate(_ inputs: [Int], _ targets: [Int], _ hprev: [Float], lr: Float) -> (Float, [Float]) {
            var hs: [[Float]] = [hprev], ps: [[Float]] = []
            var loss: Float = 0
            for t in 0..<inputs.count {
                var h = [Float](repeating: 0, count: H)
                for i in 0..<H {
                    var a = bh[i] + Wxh[i][inputs[t]]
                    for j in 0..<H { a += Whh[i][j] * hs[t][j] }
                    h[i] = tanhf(a)
                }
                hs.append(h)
                var y = by
                for v in 0..<V { for i in 0..<H { y[v] += Why[v][i] * h[i] } }
                let m = y.max()!
                let e = y.map { expf($0 - m) }
                let s = e.reduce(0, +)
                ps.append(e.map { $0 / s })
                loss += -logf(ps[t][targets[t]])
            }
            var dWxh = mWxh.map { $0.map { _ in Float(0) } }, dWhh = mWhh.map { $0.map { _ in Float(0) } }
            var dWhy = mWhy.map { $0.map { _ in Float(0) } }, dbh = bh.map { _ in Float(0) }, dby = by.map { _ in Float(0) }
            var dhnext = [Float](repeating: 0, count: H)
            for t in stride(from: inputs.count - 1, through: 0, by: -1) {
                var dy = ps[t]
                dy[targets[t]] -= 1
                var dh = dhnext
                for v in 0..<V {
                    dby[v] += dy[v]
                    for i in 0..<H { dWhy[v][i] += dy[v] * hs[t + 1][i]; dh[i] += Why[v][i] * dy[v] }
                }
                let dhraw = (0..<H).map { (1 - hs[t + 1][$0] * hs[t + 1][$0]) * dh[$0] }
                for i in 0..<H {
                    dbh[i] += dhraw[i]
                    dWxh[i][inputs[t]] += dhraw[i]
                    for j in 0..<H { dWhh[i][j] += dhraw[i] * hs[t][j] }
                }
                dhnext = (0..<H).map { j in (0..<H).reduce(Float(0)) { $0 + Whh[$1][j] * dhraw[$1] } }
            }
            func clip(_ x: Float) -> Float { min(max(x, -5), 5) }
            func adagrad(_ p: inout Float, _ d: Float, _ m: inout Float) {
                let g = clip(d)
                m += g * g
                p -= lr * g / (m + 1e-8).squareRoot()
            }
            for i in 0..<H { for j in 0..<V { adagrad(&Wxh[i][j], dWxh[i][j], &mWxh[i][j]) } }
            for i in 0..<H { for j in 0..<H { adagrad(&Whh[i][j], dWhh[i][j], &mWhh[i][j]) } }
            for i in 0..<H { adagrad(&bh[i], dbh[i], &mbh[i]) }
            for v in 0..<V { for i in 0..<H { adagrad(&Why[v][i], dWhy[v][i], &mWhy[v][i]) } }
            for v in 0..<V { adagrad(&by[v], dby[v], &mby[v]) }
            return (loss, hs.last!)
        }
    }

    @Test func adagradTrainingMatchesPlainMinCharRNN() throws {
        let text = "the quick brown fox jumps over the lazy dog; the five boxing wizards jump quickly."
        let corpus = try Corpus(name: "t", text: text, validationFraction: 0)
        var generator = SplitMix64(seed: 3)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 12, using: &generator)
        var trainer = try Trainer(
            model: model, configuration: TrainingConfiguration(learningRate: 0.1, optimizer: .adagrad, sequenceLength: 10),
            trainingCount: corpus.training.count)
        var workspace = TrainingWorkspace(shape: model.shape)
        var slow = SlowMinCharRNN(model)
        var p = 0
        var hprev = [Float](repeating: 0, count: 12)
        let data = corpus.training
        for _ in 0..<40 {  // crosses the end of the text: the reset to p = 0, h = 0 is covered
            if p + 10 + 1 >= data.count { p = 0; hprev = [Float](repeating: 0, count: 12) }
            let (loss, h) = slow.iterate(Array(data[p..<(p + 10)]), Array(data[(p + 1)..<(p + 11)]), hprev, lr: 0.1)
            hprev = h
            p += 10
            let report = try trainer.step(on: data, workspace: &workspace)
            #expect(abs(report.loss * 10 - Double(loss)) < 1e-3)
        }
        #expect(maxAbsoluteDifference(trainer.model.parameters[1].values, slow.Whh.flatMap { $0 }) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.model.parameters[3].values, slow.Why.flatMap { $0 }) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.model.parameters[0].values, slow.Wxh.flatMap { $0 }) < 1e-4)
        #expect(maxAbsoluteDifference(trainer.state.hidden[0], hprev) < 1e-4)
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
