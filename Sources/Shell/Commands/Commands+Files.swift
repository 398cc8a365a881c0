import CharRNN
import Foundation
import Rendering

extension Commands {
    struct Save: ShellCommand {
        static let name = "save"
        static let summary = "save the model, its training state and the settings"
        static let help = """
            Writes a safetensors checkpoint: the weights under PyTorch's names (nn.RNN/LSTM/GRU +
            nn.Linear load them as they are), the vocabulary, the optimizer state, the position in
            the text and the settings, so that `load` continues exactly where you were.
            --model-only leaves out the optimizer state and the position (a file about a third the
            size: Adam keeps two numbers per weight); `load` then starts a fresh optimizer.
            Saving never harms: a device, a FIFO, a directory or a read-only file is refused, an
            existing file keeps its permissions, and an existing file that is not a checkpoint is
            only replaced with --force (at a terminal you are asked instead).
            To write checkpoints while training: set checkpoint-every N, set checkpoint-file PATH.
            """
        static let arguments: [Argument] = [.positional("FILE", .path), .flag("model-only"), .flag("force")]
        /// Where to write.
        let path: String
        /// Leave out the optimizer state and the position.
        let modelOnly: Bool
        /// Replace an existing file that is not a checkpoint.
        let force: Bool

        init(_ arguments: ParsedArguments) throws(CommandError) {
            path = arguments.text("FILE") ?? ""
            guard !path.isEmpty else { throw CommandError.usage(Self.usage) }
            modelOnly = arguments.flag("model-only")
            force = arguments.flag("force")
        }

        func run(in session: Session) throws {
            let force = try session.checkSaveTarget(path, force: self.force)
            let trainer = session.currentTrainer
            let checkpoint = Checkpoint(
                model: trainer.model,
                training: modelOnly ? nil : TrainingState(trainer: trainer, generator: session.workspace.generator),
                extra: session.checkpointMetadata())
            do { try checkpoint.write(path: path, force: force) } catch { throw CommandError(String(describing: error)) }
            session.checkpointWritten(path: path, trainer: trainer)  // the guard may offer it (GuardMemory.swift)
            session.output.line(
                "saved \(trainer.model.shape.cell.rawValue) H = \(trainer.model.shape.hiddenSize), iteration \(trainer.iteration), to \(path)"
                    + (modelOnly ? " (the model only)" : ""))
        }
    }

    struct Load: ShellCommand {
        static let name = "load"
        static let summary = "load a checkpoint (also one written by PyTorch)"
        static let help = """
            Replaces the model and its settings with a checkpoint's. The current text is kept when
            the model's vocabulary covers it (otherwise nothing changes, and the message says which
            characters are missing and which text the model was trained on). The cursor goes back to
            t = 0 with h_0 = 0. A checkpoint with training state continues training exactly.
            A relative path that is not found here is looked for in the lessons directory too
            (`load checkpoints/shakespeare.safetensors` finds the lessons' checkpoints). `~/` is your
            home folder: `load ~/.charrnn/saved/` and Tab list the models saved when you quit.
            """
        static let arguments: [Argument] = [.positional("FILE", .path)]
        /// The checkpoint's path as typed.
        let path: String

        init(_ arguments: ParsedArguments) throws(CommandError) {
            path = arguments.text("FILE") ?? ""
            guard !path.isEmpty else { throw CommandError.usage(Self.usage) }
        }

        func run(in session: Session) throws {
            try session.requireIdle()
            try session.load(path: session.resolvedInputPath(path))
        }
    }
}

extension Session {
    /// Checks where `save` will write before anything is encoded (`Checkpoint.checkWritable`). An
    /// existing file that is not a checkpoint needs --force; at a terminal the learner is asked
    /// instead. Returns the force to write with.
    func checkSaveTarget(_ path: String, force: Bool) throws(CommandError) -> Bool {
        do {
            try Checkpoint.checkWritable(path: path, force: force)
            return force
        } catch {
            var notCheckpoint = false
            if case .file(.notSafetensors) = error { notCheckpoint = true }
            guard notCheckpoint, output.console.isInteractive else { throw CommandError(String(describing: error)) }
        }
        let prompt = "\(MetadataText.neutralised(path)) exists and is not a checkpoint. Replace it? [y/N] "
        let answer = output.console.readLine(prompt: prompt)?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else {
            throw CommandError("\(path) was not replaced (save it under another name, or add --force)")
        }
        return true
    }

