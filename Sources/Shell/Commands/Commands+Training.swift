import CharRNN
import Foundation
import Rendering

extension Commands {
    struct Train: ShellCommand {
        static let name = "train"
        static let summary = "train N more iterations (default 1000), --until iteration N, for S seconds, or in the background"
        static let help = """
            Each iteration reads the next B × T characters (batch × seq), runs forward and
            backpropagation through time, clips and updates; the hidden state is carried from chunk
            to chunk. A progress line shows the iteration, the loss, the validation loss (on the
            held-out text, every `val-every` iterations and once at the end), the learning rate,
            characters per second and the time left. `train N` trains N more iterations; `train
            --until N` trains until the model is at iteration N (an absolute target: after a Ctrl-C
            the same command goes on to the same N). --seconds S stops after S seconds (with N:
            whichever comes first). Ctrl-C stops cleanly after the current iteration (every
            completed one is kept). If the loss or the weights become NaN or infinite, the guard
            stops training and restores the last good weights and optimizer state.
            Watching the text take shape: `set sample-at 100,300,500` prints a sample after those
            iterations, `set sample-every K` every K. `set decay 0.97` with `set decay-every 100`
            multiplies the learning rate by 0.97 every 100 iterations. `set checkpoint-every K`
            writes the model and its training state to `checkpoint-file` every K iterations
            (atomically). `preset NAME` applies a lesson's model and training settings.
            With --background the prompt stays usable: `set lr` takes effect at the next iteration,
            `sample`, `show` and `model` read the latest weights, `status` reports, `stop` ends it.
            Without N or --seconds, background training runs until `stop`.
            Before it starts, the memory training needs is estimated from the sizes (parameters,
            optimizer state, B × T × layers of the forward cache and backward trace); over
            `memory-budget` (by default half of the physical memory) it is refused with both figures.
            When the guard stops training the command fails (a script run with --strict stops there).
            """
        static let arguments: [Argument] = [
            .positional("N", .integer(TrainingLimits.iterations), optional: true),
            .option("until", "N", .integer(TrainingLimits.iterations), called: "the target iteration"),
            .option("seconds", "S", .number(TrainingLimits.seconds)), .flag("background"),
        ]
        /// Iterations to run, if given.
        let count: Int?
        /// The iteration to train until (absolute), if given.
        let until: Int?
        /// Seconds to run for, if given.
        let seconds: Double?
        /// Whether to train in the background.
        let background: Bool

        init(_ arguments: ParsedArguments) {
            count = arguments.integer("N")
            until = arguments.integer("until")
            seconds = arguments.number("seconds")
            background = arguments.flag("background")
        }

        func run(in session: Session) throws {
            try session.requireIdle()
            var count = self.count
            if let until {
                guard count == nil else {
                    throw CommandError("train: give N (iterations more) or --until N (the iteration to reach), not both")
                }
                let now = session.workspace.trainer.iteration
                guard until > now else {
                    session.output.line(session.shellWords(.alreadyAtIteration, String(now), String(until)))
                    return
                }
                count = until - now
            }
            try session.checkTrainingMemory()
            if background {
                session.startBackground(iterations: count, seconds: seconds)
            } else if !session.trainForeground(iterations: count ?? (seconds == nil ? 1000 : nil), seconds: seconds) {
                throw ReportedFailure()
            }
        }
    }

    struct Status: ArgumentlessCommand {
        static let name = "status"
        static let summary = "what training is doing (or did last)"

        func run(in session: Session) throws {
            session.collectFinishedJob()
            session.output.line(session.statusLine())
        }
    }

    struct Stop: ArgumentlessCommand {
        static let name = "stop"
        static let summary = "stop background training (the weights so far are kept)"

