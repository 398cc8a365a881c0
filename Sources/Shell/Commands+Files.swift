import CharRNN
import Foundation

extension Commands {
    static let save = Command(
        name: "save", summary: "save the model, its training state and the settings", usage: "save FILE",
        help: """
            Writes a safetensors checkpoint: the weights under PyTorch's names (nn.RNN/LSTM/GRU +
            nn.Linear load them as they are), the vocabulary, the optimizer state, the position in
            the text and the settings, so that `load` continues exactly where you were.
            """,
        complete: { context, previous, word in previous.isEmpty ? context.paths(word) : [] },
        run: { session, words in
            guard words.count == 1, !words[0].isEmpty else { throw CommandError.usage("save FILE") }
            let trainer = session.currentTrainer
            var extra: [String: String] = ["charrnn.corpus": session.corpus.name]
            for spec in SettingSpec.all { extra["charrnn.setting.\(spec.name)"] = spec.value(session.settings) }
            let checkpoint = Checkpoint(
                model: trainer.model, training: TrainingState(trainer: trainer, generator: session.generator), extra: extra)
            do { try checkpoint.write(path: words[0]) } catch { throw CommandError(String(describing: error)) }
            session.output.line(
                "saved \(trainer.model.shape.cell.rawValue) H = \(trainer.model.shape.hiddenSize), iteration \(trainer.iteration), to \(words[0])")
        })

    static let load = Command(
        name: "load", summary: "load a checkpoint (also one written by PyTorch)", usage: "load FILE",
        help: """
            Replaces the model and its settings with a checkpoint's. The current text is kept when
            the model's vocabulary covers it (otherwise nothing changes, and the message says which
            characters are missing and which text the model was trained on). The cursor goes back to
            t = 0 with h_0 = 0. A checkpoint with training state continues training exactly.
            """,
        complete: { context, previous, word in previous.isEmpty ? context.paths(word) : [] },
        run: { session, words in
            guard words.count == 1, !words[0].isEmpty else { throw CommandError.usage("load FILE") }
            try session.requireIdle()
            try session.load(path: words[0])
        })
}

extension Session {
    /// `load FILE`: everything is checked before anything changes.
    func load(path: String) throws(CommandError) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.read(path: path) } catch { throw CommandError(String(describing: error)) }
        let model = checkpoint.model
        // The text stays when the model's vocabulary covers it.
        let newCorpus: Corpus
        if model.vocabulary == corpus.vocabulary {
            newCorpus = corpus
        } else {
            do {
                newCorpus = try Corpus(name: corpus.name, text: corpus.text, vocabulary: model.vocabulary)
            } catch {
                let trainedOn = checkpoint.extra["charrnn.corpus"].map { " It was trained on '\($0)': corpus \($0), then load again." } ?? ""
                var reason = error.description
                if case .vocabulary(_, let inner) = error { reason = inner.description }
                throw CommandError(
                    "\(path) does not fit the current text \(corpus.name): \(reason); nothing was changed.\(trainedOn)")
            }
        }
        // Settings: the stored ones, then what the model and its training state say.
        var new = settings
        for spec in SettingSpec.all {
            if let text = checkpoint.extra["charrnn.setting.\(spec.name)"] { try? spec.apply(text, &new) }
        }
        new.cell = model.shape.cell
        new.hiddenSize = model.shape.hiddenSize
        new.layers = model.shape.layers
        var newTrainer: Trainer
        if let training = checkpoint.training {
            let c = training.trainer.configuration
            new.learningRate = c.learningRate
            new.optimizer = c.optimizer
            new.clipping = c.clipping
            new.batchSize = c.batchSize
            new.sequenceLength = c.sequenceLength
            newTrainer = training.trainer
            newTrainer.model = model
            let count = newCorpus.training.count
            do { try newTrainer.attach(trainingCount: count) } catch {
                throw CommandError("\(path): its batch \(c.batchSize) × seq \(c.sequenceLength) does not fit the text \(newCorpus.name) (\(count) training characters); nothing was changed")
            }
        } else {
            newTrainer = try Session.makeTrainer(model: model, settings: new, corpus: newCorpus)
        }
        settings = new
        corpus = newCorpus
        trainer = newTrainer
        if let g = checkpoint.training?.generator { generator = g }
        history = []
        position = 0
        modelChanged()
        output.line(
            "loaded \(path): \(model.shape.cell.rawValue), V = \(model.shape.vocabularySize), H = \(model.shape.hiddenSize), "
                + "\(model.shape.layers) layer\(model.shape.layers == 1 ? "" : "s"), \(model.parameterCount) parameters"
                + (checkpoint.training.map { ", iteration \($0.trainer.iteration)" } ?? " (no training state: a fresh \(new.optimizer.rawValue) optimizer)"))
        output.note("text \(corpus.name) kept; t = 0, h_0 = 0")
    }
}
