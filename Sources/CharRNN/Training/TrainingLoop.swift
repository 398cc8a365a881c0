// The one training loop: `charrnn train`, the shell's `train` and background training all run it.
//
// It owns the schedule (an iteration count, a time budget, or both: whichever ends first), the
// validation losses, the samples shown while training, when checkpoints fall due, the divergence
// guard and the stop flag. It never prints and never writes a file: it reports each event to the
// caller's observer, which speaks (a progress line, a JSON line, a post above the prompt) and
// writes checkpoints when a step says one is due.

import Foundation

/// When a training run validates, samples, asks for checkpoints and ends.
public struct TrainingSchedule: Sendable, Equatable {
    /// Iterations to do in this run, or nil: no count (then `seconds` or the stop flag ends it).
    public var iterations: Int?
    /// A time budget in seconds, or nil. With `iterations` too, whichever comes first ends the run.
    public var seconds: Double?
    /// Iterations between validation losses (0: none during the run).
    public var validateEvery: Int
    /// Iterations between samples (0: none).
    public var sampleEvery: Int
    /// Iterations after which a sample is drawn, besides every `sampleEvery`.
    public var sampleAt: [Int]
    /// Iterations between checkpoints (0: none during the run).
    public var checkpointEvery: Int
    /// Characters in a sample drawn during training.
    public var sampleLength: Int
    /// At most this many held-out characters are read for a validation loss (`Int.max`: all).
    public var validationLimit: Int

    /// A schedule; by default 1000 iterations and nothing else.
    public init(
        iterations: Int? = 1000, seconds: Double? = nil, validateEvery: Int = 0, sampleEvery: Int = 0,
        sampleAt: [Int] = [], checkpointEvery: Int = 0, sampleLength: Int = 200, validationLimit: Int = .max
    ) {
        self.iterations = iterations
        self.seconds = seconds
        self.validateEvery = validateEvery
        self.sampleEvery = sampleEvery
        self.sampleAt = sampleAt
        self.checkpointEvery = checkpointEvery
        self.sampleLength = sampleLength
        self.validationLimit = validationLimit
    }

    /// Whether a sample is drawn after `iteration`.
    public func samples(at iteration: Int) -> Bool {
        (sampleEvery > 0 && iteration % sampleEvery == 0) || sampleAt.contains(iteration)
    }

    /// Whether the validation loss is measured after `iteration`.
    public func validates(at iteration: Int) -> Bool { validateEvery > 0 && iteration % validateEvery == 0 }

    /// Whether a checkpoint falls due after `iteration`.
    public func checkpoints(at iteration: Int) -> Bool { checkpointEvery > 0 && iteration % checkpointEvery == 0 }
}

/// What one kept iteration produced.
public struct TrainingStep: Sendable {
    /// The trainer's report: iteration, loss, gradient norm, learning rate.
    public var report: IterationReport
    /// The validation loss measured after this iteration, if the schedule asked for one.
    public var validation: Double?
    /// A sample drawn after this iteration, if the schedule asked for one.
    public var sample: String?
    /// Where that sample starts: the training stream it continues.
    public var sampleStart: SampleStart? = nil
    /// True when a checkpoint falls due now: the observer writes the loop's `trainer` and `generator`.
    public var checkpointDue: Bool
}

/// Where a sample drawn during training starts: it continues one training stream from the hidden
/// state that stream carries after the iteration, fed the character the stream reads next.
public struct SampleStart: Sendable, Equatable {
    /// The stream samples continue: the first (b = 0), which reads the text from its start; with
    /// B = 1 it is min-char-rnn's only stream.
    public static let sampledStream = 0
    /// The stream (0-based; b of B).
    public var stream: Int
    /// The iteration whose carried state the sample continues.
    public var iteration: Int
    /// The last characters the stream read, as vocabulary indices, ending with the character fed
    /// first (the one the stream reads next): at most ``contextLength``.
    public var context: [Int]
    /// How many characters of context are kept.
    public static let contextLength = 24

    public init(stream: Int, iteration: Int, context: [Int]) {
        self.stream = stream
        self.iteration = iteration
        self.context = context
    }
}

