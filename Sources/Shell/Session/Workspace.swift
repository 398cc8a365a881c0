import CharRNN

/// What the learner works on: the text, the settings, the model with its optimizer state, and
/// the generator samples draw from. One part of the ``Session``.
struct Workspace {
    /// Everything `set` changes.
    var settings: Settings
    /// The text the model reads.
    var corpus: Corpus
    /// The model, its optimizer state and the position in the text: the one source of truth for
    /// the weights (while a background job runs, the job owns a copy and publishes snapshots).
    var trainer: Trainer
    /// Draws samples; seeded by the `seed` setting.
    var generator: SplitMix64
    /// The trainer's iteration when this model was last made, loaded or saved to a file: training
    /// past it is not in any file, and `quit` asks before it is lost (Session+Quitting.swift).
    var keptIteration = 0
}

extension Workspace {
    /// The workspace of a new session: the hello text, the default settings and a model from their seed.
    static func fresh() -> Workspace {
        let settings = Settings()
        let corpus = Session.helloCorpus()
        let model = Session.makeModel(vocabulary: corpus.vocabulary, settings: settings)
        return Workspace(
            settings: settings, corpus: corpus,
            trainer: try! Session.makeTrainer(model: model, settings: settings, corpus: corpus),
            generator: SplitMix64(seed: settings.seed))
    }
}
