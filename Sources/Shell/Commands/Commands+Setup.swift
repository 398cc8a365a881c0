import CharRNN
import Foundation
import Lessons
import Rendering

/// The commands, one static declaration each (see `CommandRegistry` for the order of `help`).
enum Commands {}

// MARK: - corpus

extension Commands {
    /// `corpus [NAME|FILE]`: loads a text (with a new model), or shows the current one.
    struct CorpusCommand: ShellCommand {
        static let name = "corpus"
        static let summary = "load a text to learn from, or show the current one"
        static let help = """
            With a name, loads one of the texts in corpora/ (or `hello`, the lecture's five letters);
            with a path, loads any UTF-8 text file (a relative path not found here is looked for in
            the lessons directory too, where lessons keep their texts). The vocabulary is the text's characters (hello:
            in order of first appearance, [h, e, l, o]; other texts: sorted). A new text means a new
            model: it is initialised from the settings and the seed, with the text's preset sizes
            (hello: hidden 3, seq 4; others: hidden 100, seq 25). Without an argument, shows the
            current text: its size, vocabulary and training/validation split.
            --unit says what one character is: graphemes (what a reader sees, the default), codepoints
            (Unicode scalars, as PyTorch vocabularies are) or jamo (Hangul syllables split into their
            letters, ᄒ ᅡ ᆫ for 한, composed back in samples). A saved model keeps its unit.
            """
        static let usage = "corpus [hello|shakespeare|c|latex|korean|FILE] [--unit graphemes|codepoints|jamo]"
        static let arguments: [Argument] = [
            .positional("FILE", .path, optional: true),
            .option("unit", "UNIT", .choice(TextUnit.allCases.map(\.rawValue)), called: "the unit"),
        ]
        /// The corpus name or file to load; nil shows the current text.
        let name: String?
        /// What one character is (graphemes unless given).
        let unit: TextUnit

        init(_ arguments: ParsedArguments) {
            name = arguments.text("FILE")
            unit = arguments.text("unit").flatMap(TextUnit.init(rawValue:)) ?? .graphemes
        }

        /// The corpus names and paths, for the one argument.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            previous.isEmpty ? context.corpora + context.paths(word) : []
        }

        func run(in session: Session) throws {
            guard let name else {
                session.output.line(session.corpusSummary())
                return
            }
            try session.requireIdle()
            let corpus = try session.loadCorpus(name, unit: unit)
            let before = session.workspace.settings
            var settings = session.workspace.settings
            if corpus.name == "hello" && corpus.text == "hello" {
                settings.hiddenSize = 3
                settings.sequenceLength = 4
                settings.batchSize = 1
            } else {
                settings.hiddenSize = 100
                settings.sequenceLength = max(1, min(25, corpus.training.count - 1))
                settings.batchSize = 1
            }
            let model = Session.makeModel(vocabulary: corpus.vocabulary, settings: settings)
            try session.replaceModel(model, settings: settings, corpus: corpus)
            session.output.line(session.corpusSummary())
            session.output.note(
                "new model: \(settings.cell.rawValue), V = \(model.shape.vocabularySize), H = \(settings.hiddenSize), "
                    + "seq \(settings.sequenceLength), \(model.parameterCount) parameters (seed \(settings.seed))")
            session.output.note(Settings.provenance(from: before, to: settings, by: "corpus \(safeText(corpus.name))"))
            if let preset = Preset.named(corpus.name), corpus.name != "hello" {
                session.output.note("for the lessons' setup type preset \(preset.name): \(preset.summary)")
            }
        }
    }
}

