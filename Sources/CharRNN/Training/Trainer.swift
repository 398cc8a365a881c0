// Training by truncated backpropagation through time: B streams × T steps per iteration, the hidden
// state carried from chunk to chunk, the gradient stopped at each chunk's start.
//
// The loss of one iteration is (1/B) Σ_b Σ_t loss_t,b — each stream's summed loss, as min-char-rnn
// sums over its 25 steps, averaged over the streams. With B = 1 this is min-char-rnn exactly.
// The loss *reported* is the mean per character, (1/(B·T)) Σ loss, in nats.

import Foundation

/// The hyper-parameters of training.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// The learning rate (before the schedule).
    public var learningRate: Double = 0.1
    /// The update rule.
    public var optimizer: OptimizerKind = .adagrad
    /// Gradient clipping.
    public var clipping: Clipping = .value(5)
    /// B, the number of parallel streams.
    public var batchSize: Int = 1
    /// T, the steps of truncated backpropagation through time.
    public var sequenceLength: Int = 25
    /// The learning-rate decay.
    public var schedule: LearningRateSchedule = .constant
    /// p of dropout between stacked layers (0: none; no effect with one layer).
    public var dropout: Double = 0

    public init(
        learningRate: Double = 0.1, optimizer: OptimizerKind = .adagrad, clipping: Clipping = .value(5),
        batchSize: Int = 1, sequenceLength: Int = 25, schedule: LearningRateSchedule = .constant, dropout: Double = 0
    ) {
        self.dropout = dropout
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.clipping = clipping
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.schedule = schedule
    }
}

/// What one training iteration did.
public struct IterationReport: Sendable, Equatable {
    /// The iteration's number, counted from 1.
    public var iteration: Int
    /// The mean loss per character of this iteration's batch, before its update, in nats.
    public var loss: Double
    /// How many characters the iteration read (B · T).
    public var characters: Int
    /// ‖g‖, the global gradient norm before clipping.
    public var gradientNorm: Double
    /// How many gradient entries clipping changed.
    public var clippedEntries: Int
    /// The learning rate used.
    public var learningRate: Double
    /// True when the cursor went back to the start of the text (h was reset to 0).
    public var restarted: Bool
}

/// Why an iteration was refused.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss or a gradient or a weight became NaN or infinite; the model was left as it was.
    case nonFinite(iteration: Int, what: String, learningRate: Double, clipping: Clipping)

    public var description: String {
        switch self {
        case .nonFinite(let iteration, let what, let lr, let clipping):
            var advice = "the learning rate \(lr) is too high: try \(lr / 10)"
            if clipping == .none { advice += ", and turn clipping on (set clip 5)" }
            return
                "iteration \(iteration): the \(what) became NaN or infinite — \(advice); the weights and optimizer state are as they were before this iteration"
        }
    }
}

/// A training run: the model, its optimizer, the position in the text and the carried hidden state.
/// Everything that must be saved to resume exactly is here.
public struct Trainer: Sendable, Equatable {
    /// The model being trained.
    public var model: Model
    /// The optimizer and its state.
    public var optimizer: Optimizer
    /// The hyper-parameters. A change of `learningRate` takes effect at the next iteration.
    public var configuration: TrainingConfiguration
    /// Where the next chunk starts.
    public var cursor: BatchCursor
    /// The hidden state carried into the next chunk.
    public var state: RecurrentState
    /// Iterations done so far.
    public var iteration: Int
    /// Where the dropout masks are drawn from (seeded by `init`; saved in training checkpoints).
    public var generator: SplitMix64

    /// A trainer at iteration 0 over `count` training characters; `seed` seeds the dropout masks.
    public init(
        model: Model, configuration: TrainingConfiguration, trainingCount count: Int, seed: UInt64 = 0
    ) throws(CorpusError) {
        self.generator = SplitMix64(seed: seed)
        self.model = model
        self.configuration = configuration
        self.cursor = try BatchCursor(
            count: count, batchSize: configuration.batchSize, sequenceLength: configuration.sequenceLength)
        self.optimizer = Optimizer(kind: configuration.optimizer, parameters: model.parameters)
        self.state = .zero(model.shape, batchSize: configuration.batchSize)
        self.iteration = 0
    }

