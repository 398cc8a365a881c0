import CharRNN
import Foundation

/// One point of the loss history: the training loss of an iteration and, when it was measured,
/// the validation loss (nats per character).
struct LossPoint: Sendable, Equatable {
    var iteration: Int
    var loss: Double
    var validation: Double?
}

/// What the last `backward` computed over the stepped text, and how far `backstep` has walked.
struct BackwardState {
    /// The forward pass it differentiates.
    var cache: ForwardCache
    /// The summed gradients before clipping.
    var gradients: [Tensor]
    /// The gradients after clipping.
    var clipped: [Tensor]
    /// Per tensor, the entries clipping changed.
    var changed: [[Int]]
    /// ‖g‖ before clipping.
    var norm: Double
    /// The per-step quantities.
    var trace: BackwardTrace
    /// The step `backstep` shows next (1-based); 0 when it has shown the summed gradients.
    var next: Int
}

/// Everything the learner's shell holds: the text, the model and its trainer, the settings, the
/// cursor of `step`, the last backward pass, the loss history and the background training job.
///
/// The session is used from the shell's thread only. The background job shares state with it
/// through the job's `Mutex` and `Atomic` fields (see `TrainingJob`).
public final class Session {
    /// Where commands write.
    var output: Output
    /// The corpora directory and names.
    let library: CorpusLibrary
    /// File candidates for completion (injected by the terminal).
    let pathCompleter: @Sendable (String) -> [String]

    var settings: Settings
    var corpus: Corpus
    /// The model, its optimizer state and the position in the text: the one source of truth for
    /// the weights (while a background job runs, the job owns a copy and publishes snapshots).
    var trainer: Trainer
    /// t: how many characters `step` has read from the start of the text (h_0 = 0).
    var position = 0
    /// The forward pass over the first `position` characters (nil at t = 0).
    var stepCache: ForwardCache?
    /// The last `backward`.
    var backwardState: BackwardState?
    /// The loss of every training iteration so far.
    var history: [LossPoint] = []
    /// Training in the background, if any.
    var job: TrainingJob?
    /// Draws samples; seeded by the `seed` setting.
    var generator: SplitMix64
    /// Set by `quit`.
    var quitRequested = false
    /// How deep `run FILE` is nested.
    var scriptDepth = 0
    /// Whether Ctrl-C was pressed (the global flag; tests inject their own).
    var interrupted: @Sendable () -> Bool = { interruptRequested.load(ordering: .relaxed) }
    /// The lesson player, the catalog and what lessons read (see `Session+Lessons.swift`).
    let lessonContext = LessonContext()

    /// A session on the hello corpus with the default settings.
    init(console: any Console, library: CorpusLibrary, pathCompleter: @escaping @Sendable (String) -> [String] = { _ in [] }) {
        output = Output(console: console)
        self.library = library
        self.pathCompleter = pathCompleter
        settings = Settings()
        corpus = Session.helloCorpus()
        generator = SplitMix64(seed: settings.seed)
        let model = Session.makeModel(vocabulary: corpus.vocabulary, settings: settings)
        trainer = try! Session.makeTrainer(model: model, settings: settings, corpus: corpus)
    }

    /// The lecture's text: "hello", vocabulary [h, e, l, o] in order of first appearance.
    static func helloCorpus() -> Corpus {
        try! Corpus(name: "hello", text: "hello", order: .firstAppearance)
    }

    // MARK: - Building

    /// A fresh model for `vocabulary` from the settings and the seed.
    static func makeModel(vocabulary: Vocabulary, settings: Settings) -> Model {
        var generator = SplitMix64(seed: settings.seed)
        return Model(
            vocabulary: vocabulary, cell: settings.cell, hiddenSize: settings.hiddenSize, layers: settings.layers,
            initialization: settings.initialization, using: &generator)
    }

