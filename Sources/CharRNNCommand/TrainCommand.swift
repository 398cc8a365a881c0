import ArgumentParser
import CharRNN
import Foundation
import Shell
import Synchronization
import Terminal

/// `charrnn train`: truncated BPTT over a text file, progress lines or JSON lines, a checkpoint at the end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a text file and save a checkpoint.",
        discussion: """
            With batch 1 the text is read in order from its start, chunk after chunk, as min-char-rnn does. \
            The loss printed is the mean in nats per character of that iteration's batch, before its update.

            Ctrl-C, SIGTERM and SIGHUP stop after the current iteration and still save (after SIGTERM or \
            SIGHUP the exit status is 128 + the signal's number); stopped before the first iteration, it \
            writes nothing. The divergence guard stops a run whose loss \
            becomes NaN or explodes, restores the last good weights, saves them and exits with status 1.

            Numbers are checked with the shell's ranges (`set` in the shell); --save is checked before the run.
            """)

    @Option(help: "The UTF-8 text to train on.") var text: String
    @Option(help: "Start from a named preset (\(Preset.all.map(\.name).joined(separator: ", "))); other options override it.")
    var preset: String?
    @Option(help: "Cell: rnn, lstm or gru.") var cell: String?
    @Option(parsing: .unconditional, help: "Hidden size H.") var hidden: String?
    @Option(parsing: .unconditional, help: "Stacked layers (1–3).") var layers: String?
    @Option(parsing: .unconditional, help: "Steps T of truncated BPTT.") var seq: String?
    @Option(parsing: .unconditional, help: "Parallel streams B.") var batch: String?
    @Option(parsing: .unconditional, help: "Learning rate.") var lr: String?
    @Option(help: "Optimizer: sgd, momentum, adagrad, rmsprop, adam.") var optimizer: String?
    @Option(parsing: .unconditional, help: "Clipping: a number C clips each entry to ±C; norm:C clips the global norm; none.")
    var clip: String?
    @Option(help: "Initialisation: gaussian (min-char-rnn), uniform (char-rnn), pytorch.") var initialization: String?
    @Option(parsing: .unconditional, help: "Multiply the learning rate by this factor every --decay-every iterations.")
    var decay: String?
    @Option(parsing: .unconditional, help: "Iterations between learning-rate decays (0: never).") var decayEvery: String?
    @Option(parsing: .unconditional, help: "p of dropout between stacked layers while training (0: none).") var dropout: String?
    @Option(parsing: .unconditional, help: "Warm the learning rate up from 0 over this share of the run (0–0.5).")
    var warmup: String?
    @Option(help: "Anneal the learning rate to 0 by the end of the run (its steps or --seconds): linear, cosine or constant.")
    var anneal: String?
    @Option(parsing: .unconditional, help: "Iterations to train (default 1000 unless --seconds is given).") var steps: String?
    @Option(parsing: .unconditional, help: "A time budget in seconds instead of (or as well as) a step count.")
    var seconds: String?
    @Option(parsing: .unconditional, help: "Print progress every K iterations.") var every: String = "100"
    @Option(parsing: .unconditional, help: "Compute the validation loss every K iterations (0: only at the end).")
    var valEvery: String = "0"
    @Option(parsing: .unconditional, help: "Fraction of the text held out for validation.") var valFraction: String = "0.1"
    @Option(parsing: .unconditional, help: "Write a checkpoint every K iterations too (0: only at the end).")
    var checkpointEvery: String = "0"
    @Option(parsing: .unconditional, help: "Random seed (initialisation).") var seed: String = "42"
    @Option(help: "Start from this checkpoint's weights (and its optimizer state, if it has one).") var initFrom: String?
    @Option(help: "What one character is: graphemes (default), codepoints or jamo (with --init-from: the checkpoint's).")
    var unit: String?
    @Option(help: "Where to write the checkpoint.") var save: String
    @Flag(help: "Replace the --save file even if it is not a charrnn (safetensors) checkpoint.") var force = false
    @Option(parsing: .unconditional, help: "The most memory training may need: 8GB, 500MB (default: half the physical memory).")
    var memoryBudget: String?
    @Flag(help: "Print one JSON object per line instead of progress lines.") var json = false

    /// The options, checked with the shell's settings (same ranges, same messages).
    struct Plan {
        var base: Preset
        var configuration: TrainingConfiguration
        var cell: CellKind
        var hiddenSize: Int
        var layers: Int
        var initialization: Initialization
        /// Iterations, or nil: the time budget alone.
        var steps: Int?
        var seconds: Double?
        var every: Int
        var validateEvery: Int
        var validationFraction: Double
        var checkpointEvery: Int
        var seed: UInt64
        var budget: MemoryBudget
        /// The learning rate's warm-up and annealing over this run (`--warmup`, `--anneal`).
        var budgetSchedule: BudgetSchedule = .constant
    }

    /// Every option checked and combined with the preset.
    func checkedPlan() throws(BatchOptionError) -> Plan {
        guard let base = preset.map({ Preset.named($0) }) ?? Preset.named("min-char-rnn") else {
            throw BatchOptionError("unknown preset '\(preset ?? "")' (known: \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        var s = BatchSettings()
        var configuration = base.training
        if let seq {
            try s.set("seq", to: seq)
            configuration.sequenceLength = s.sequenceLength
        }
        if let batch {
            try s.set("batch", to: batch)
            configuration.batchSize = s.batchSize
        }
        if let lr {
            try s.set("lr", to: lr)
            configuration.learningRate = s.learningRate
        }
        if let optimizer {
            try s.set("optimizer", to: optimizer)
            configuration.optimizer = s.optimizer
        }
        if let clip {
            try s.set("clip", to: clip)
            configuration.clipping = s.clipping
        }
        if let decay { try s.set("decay", to: decay) }
        if let decayEvery { try s.set("decay-every", to: decayEvery) }
        if let dropout { try s.set("dropout", to: dropout) }
        configuration.schedule = LearningRateSchedule(factor: s.decay, every: s.decayEvery)
        configuration.dropout = s.dropout
        if let cell { try s.set("cell", to: cell) }
        if let hidden { try s.set("hidden", to: hidden) }
        if let layers { try s.set("layers", to: layers) }
        if let initialization { try s.set("init", to: initialization, option: "initialization") }
        try s.set("val-every", to: valEvery)
        try s.set("checkpoint-every", to: checkpointEvery, option: "checkpoint-every")
        if let memoryBudget { try s.set("memory-budget", to: memoryBudget) }
        let steps = try steps.map { t throws(BatchOptionError) in try BatchSettings.iterations(t, option: "steps") }
        let seconds = try seconds.map { t throws(BatchOptionError) in
            try BatchSettings.number(t, option: "seconds", in: TrainingLimits.seconds)
        }
        let every = try BatchSettings.wholeNumber(every, option: "every", in: TrainingLimits.iterations)
        let fraction = try BatchSettings.number(valFraction, option: "val-fraction", in: 0...0.9)
        let seed = UInt64(try BatchSettings.wholeNumber(seed, option: "seed", in: 0...Int.max))
        var budgetSchedule = BudgetSchedule.constant
        if let warmup { budgetSchedule.warmup = try BatchSettings.number(warmup, option: "warmup", in: 0...0.5) }
        if let anneal {
            guard let annealing = BudgetSchedule.Annealing(rawValue: anneal) else {
                throw BatchOptionError("--anneal must be linear, cosine or constant, not '\(anneal)'")
            }
            budgetSchedule.annealing = annealing
            budgetSchedule.floor = annealing == .constant ? 1 : 0
        }
        var plan = Plan(
            base: base, configuration: configuration, cell: cell == nil ? base.cell : s.cell,
            hiddenSize: hidden == nil ? base.hiddenSize : s.hiddenSize, layers: layers == nil ? base.layers : s.layers,
            initialization: initialization == nil ? base.initialization : s.initialization,
            steps: steps ?? (seconds == nil ? 1000 : nil), seconds: seconds, every: every, validateEvery: s.validateEvery,
            validationFraction: fraction, checkpointEvery: s.checkpointEvery, seed: seed, budget: s.memoryBudget)
        plan.budgetSchedule = budgetSchedule
        return plan
    }

    func validate() throws {
        do { _ = try checkedPlan() } catch { throw ValidationError(error.message) }
        _ = try checkedUnit()
    }

    /// The --unit given (graphemes without it), or an error naming the three.
    func checkedUnit() throws -> TextUnit {
        guard let unit else { return .graphemes }
        guard let known = TextUnit(rawValue: unit) else {
            throw ValidationError("--unit must be graphemes, codepoints or jamo, not '\(unit)'")
        }
        return known
    }

    func run() throws {
        interruptRequested.store(false, ordering: .relaxed)
        TerminalEnvironment.installInterruptHandler()
        installTerminationHandlers()
        let plan: Plan
        do { plan = try checkedPlan() } catch { throw ValidationError(error.message) }
        try fail { try Checkpoint.checkWritable(path: save, force: force) }  // before the run, not after it
        let configuration = plan.configuration

        // The model: from a checkpoint, or new from the options.
        var generator = SplitMix64(seed: plan.seed)
        var resumed: Trainer?
        let model: Model
        if let initFrom {
            let checkpoint = try fail { try Checkpoint.read(path: initFrom) }
            model = checkpoint.model
            if unit != nil, try checkedUnit() != model.vocabulary.unit {
                throw ValidationError(
                    "--unit \(try checkedUnit().rawValue): \(initFrom) was trained on \(model.vocabulary.unit.rawValue); a model keeps its unit")
            }
            if var trainer = checkpoint.training?.trainer, trainer.configuration.optimizer == configuration.optimizer {
                trainer.configuration = configuration
                if trainer.state.batchSize != configuration.batchSize {  // another --batch: the carried state starts again
                    trainer.state = .zero(model.shape, batchSize: configuration.batchSize)
                }
                resumed = trainer
            }
        } else {
            let corpus = try fail {
                try Corpus.load(
                    path: text, order: plan.base.order, unit: try checkedUnit(), validationFraction: plan.validationFraction,
                    budget: plan.budget)
            }
            let shape = ModelShape(
                cell: plan.cell, vocabularySize: corpus.vocabulary.count, hiddenSize: plan.hiddenSize, layers: plan.layers)
            try checkMemory(shape, configuration: configuration, budget: plan.budget)
            model = Model(
                vocabulary: corpus.vocabulary, cell: plan.cell, hiddenSize: plan.hiddenSize, layers: plan.layers,
                initialization: plan.initialization, using: &generator)
        }
        try checkMemory(model.shape, configuration: configuration, budget: plan.budget)
        let corpus = try fail {
            try Corpus.load(
                path: text, vocabulary: model.vocabulary, validationFraction: plan.validationFraction, budget: plan.budget)
        }
        var trainer: Trainer
        if var resumed {
            try fail { try resumed.attach(trainingCount: corpus.training.count) }
            trainer = resumed
        } else {
            trainer = try fail {
                try Trainer(model: model, configuration: configuration, trainingCount: corpus.training.count, seed: plan.seed)
            }
        }
        if !json {
            StandardStreams.line(
                "training \(model.shape.cell) \(model.shape.hiddenSize) × \(model.shape.layers) (\(grouped(Double(model.parameterCount))) parameters) on \(corpus.name): \(grouped(Double(corpus.training.count))) training characters, \(grouped(Double(corpus.validation.count))) validation, vocabulary \(model.vocabulary.count); \(configuration.optimizer) lr \(configuration.learningRate), batch \(configuration.batchSize) × \(configuration.sequenceLength)"
            )
        }

        let schedule = TrainingSchedule(
            iterations: plan.steps, seconds: plan.seconds, validateEvery: plan.validateEvery,
            checkpointEvery: plan.checkpointEvery, validationLimit: .max)
        var loop = TrainingLoop(
            trainer: trainer, data: corpus.training, validation: corpus.validation, schedule: schedule, generator: generator)
        let start = Date()
        var windowStart = Date(), windowCharacters = 0
        var lastReport: IterationReport?
        var totalCharacters = 0
        var writeFailed = false
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
        var iterationsDone = 0
        /// The share of this run spent after the coming iteration: of its steps or its seconds, whichever ends first.
        func spent() -> Double {
            let byTime = plan.seconds.map { Date().timeIntervalSince(start) / $0 } ?? 0
            let bySteps = plan.steps.map { Double(iterationsDone + 1) / Double(max($0, 1)) } ?? 0
            return max(byTime, bySteps)
        }
        let outcome = loop.run(
            learningRate: { configuration.learningRate * plan.budgetSchedule.factor(progress: spent()) },
            shouldStop: { interruptRequested.load(ordering: .relaxed) || writeFailed },
            observe: { event, loop in
                switch event {
                case .guardFired(let stop):
                    StandardStreams.error(stop.explanation(settingLearningRate: { "--lr \($0)" }, turningClippingOn: "--clip 5"))
                case .iteration(let step):
                    let report = step.report
                    windowCharacters += report.characters
                    totalCharacters += report.characters
                    iterationsDone += 1
                    lastReport = report
                    if report.iteration % plan.every == 0 || loop.schedule.validates(at: report.iteration) {
                        let speed = Double(windowCharacters) / max(Date().timeIntervalSince(windowStart), 1e-9)
                        emit(report, speed: speed, validationLoss: step.validation)
                        windowStart = Date()
                        windowCharacters = 0
                    }
                    if step.checkpointDue {
                        do {
                            try write(loop.trainer, generator: loop.generator, learningRate: configuration.learningRate)
                        } catch { writeFailed = true }
                    }
                }
            })
        trainer = loop.trainer
        generator = loop.generator
        let signal = terminationSignal.load(ordering: .relaxed)
        if outcome == .stopped, !writeFailed {
            let why = signal == SIGTERM ? "terminated (SIGTERM)" : signal == SIGHUP ? "hung up (SIGHUP)" : "interrupted"
            guard iterationsDone > 0 else {  // nothing was learned: an existing --save file stays as it was
                StandardStreams.error("\(why) before the first iteration: nothing trained, \(save) not written")
                if signal == SIGTERM || signal == SIGHUP { throw ExitCode(128 + signal) }
                return
            }
            StandardStreams.error("\(why): saving after iteration \(trainer.iteration)")
        }
        // The end: validation once more, and the speed over the whole run (unless the guard took
        // back the iteration last reported).
        if let lastReport, lastReport.iteration == trainer.iteration {
            emit(
                lastReport, speed: Double(totalCharacters) / max(Date().timeIntervalSince(start), 1e-9),
                validationLoss: loop.validationLoss())
        }
        try write(trainer, generator: generator, learningRate: configuration.learningRate)
        if !json {
            StandardStreams.line(
                "saved \(save) after \(trainer.iteration) iterations in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
            )
        }
        if writeFailed { throw ExitCode.failure }
        if case .guardStopped(let stop) = outcome {
            StandardStreams.error(
                stop.restoredIsBroken
                    ? "error: the guard stopped training; the weights before the blow-up were saved to \(save), but they are far "
                        + "worse than guessing: do not resume from them"
                    : "error: the guard stopped training; the last good weights were saved to \(save)")
            throw ExitCode.failure
        }
        // A SIGTERM or SIGHUP that came while the last checkpoint was written (the file is whole)
        // still ends with its status.
        let last = terminationSignal.load(ordering: .relaxed)
        if last == SIGTERM || last == SIGHUP { throw ExitCode(128 + last) }
    }

    /// Refuses a model and batch whose training would need more memory than `budget`.
    private func checkMemory(_ shape: ModelShape, configuration: TrainingConfiguration, budget: MemoryBudget) throws {
        try fail { try budget.check(MemoryEstimate.training(shape, configuration: configuration), for: "training") }
    }

    /// Writes the checkpoint; `learningRate` is the rate asked for (not the warm-up's or annealing's of the moment).
    private func write(_ trainer: Trainer, generator: SplitMix64, learningRate: Double) throws {
        var trainer = trainer
        trainer.configuration.learningRate = learningRate
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: generator),
            extra: ["seed": seed, "charrnn.corpus": text])
        try fail { try checkpoint.write(path: save, force: force) }
    }
}

/// The signal (SIGTERM or SIGHUP) that asked `charrnn train` to stop, or 0.
let terminationSignal = Atomic<Int32>(0)

/// SIGTERM and SIGHUP during `charrnn train`: only atomics (async-signal-safe). The run stops
/// after the current iteration and saves, as after Ctrl-C.
private let terminationHandler: @convention(c) (Int32) -> Void = { signal in
    terminationSignal.store(signal, ordering: .relaxed)
    interruptRequested.store(true, ordering: .relaxed)
}

/// Installs the SIGTERM and SIGHUP handlers of `charrnn train`, and unblocks them and SIGINT: a
/// parent may have started charrnn with them blocked (the mask is inherited), and then they would
/// wait forever instead of stopping the run.
func installTerminationHandlers() {
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for signal in [SIGTERM, SIGHUP] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = terminationHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signal, &action, nil)
        sigaddset(&unblocked, signal)
    }
    sigaddset(&unblocked, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
}

/// Runs `body`, turning an engine error into a one-line failure of the command (exit code 1).
func fail<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ExitCode { throw error } catch {
        StandardStreams.error("error: \(error)")
        throw ExitCode.failure
    }
}
