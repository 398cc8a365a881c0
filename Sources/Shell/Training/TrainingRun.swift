import CharRNN
import Foundation
import Rendering
import Synchronization

extension Session {
    /// How many characters a sample during training has.
    static let trainingSampleLength = 200
    /// At most this many held-out characters are read for a validation loss (it must stay quick:
    /// they are read as one stream, step after step — about half a second for an LSTM 256).
    static let validationLimit = 10_000

    /// The engine's training loop over this session's text, trainer and generator, scheduled by
    /// the settings (validation, samples, checkpoints) and by `iterations` and `seconds`.
    func makeTrainingLoop(iterations: Int?, seconds: Double?) -> TrainingLoop {
        let schedule = TrainingSchedule(
            iterations: iterations, seconds: seconds, validateEvery: workspace.settings.validateEvery,
            sampleEvery: workspace.settings.sampleEvery, sampleAt: workspace.settings.sampleAt,
            checkpointEvery: workspace.settings.checkpointEvery,
            sampleLength: Session.trainingSampleLength, validationLimit: Session.validationLimit)
        return TrainingLoop(
            trainer: workspace.trainer, data: workspace.corpus.training, validation: workspace.corpus.validation,
            schedule: schedule,
            sampling: workspace.settings.sampling, generator: workspace.generator)
    }

    /// Refuses training whose estimated memory is over the budget (one line with both figures).
    /// Besides the training itself it counts the stepped view (`step`'s trace over t characters),
    /// which is recomputed with the new weights at the end.
    func checkTrainingMemory() throws(CommandError) {
        let shape = workspace.trainer.model.shape
        let estimate =
            MemoryEstimate.training(shape, configuration: workspace.settings.training)
            + (stepping.position > 0 ? MemoryEstimate.forwardCache(shape, batchSize: 1, steps: stepping.position) : 0)
        do { try workspace.settings.budget.check(estimate, for: "training") } catch { throw CommandError(error.description) }
    }
}

/// Writes a checkpoint during training: the model, its training state and `extra` (the corpus
/// name and the settings, as `save` writes them) to `path`, atomically. Returns the note to show.
struct CheckpointWriter: Sendable {
    let path: String
    let extra: [String: String]

    init(session: Session) {
        path = session.workspace.settings.checkpointFile
        extra = session.checkpointMetadata()
    }

    /// Writes the loop's trainer and generator; `checkpoint: wrote PATH at iteration N` or why it failed.
    func write(_ loop: TrainingLoop) -> String {
        let checkpoint = Checkpoint(
            model: loop.trainer.model, training: TrainingState(trainer: loop.trainer, generator: loop.generator), extra: extra)
        do {
            try checkpoint.write(path: path)
            return "checkpoint: wrote \(path) at iteration \(loop.trainer.iteration)"
        } catch {
            return "checkpoint: could not write \(path): \(error)"
        }
    }
}

/// A shell command that failed after saying why itself (the guard's message): the shell counts
/// it as a failure (`run --strict`, scripts) without a second `error:` line.
struct ReportedFailure: Error {}

/// Lets the trainer thread post messages: `Console.post` is thread-safe by contract.
struct PostBox: @unchecked Sendable {
    let console: any Console
    /// Posts `message` fitted to the console's width (``fitLines(_:width:)``), as ``Output`` writes.
    func post(_ message: String) { console.post(fitLines(message, width: max(40, console.width))) }
}

/// Training on its own thread while the prompt stays usable
/// (design 2a of notes/readline-background.md).
///
/// Shared state, and who touches it:
/// - `learningRate` (Atomic): `set lr` stores, the trainer loads before every iteration;
/// - `stopRequested` (Atomic): `stop` sets it, the trainer checks it between iterations;
/// - `latest` (Mutex<Trainer>): the trainer publishes a copy (O(1) under the lock: arrays are
///   copy-on-write) after every iteration; `sample`, `show`, `model`, `status` read it whole, so
///   they always see the weights of one iteration;
/// - `recorded` (Mutex<[LossPoint]>): the trainer appends, `plot loss` copies;
/// - messages go through `Console.post`, never to the terminal directly.
final class TrainingJob: Sendable {
    let learningRate: Atomic<Double>
    let stopRequested = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let latest: Mutex<Trainer>
    private let recorded = Mutex<[LossPoint]>([])
    private let status = Mutex<Status>(Status())
    private let done = DispatchSemaphore(value: 0)
    private let joined = Atomic<Bool>(false)
    /// Iterations to do, or nil: until `stop` (or `seconds`).
    let target: Int?
    /// A time budget in seconds, or nil.
    let seconds: Double?
    let startIteration: Int
    let startTime = Date()