    /// A trainer at iteration 0 for `model` over the corpus's training text, or an error saying
    /// why the text is too short for the batch and sequence length.
    /// A text of exactly T + 1 characters ("hello" with T = 4) is one chunk: every iteration reads
    /// it whole from h_0 = 0, as min-char-rnn does.
    static func makeTrainer(model: Model, settings: Settings, corpus: Corpus) throws(CommandError) -> Trainer {
        let count = corpus.training.count, B = settings.batchSize, T = settings.sequenceLength
        do {
            return try Trainer(model: model, configuration: settings.training, trainingCount: count, seed: settings.seed)
        } catch {
            let most = B == 1 ? count - 1 : max(0, count / B - 1)
            let advice = most >= 1 ? ": try set seq \(most)" + (B > 1 ? " or set batch 1" : "") : ""
            throw CommandError(
                "the training text of \(corpus.name) has \(count) characters, too few for \(B) stream\(B == 1 ? "" : "s") of \(T) steps\(advice)"
            )
        }
    }

    // MARK: - Reading the model

    /// The model as it is now: the background job's latest snapshot while it runs.
    var model: Model { job?.latestTrainer.model ?? trainer.model }

    /// The trainer as it is now (the job's latest snapshot while it runs).
    var currentTrainer: Trainer { job?.latestTrainer ?? trainer }

    /// The loss history, including what a running job has added.
    var currentHistory: [LossPoint] { history + (job?.points ?? []) }

    /// Throws when a background job runs: for commands that change the model or the stepped text.
    func requireIdle() throws(CommandError) {
        collectFinishedJob()
        if job != nil { throw .trainingRunning }
    }

    /// Takes over a background job that has ended on its own (its iterations were done, or the
    /// guard stopped it): its trainer becomes the session's.
    func collectFinishedJob() {
        guard let job, job.isFinished else { return }
        adopt(job)
    }

    /// Makes a job's final trainer and loss history the session's.
    func adopt(_ job: TrainingJob) {
        job.wait()
        trainer = job.latestTrainer
        history += job.points.filter { $0.iteration <= trainer.iteration }
        self.job = nil
        modelChanged()
    }

    // MARK: - Changing state

    /// After the weights changed: the stepped view is recomputed with them (same t), and the
    /// backward pass, which belonged to the old weights, is dropped.
    func modelChanged() {
        backwardState = nil
        stepCache = position > 0 ? forward(steps: position) : nil
    }

    /// Puts a new model in place with a fresh trainer (iteration 0, fresh optimizer), back to t = 0.
    func replaceModel(_ model: Model, settings: Settings, corpus: Corpus) throws(CommandError) {
        let newTrainer = try Session.makeTrainer(model: model, settings: settings, corpus: corpus)
        self.settings = settings
        self.corpus = corpus
        self.trainer = newTrainer
        history = []
        position = 0
        modelChanged()
    }

    /// The forward pass over the first `steps` characters of the text from h_0 = 0.
    func forward(steps: Int, model: Model? = nil) -> ForwardCache {
        let indices = corpus.indices
        return (model ?? self.model).forward(
            inputs: Array(indices[0..<steps]), targets: Array(indices[1...steps]), batchSize: 1,
            from: .zero(self.model.shape, batchSize: 1))
    }

    /// The most steps the text allows (one input and one target per step).
    var maximumPosition: Int { corpus.indices.count - 1 }

    // MARK: - Running commands

    /// Runs one command line and reports whether it succeeded. An error is written as one line
    /// (`error: …`) and leaves the session as it was. Empty lines and comments succeed.
    /// This is also what a lesson calls to run a command for the learner.
    public func run(line: String) -> Bool {
        collectFinishedJob()
        let words: [String]
        do { words = try tokenize(line) } catch {
            output.error(error.message)
            return false
        }
        guard let name = words.first else { return true }
        guard let command = CommandRegistry.command(named: name) else {
            let near = nearest(name, among: CommandRegistry.allNames)
            output.error(
                "unknown command '\(shown(name))'" + didYouMean(near) + (near.isEmpty ? " (help lists the commands)" : ""))
            return false
        }
        do {
            try command.run(self, Array(words.dropFirst()))
            noteUsed(command.name)
            return true
        } catch let error as CommandError {
            output.error(error.message)
        } catch is ReportedFailure {
            // already said why (the training guard)
        } catch {
            output.error(String(describing: error))
        }
        return false
    }
}
