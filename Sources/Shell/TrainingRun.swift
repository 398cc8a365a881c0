import CharRNN
import Foundation
import Rendering
import Synchronization

/// A stretch of training, foreground or background: the trainer, its workspace, and the schedule
/// of validation losses and samples. It reports; the caller speaks.
struct TrainingRun: Sendable {
    var trainer: Trainer
    var workspace: TrainingWorkspace
    let data: EncodedText
    let validation: EncodedText
    /// The settings at the start of the run: validation, samples, checkpoints.
    let settings: Settings
    let sampling: SamplingOptions
    var generator: SplitMix64
    /// What a checkpoint written during the run stores besides the model and training state
    /// (the corpus name and the settings, as `save` writes them).
    let checkpointExtra: [String: String]
    /// The last validation loss measured in this run, and its iteration.
    var lastValidation: (iteration: Int, loss: Double)? = nil

    /// How many characters a sample during training has.
    static let sampleLength = 200
    /// At most this many held-out characters are read for a validation loss (it must stay quick).
    static let validationLimit = 40_000

    init(session: Session) {
        trainer = session.trainer
        workspace = TrainingWorkspace(shape: session.trainer.model.shape)
        data = session.corpus.training
        validation = session.corpus.validation
        settings = session.settings
        sampling = session.settings.sampling
        generator = session.generator
        checkpointExtra = session.checkpointMetadata()
    }

    /// What one iteration produced.
    struct Event {
        var report: IterationReport
        var point: LossPoint
        var sample: String?
        /// What the checkpoint due at this iteration did: `wrote PATH` or why it failed.
        var checkpoint: String?
    }

    /// The validation loss of the current weights (`Model.validationLoss`) over at most
    /// `validationLimit` characters of the held-out text (nil when the text has none).
    func validationLoss() -> Double? {
        guard validation.count >= 2 else { return nil }
        return trainer.model.validationLoss(validation, limit: TrainingRun.validationLimit)
    }

    /// At the end of a run: the validation loss of the final weights unless the last iteration
    /// measured it already (nil when validation is off or impossible).
    mutating func finalValidation(after last: LossPoint?) -> Double? {
        guard settings.validateEvery > 0, let last, last.iteration == trainer.iteration, last.validation == nil,
            let loss = validationLoss()
        else { return nil }
        lastValidation = (trainer.iteration, loss)
        return loss
    }

    /// Writes the model, its training state and the settings to `checkpoint-file` (atomically).
    func writeCheckpoint() -> String {
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: generator), extra: checkpointExtra)
        do {
            try checkpoint.write(path: settings.checkpointFile)
            return "checkpoint: wrote \(settings.checkpointFile) at iteration \(trainer.iteration)"
        } catch {
            return "checkpoint: could not write \(settings.checkpointFile): \(error)"
        }
    }

    /// The trainer as it was at the start of the previous iteration: what the guard restores
    /// when an update blew the weights up (the loss shows it one iteration later).
    var previousStart: Trainer? = nil

    /// The divergence limit: a loss per character this far above chance (ln V) means the weights
    /// exploded, even while every number is still finite.
    var divergenceLimit: Double { 3 * log(Double(trainer.model.shape.vocabularySize)) }

    /// One iteration at `learningRate`; throws when the guard fires, with the trainer restored to
    /// the last good weights and optimizer state.
    mutating func iterate(learningRate: Double) throws(TrainingStop) -> Event {
        trainer.configuration.learningRate = learningRate
        let before = trainer
        let report: IterationReport
        do throws(TrainingError) {
            report = try trainer.step(on: data, workspace: &workspace)
        } catch {
            throw .nonFinite(error)  // the engine left the trainer as it was before this iteration
        }
        // loss_i is computed with the weights the previous update made: if it exploded, undo that update too.
        if report.loss > divergenceLimit, let previousStart {
            trainer = previousStart
            self.previousStart = nil
            throw .diverged(
                iteration: report.iteration, loss: report.loss, limit: divergenceLimit, learningRate: learningRate,
                clipping: trainer.configuration.clipping, restoredTo: trainer.iteration)
        }
        previousStart = before
        var point = LossPoint(iteration: report.iteration, loss: report.loss, validation: nil)
        if settings.validateEvery > 0, report.iteration % settings.validateEvery == 0, let loss = validationLoss() {
            point.validation = loss
            lastValidation = (report.iteration, loss)
        }
        var sample: String? = nil
        if settings.samples(at: report.iteration) {
            sample = try? trainer.model.sample(prime: "", length: TrainingRun.sampleLength, options: sampling, using: &generator)
        }
        var checkpoint: String? = nil
        if settings.checkpointEvery > 0, report.iteration % settings.checkpointEvery == 0 {
            checkpoint = writeCheckpoint()
        }
        return Event(report: report, point: point, sample: sample, checkpoint: checkpoint)
    }
}