extension Trainer {
    /// Stream `b`'s carried hidden state (a copy, batch 1), the index of the character it reads
    /// next in `data`, and where a sample from there starts.
    public func continuation<Data: RandomAccessCollection<Int>>(stream b: Int, of data: Data)
        -> (state: RecurrentState, next: Int, start: SampleStart) where Data.Index == Int
    {
        precondition(b >= 0 && b < state.batchSize, "no stream \(b)")
        let H = model.shape.hiddenSize
        var one = RecurrentState.zero(model.shape, batchSize: 1)
        for k in 0..<model.shape.layers {
            one.hidden[k] = Array(state.hidden[k][(b * H)..<((b + 1) * H)])
            if state.cell[k].count == state.batchSize * H { one.cell[k] = Array(state.cell[k][(b * H)..<((b + 1) * H)]) }
        }
        let streamStart = data.startIndex + b * cursor.streamLength
        let position = streamStart + min(max(cursor.position, 0), cursor.streamLength - 1)
        let contextStart = max(streamStart, position - SampleStart.contextLength + 1)
        return (
            one, data[position],
            SampleStart(stream: b, iteration: iteration, context: Array(data[contextStart...position]))
        )
    }
}

/// Why the guard stopped training. Either way the trainer holds the last good weights and optimizer state.
public enum TrainingStop: Error, Sendable, Equatable, CustomStringConvertible {
    /// The loss, a gradient or a weight became NaN or infinite (the trainer's own check).
    case nonFinite(TrainingError)
    /// The loss jumped far above chance: the previous update blew the weights up. `restoredLoss` is
    /// the training loss of the weights restored (measured by the iteration that started from them).
    case diverged(
        iteration: Int, loss: Double, limit: Double, learningRate: Double, clipping: Clipping, restoredTo: Int,
        restoredLoss: Double? = nil)

    /// The message with the shell's advice (`try set lr 0.1`).
    public var description: String {
        if case .nonFinite(let error) = self { return "guard: \(error.description)" }
        return explanation(settingLearningRate: { "set lr \($0)" }, turningClippingOn: "set clip 5")
    }

    /// The learning rate that blew up.
    public var learningRate: Double {
        switch self {
        case .nonFinite(.nonFinite(_, _, let lr, _)): return lr
        case .diverged(_, _, _, let lr, _, _, _): return lr
        }
    }

    /// True when the weights the guard restored are themselves far worse than guessing: their loss
    /// is above 1.5 × ln V (ln V is what a model that gives every character 1/V scores). Training on
    /// from them does not recover; a fresh model (or an earlier checkpoint) does.
    public var restoredIsBroken: Bool {
        guard case .diverged(_, _, let limit, _, _, _, let restoredLoss?) = self else { return false }
        return restoredLoss > 1.5 * (limit / 3)
    }

    /// The rate to advise: a tenth of the lowest rate that blew up, this one or one in `failedRates`
    /// (so the advice never repeats a rate that already failed).
    public func suggestedLearningRate(failedRates: [Double] = []) -> Double {
        ((failedRates + [learningRate]).min() ?? learningRate) / 10
    }

    /// The message, with the advice phrased by the caller: `settingLearningRate` turns a rate
    /// (already written short) into what to type; `turningClippingOn` is what to type to clip.
    /// `failedRates` are rates that blew up before for this model (the advice goes below the
    /// lowest); `startingAgain` is what to type to start from a usable model (`model new`), said
    /// when the restored weights are far worse than guessing (``restoredIsBroken``).
    public func explanation(
        settingLearningRate: (String) -> String, turningClippingOn: String, failedRates: [Double] = [],
        startingAgain: String? = nil
    ) -> String {
        let suggestion = suggestedLearningRate(failedRates: failedRates)
        let earlier = Set(failedRates.filter { $0 != learningRate }).sorted(by: >).map(shortNumber)
        let failedBefore = earlier.isEmpty ? "" : " (\(earlier.joined(separator: " and ")) blew up too)"
        /// `the learning rate 0.5 is too high: try set lr 0.05`, and clipping when it is off.
        func advice(_ clipping: Clipping) -> String {
            "the learning rate \(shortNumber(learningRate)) is too high: try "
                + settingLearningRate(shortNumber(suggestion)) + failedBefore
                + (clipping == .none ? ", and turn clipping on (\(turningClippingOn))" : "")
        }
        switch self {
        case .nonFinite(.nonFinite(let iteration, let what, _, let clipping)):
            return "guard: iteration \(iteration): the \(what) became NaN or infinite — \(advice(clipping)); "
                + "the weights and optimizer state are as they were before this iteration"
        case .diverged(let iteration, let loss, let limit, _, let clipping, let restoredTo, let restoredLoss):
            var text =
                "guard: at iteration \(iteration) the loss jumped to \(String(format: "%.3f", loss)), above 3 × ln V = "
                + "\(String(format: "%.3f", limit)) (far worse than guessing): the last update blew the weights up — "
                + "\(advice(clipping)). The weights and optimizer state are back at iteration \(restoredTo), before that update."
            if restoredIsBroken, let restoredLoss {
                text +=
                    " But those weights are broken too: their loss was \(String(format: "%.3f", restoredLoss)), far above "
                    + "ln V = \(String(format: "%.3f", limit / 3)), what guessing scores; training on from them will not "
                    + "recover. "
                    + (startingAgain.map { "Start again with \($0), then train at the lower rate." }
                        ?? "Start again from a new model at the lower rate.")
            }
            return text
        }
    }
}