extension Session {
    /// The corpus called `name` (a corpora name or a file path), or an error saying what was looked for.
    func loadCorpus(_ name: String, unit: TextUnit = .graphemes) throws(CommandError) -> Corpus {
        if name == "hello" {
            return unit == .graphemes ? Session.helloCorpus() : try! Corpus(name: "hello", text: "hello", order: .firstAppearance, unit: unit)
        }
        let path: String
        if let known = library.path(of: name) {
            path = known
        } else if FileManager.default.fileExists(atPath: resolvedInputPath(name)) {
            path = resolvedInputPath(name)  // a file here, or one the lessons directory holds
        } else {
            let near = nearest(name, among: library.names)
            var message = "no corpus or file '\(shown(name))'" + didYouMean(near)
            if library.directory == nil {
                message +=
                    "; the corpora directory was not found (looked in ./corpora, beside the executable and above it, and $CHARRNN_CORPORA)"
            } else if near.isEmpty {
                message += " (corpora: \(library.names.joined(separator: ", ")))"
            }
            throw CommandError(message)
        }
        let displayName = library.path(of: name) != nil ? name : URL(fileURLWithPath: path).lastPathComponent
        let progress = loadingProgress(displayName)
        defer { progress.finish() }
        do {
            return try Corpus.load(
                path: path, name: displayName, order: .sorted, unit: unit, progress: progress.report,
                budget: workspace.settings.budget)
        } catch {
            throw CommandError(error.description)
        }
    }

    /// Files at least this big (bytes) get a progress line while they are read and encoded.
    static let progressThreshold = 8 << 20

    /// The progress callback for loading a text (Ctrl-C stops it and nothing changes; a big file
    /// gets a progress line, redrawn at most every 0.1 s at a terminal, one note per step in a
    /// pipe), and what to call when loading ended (it ends the progress line).
    func loadingProgress(_ name: String) -> (report: (Corpus.LoadStep, Int, Int) -> Bool, finish: () -> Void) {
        final class State {
            var lastDrawn = Date.distantPast
            var lastStep: Corpus.LoadStep?
            var drew = false
        }
        let state = State()
        let output = self.output, style = self.style, interrupted = self.interrupted
        let interactive = output.console.isInteractive
        let label = safeText(name)
        let report: (Corpus.LoadStep, Int, Int) -> Bool = { step, done, total in
            if interrupted() { return false }
            guard total >= Session.progressThreshold else { return true }
            let megabytes = { (n: Int) in (n + (1 << 19)) >> 20 }
            let what = step == .reading ? "reading \(label)" : "encoding \(label)"
            if interactive {
                guard Date().timeIntervalSince(state.lastDrawn) >= 0.1 else { return true }
                state.lastDrawn = Date()
                output.write(
                    "\r" + progressLine(
                        label: what, completed: megabytes(done), total: megabytes(total), detail: "MB  Ctrl-C stops",
                        style: style, width: output.width - 1))
                state.drew = true
            } else if step != state.lastStep {
                output.note("\(what): \(megabytes(total)) MB…")
            }
            state.lastStep = step
            return true
        }
        return (report, { if state.drew { output.write("\n") } })
    }

    /// The current text: size, vocabulary, split.
    /// What the corpus summary counts: "characters" (graphemes), "code points" or "jamo".
    static func unitWord(_ unit: TextUnit) -> String {
        switch unit {
        case .graphemes: return "characters"
        case .codepoints: return "code points"
        case .jamo: return "jamo"
        }
    }

    func corpusSummary() -> String {
        let c = workspace.corpus
        let labels = c.vocabulary.labels
        // Fitted to the width: the middle of a long vocabulary is left out and counted, a wide preview cut.
        let shownLabels = elidedList(labels, width: width - 14)
        var preview = safeText(String(c.text.prefix(60)).replacingOccurrences(of: "\n", with: "↵"))
        if c.indices.count > 60 { preview += "…" }
        preview = cut(preview, to: width - 14, marker: "…")
        return [
            style.bold("corpus \(safeText(c.name))") + ": \(c.indices.count) \(Session.unitWord(c.vocabulary.unit)), "
                + "vocabulary of \(c.vocabulary.count)",
            "  vocabulary  " + shownLabels,
            "  split       \(c.training.count) training, \(c.validation.count) validation",
            "  text        \(preview)",
        ].joined(separator: "\n")
    }
}

// MARK: - model

extension Commands {
    /// `model [new]`: the model's summary, or fresh weights.
    struct ModelCommand: ShellCommand {
        static let name = "model"
        static let summary = "show the model's cell, sizes and tensors; `model new` re-initialises it"
        static let help = """
            Shows the cell, V (vocabulary), H (hidden), the layers, the parameter count, and each
            tensor with its lecture name (W_xh, W_hh, b_h, W_hy, b_y), its PyTorch name and shape.
            `model new` draws fresh weights from the settings (init, seed) and starts a fresh
            optimizer; the loss history is cleared and the cursor goes back to t = 0.
            """
        static let arguments: [Argument] = [.positional("new", .choice(["new"]), optional: true)]
        /// Whether fresh weights were asked for (`model new`).
        let isNew: Bool

