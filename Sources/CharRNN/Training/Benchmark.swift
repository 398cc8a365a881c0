// `charrnn bench`: the named configurations of the speed issue, trained and sampled for a time
// budget, measured in characters per second. The engine measures and returns values; the
// executable prints them (`BenchmarkResult.json`, `Benchmark.json(_:)`).
//
// Legend: B streams, T steps, H hidden, L layers, G gates, V vocabulary.
// Useful work of one training character (the matrix products only, multiply-add = 2 FLOPs):
//   forward  2·G·H·H per layer (W_hh h) + 2·G·H·H per layer above the first (W_ih x) + 2·V·H (W_hy h)
//   backward twice the forward (a weight gradient and an input gradient per product)
// The first layer's W_xh x is a column gather, counted as no work, as PyTorch's one-hot input is not.

import Foundation

/// One named configuration of `charrnn bench`: a model shape and its training settings.
public struct BenchmarkConfiguration: Sendable, Equatable {
    /// The name the command line takes, e.g. `lstm-256x2-b32`.
    public var name: String
    /// The kind of recurrent cell.
    public var cell: CellKind
    /// H, the hidden size of every layer.
    public var hiddenSize: Int
    /// L, the number of layers.
    public var layers: Int
    /// The training hyper-parameters (optimizer, learning rate, clipping, B, T).
    public var training: TrainingConfiguration
    /// V at least this (nil: the text's own): a Korean-size vocabulary whatever the text. The text's
    /// characters are followed by Hangul syllables it does not use, so the output layer and the
    /// softmax have V rows, as for a Korean text of that many distinct syllables.
    public var vocabularySize: Int?

    public init(
        name: String, cell: CellKind, hiddenSize: Int, layers: Int, training: TrainingConfiguration, vocabularySize: Int? = nil
    ) {
        self.name = name
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.training = training
        self.vocabularySize = vocabularySize
    }

    /// min-char-rnn's settings: Adagrad 0.1, clip ±5, batch 1 × 25.
    static let minCharRNN = TrainingConfiguration(
        learningRate: 0.1, optimizer: .adagrad, clipping: .value(5), batchSize: 1, sequenceLength: 25)
    /// The batched settings: Adam 2e-3, clip ±5, batch 32 × 64.
    static let batched = TrainingConfiguration(
        learningRate: 2e-3, optimizer: .adam, clipping: .value(5), batchSize: 32, sequenceLength: 64)

    /// The configurations of the speed issue's table, in its order.
    public static let all: [BenchmarkConfiguration] = [
        .init(name: "rnn-100-b1", cell: .rnn, hiddenSize: 100, layers: 1, training: minCharRNN),
        .init(name: "rnn-256-b32", cell: .rnn, hiddenSize: 256, layers: 1, training: batched),
        .init(name: "lstm-128-b32", cell: .lstm, hiddenSize: 128, layers: 1, training: batched),
        .init(name: "lstm-256x2-b32", cell: .lstm, hiddenSize: 256, layers: 2, training: batched),
        .init(name: "lstm-512x2-b32", cell: .lstm, hiddenSize: 512, layers: 2, training: batched),
        .init(name: "gru-256-b32", cell: .gru, hiddenSize: 256, layers: 1, training: batched),
        // A Korean-size vocabulary (a real Korean text has about 1,000–2,000 distinct syllables).
        .init(name: "rnn-100-v1500-b1", cell: .rnn, hiddenSize: 100, layers: 1, training: minCharRNN, vocabularySize: 1500),
        .init(name: "rnn-256-v1500-b32", cell: .rnn, hiddenSize: 256, layers: 1, training: batched, vocabularySize: 1500),
        .init(name: "lstm-256-v1500-b32", cell: .lstm, hiddenSize: 256, layers: 1, training: batched, vocabularySize: 1500),
    ]

    /// The names of `all`, for usage messages and completion.
    public static var names: [String] { all.map(\.name) }

    /// The configuration with the given name, or nil.
    public static func named(_ name: String) -> BenchmarkConfiguration? { all.first { $0.name == name } }

    /// FLOPs of useful work (matrix products) per training character, forward and backward,
    /// for a vocabulary of V characters (see the legend at the top of this file).
    public func trainingFlopsPerCharacter(vocabularySize V: Int) -> Double {
        let H = Double(hiddenSize), GH = Double(cell.gateCount) * H
        let forward = Double(layers) * 2 * GH * H + Double(layers - 1) * 2 * GH * H + 2 * Double(V) * H
        return 3 * forward
    }
}