/// How a run of ``TrainingLoop/run(learningRate:shouldStop:observe:)`` ended.
public enum TrainingOutcome: Sendable, Equatable {
    /// The iteration count or the time budget was reached (or the iteration counter's limit, 2^40).
    case finished
    /// The stop flag was raised (Ctrl-C, SIGTERM, `stop`).
    case stopped
    /// The divergence guard stopped it (the trainer holds the last good weights).
    case guardStopped(TrainingStop)
}

/// What the loop tells its observer.
public enum TrainingEvent: Sendable {
    /// An iteration was kept.
    case iteration(TrainingStep)
    /// The guard fired and restored the last good weights and optimizer state; the run ends.
    case guardFired(TrainingStop)
}

/// A stretch of training: the trainer, its workspace, the texts and the schedule. It reports; the
/// caller speaks.
public struct TrainingLoop: Sendable {
    /// The model, its optimizer state and the position in the text.
    public var trainer: Trainer
    /// Reused arrays.
    public var workspace: TrainingWorkspace
    /// The training text, as vocabulary indices.
    public let data: EncodedText
    /// The held-out text (may be empty: then no validation losses).
    public let validation: EncodedText
    /// When to validate, sample, checkpoint and end.
    public var schedule: TrainingSchedule
    /// How samples during training are drawn.
    public var sampling: SamplingOptions
    /// Draws the samples (saved in checkpoints with the trainer).
    public var generator: SplitMix64
    /// The last validation loss measured in this run, and its iteration.
    public private(set) var lastValidation: (iteration: Int, loss: Double)? = nil
    /// Iterations kept in this run.
    public private(set) var completed = 0
    /// The trainer as it was at the start of the previous iteration: what the guard restores when
    /// an update blew the weights up (the loss shows it one iteration later).
    var previousStart: Trainer? = nil
    /// The training loss measured with `previousStart`'s weights (the guard says whether they are usable).
    var previousLoss: Double? = nil

    /// A loop over `data` (and `validation`), continuing `trainer`.
    public init(
        trainer: Trainer, data: EncodedText, validation: EncodedText, schedule: TrainingSchedule,
        sampling: SamplingOptions = SamplingOptions(), generator: SplitMix64 = SplitMix64(seed: 0)
    ) {
        self.trainer = trainer
        self.workspace = TrainingWorkspace(shape: trainer.model.shape)
        self.data = data
        self.validation = validation
        self.schedule = schedule
        self.sampling = sampling
        self.generator = generator
    }

    /// A loop over index arrays (tests, small texts).
    public init(
        trainer: Trainer, data: [Int], validation: [Int], schedule: TrainingSchedule,
        sampling: SamplingOptions = SamplingOptions(), generator: SplitMix64 = SplitMix64(seed: 0)
    ) {
        self.init(
            trainer: trainer, data: EncodedText(data), validation: EncodedText(validation), schedule: schedule,
            sampling: sampling, generator: generator)
    }

    /// The divergence limit: a loss per character this far above chance (3 · ln V) means the
    /// weights exploded, even while every number is still finite.
    public var divergenceLimit: Double { 3 * log(Double(trainer.model.shape.vocabularySize)) }

