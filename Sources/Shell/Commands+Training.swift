import CharRNN
import Foundation
import Rendering

extension Commands {
    static let train = Command(
        name: "train", summary: "train N iterations (default 1000), or in the background", usage: "train [N] [--background]",
        help: """
            Each iteration reads the next B × T characters (batch × seq), runs forward and
            backpropagation through time, clips and updates; the hidden state is carried from chunk
            to chunk. A progress line shows the iteration, the loss, characters per second and the
            time left; every `sample-every` iterations a sample, every `val-every` the validation
            loss. Ctrl-C stops cleanly after the current iteration (every completed one is kept).
            If the loss or the weights become NaN or infinite, the guard stops training and restores
            the last good weights and optimizer state.
            With --background the prompt stays usable: `set lr` takes effect at the next iteration,
            `sample`, `show` and `model` read the latest weights, `status` reports, `stop` ends it.
            Without N, background training runs until `stop`.
            """,
        complete: { _, _, word in word.hasPrefix("-") ? ["--background"] : [] },
        run: { session, words in
            let arguments = try Arguments(words, flags: ["background"])
            guard arguments.positional.count <= 1 else { throw CommandError.usage("train [N] [--background]") }
            let count = try arguments.positional.first.map { w throws(CommandError) in try parseInteger(w, "N", in: 1...100_000_000) }
            try session.requireIdle()
            if arguments.flags.contains("background") {
                session.startBackground(iterations: count)
            } else {
                session.trainForeground(iterations: count ?? 1000)
            }
        })

    static let status = Command(
        name: "status", summary: "what training is doing (or did last)", usage: "status",
        run: { session, words in
            guard words.isEmpty else { throw CommandError.usage("status") }
            session.collectFinishedJob()
            session.output.line(session.statusLine())
        })

    static let stop = Command(
        name: "stop", summary: "stop background training (the weights so far are kept)", usage: "stop",
        run: { session, words in
            guard words.isEmpty else { throw CommandError.usage("stop") }
            session.collectFinishedJob()
            guard let job = session.job else { throw CommandError("no training is running in the background") }
            job.stopRequested.store(true, ordering: .relaxed)
            let status = job.currentStatus
            session.adopt(job)
            let done = session.trainer.iteration - job.startIteration
            session.output.line(
                "stopped at iteration \(session.trainer.iteration) after \(done) iteration\(done == 1 ? "" : "s") in the background"
                    + (status.loss.isFinite ? ", loss \(String(format: "%.4f", status.loss))" : ""))
        })

    static let plot = Command(
        name: "plot", summary: "plot the training and validation loss", usage: "plot loss",
        complete: { _, previous, _ in previous.isEmpty ? ["loss"] : [] },
        run: { session, words in
            guard words == ["loss"] else { throw CommandError.usage("plot loss") }
            let history = session.currentHistory
            guard !history.isEmpty else { throw CommandError("no training yet: train first, then plot loss") }
            let training = history.map { (x: Double($0.iteration), y: $0.loss) }
            let validation = history.compactMap { p in p.validation.map { (x: Double(p.iteration), y: $0) } }
            var series: [(name: String, points: [(x: Double, y: Double)])] = [("training", training)]
            if !validation.isEmpty { series.append(("validation", validation)) }
            session.output.line(session.style.bold("loss") + " (nats per character) over iterations")
            session.output.line(lineChart(series: series, width: min(session.width, 100), height: 12, style: session.style))
        })
}