/// What one configuration measured.
public struct BenchmarkResult: Sendable, Equatable {
    /// The configuration's name.
    public var config: String
    /// Training characters (B · T per iteration) per second of training, warm-up excluded.
    public var trainCharactersPerSecond: Double
    /// Characters sampled per second (batch 1, temperature 1), warm-up excluded.
    public var sampleCharactersPerSecond: Double
    /// Milliseconds per training iteration.
    public var millisecondsPerIteration: Double
    /// Useful training work per second, in GFLOP/s (see `trainingFlopsPerCharacter`).
    public var trainGigaflopsPerSecond: Double
    /// Timed training iterations.
    public var iterations: Int
    /// Seconds of timed training.
    public var trainSeconds: Double
    /// Characters sampled in the timed part.
    public var sampledCharacters: Int
    /// Seconds of timed sampling.
    public var sampleSeconds: Double
    /// The loss (nats per character) of the last training iteration.
    public var finalLoss: Double
    /// The configuration's settings, for the record.
    public var cell: CellKind, hiddenSize: Int, layers: Int, batchSize: Int, sequenceLength: Int

    /// One JSON object on one line: `config`, `train_chars_per_second`, `sample_chars_per_second`,
    /// then the details.
    public var json: String {
        func number(_ x: Double, _ digits: Int = 1) -> String {
            x.isFinite ? String(format: "%.\(digits)f", x) : "null"
        }
        return "{\"config\": \"\(config)\", \"train_chars_per_second\": \(number(trainCharactersPerSecond)), "
            + "\"sample_chars_per_second\": \(number(sampleCharactersPerSecond)), "
            + "\"ms_per_iteration\": \(number(millisecondsPerIteration, 3)), "
            + "\"train_gflops_per_second\": \(number(trainGigaflopsPerSecond, 2)), "
            + "\"iterations\": \(iterations), \"train_seconds\": \(number(trainSeconds, 3)), "
            + "\"sampled_chars\": \(sampledCharacters), \"sample_seconds\": \(number(sampleSeconds, 3)), "
            + "\"loss\": \(number(finalLoss, 4)), \"cell\": \"\(cell.rawValue)\", \"hidden\": \(hiddenSize), "
            + "\"layers\": \(layers), \"batch\": \(batchSize), \"seq\": \(sequenceLength)}"
    }
}

/// Runs the benchmark configurations.
public enum Benchmark {
    /// Trains `configuration` on `corpus` for `seconds` of timed training (after `warmupIterations`
    /// untimed ones), then samples at batch 1, temperature 1, for `sampleSeconds` (after a short
    /// untimed warm-up). The seed fixes the model, so runs differ only in timing.
    public static func run(
        _ configuration: BenchmarkConfiguration, corpus: Corpus, seconds: Double = 3,
        sampleSeconds: Double? = nil, warmupIterations: Int = 2, seed: UInt64 = 1
    ) throws(CorpusError) -> BenchmarkResult {
        let corpus = try widened(corpus, to: configuration.vocabularySize)
        var generator = SplitMix64(seed: seed)
        let model = Model(
            vocabulary: corpus.vocabulary, cell: configuration.cell, hiddenSize: configuration.hiddenSize,
            layers: configuration.layers, initialization: configuration.cell == .rnn ? .gaussian : .pytorch,
            using: &generator)
        var trainer = try Trainer(
            model: model, configuration: configuration.training, trainingCount: corpus.training.count)
        var workspace = TrainingWorkspace(shape: model.shape)
        let data = corpus.training
        var loss = Double.nan
        for _ in 0..<warmupIterations {
            if let report = try? trainer.step(on: data, workspace: &workspace) { loss = report.loss }
        }

        // Training: whole iterations until the budget is spent (at least one).
        let start = now()
        var iterations = 0, characters = 0
        var elapsed = 0.0
        repeat {
            if let report = try? trainer.step(on: data, workspace: &workspace) { loss = report.loss }
            iterations += 1
            characters += configuration.training.batchSize * configuration.training.sequenceLength
            elapsed = now() - start
        } while elapsed < seconds
        let trainSeconds = elapsed

        // Sampling: batch 1, temperature 1, one character at a time until the budget is spent.
        let budget = sampleSeconds ?? max(seconds / 3, 0.01)
        var sampleGenerator = SplitMix64(seed: seed &+ 1)
        _ = try? trainer.model.sample(prime: "", length: 20, using: &sampleGenerator)  // warm-up
        var sampled = 0
        let sampleStart = now()
        var sampleElapsed = 0.0
        repeat {
            _ = try? trainer.model.sample(prime: "", length: Int.max, using: &sampleGenerator) { _ in
                sampled += 1
                if sampled & 15 != 0 { return true }
                sampleElapsed = now() - sampleStart
                return sampleElapsed < budget
            }
            sampleElapsed = now() - sampleStart
        } while sampleElapsed < budget

        let trainRate = Double(characters) / trainSeconds
        let flops = configuration.trainingFlopsPerCharacter(vocabularySize: corpus.vocabulary.count)
        return BenchmarkResult(
            config: configuration.name, trainCharactersPerSecond: trainRate,
            sampleCharactersPerSecond: Double(sampled) / sampleElapsed,
            millisecondsPerIteration: 1000 * trainSeconds / Double(iterations),
            trainGigaflopsPerSecond: trainRate * flops / 1e9, iterations: iterations, trainSeconds: trainSeconds,
            sampledCharacters: sampled, sampleSeconds: sampleElapsed, finalLoss: loss,
            cell: configuration.cell, hiddenSize: configuration.hiddenSize, layers: configuration.layers,
            batchSize: configuration.training.batchSize, sequenceLength: configuration.training.sequenceLength)
    }