    /// The validation loss of the current weights (`Model.validationLoss`) over at most the
    /// schedule's `validationLimit` characters of the held-out text (nil when it has too few).
    public func validationLoss() -> Double? {
        guard validation.count >= 2 else { return nil }
        return trainer.model.validationLoss(validation, limit: schedule.validationLimit)
    }

    /// At the end of a run: the validation loss of the final weights unless the last iteration
    /// measured it (nil when validation is off — `validateEvery` 0 and not `always` — or
    /// impossible, or when no iteration of this run is the trainer's latest).
    public mutating func finalValidation(lastIteration: Int?, measuredThere: Bool, always: Bool = false) -> Double? {
        guard schedule.validateEvery > 0 || always, let lastIteration, lastIteration == trainer.iteration, !measuredThere,
            let loss = validationLoss()
        else { return nil }
        lastValidation = (trainer.iteration, loss)
        return loss
    }

    /// One iteration at `learningRate`, then what the schedule asks for after it (validation,
    /// sample, whether a checkpoint is due). Throws when the guard fires, with the trainer
    /// restored to the last good weights and optimizer state.
    public mutating func iterate(learningRate: Double) throws(TrainingStop) -> TrainingStep {
        trainer.configuration.learningRate = learningRate
        let before = trainer
        let report: IterationReport
        do throws(TrainingError) {
            report = try trainer.step(on: data, workspace: &workspace)
        } catch {
            throw .nonFinite(error)  // the trainer is as it was before this iteration
        }
        // loss_i is computed with the weights the previous update made: if it exploded, undo that update too.
        if report.loss > divergenceLimit, let previousStart {
            trainer = previousStart
            self.previousStart = nil
            throw .diverged(
                iteration: report.iteration, loss: report.loss, limit: divergenceLimit, learningRate: learningRate,
                clipping: trainer.configuration.clipping, restoredTo: trainer.iteration, restoredLoss: previousLoss)
        }
        previousStart = before
        previousLoss = report.loss
        completed = completed == .max ? .max : completed + 1
        var step = TrainingStep(report: report, validation: nil, sample: nil, checkpointDue: false)
        if schedule.validates(at: report.iteration), let loss = validationLoss() {
            step.validation = loss
            lastValidation = (report.iteration, loss)
        }
        if schedule.samples(at: report.iteration) {
            // As min-char-rnn samples from hprev: the carried state of one stream (a copy: training
            // goes on untouched), fed the character that stream reads next.
            let start = trainer.continuation(stream: SampleStart.sampledStream, of: data)
            step.sample = trainer.model.sample(
                feeding: [start.next], from: start.state, length: schedule.sampleLength, options: sampling,
                using: &generator)
            step.sampleStart = start.start
        }
        step.checkpointDue = schedule.checkpoints(at: report.iteration)
        return step
    }

    /// Trains until the schedule's count or time budget is reached, `shouldStop` says so (polled
    /// before every iteration), or the guard fires. `learningRate` is read before every iteration
    /// (so a rate changed meanwhile takes effect at the next one); every event goes to `observe`
    /// with the loop as it is after the event.
    public mutating func run(
        learningRate: () -> Double, shouldStop: () -> Bool, observe: (TrainingEvent, TrainingLoop) -> Void
    ) -> TrainingOutcome {
        let start = Date()
        let first = completed
        while true {
            if let iterations = schedule.iterations, completed - first >= iterations { return .finished }
            if let seconds = schedule.seconds, Date().timeIntervalSince(start) >= seconds { return .finished }
            if shouldStop() { return .stopped }
            // The counters a checkpoint may hold end at 2^40 (`SettingRanges.counter`): a model
            // loaded near it trains up to it and no further, so what it saves still loads.
            if trainer.iteration >= SettingRanges.counter.upperBound { return .finished }
            do throws(TrainingStop) {
                let step = try iterate(learningRate: learningRate())
                observe(.iteration(step), self)
            } catch {
                observe(.guardFired(error), self)
                return .guardStopped(error)
            }
        }
    }
}

/// A number written short: `0.1`, `5`, `1e-05` (as the shell's `formatPlain` writes settings).
func shortNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    let text = String(x)
    return text.count <= 10 ? text : String(format: "%.4g", x)
}