    /// The learning rate the next iteration will use.
    public var currentLearningRate: Double {
        configuration.schedule.rate(configuration.learningRate, iteration: iteration)
    }

    /// One iteration: the next chunk, forward, backward, clip, update. If anything becomes
    /// non-finite, throws and leaves the trainer exactly as it was.
    ///
    /// How "exactly as it was" is kept without copying the model each iteration: the loss and the
    /// gradient are checked before anything is committed (only the cursor and the carried state
    /// have moved, and they are put back); the update writes the new weights and optimizer state
    /// into the workspace's spare arrays, which are swapped in only if every new weight is finite
    /// (the old arrays become the next spare: nothing is copied).
    @discardableResult
    public mutating func step<Data: RandomAccessCollection<Int>>(
        on data: Data, workspace: inout TrainingWorkspace
    ) throws(TrainingError) -> IterationReport where Data.Index == Int {
        let cursorBefore = cursor, stateBefore = state, generatorBefore = generator  // restored on failure
        let B = configuration.batchSize, T = configuration.sequenceLength
        let (inputs, targets, restarted) = cursor.next(from: data)
        if restarted { state = .zero(model.shape, batchSize: B) }
        let lr = currentLearningRate
        let nextIteration = iteration < Int.max ? iteration + 1 : Int.max  // the number this iteration reports
        if configuration.dropout > 0 && model.shape.layers > 1 {
            var dropout: Dropout? = Dropout(probability: Float(configuration.dropout), generator: generator)
            model.forward(inputs: inputs, targets: targets, batchSize: B, from: state, into: &workspace.cache, dropout: &dropout)
            generator = dropout!.generator
        } else {
            model.forward(inputs: inputs, targets: targets, batchSize: B, from: state, into: &workspace.cache)
        }
        let loss = workspace.cache.meanLoss
        guard loss.isFinite else {
            (cursor, state, generator) = (cursorBefore, stateBefore, generatorBefore)
            throw .nonFinite(iteration: nextIteration, what: "loss", learningRate: lr, clipping: configuration.clipping)
        }
        if workspace.gradients.count != model.parameters.count { workspace.gradients = model.zeroGradients() }
        model.backward(workspace.cache, lossScale: 1 / Float(B), gradients: &workspace.gradients, trace: &workspace.trace)
        let (norm, changedCount) = configuration.clipping.applyCounting(&workspace.gradients)
        guard norm.isFinite else {
            (cursor, state, generator) = (cursorBefore, stateBefore, generatorBefore)
            throw .nonFinite(iteration: nextIteration, what: "gradient", learningRate: lr, clipping: configuration.clipping)
        }
        let finite = optimizer.update(
            model.parameters, gradients: workspace.gradients, learningRate: Float(lr), into: &workspace.spare)
        guard finite else {  // the new values are dropped: the weights and the optimizer state are as they were
            (cursor, state, generator) = (cursorBefore, stateBefore, generatorBefore)
            throw .nonFinite(iteration: nextIteration, what: "weights", learningRate: lr, clipping: configuration.clipping)
        }
        workspace.spare.swap(into: &model.parameters, &optimizer)
        workspace.cache.copyFinalState(into: &state)
        iteration = nextIteration  // saturating: a counter read from a file must not trap
        return IterationReport(
            iteration: iteration, loss: loss, characters: B * T, gradientNorm: norm,
            clippedEntries: changedCount, learningRate: lr, restarted: restarted)
    }
}

/// The arrays an update writes its new weights and optimizer state into (`Optimizer.update(_:gradients:
/// learningRate:into:)`), kept from iteration to iteration: after a good update they are swapped with
/// the model's and the optimizer's (moves, not copies), and the old values become the next spare.
struct TrainingSpare: Sendable {
    /// The new weights, one array per parameter, then the optimizer's new `first` and `second` state.
    var arrays: [[Float]] = []
    /// The optimizer's step after the update.
    var step = 0

    /// Makes `arrays` the shapes of `current` (keeping the storage that fits; the values are overwritten).
    mutating func size(like current: [[Float]]) {
        if arrays.count != current.count { arrays = Array(repeating: [], count: current.count) }
        for i in current.indices where arrays[i].count != current[i].count {
            arrays[i] = [Float](repeating: 0, count: current[i].count)
        }
    }