        func run(in session: Session) throws {
            session.collectFinishedJob()
            guard let job = session.training.job else { throw CommandError("no training is running in the background") }
            job.stopRequested.store(true, ordering: .relaxed)
            session.adopt(job)
            // The loss of the last kept iteration, read after the job ended (as `status` reads it):
            // the job's status, read before, missed the iteration that was running.
            let done = session.workspace.trainer.iteration - job.startIteration
            let last = done > 0 ? session.training.history.last : nil
            session.output.line(
                "stopped at iteration \(session.workspace.trainer.iteration) after \(done) iteration\(done == 1 ? "" : "s") in the background"
                    + (last.map { ", loss \(String(format: "%.4f", $0.loss))" } ?? ""))
        }
    }

    struct Plot: ShellCommand {
        static let name = "plot"
        static let summary = "plot the training and validation loss"
        static let help = """
            Plots the training loss (*) and the validation loss (o) over iterations, as wide as the
            terminal; @ marks where the two meet. The y axis spans the data; when the first, untrained
            iterations would squash the rest they are left out (and the chart says so): --all keeps
            them. --log uses a logarithmic y axis.
            """
        static let arguments: [Argument] = [.positional("loss", .choice(["loss"])), .flag("log"), .flag("all")]
        /// A logarithmic y axis.
        let logScale: Bool
        /// Keep the first, untrained iterations.
        let everything: Bool

        init(_ arguments: ParsedArguments) {
            logScale = arguments.flag("log")
            everything = arguments.flag("all")
        }

        func run(in session: Session) throws {
            let history = session.currentHistory
            guard !history.isEmpty else { throw CommandError("no training yet: train first, then plot loss") }
            session.output.line(session.lossPlot(history, width: session.width - 1, logScale: logScale, everything: everything))
        }
    }
}

