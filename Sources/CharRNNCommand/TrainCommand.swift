import ArgumentParser
import CharRNN
import Foundation
import Shell
import Terminal

/// `charrnn train`: truncated BPTT over a text file, progress lines or JSON lines, a checkpoint at the end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a text file and save a checkpoint.",
        discussion: """
            With batch 1 the text is read in order from its start, chunk after chunk, as min-char-rnn does.
            The loss printed is the mean in nats per character of that iteration's batch, before its update.
            Ctrl-C stops after the current iteration and still saves.
            """)

    @Option(help: "The UTF-8 text to train on.") var text: String
    @Option(help: "Start from a named preset (\(Preset.all.map(\.name).joined(separator: ", "))); other options override it.")
    var preset: String?
    @Option(help: "Cell: rnn, lstm or gru.") var cell: String?
    @Option(help: "Hidden size H.") var hidden: Int?
    @Option(help: "Stacked layers (1–3).") var layers: Int?
    @Option(help: "Steps T of truncated BPTT.") var seq: Int?
    @Option(help: "Parallel streams B.") var batch: Int?
    @Option(help: "Learning rate.") var lr: Double?
    @Option(help: "Optimizer: sgd, momentum, adagrad, rmsprop, adam.") var optimizer: String?
    @Option(help: "Clipping: a number C clips each entry to ±C; norm:C clips the global norm; none.") var clip: String?
    @Option(help: "Initialisation: gaussian (min-char-rnn), uniform (char-rnn), pytorch.") var initialization: String?
    @Option(help: "Multiply the learning rate by this factor every --decay-every iterations.") var decay: Double = 1
    @Option(help: "Iterations between learning-rate decays (0: never).") var decayEvery: Int = 0
    @Option(help: "p of dropout between stacked layers while training (0: none).") var dropout: Double = 0
    @Option(help: "Iterations to train (default 1000 unless --seconds is given).") var steps: Int?
    @Option(help: "A time budget in seconds instead of (or as well as) a step count.") var seconds: Double?
    @Option(help: "Print progress every K iterations.") var every: Int = 100
    @Option(help: "Compute the validation loss every K iterations (0: only at the end).") var valEvery: Int = 0
    @Option(help: "Fraction of the text held out for validation.") var valFraction: Double = 0.1
    @Option(help: "Write a checkpoint every K iterations too (0: only at the end).") var checkpointEvery: Int = 0
    @Option(help: "Random seed (initialisation).") var seed: UInt64 = 42
    @Option(help: "Start from this checkpoint's weights (and its optimizer state, if it has one).") var initFrom: String?
    @Option(help: "Where to write the checkpoint.") var save: String
    @Flag(help: "Print one JSON object per line instead of progress lines.") var json = false

    func validate() throws {
        if let preset, Preset.named(preset) == nil {
            throw ValidationError("unknown preset '\(preset)' (known: \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        if let cell, CellKind(rawValue: cell) == nil { throw ValidationError("unknown cell '\(cell)' (rnn, lstm, gru)") }
        if let optimizer, OptimizerKind(rawValue: optimizer) == nil {
            throw ValidationError("unknown optimizer '\(optimizer)' (sgd, momentum, adagrad, rmsprop, adam)")
        }
        if let initialization, Initialization(rawValue: initialization) == nil {
            throw ValidationError("unknown initialisation '\(initialization)' (gaussian, uniform, pytorch)")
        }
        if let clip, Clipping(parsing: clip) == nil {
            throw ValidationError("bad --clip '\(clip)': use a number, norm:C or none")
        }
        if let hidden, !(1...4096).contains(hidden) { throw ValidationError("--hidden must be in 1…4096") }
        if let layers, !(1...3).contains(layers) { throw ValidationError("--layers must be 1, 2 or 3") }
        if let seq, !(1...10_000).contains(seq) { throw ValidationError("--seq must be in 1…10000") }
        if let batch, !(1...1024).contains(batch) { throw ValidationError("--batch must be in 1…1024") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0") }
        if let seconds, !(seconds > 0 && seconds.isFinite) { throw ValidationError("--seconds must be positive") }
        if every < 1 { throw ValidationError("--every must be ≥ 1") }
        if !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
        if !(valFraction >= 0 && valFraction < 1) { throw ValidationError("--val-fraction must be in [0, 1)") }
    }

    func run() throws {
        TerminalEnvironment.installInterruptHandler()
        let base = preset.flatMap(Preset.named) ?? Preset.named("min-char-rnn")!
        var configuration = base.training
        if let seq { configuration.sequenceLength = seq }
        if let batch { configuration.batchSize = batch }
        if let lr { configuration.learningRate = lr }
        if let optimizer { configuration.optimizer = OptimizerKind(rawValue: optimizer)! }
        if let clip { configuration.clipping = Clipping(parsing: clip)! }
        configuration.schedule = LearningRateSchedule(factor: decay, every: decayEvery)
        configuration.dropout = dropout

        // The model: from a checkpoint, or new from the options.
        var generator = SplitMix64(seed: seed)
        var resumed: Trainer?
        let model: Model
        if let initFrom {
            let checkpoint = try fail { try Checkpoint.read(path: initFrom) }
            model = checkpoint.model
            if var trainer = checkpoint.training?.trainer, trainer.configuration.optimizer == configuration.optimizer {
                trainer.configuration = configuration
                resumed = trainer
            }
        } else {
            let corpus = try fail { try Corpus.load(path: text, order: base.order, validationFraction: valFraction) }
            model = Model(
                vocabulary: corpus.vocabulary, cell: cell.flatMap(CellKind.init) ?? base.cell,
                hiddenSize: hidden ?? base.hiddenSize, layers: layers ?? base.layers,
                initialization: initialization.flatMap(Initialization.init) ?? base.initialization, using: &generator)
        }
        let corpus = try fail { try Corpus.load(path: text, vocabulary: model.vocabulary, validationFraction: valFraction) }
        var trainer: Trainer
        if var resumed {
            try fail { try resumed.attach(trainingCount: corpus.training.count) }
            trainer = resumed
        } else {
            trainer = try fail {
                try Trainer(model: model, configuration: configuration, trainingCount: corpus.training.count, seed: seed)
            }
        }
        if !json {
            StandardStreams.line(
                "training \(model.shape.cell) \(model.shape.hiddenSize) × \(model.shape.layers) (\(grouped(Double(model.parameterCount))) parameters) on \(corpus.name): \(grouped(Double(corpus.training.count))) training characters, \(grouped(Double(corpus.validation.count))) validation, vocabulary \(model.vocabulary.count); \(configuration.optimizer) lr \(configuration.learningRate), batch \(configuration.batchSize) × \(configuration.sequenceLength)"
            )
        }

        let stepLimit = steps ?? (seconds == nil ? 1000 : Int.max)
        var workspace = TrainingWorkspace(shape: model.shape)
        let start = Date()
        var windowStart = Date(), windowCharacters = 0
        var lastReport: IterationReport?
        var done = 0
        func validation() -> Double? {
            corpus.validation.count >= 2
                ? trainer.model.validationLoss(corpus.validation) : nil
        }
        /// One progress line (or JSON object): `speed` in characters per second.
        func emit(_ report: IterationReport, speed: Double, validationLoss: Double?) {
            if json {
                var line =
                    "{\"iteration\":\(report.iteration),\"loss\":\(jsonNumber(report.loss)),\"chars_per_second\":\(jsonNumber(speed)),\"learning_rate\":\(jsonNumber(report.learningRate))"
                if let validationLoss { line += ",\"val_loss\":\(jsonNumber(validationLoss))" }
                StandardStreams.line(line + "}")
            } else {
                var line = "iter \(report.iteration)  loss \(String(format: "%.4f", report.loss))  \(grouped(speed)) chars/s"
                if let validationLoss { line += "  val \(String(format: "%.4f", validationLoss))" }
                StandardStreams.line(line)
            }
        }
        var totalCharacters = 0
        interruptRequested.store(false, ordering: .relaxed)
        while done < stepLimit {
            if let seconds, Date().timeIntervalSince(start) >= seconds { break }
            if interruptRequested.load(ordering: .relaxed) {
                StandardStreams.error("interrupted: saving after iteration \(trainer.iteration)")
                break
            }
            let report: IterationReport
            do { report = try trainer.step(on: corpus.training, workspace: &workspace) } catch {
                StandardStreams.error("error: \(error)")
                break
            }
            done += 1
            windowCharacters += report.characters
            totalCharacters += report.characters
            lastReport = report
            let validate = valEvery > 0 && report.iteration % valEvery == 0
            if report.iteration % every == 0 || validate {
                let speed = Double(windowCharacters) / max(Date().timeIntervalSince(windowStart), 1e-9)
                emit(report, speed: speed, validationLoss: validate ? validation() : nil)
                windowStart = Date()
                windowCharacters = 0
            }
            if checkpointEvery > 0 && report.iteration % checkpointEvery == 0 {
                try write(trainer, generator: generator)
            }
        }
        // The end: validation once more, and the speed over the whole run.
        if let lastReport {
            emit(
                lastReport, speed: Double(totalCharacters) / max(Date().timeIntervalSince(start), 1e-9),
                validationLoss: validation())
        }
        try write(trainer, generator: generator)
        if !json {
            StandardStreams.line(
                "saved \(save) after \(trainer.iteration) iterations in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
            )
        }
    }

    private func write(_ trainer: Trainer, generator: SplitMix64) throws {
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: generator),
            extra: ["seed": String(seed), "charrnn.corpus": text])
        try fail { try checkpoint.write(path: save) }
    }
}

/// Runs `body`, turning an engine error into a one-line failure of the command (exit code 1).
func fail<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ExitCode { throw error } catch {
        StandardStreams.error("error: \(error)")
        throw ExitCode.failure
    }
}