    /// Puts the new values in place: the weights, the optimizer's state and step; the old arrays
    /// come back here.
    mutating func swap(into parameters: inout [Tensor], _ optimizer: inout Optimizer) {
        let n = parameters.count, firstCount = optimizer.first.count
        debugCheck(arrays.count == n + firstCount + optimizer.second.count, "a spare for these parameters and this optimizer")
        for i in 0..<n { Swift.swap(&parameters[i].values, &arrays[i]) }
        for i in 0..<firstCount { Swift.swap(&optimizer.first[i], &arrays[n + i]) }
        for i in optimizer.second.indices { Swift.swap(&optimizer.second[i], &arrays[n + firstCount + i]) }
        optimizer.step = step
    }
}

/// Reusable arrays for training, so iterations allocate as little as possible.
public struct TrainingWorkspace: Sendable {
    public var cache: ForwardCache
    public var gradients: [Tensor] = []
    public var trace = BackwardTrace()
    /// Where the current update writes the new weights and optimizer state (see `Trainer.step`).
    var spare = TrainingSpare()

    public init(shape: ModelShape) { cache = ForwardCache(shape: shape) }
}

extension Model {
    /// The mean loss per character (nats) over `data`, read as B streams in chunks of T steps from
    /// h_0 = 0 with the state carried — at most `limit` characters per stream.
    public func evaluate<Data: RandomAccessCollection<Int>>(
        _ data: Data, batchSize: Int = 1, sequenceLength: Int = 100, limit: Int = .max
    ) -> Double where Data.Index == Int {
        var B = batchSize
        while B > 1 && data.count / B < 2 { B -= 1 }
        let sequenceLength = Model.evaluationChunk(sequenceLength, batchSize: B, vocabularySize: shape.vocabularySize)
        let streamLength = min(data.count / B, limit)
        guard streamLength >= 2 else { return .nan }
        var state = RecurrentState.zero(shape, batchSize: B)
        var cache = ForwardCache(shape: shape)
        var total = 0.0, count = 0
        var position = 0
        while position + 1 < streamLength {
            let T = min(sequenceLength, streamLength - 1 - position)
            var inputs = [Int](repeating: 0, count: B * T), targets = inputs
            for b in 0..<B {
                let start = b * (data.count / B) + position
                for t in 0..<T {
                    inputs[b * T + t] = data[start + t]
                    targets[b * T + t] = data[start + t + 1]
                }
            }
            forward(inputs: inputs, targets: targets, batchSize: B, from: state, into: &cache)
            total += cache.totalLoss
            count += B * T
            state = cache.finalState
            position += T
        }
        return total / Double(count)
    }
}

extension Model {
    /// The steps `evaluate` reads at a time: `sequenceLength`, or fewer so that a chunk holds at
    /// most 2^24 logits (64 MB; the cache holds them and their softmax) — a model with a vocabulary
    /// of a million characters read 256 steps at a time took 2 GB. Every vocabulary of up to 65,536
    /// characters keeps 256 steps at batch 1, and of up to 2,048 at batch 32. The chunks change
    /// where the losses are summed, not the state carried from step to step.
    static func evaluationChunk(_ sequenceLength: Int, batchSize B: Int, vocabularySize V: Int) -> Int {
        min(sequenceLength, max(1, (1 << 24) / max(1, B * V)))
    }

    /// The validation loss as charrnn reports it everywhere (`charrnn train`, the shell's `val`,
    /// the lessons' `eval loss`): the mean loss per character over the held-out text read as one
    /// stream from its start, from h_0 = 0, in chunks of 100 steps with the state carried through —
    /// its first `limit` characters.
    public func validationLoss<Data: RandomAccessCollection<Int>>(_ data: Data, limit: Int = .max) -> Double
    where Data.Index == Int {
        evaluate(data, batchSize: 1, sequenceLength: 100, limit: max(2, limit))
    }
}

/// Ways of stating a loss in nats per character.
public enum LossUnits {
    /// Bits per character: nats / ln 2.
    public static func bitsPerCharacter(_ nats: Double) -> Double { nats / log(2.0) }
    /// Perplexity: e^nats — the number of equally likely characters the model is choosing among.
    public static func perplexity(_ nats: Double) -> Double { exp(nats) }
}