        init(_ arguments: ParsedArguments) { isNew = arguments.text("new") != nil }

        func run(in session: Session) throws {
            switch isNew {
            case false:
                session.output.line(session.modelSummary())
            case true:
                try session.requireIdle()
                let model = Session.makeModel(
                    vocabulary: session.workspace.corpus.vocabulary, settings: session.workspace.settings)
                try session.replaceModel(model, settings: session.workspace.settings, corpus: session.workspace.corpus)
                session.workspace.generator = SplitMix64(seed: session.workspace.settings.seed)
                session.output.line(
                    "a new model from seed \(session.workspace.settings.seed) (\(session.workspace.settings.initialization.rawValue) init): "
                        + "\(model.parameterCount) parameters; optimizer state and loss history cleared; t = 0")
                let settings = session.workspace.settings
                session.output.note(Settings.provenance(from: settings, to: settings, by: "model new"))
            }
        }
    }
}

extension Session {
    func modelSummary() -> String {
        let trainer = currentTrainer, model = trainer.model, shape = model.shape
        var lines = [
            style.bold("model") + ": \(shape.cell.rawValue), V = \(shape.vocabularySize), H = \(shape.hiddenSize), "
                + "\(shape.layers) layer\(shape.layers == 1 ? "" : "s"), \(model.parameterCount) parameters",
            "  optimizer \(trainer.configuration.optimizer.rawValue), lr \(formatPlain(workspace.settings.learningRate)), "
                + "clip \(clippingText(trainer.configuration.clipping)), iteration \(trainer.iteration)"
                + (training.job != nil ? " (training in the background)" : ""),
        ]
        let rows = model.parameters.map { p in
            [p.mathName, p.name, p.shape.map(String.init).joined(separator: "×"), String(p.values.count)]
        }
        lines.append(table(headers: ["tensor", "PyTorch name", "shape", "count"], rows: rows, style: style))
        return lines.joined(separator: "\n")
    }
}

// MARK: - set

extension Commands {
    /// `set [NAME [VALUE]]`: lists the settings, explains one, or changes one.
    struct SetCommand: ShellCommand {
        static let name = "set"
        static let summary = "change a setting (learning rate, optimizer, sizes, sampling…)"
        static let help = """
            `set NAME VALUE` changes one setting; `set NAME` explains it; `set` alone lists them all
            (as `show settings`). A setting that reshapes the model (hidden, cell, layers)
            re-initialises it and says so; a new optimizer starts with a fresh state; seq and batch
            cut the text anew. While training runs in the background, `set lr` takes effect at its
            next iteration; settings that would change the model or the trainer must wait for `stop`.
            `set lang ko|en` chooses the lessons' language (yours: lessons do not change it).
            """
        static let usage = "set [NAME [VALUE]]"
        static let arguments: [Argument] = [.positional("NAME", optional: true), .positional("VALUE", optional: true)]
        /// The setting named; nil lists them all.
        let name: String?
        /// Its new value; nil explains the setting.
        let value: String?

        init(_ arguments: ParsedArguments) {
            name = arguments.text("NAME")
            value = arguments.text("VALUE")
        }

        /// Setting names, then the named setting's choices (if it has a few).
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            switch previous.count {
            case 0: return SettingSpec.all.map(\.name) + ["lang"]
            case 1:
                if previous[0] == "lang" { return LessonLanguage.allCases.map(\.rawValue) }  // the learner's, not a model setting
                return SettingSpec.all.first { $0.name == previous[0] }?.choices ?? []
            default: return []
            }
        }

        func run(in session: Session) throws {
            switch (name, value) {
            case (nil, _):
                session.output.line(session.settingsTable())
            case ("lang"?, nil):
                session.output.line(session.playerWords(.languageIs, session.language.rawValue))
            case ("lang"?, let value?):
                try session.setLanguage(text: value)
            case (let name?, nil):
                let spec = try SettingSpec.named(name)
                session.output.line("\(spec.name) = \(spec.value(session.workspace.settings))  (\(spec.range))  \(spec.doc)")
            case (let name?, let value?):
                try session.set(name, to: value)
            }
        }
    }
}