    /// What `status` reports.
    struct Status: Sendable {
        var iterations = 0
        var loss = Double.nan
        var learningRate = 0.0
        var characters = 0
        /// The latest validation loss of this run.
        var validation: Double? = nil
        var outcome: String? = nil
    }

    /// The guard's message, as the session phrases it (`Session.guardMessage`).
    let explainGuard: @Sendable (TrainingStop) -> String

    init(
        trainer: Trainer, learningRate: Double, target: Int?, seconds: Double? = nil,
        explainGuard: @escaping @Sendable (TrainingStop) -> String = { $0.description }
    ) {
        self.explainGuard = explainGuard
        self.learningRate = Atomic(learningRate)
        latest = Mutex(trainer)
        self.target = target
        self.seconds = seconds
        startIteration = trainer.iteration
    }

    var latestTrainer: Trainer { latest.withLock { $0 } }
    var points: [LossPoint] { recorded.withLock { $0 } }
    var currentStatus: Status { status.withLock { $0 } }
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Starts the trainer thread.
    func start(_ loop: TrainingLoop, checkpoints: CheckpointWriter, console: PostBox, style: Style) {
        let thread = Thread { [self] in
            self.loop(loop, checkpoints: checkpoints, console: console, style: style)
        }
        thread.name = "charrnn-trainer"
        thread.start()
    }

    /// Blocks until the trainer thread has ended (after `stopRequested`, or by itself).
    func wait() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done.wait()
    }

    private func loop(_ initial: TrainingLoop, checkpoints: CheckpointWriter, console: PostBox, style: Style) {
        var run = initial
        var lastPost = Date()
        let ending = run.run(
            learningRate: { learningRate.load(ordering: .relaxed) },
            shouldStop: { stopRequested.load(ordering: .relaxed) },
            observe: { event, loop in
                switch event {
                case .guardFired(let stop):
                    console.post(explainGuard(stop))
                case .iteration(let step):
                    latest.withLock { $0 = loop.trainer }
                    recorded.withLock {
                        $0.append(
                            LossPoint(iteration: step.report.iteration, loss: step.report.loss, validation: step.validation))
                    }
                    status.withLock {
                        $0.iterations += 1
                        $0.loss = step.report.loss
                        $0.learningRate = step.report.learningRate
                        $0.characters += step.report.characters
                        if let v = step.validation { $0.validation = v }
                    }
                    if let sample = step.sample {
                        console.post(
                            trainingSampleBlock(sample, step: step, vocabulary: loop.trainer.model.vocabulary, style: style))
                    }
                    if step.checkpointDue { console.post(checkpoints.write(loop)) }
                    if Date().timeIntervalSince(lastPost) >= 3 {
                        lastPost = Date()
                        console.post(
                            "[training] iteration \(step.report.iteration)  loss \(String(format: "%.4f", step.report.loss))"
                                + (loop.lastValidation.map { "  validation \(String(format: "%.4f", $0.loss))" } ?? "")
                                + "  lr \(formatPlain(step.report.learningRate))")
                    }
                }
            })
        let outcome: String
        switch ending {
        case .finished: outcome = "finished"
        case .stopped: outcome = "stopped"
        case .guardStopped: outcome = "stopped by the guard"
        }
        let last = recorded.withLock { $0.last }
        if outcome == "finished",
            let loss = run.finalValidation(lastIteration: last?.iteration, measuredThere: last?.validation != nil)
        {
            recorded.withLock { $0[$0.count - 1].validation = loss }
            status.withLock { $0.validation = loss }
        }
        latest.withLock { $0 = run.trainer }
        status.withLock { $0.outcome = outcome }
        if outcome == "finished" {
            let s = currentStatus
            console.post(
                "[training] finished \(s.iterations) iterations in the background: loss \(String(format: "%.4f", s.loss))"
                    + (s.validation.map { ", validation \(String(format: "%.4f", $0))" } ?? "")
                    + " (iteration \(run.trainer.iteration))")
        }
        finished.store(true, ordering: .releasing)
        done.signal()
    }
}