extension Session {
    /// Trains `iterations` iterations, or for `seconds`, or whichever ends first, here, with
    /// progress through the output; Ctrl-C stops it. One of the two is given. Returns false when
    /// the guard stopped the run (it has said why).
    @discardableResult
    func trainForeground(iterations: Int?, seconds: Double? = nil) -> Bool {
        var run = makeTrainingLoop(iterations: iterations, seconds: seconds)
        let checkpoints = CheckpointWriter(session: self)
        let start = Date()
        let startIteration = run.trainer.iteration
        var lastProgress = Date.distantPast
        var lastReport = Date()
        var firstLoss = Double.nan, lastLoss = Double.nan
        var characters = 0
        var points: [LossPoint] = []
        var stopReason: String? = nil
        let interactive = output.console.isInteractive
        let reportEvery = iterations.map { max(1, $0 / 10) }
        /// The fraction done, by iterations or by time, whichever is further along.
        func fraction(_ done: Int) -> Double {
            let byCount = iterations.map { Double(done) / Double($0) } ?? 0
            let byTime = seconds.map { Date().timeIntervalSince(start) / $0 } ?? 0
            return min(1, max(byCount, byTime))
        }
        func progress(_ done: Int, learningRate: Double, loop: TrainingLoop) -> String {
            let elapsed = Date().timeIntervalSince(start)
            let speed = elapsed > 0 ? Double(characters) / elapsed : 0
            let f = fraction(done)
            let left = f > 0 ? elapsed / f * (1 - f) : 0
            // Dropped from the end when the line is too wide: the time left goes last.
            let optional = [
                "\(formatDuration(left)) left", loop.lastValidation.map { "val \(String(format: "%.4f", $0.loss))" } ?? "",
                "\(Int(speed)) chars/s", "lr \(formatPlain(learningRate))",
            ].filter { !$0.isEmpty }
            let loss = "loss \(String(format: "%.4f", lastLoss))"
            // Fitted to the width less 3 columns, so a redraw never wraps and Ctrl-C's `^C` fits after it;
            // padded, so a shorter line covers the longer one it replaces.
            let room = max(20, width - 3)
            // By iterations when a count is given and the clock is not further along; else by seconds.
            if let iterations, seconds.map({ elapsed / $0 <= Double(done) / Double(iterations) }) ?? true {
                return padded(
                    fittedProgressLine(
                        label: "training", fraction: f, counts: "\(done)/\(iterations)", kept: [loss], optional: optional,
                        style: style, width: room), to: room)
            }
            return padded(
                fittedProgressLine(
                    label: "training", fraction: f,
                    counts: "\(Int(elapsed)) of \(formatPlain(seconds ?? 0)) s budget",
                    shortCounts: "\(Int(elapsed))/\(formatPlain(seconds ?? 0)) s",
                    kept: ["iteration \(loop.trainer.iteration)", loss], optional: optional, style: style, width: room),
                to: room)
        }
        var done = 0
        /// The iteration of the last checkpoint file written (`set checkpoint-every`), if any.
        var checkpointedIteration = -1
        let learningRate = workspace.settings.learningRate
        let outcome = run.run(
            learningRate: { learningRate },
            shouldStop: { interrupted() },
            observe: { event, loop in
                switch event {
                case .guardFired(let stop):
                    if interactive && done > 0 { output.write("\n") }
                    output.line(style.yellow(guardMessage(stop)))
                case .iteration(let step):
                    done += 1
                    if firstLoss.isNaN { firstLoss = step.report.loss }
                    lastLoss = step.report.loss
                    characters += step.report.characters
                    points.append(
                        LossPoint(iteration: step.report.iteration, loss: step.report.loss, validation: step.validation))
                    if interactive {
                        if Date().timeIntervalSince(lastProgress) >= 0.1 || done == iterations {
                            lastProgress = Date()
                            output.write("\r" + progress(done, learningRate: step.report.learningRate, loop: loop))
                        }
                    } else if reportEvery.map({ done % $0 == 0 }) ?? (Date().timeIntervalSince(lastReport) >= 5) {
                        lastReport = Date()
                        output.line(reportLine(step, loop: loop))
                    }
                    if step.sample != nil || step.checkpointDue {
                        if interactive { output.write("\n") }
                        if let sample = step.sample {
                            output.line(sampleBlock(sample, step: step))
                            report(.trainingSample(iteration: step.report.iteration, text: sample))
                        }
                        if step.checkpointDue {
                            let note = checkpoints.write(loop)
                            output.note(note)
                            if note.hasPrefix("checkpoint: wrote") {
                                checkpointedIteration = loop.trainer.iteration
                                training.guardMemory.checkpointWritten(
                                    path: checkpoints.path, iteration: loop.trainer.iteration, loss: step.report.loss,
                                    vocabularySize: loop.trainer.model.shape.vocabularySize, key: guardKey)
                            }
                        }
                    }
                }
            })
        switch outcome {
        case .finished: break
        case .stopped: stopReason = "interrupted (Ctrl-C)"
        case .guardStopped: stopReason = "stopped by the guard"
        }
        if interactive && !points.isEmpty && stopReason != "stopped by the guard" { output.write("\n") }
        if let loss = run.finalValidation(lastIteration: points.last?.iteration, measuredThere: points.last?.validation != nil)
        {
            points[points.count - 1].validation = loss
        }
        workspace.trainer = run.trainer
        workspace.generator = run.generator
        if checkpointedIteration == run.trainer.iteration { workspace.keptIteration = checkpointedIteration }
        training.history += points.filter { $0.iteration <= run.trainer.iteration }
        lastLoss = training.history.last?.loss ?? lastLoss
        report(.trained(iterations: done, seconds: Date().timeIntervalSince(start)))
        modelChanged()
        let kept = run.trainer.iteration - startIteration
        let elapsed = Date().timeIntervalSince(start)
        if kept > 0 {
            output.line(
                "trained \(kept) iteration\(kept == 1 ? "" : "s") (now at \(run.trainer.iteration)) in \(formatDuration(elapsed)): "
                    + "loss \(String(format: "%.4f", firstLoss)) → \(String(format: "%.4f", lastLoss))"
                    + (run.lastValidation.map { ", validation \(String(format: "%.4f", $0.loss))" } ?? "")
                    + ", \(Int(Double(characters) / max(elapsed, 1e-9))) chars/s" + (stopReason.map { "; \($0)" } ?? ""))
        } else if let stopReason {
            output.line("no iteration kept: \(stopReason); the model is as it was")
        }
        if case .guardStopped = outcome { return false }
        return true
    }