extension Session {
    /// `show settings`: name, value, range and one line of documentation each.
    func settingsTable() -> String {
        let rows = SettingSpec.all.map { spec in
            [spec.name, spec.value(workspace.settings), spec.range, spec.doc]
        }
        return table(
            headers: ["setting", "value", "range", "what it does"], rows: rows, alignments: [.left, .left, .left, .left],
            style: style, width: width)
    }

    /// Changes one setting: validates everything first, then applies it with its effect.
    func set(_ name: String, to text: String) throws(CommandError) {
        let spec = try SettingSpec.named(name)
        var new = workspace.settings
        try spec.apply(text, &new)
        let value = spec.value(new)
        collectFinishedJob()
        if let job = training.job {
            guard spec.effect == .none || spec.name == "lr" || spec.name == "seed" else { throw .trainingRunning }
            if spec.name == "lr" {
                job.learningRate.store(new.learningRate, ordering: .relaxed)
                workspace.settings = new
                output.line("lr = \(value): the background training uses it from its next iteration")
                return
            }
        }
        switch spec.effect {
        case .none:
            workspace.settings = new
            output.line("\(spec.name) = \(value)")
        case .training:
            workspace.trainer.configuration = new.training
            workspace.settings = new
            output.line("\(spec.name) = \(value)")
        case .optimizer:
            workspace.trainer.configuration = new.training
            workspace.trainer.optimizer = Optimizer(kind: new.optimizer, parameters: workspace.trainer.model.parameters)
            workspace.settings = new
            output.line("optimizer = \(value): a fresh optimizer state (all zero)")
        case .batching:
            var newTrainer = try Session.makeTrainer(model: workspace.trainer.model, settings: new, corpus: workspace.corpus)
            newTrainer.optimizer = workspace.trainer.optimizer
            newTrainer.iteration = workspace.trainer.iteration
            workspace.trainer = newTrainer
            workspace.settings = new
            output.line(
                "\(spec.name) = \(value): training reads \(new.batchSize) stream\(new.batchSize == 1 ? "" : "s") × \(new.sequenceLength) steps per iteration, from the start of the text"
            )
        case .reshape:
            guard value != spec.value(workspace.settings) else {
                output.line("\(spec.name) = \(value) (unchanged)")
                return
            }
            let model = Session.makeModel(vocabulary: workspace.corpus.vocabulary, settings: new)
            try replaceModel(model, settings: new, corpus: workspace.corpus)
            output.line(
                "\(spec.name) = \(value): the model changed shape and was re-initialised "
                    + "(\(new.cell.rawValue), H = \(new.hiddenSize), \(new.layers) layer\(new.layers == 1 ? "" : "s"), \(model.parameterCount) parameters); t = 0"
            )
        case .nextModel:
            workspace.settings = new
            if spec.name == "seed" { workspace.generator = SplitMix64(seed: new.seed) }
            output.line(
                "\(spec.name) = \(value): applies at the next `model new`"
                    + (spec.name == "seed" ? " (sampling restarts from this seed now)" : ""))
        }
    }
}

// MARK: - help

extension Commands {
    /// `help [COMMAND|settings]`: every command in one line each, or one explained, or the settings.
    struct Help: ShellCommand {
        static let name = "help"
        static let aliases = ["?"]
        static let summary = "list the commands, or explain one"
        static let usage = "help [COMMAND|settings]"
        static let help =
            "`help` lists every command with one line each; `help NAME` gives its usage and a longer explanation; `help settings` lists the settings."
        static let arguments: [Argument] = [.positional("COMMAND", optional: true)]
        /// The command (or `settings`) to explain; nil lists them all.
        let topic: String?

        init(_ arguments: ParsedArguments) { topic = arguments.text("COMMAND") }

        /// The command names and `settings`, for the one argument.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            previous.isEmpty ? CommandRegistry.all.map(\.name) + ["settings"] : []
        }