    /// What a checkpoint stores besides the model and training state: the corpus name and every
    /// setting (`load` restores them). Of the session's workspace unless another is given.
    func checkpointMetadata(of other: Workspace? = nil) -> [String: String] {
        let workspace = other ?? self.workspace
        var extra: [String: String] = ["charrnn.corpus": workspace.corpus.name]
        for spec in SettingSpec.all where spec.name != "memory-budget" {  // the machine's, not the model's
            extra["charrnn.setting.\(spec.name)"] = spec.value(workspace.settings)
        }
        return extra
    }

    /// `path` as given (`~/` for the home folder, `expandingHome`) when it exists (or is absolute);
    /// else, during a lesson, the path in that lesson's work folder, where its own commands saved
    /// (`save rnn.safetensors` in a lesson writes there, so the learner can type the same name
    /// back); else, when the lessons directory holds it, the path there: lessons name their
    /// checkpoints relative to `lessons/`. Only for reading: nothing is written by this lookup.
    func resolvedInputPath(_ typed: String) -> String {
        let path = expandingHome(typed)
        guard !path.hasPrefix("/"), !FileManager.default.fileExists(atPath: path) else { return path }
        let workFolder = lessonContext.player?.lesson.map { lessonSandbox(for: $0.file).workFolder }
        for folder in [workFolder, lessonContext.directory].compactMap({ $0 }) {
            let candidate = folder + "/" + path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }

    /// `load FILE`: everything is checked before anything changes.
    func load(path: String) throws(CommandError) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.read(path: path) } catch { throw CommandError(String(describing: error)) }
        let model = checkpoint.model
        let trainedOn =
            checkpoint.extra["charrnn.corpus"].map(safeText).map { " It was trained on '\($0)': corpus \($0), then load again." }
            ?? ""
        // The text stays when the model's vocabulary covers it.
        let newCorpus: Corpus
        if model.vocabulary == workspace.corpus.vocabulary {
            newCorpus = workspace.corpus
        } else {
            do {
                newCorpus = try Corpus(name: workspace.corpus.name, text: workspace.corpus.text, vocabulary: model.vocabulary)
            } catch {
                var reason = error.description
                if case .vocabulary(_, let inner) = error { reason = inner.description }
                throw CommandError(
                    "\(path) does not fit the current text \(workspace.corpus.name): \(reason); nothing was changed.\(trainedOn)")
            }
        }
        // Settings: the stored ones, then what the model and its training state say.
        var new = workspace.settings
        // (Not where and how often this session writes checkpoints: a file names no paths for us.)
        for spec in SettingSpec.all where !["checkpoint-every", "checkpoint-file", "memory-budget"].contains(spec.name) {
            if let text = checkpoint.extra["charrnn.setting.\(spec.name)"] { try? spec.apply(text, &new) }
        }
        new.take(model.shape)
        var newTrainer: Trainer
        if let training = checkpoint.training {
            let c = training.trainer.configuration
            new.take(c)
            newTrainer = training.trainer
            newTrainer.model = model
            let count = newCorpus.training.count
            do { try newTrainer.attach(trainingCount: count) } catch {
                throw CommandError(
                    "\(path): its batch \(c.batchSize) × seq \(c.sequenceLength) does not fit the text \(newCorpus.name) (\(count) training characters); nothing was changed.\(trainedOn)"
                )
            }
        } else {
            newTrainer = try Session.makeTrainer(model: model, settings: new, corpus: newCorpus)
        }
        workspace.settings = new
        workspace.corpus = newCorpus
        workspace.trainer = newTrainer
        workspace.keptIteration = newTrainer.iteration
        if let g = checkpoint.training?.generator { workspace.generator = g }
        training.history = []
        stepping.position = 0
        modelChanged()
        output.line(
            "loaded \(path): \(model.shape.cell.rawValue), V = \(model.shape.vocabularySize), H = \(model.shape.hiddenSize), "
                + "\(model.shape.layers) layer\(model.shape.layers == 1 ? "" : "s"), \(model.parameterCount) parameters"
                + (checkpoint.training.map { ", iteration \($0.trainer.iteration)" }
                    ?? " (no training state: a fresh \(new.optimizer.rawValue) optimizer)"))
        output.note("text \(workspace.corpus.name) kept; t = 0, h_0 = 0")
    }
}