    /// A line of progress for a console that is not a terminal (scripts, lessons under test).
    func reportLine(_ step: TrainingStep, loop: TrainingLoop) -> String {
        "iteration \(step.report.iteration)  loss \(String(format: "%.4f", step.report.loss))"
            + (loop.lastValidation.map { "  validation \(String(format: "%.4f", $0.loss))" } ?? "")
    }

    /// A sample printed during training, framed, with the iteration and the losses.
    func sampleBlock(_ sample: String, step: TrainingStep) -> String {
        trainingSampleBlock(sample, step: step, vocabulary: model.vocabulary, style: style)
    }

    /// Starts training on its own thread.
    func startBackground(iterations: Int?, seconds: Double? = nil) {
        let loop = makeTrainingLoop(iterations: iterations, seconds: seconds)
        let (memory, key) = (training.guardMemory, guardKey)
        let job = TrainingJob(
            trainer: workspace.trainer, learningRate: workspace.settings.learningRate, target: iterations, seconds: seconds,
            explainGuard: { memory.explain($0, key: key) })
        self.training.job = job
        job.start(loop, checkpoints: CheckpointWriter(session: self), console: PostBox(console: output.console), style: style)
        let budget = [iterations.map { "\($0) iterations" }, seconds.map { "\(formatPlain($0)) s" }].compactMap { $0 }
        output.line(
            "training in the background" + (budget.isEmpty ? " until stop" : " for " + budget.joined(separator: " or "))
                + ": status reports, set lr changes the rate, sample and show read the latest weights, stop ends it")
    }

    /// `status`.
    func statusLine() -> String {
        if let job = training.job {
            let s = job.currentStatus
            let elapsed = Date().timeIntervalSince(job.startTime)
            return "training in the background: iteration \(job.startIteration + s.iterations)"
                + (job.target.map { " (\(s.iterations)/\($0) this run)" } ?? " (\(s.iterations) this run)")
                + (s.loss.isFinite ? ", loss \(String(format: "%.4f", s.loss))" : "")
                + (s.validation.map { ", validation \(String(format: "%.4f", $0))" } ?? "")
                + ", lr \(formatPlain(s.iterations > 0 ? s.learningRate : job.learningRate.load(ordering: .relaxed)))"
                + ", \(Int(Double(s.characters) / max(elapsed, 1e-9))) chars/s"
        }
        let last =
            (training.history.last.map { ", last loss \(String(format: "%.4f", $0.loss))" } ?? "")
            + (training.history.last(where: { $0.validation != nil })?.validation.map {
                ", validation \(String(format: "%.4f", $0))"
            }
                ?? "")
        return "no training running; the model is at iteration \(workspace.trainer.iteration)\(last)"
    }
}

/// A sample printed during training (foreground or background), framed, with the iteration
/// and the losses: what the learner watches take shape.
func trainingSampleBlock(_ sample: String, step: TrainingStep, vocabulary: Vocabulary, style: Style) -> String {
    let losses =
        "loss \(String(format: "%.2f", step.report.loss))"
        + (step.validation.map { ", validation \(String(format: "%.2f", $0))" } ?? "")
    let start = step.sampleStart.map { ", " + sampleStartDescription($0, vocabulary: vocabulary) } ?? ""
    return [style.dim("── sample at iteration \(step.report.iteration) (\(losses))\(start) ──"), sample, style.dim("──")]
        .joined(separator: "\n")
}

/// `continuing stream 1 after "…the kin↵"`: what a sample during training starts from (the
/// stream's carried state, after the characters it read last; new lines shown as ↵).
func sampleStartDescription(_ start: SampleStart, vocabulary: Vocabulary) -> String {
    let characters = start.context.compactMap { vocabulary.characters.indices.contains($0) ? vocabulary.characters[$0] : nil }
    let text = safeText(visible(vocabulary.unit.text(of: characters)))  // jamo composed back
    return "continuing stream \(start.stream + 1) after \"…\(text)\""
}

/// `1m 05s`, `12s`, `0.3s`.
func formatDuration(_ seconds: Double) -> String {
    ShellWords(.english).duration(seconds)
}