        func run(in session: Session) throws {
            let style = session.style
            switch topic {
            case nil:
                var lines: [String] = []
                let nameWidth = CommandRegistry.all.map { displayWidth($0.name) }.max() ?? 8
                for group in CommandRegistry.groups {
                    lines.append(style.bold(group.title))
                    for command in group.commands {
                        lines.append("  " + padded(command.name, to: nameWidth) + "  " + command.summary)
                    }
                }
                lines.append("")
                lines.append("help COMMAND explains one; help settings lists the settings. Tab completes names.")
                lines.append("New here? Type lessons to start a guided lesson, or step to walk through \"hello\".")
                session.output.line(lines.joined(separator: "\n"))
            case "settings":
                session.output.line(session.settingsTable())
            case let name?:
                guard let command = CommandRegistry.command(named: name) else {
                    let near = nearest(name, among: CommandRegistry.allNames)
                    throw CommandError(
                        "no command '\(shown(name))'" + didYouMean(near) + (near.isEmpty ? " (help lists them)" : ""))
                }
                var lines = [style.bold(command.name) + " — " + command.summary, "usage: " + command.usage]
                if !command.aliases.isEmpty { lines.append("also: " + command.aliases.joined(separator: ", ")) }
                // The longer help is written with hard line breaks: reflowed to the width.
                if !command.help.isEmpty { lines.append(""); lines.append(reflow(command.help, width: session.width)) }
                session.output.line(lines.joined(separator: "\n"))
            }
        }
    }
}

// MARK: - quit, run

extension Commands {
    struct Quit: ArgumentlessCommand {
        static let name = "quit"
        static let aliases = ["exit"]
        static let summary = "leave the shell (asks first when training would be lost)"
        static let help = """
            While training runs in the background, quit (and Ctrl-D) asks at a terminal: y quits without
            saving, n keeps training, save saves the model and its training state under ~/.charrnn/saved/
            and quits. Without a terminal (a script, a pipe) the training is stopped and saved there, and
            the file is named. When your own model has trained since it was made, loaded or saved, quit
            asks the same at a terminal (n stays in the shell); a script or a pipe just ends. A lesson's
            model is saved with the lesson.
            """

        func run(in session: Session) throws {
            guard session.mayLeave() else { return }  // Session+Quitting.swift
            session.quitRequested = true
        }
    }

    struct RunScript: ShellCommand {
        static let name = "run"
        static let summary = "run the commands of a file, echoing each one"
        static let help = """
            Runs a file of commands, one per line, as if typed (lines starting with # are comments).
            It stops at the first command that fails, at a line longer than 64 KiB, and at Ctrl-C
            (saying at which line).
            """
        static let arguments: [Argument] = [.positional("FILE", .path)]
        /// The script's path as typed.
        let path: String

        init(_ arguments: ParsedArguments) { path = arguments.text("FILE") ?? "" }

        func run(in session: Session) throws {
            guard session.scriptDepth < 8 else { throw CommandError("scripts nest more than 8 deep (does a script run itself?)") }
            let name = shown(path)
            // Only a regular file: a FIFO or a device would block or never end.
            let descriptor: Int32
            do { descriptor = try TextFile.openRegular(path).descriptor } catch {
                throw CommandError(safeText(String(describing: error)))
            }
            defer { close(descriptor) }
            session.scriptDepth += 1
            defer { session.scriptDepth -= 1 }
            var reader = LineReader(descriptor: descriptor)
            while true {
                let line: String
                switch reader.next() {
                case .end:
                    if let code = reader.readError {
                        throw CommandError("cannot read \(name): \(String(cString: strerror(code)))")
                    }
                    return
                case .tooLong(let number, _):
                    throw CommandError(
                        "\(name): line \(number) is longer than \(reader.maximumLineBytes) bytes; the script stopped there")
                case .line(let text):
                    line = text
                }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                session.output.line(session.echo(safeText(line)))
                let ok = session.run(line: line)
                if session.interrupted() {
                    throw CommandError("\(name): stopped at line \(reader.lineNumber) (Ctrl-C)")
                }
                if !ok {
                    throw CommandError("\(name) line \(reader.lineNumber) failed; the script stopped there")
                }
                if session.quitRequested { return }
            }
        }
    }
}

extension Session {
    /// A command as it is echoed in a script's transcript: `charrnn> step`.
    func echo(_ line: String) -> String { style.bold("charrnn>") + " " + line }
}
