import Foundation
import Testing

@testable import CharRNN

/// The one training loop (`TrainingLoop`): its schedule, its events, the divergence guard, the stop
/// flag, and counters that cannot overflow.
@Suite struct TrainingLoopTests {
    /// A small RNN on a repeated sentence, and its corpus.
    static func setUp(
        learningRate: Double = 0.1, optimizer: OptimizerKind = .adagrad, clipping: Clipping = .value(5)
    ) throws -> (Trainer, Corpus) {
        let corpus = try Corpus(
            name: "fox", text: String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20))
        var generator = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 8, using: &generator)
        let configuration = TrainingConfiguration(
            learningRate: learningRate, optimizer: optimizer, clipping: clipping, batchSize: 2, sequenceLength: 10)
        let trainer = try Trainer(model: model, configuration: configuration, trainingCount: corpus.training.count)
        return (trainer, corpus)
    }

    static func loop(
        _ schedule: TrainingSchedule, learningRate: Double = 0.1, optimizer: OptimizerKind = .adagrad,
        clipping: Clipping = .value(5)
    ) throws -> TrainingLoop {
        let (trainer, corpus) = try setUp(learningRate: learningRate, optimizer: optimizer, clipping: clipping)
        return TrainingLoop(trainer: trainer, data: corpus.training, validation: corpus.validation, schedule: schedule)
    }

    @Test func runsTheCountAndReportsEveryIterationWithTheScheduledExtras() throws {
        var loop = try Self.loop(
            TrainingSchedule(iterations: 12, validateEvery: 5, sampleAt: [3, 7], checkpointEvery: 4, sampleLength: 15))
        var iterations: [Int] = [], validated: [Int] = [], sampled: [Int] = [], due: [Int] = []
        let outcome = loop.run(learningRate: { 0.1 }, shouldStop: { false }) { event, state in
            guard case .iteration(let step) = event else { Issue.record("unexpected \(event)"); return }
            iterations.append(step.report.iteration)
            #expect(state.trainer.iteration == step.report.iteration)  // the observer sees the loop after the step
            if step.validation != nil { validated.append(step.report.iteration) }
            if let sample = step.sample {
                sampled.append(step.report.iteration)
                #expect(sample.count == 15)
            }
            if step.checkpointDue { due.append(step.report.iteration) }
        }
        #expect(outcome == .finished)
        #expect(iterations == Array(1...12))
        #expect(validated == [5, 10])
        #expect(sampled == [3, 7])
        #expect(due == [4, 8, 12])
        #expect(loop.trainer.iteration == 12 && loop.completed == 12)
        // The final validation is measured only when the last iteration did not measure it.
        #expect(loop.finalValidation(lastIteration: 12, measuredThere: false) != nil)
        #expect(loop.finalValidation(lastIteration: 10, measuredThere: true) == nil)
    }

    @Test func theSameSeedGivesTheSameWeightsAsCallingTheTrainerByHand() throws {
        var loop = try Self.loop(TrainingSchedule(iterations: 20))
        var (trainer, corpus) = try Self.setUp()
        var workspace = TrainingWorkspace(shape: trainer.model.shape)
        for _ in 0..<20 { try trainer.step(on: corpus.training, workspace: &workspace) }
        _ = loop.run(learningRate: { 0.1 }, shouldStop: { false }) { _, _ in }
        #expect(loop.trainer == trainer)
    }

    @Test func theStopFlagEndsTheRunBeforeTheNextIteration() throws {
        var loop = try Self.loop(TrainingSchedule(iterations: nil))
        var polls = 0
        let outcome = loop.run(
            learningRate: { 0.1 },
            shouldStop: {
                polls += 1; return polls > 7
            }
        ) { _, _ in }
        #expect(outcome == .stopped)
        #expect(loop.trainer.iteration == 7)
    }

    @Test func aTimeBudgetEndsTheRun() throws {
        var loop = try Self.loop(TrainingSchedule(iterations: nil, seconds: 0.05))
        let start = Date()
        let outcome = loop.run(learningRate: { 0.1 }, shouldStop: { false }) { _, _ in }
        #expect(outcome == .finished)
        #expect(loop.trainer.iteration > 0)
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func theLearningRateIsReadBeforeEveryIteration() throws {
        var loop = try Self.loop(TrainingSchedule(iterations: 4))
        var rates: [Double] = []
        var next = 0.1
        _ = loop.run(learningRate: { next }, shouldStop: { false }) { event, _ in
            if case .iteration(let step) = event { rates.append(step.report.learningRate) }
            next /= 2
        }
        #expect(rates == [0.1, 0.05, 0.025, 0.0125])
    }

    @Test func theGuardRestoresTheLastGoodWeightsAndSaysWhatToType() throws {
        var loop = try Self.loop(TrainingSchedule(iterations: 200), learningRate: 100, optimizer: .sgd, clipping: .none)
        let start = loop.trainer
        var fired: TrainingStop?
        var kept: [Int] = []
        let outcome = loop.run(learningRate: { 100 }, shouldStop: { false }) { event, _ in
            switch event {
            case .guardFired(let stop): fired = stop
            case .iteration(let step): kept.append(step.report.iteration)
            }
        }
        guard case .guardStopped(let stop) = outcome, let fired else {
            Issue.record("the guard did not fire: \(outcome)")
            return
        }
        #expect(stop == fired)
        // Either the trainer's own check (nothing changed) or the divergence guard (the update before it undone).
        #expect(loop.trainer.iteration < (kept.last ?? 0) + 1)
        if kept.isEmpty || loop.trainer.iteration == 0 {
            #expect(loop.trainer.model.parameters == start.model.parameters)
            #expect(loop.trainer.optimizer == start.optimizer)
        }
        for parameter in loop.trainer.model.parameters { #expect(parameter.values.allSatisfy { $0.isFinite }) }
        let shell = stop.description
        let batch = stop.explanation(settingLearningRate: { "--lr \($0)" }, turningClippingOn: "--clip 5")
        #expect(shell.hasPrefix("guard:") && batch.hasPrefix("guard:"))
        if case .diverged = stop { #expect(shell.contains("try set lr 10") && shell.contains("(set clip 5)")) }
        #expect(batch.contains("try --lr 10") && batch.contains("(--clip 5)") && !batch.contains("set "))
        // The trainer's own check, phrased both ways.
        let nonFinite = TrainingStop.nonFinite(.nonFinite(iteration: 3, what: "loss", learningRate: 10, clipping: .none))
        #expect(
            nonFinite.description == "guard: "
                + TrainingError.nonFinite(
                    iteration: 3, what: "loss", learningRate: 10, clipping: .none
                ).description)
        #expect(
            nonFinite.explanation(settingLearningRate: { "--lr \($0)" }, turningClippingOn: "--clip 5")
                == "guard: iteration 3: the loss became NaN or infinite — the learning rate 10 is too high: try --lr 1, "
                + "and turn clipping on (--clip 5); the weights and optimizer state are as they were before this iteration")
    }

    @Test func countersReadFromAFileAtTheirLargestDoNotTrap() throws {
        var (trainer, corpus) = try Self.setUp(optimizer: .adam)
        trainer.iteration = .max
        trainer.optimizer.step = .max
        trainer.cursor.epochs = .max
        trainer.cursor.position = .max
        var workspace = TrainingWorkspace(shape: trainer.model.shape)
        let report = try trainer.step(on: corpus.training, workspace: &workspace)
        #expect(report.iteration == .max && trainer.iteration == .max)
        #expect(trainer.optimizer.step == .max)
        #expect(report.restarted && trainer.cursor.epochs == .max)
        #expect(trainer.cursor.position == trainer.configuration.sequenceLength)
        trainer.cursor.position = .min
        let again = try trainer.step(on: corpus.training, workspace: &workspace)
        #expect(again.restarted)
        var loop = TrainingLoop(
            trainer: trainer, data: corpus.training, validation: corpus.validation,
            schedule: TrainingSchedule(iterations: 3, validateEvery: 7, sampleEvery: 5, checkpointEvery: 3))
        #expect(loop.run(learningRate: { 0.01 }, shouldStop: { false }) { _, _ in } == .finished)
    }

    /// A checkpoint's counters are read up to 2^40; training stops there, so that what it saves
    /// can be loaded again (a file at 2^40 − 2 trained 3 iterations used to save 2^40 + 1, which
    /// no command would then read).
    @Test func trainingStopsAtTheLargestIterationACheckpointHolds() throws {
        var (trainer, corpus) = try Self.setUp()
        let limit = SettingRanges.counter.upperBound
        trainer.iteration = limit - 2
        var loop = TrainingLoop(
            trainer: trainer, data: corpus.training, validation: corpus.validation,
            schedule: TrainingSchedule(iterations: 3, validateEvery: 7, sampleEvery: 5, checkpointEvery: 3))
        var seen: [Int] = []
        let outcome = loop.run(learningRate: { 0.01 }, shouldStop: { false }) { event, _ in
            if case .iteration(let step) = event { seen.append(step.report.iteration) }
        }
        #expect(outcome == .finished)
        #expect(seen == [limit - 1, limit])
        #expect(loop.trainer.iteration == limit)
    }
}
