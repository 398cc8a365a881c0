import CharRNN
import Foundation

/// Everything the learner's shell holds, in parts with one job each: the ``Workspace`` (the text,
/// the settings, the model and its trainer), the ``StepCursor`` (`step`, `backward`, `backstep`),
/// the ``TrainingRecord`` (the loss history and the background job) and the ``LessonContext``.
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

    /// The text, the settings, the model with its trainer, and the sampling generator.
    var workspace: Workspace
    /// Where `step` is in the text, its forward pass and the backward walk.
    var stepping = StepCursor()
    /// The loss history and the background job.
    var training = TrainingRecord()
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
        workspace = Workspace.fresh()
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
    var model: Model { training.job?.latestTrainer.model ?? workspace.trainer.model }

    /// The trainer as it is now (the job's latest snapshot while it runs).
    var currentTrainer: Trainer { training.job?.latestTrainer ?? workspace.trainer }

    /// The loss history, including what a running job has added.
    var currentHistory: [LossPoint] { training.history + (training.job?.points ?? []) }

    /// Throws when a background job runs: for commands that change the model or the stepped text.
    func requireIdle() throws(CommandError) {
        collectFinishedJob()
        if training.job != nil { throw .trainingRunning }
    }

    /// Takes over a background job that has ended on its own (its iterations were done, or the
    /// guard stopped it): its trainer becomes the session's.
    func collectFinishedJob() {
        guard let job = training.job, job.isFinished else { return }
        adopt(job)
    }

    /// Makes a job's final trainer and loss history the session's.
    func adopt(_ job: TrainingJob) {
        job.wait()
        workspace.trainer = job.latestTrainer
        training.history += job.points.filter { $0.iteration <= workspace.trainer.iteration }
        self.training.job = nil
        modelChanged()
    }

    // MARK: - Changing state

    /// After the weights changed: the stepped view is recomputed with them (same t), and the
    /// backward pass, which belonged to the old weights, is dropped.
    func modelChanged() {
        stepping.backwardState = nil
        stepping.stepCache = stepping.position > 0 ? forward(steps: stepping.position) : nil
    }

    /// Puts a new model in place with a fresh trainer (iteration 0, fresh optimizer), back to t = 0.
    func replaceModel(_ model: Model, settings: Settings, corpus: Corpus) throws(CommandError) {
        let newTrainer = try Session.makeTrainer(model: model, settings: settings, corpus: corpus)
        self.workspace.settings = settings
        self.workspace.corpus = corpus
        self.workspace.trainer = newTrainer
        self.workspace.keptIteration = newTrainer.iteration
        training.history = []
        stepping.position = 0
        modelChanged()
    }

    /// The forward pass over the first `steps` characters of the text from h_0 = 0.
    func forward(steps: Int, model: Model? = nil) -> ForwardCache {
        let indices = workspace.corpus.indices
        return (model ?? self.model).forward(
            inputs: Array(indices[0..<steps]), targets: Array(indices[1...steps]), batchSize: 1,
            from: .zero(self.model.shape, batchSize: 1))
    }

    /// The most steps the text allows (one input and one target per step).
    var maximumPosition: Int { workspace.corpus.indices.count - 1 }

    // MARK: - Running commands

    /// Runs one command line and reports whether it succeeded. An error is written as one line
    /// (`error: …`) and leaves the session as it was. Empty lines and comments succeed.
    /// This is also what a lesson calls to run a command for the learner.
    public func run(line: String) -> Bool {
        collectFinishedJob()
        let words: [String]
        do { words = try tokenize(line) } catch {
            output.error(error.message(in: shellWords))
            return false
        }
        guard let name = words.first else { return true }
        guard let command = CommandRegistry.command(named: name) else {
            let near = nearest(name, among: CommandRegistry.allNames)
            let words = shellWords
            output.error(
                words(.unknownCommand, shown(name), near.isEmpty ? words(.helpListsCommands) : words.didYouMean(near)))
            return false
        }
        defer { syncLessonWorkspace() }  // a lesson's workspace is saved when it changed, given back when the lesson ended
        do {
            try command.run(self, Array(words.dropFirst()))
            return true
        } catch let error as CommandError {
            output.error(error.message(in: shellWords))
        } catch is ReportedFailure {
            // already said why (the training guard)
        } catch {
            output.error(String(describing: error))
        }
        return false
    }
}