    /// `corpus` re-encoded with its vocabulary followed by Hangul syllables it does not use, up to
    /// `size` characters (unchanged when nil or not larger than its own).
    static func widened(_ corpus: Corpus, to size: Int?) throws(CorpusError) -> Corpus {
        guard let size, size > corpus.vocabulary.count else { return corpus }
        var characters = corpus.vocabulary.characters
        var value: UInt32 = 0xAC00
        while characters.count < size, value <= 0xD7A3 {
            let c = Character(Unicode.Scalar(value)!)
            if corpus.vocabulary.index(of: c) == nil { characters.append(c) }
            value += 1
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(characters: characters, unit: corpus.vocabulary.unit) } catch {
            throw .vocabulary(name: corpus.name, error)
        }
        return try Corpus(
            name: corpus.name, text: corpus.text, vocabulary: vocabulary, validationFraction: corpus.validationFraction)
    }

    /// Runs several configurations (all of them by default) one after the other.
    public static func run(
        _ configurations: [BenchmarkConfiguration] = BenchmarkConfiguration.all, corpus: Corpus,
        seconds: Double = 3, sampleSeconds: Double? = nil, warmupIterations: Int = 2
    ) throws(CorpusError) -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for configuration in configurations {
            results.append(
                try run(
                    configuration, corpus: corpus, seconds: seconds, sampleSeconds: sampleSeconds,
                    warmupIterations: warmupIterations))
        }
        return results
    }

    /// The results as JSON lines: one object per configuration, one per line (`--json`).
    public static func json(_ results: [BenchmarkResult]) -> String {
        results.map(\.json).joined(separator: "\n")
    }

    /// The engine's matrix product alone, the ceiling the models' GFLOP/s are compared with:
    /// C (n, n) += A (n, n) · B (n, n) by `Kernels.multiplyAdd` (both cores, B packed inside), the
    /// best of `repeats` timed products after one untimed, in GFLOP/s (2n³ FLOPs per product).
    public static func matrixProductGigaflops(size n: Int = 2048, repeats: Int = 3) -> Double {
        precondition(n >= 1 && repeats >= 1, "a matrix product needs a size and a repeat")
        var generator = SplitMix64(seed: 5)
        let A = (0..<(n * n)).map { _ in Float(generator.nextUnitDouble() - 0.5) }
        let B = (0..<(n * n)).map { _ in Float(generator.nextUnitDouble() - 0.5) }
        var C = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for round in 0...repeats {
            let start = now()
            A.withUnsafeBufferPointer { a in
                B.withUnsafeBufferPointer { b in
                    C.withUnsafeMutableBufferPointer { c in Kernels.multiplyAdd(n, n, n, a.baseAddress!, b.baseAddress!, c.baseAddress!) }
                }
            }
            if round > 0 { best = min(best, now() - start) }
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