extension Session {
    /// Trains `iterations` iterations here, with progress through the output; Ctrl-C stops it.
    func trainForeground(iterations: Int) {
        var run = TrainingRun(session: self)
        let start = Date()
        let startIteration = run.trainer.iteration
        var lastProgress = Date.distantPast
        var firstLoss = Double.nan, lastLoss = Double.nan
        var characters = 0
        var points: [LossPoint] = []
        var stopReason: String? = nil
        let interactive = output.console.isInteractive
        let reportEvery = max(1, iterations / 10)
        func progress(_ done: Int) -> String {
            let elapsed = Date().timeIntervalSince(start)
            let speed = elapsed > 0 ? Double(characters) / elapsed : 0
            let left = done > 0 ? elapsed / Double(done) * Double(iterations - done) : 0
            let detail = "loss \(String(format: "%.4f", lastLoss))  \(Int(speed)) chars/s  \(formatDuration(left)) left"
            return progressLine(label: "training", completed: done, total: iterations, detail: detail, style: style, width: width - 1)
        }
        for done in 1...iterations {
            if interrupted() {
                stopReason = "interrupted (Ctrl-C)"
                break
            }
            let event: TrainingRun.Event
            do throws(TrainingStop) {
                event = try run.iterate(learningRate: settings.learningRate)
            } catch {
                if interactive && done > 1 { output.write("\n") }
                output.line(style.yellow(error.description))
                stopReason = "stopped by the guard"
                break
            }
            if firstLoss.isNaN { firstLoss = event.report.loss }
            lastLoss = event.report.loss
            characters += event.report.characters
            points.append(event.point)
            if interactive {
                if Date().timeIntervalSince(lastProgress) >= 0.1 || done == iterations {
                    lastProgress = Date()
                    output.write("\r" + progress(done))
                }
            } else if done % reportEvery == 0 {
                output.line("iteration \(event.report.iteration)  loss \(String(format: "%.4f", event.report.loss))"
                    + (event.point.validation.map { "  validation \(String(format: "%.4f", $0))" } ?? ""))
            }
            if let sample = event.sample {
                if interactive { output.write("\n") }
                output.line(style.dim("── sample at iteration \(event.report.iteration) ──"))
                output.line(sample)
                output.line(style.dim("──"))
            }
        }
        if interactive && !points.isEmpty && stopReason != "stopped by the guard" { output.write("\n") }
        trainer = run.trainer
        generator = run.generator
        history += points.filter { $0.iteration <= run.trainer.iteration }
        lastLoss = history.last?.loss ?? lastLoss
        modelChanged()
        let done = run.trainer.iteration - startIteration
        let elapsed = Date().timeIntervalSince(start)
        if done > 0 {
            output.line(
                "trained \(done) iteration\(done == 1 ? "" : "s") (now at \(run.trainer.iteration)): loss \(String(format: "%.4f", firstLoss)) → \(String(format: "%.4f", lastLoss)), "
                    + "\(Int(Double(characters) / max(elapsed, 1e-9))) chars/s" + (stopReason.map { "; \($0)" } ?? ""))
        } else if let stopReason {
            output.line("no iteration kept: \(stopReason); the model is as it was")
        }
    }

    /// Starts training on its own thread.
    func startBackground(iterations: Int?) {
        let run = TrainingRun(session: self)
        let job = TrainingJob(trainer: trainer, learningRate: settings.learningRate, target: iterations)
        self.job = job
        job.start(run, console: PostBox(console: output.console))
        output.line(
            "training in the background" + (iterations.map { " for \($0) iterations" } ?? " until stop")
                + ": status reports, set lr changes the rate, sample and show read the latest weights, stop ends it")
    }

    /// `status`.
    func statusLine() -> String {
        if let job {
            let s = job.currentStatus
            let elapsed = Date().timeIntervalSince(job.startTime)
            return "training in the background: iteration \(job.startIteration + s.iterations)"
                + (job.target.map { " (\(s.iterations)/\($0) this run)" } ?? " (\(s.iterations) this run)")
                + (s.loss.isFinite ? ", loss \(String(format: "%.4f", s.loss))" : "")
                + ", lr \(formatPlain(job.learningRate.load(ordering: .relaxed)))"
                + ", \(Int(Double(s.characters) / max(elapsed, 1e-9))) chars/s"
        }
        let last = history.last.map { ", last loss \(String(format: "%.4f", $0.loss))" } ?? ""
        return "no training running; the model is at iteration \(trainer.iteration)\(last)"
    }
}

/// `1m 05s`, `12s`, `0.3s`.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    if whole < 60 { return "\(whole)s" }
    if whole < 3600 { return String(format: "%dm %02ds", whole / 60, whole % 60) }
    return String(format: "%dh %02dm", whole / 3600, (whole % 3600) / 60)
}