/// Why the guard stopped training. Either way the trainer holds the last good weights and optimizer state.
enum TrainingStop: Error, CustomStringConvertible {
    /// The loss, a gradient or a weight became NaN or infinite (the engine's guard).
    case nonFinite(TrainingError)
    /// The loss jumped far above chance: the previous update blew the weights up.
    case diverged(iteration: Int, loss: Double, limit: Double, learningRate: Double, clipping: Clipping, restoredTo: Int)

    var description: String {
        switch self {
        case .nonFinite(let error):
            return "guard: \(error.description)"
        case .diverged(let iteration, let loss, let limit, let lr, let clipping, let restoredTo):
            var advice = "the learning rate \(formatPlain(lr)) is too high: try set lr \(formatPlain(lr / 10))"
            if clipping == .none { advice += ", and turn clipping on (set clip 5)" }
            return "guard: at iteration \(iteration) the loss jumped to \(String(format: "%.3f", loss)), above 3 × ln V = "
                + "\(String(format: "%.3f", limit)) (far worse than guessing): the last update blew the weights up — \(advice). "
                + "The weights and optimizer state are back at iteration \(restoredTo), before that update."
        }
    }
}

/// Lets the trainer thread post messages: `Console.post` is thread-safe by contract.
struct PostBox: @unchecked Sendable {
    let console: any Console
    func post(_ message: String) { console.post(message) }
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

    init(trainer: Trainer, learningRate: Double, target: Int?, seconds: Double? = nil) {
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
    func start(_ run: TrainingRun, console: PostBox, style: Style) {
        let thread = Thread { [self] in
            self.loop(run, console: console, style: style)
        }
        thread.name = "charrnn-trainer"
        thread.start()
    }

    /// Blocks until the trainer thread has ended (after `stopRequested`, or by itself).
    func wait() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done.wait()
    }

    private func loop(_ initial: TrainingRun, console: PostBox, style: Style) {
        var run = initial
        var lastPost = Date()
        var outcome = "stopped"
        while !stopRequested.load(ordering: .relaxed) {
            if let target, run.trainer.iteration - startIteration >= target {
                outcome = "finished"
                break
            }
            if let seconds, Date().timeIntervalSince(startTime) >= seconds {
                outcome = "finished"
                break
            }
            let lr = learningRate.load(ordering: .relaxed)
            let event: TrainingRun.Event
            do throws(TrainingStop) {
                event = try run.iterate(learningRate: lr)
            } catch {
                console.post(error.description)
                outcome = "stopped by the guard"
                break
            }
            latest.withLock { $0 = run.trainer }
            recorded.withLock { $0.append(event.point) }
            status.withLock {
                $0.iterations += 1
                $0.loss = event.report.loss
                $0.learningRate = event.report.learningRate
                $0.characters += event.report.characters
                if let v = event.point.validation { $0.validation = v }
            }
            if let sample = event.sample {
                console.post(trainingSampleBlock(sample, event: event, style: style))
            }
            if let note = event.checkpoint { console.post(note) }
            if Date().timeIntervalSince(lastPost) >= 3 {
                lastPost = Date()
                console.post(
                    "[training] iteration \(event.report.iteration)  loss \(String(format: "%.4f", event.report.loss))"
                        + (run.lastValidation.map { "  validation \(String(format: "%.4f", $0.loss))" } ?? "")
                        + "  lr \(formatPlain(event.report.learningRate))")
            }
        }
        if outcome == "finished", let loss = run.finalValidation(after: recorded.withLock({ $0.last })) {
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
