import CharRNN
import Foundation
import Testing
import TestSupport

@testable import Shell

/// The divergence guard leaves a usable model and moves its advice on; background training is
/// never lost at `quit` or at the end of the input; `stop` and `status` agree (issue 12, items 6, 7).
@Suite(.serialized) struct GuardAndQuitTests {
    /// The learning rate the guard advises in `text` (`try set lr 0.05`), if any.
    static func advisedRate(_ text: String) -> Double? {
        guard let range = text.range(of: "try set lr ") else { return nil }
        var number = String(text[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" })
        while number.hasSuffix(".") { number.removeLast() }  // the sentence's full stop
        return Double(number)
    }

    /// The newcomer's sequence: the hello lesson invites `set lr 0.5`; on Shakespeare the guard fires
    /// at 0.5, then at 0.1 (from the same broken weights). Each time it says the restored weights are
    /// far worse than guessing and offers `model new`, and it never advises a rate that failed.
    @Test func theGuardSequence() {
        let shell = makeShell()
        #expect(output(of: "set lr 0.5", in: shell).ok)
        #expect(output(of: "corpus shakespeare", in: shell).ok)
        var failed: [Double] = []
        for rate in [0.5, 0.1] {
            #expect(output(of: "set lr \(rate)", in: shell).ok)
            let run = output(of: "train 300", in: shell)
            #expect(!run.ok, "lr \(rate): the guard did not fire")
            failed.append(rate)
            #expect(run.text.contains("the learning rate \(rate) is too high"), "\(run.text)")
            #expect(
                run.text.contains("far above ln V = 4.174") && run.text.contains("Start again with `model new`"), "\(run.text)")
            guard let advised = Self.advisedRate(run.text) else {
                Issue.record("no advice in \(run.text)")
                continue
            }
            #expect(!failed.contains(advised) && advised < failed.min()!, "advised \(advised) after \(failed)")
        }
        #expect(output(of: "train 300", in: shell).text.contains("try set lr 0.01 (0.5 blew up too)"))
        // Its advice, followed, gives a usable model.
        #expect(output(of: "model new", in: shell).ok)
        #expect(output(of: "set lr 0.01", in: shell).ok)
        #expect(output(of: "train 100", in: shell).ok)
        #expect((shell.session.training.history.last?.loss ?? 99) < log(65.0))
    }

    /// With a usable checkpoint saved in the session, the guard offers it before `model new`.
    @Test func theGuardOffersTheLastGoodCheckpoint() {
        let shell = makeShell()
        let path = temporaryDirectory("guard") + "/good.safetensors"
        for line in ["corpus shakespeare", "set lr 0.01", "train 50", "save \(path)", "set lr 0.5"] {
            #expect(output(of: line, in: shell).ok, "\(line)")
        }
        let run = output(of: "train 300", in: shell)
        #expect(!run.ok)
        #expect(run.text.contains("Start again with `load \(path)` (your checkpoint at iteration 50, loss "), "\(run.text)")
        #expect(run.text.contains(") or `model new`, then train at the lower rate."))
        #expect(output(of: "load \(path)", in: shell).ok)
        #expect(shell.session.workspace.trainer.iteration == 50)
    }

    /// Background training remembers the failed rates too.
    @Test func theBackgroundGuardKnowsTheFailedRates() {
        let shell = makeShell()
        let console = ScriptedConsole(lines: [], width: 10_000)
        shell.session.output.console = console
        for line in ["corpus shakespeare", "set lr 0.5", "train 50", "set lr 0.1"] { _ = shell.session.run(line: line) }
        #expect(console.output.contains("try set lr 0.05."))
        #expect(shell.session.run(line: "train 50 --background"))
        guard let job = shell.session.training.job else { Issue.record("no job"); return }
        #expect(waitUntil { job.isFinished })
        #expect(
            console.output.contains("the learning rate 0.1 is too high: try set lr 0.01 (0.5 blew up too)"), "\(console.output)")
        #expect(console.output.contains("Start again with `model new`"))
    }

    @Test func stopAndStatusReportTheSameLoss() {
        let shell = makeShell()
        #expect(output(of: "set lr 0.1", in: shell).ok)
        #expect(output(of: "train --background", in: shell).ok)
        guard let job = shell.session.training.job else { Issue.record("no job"); return }
        #expect(waitUntil { job.currentStatus.iterations >= 20 })
        let stopped = output(of: "stop", in: shell).text
        let status = output(of: "status", in: shell).text
        let last = shell.session.training.history.last.map { String(format: "%.4f", $0.loss) } ?? "?"
        #expect(stopped.contains("loss \(last)"), "\(stopped)")
        #expect(status.contains("last loss \(last)"), "\(status)")
        #expect(stopped.contains("stopped at iteration \(shell.session.workspace.trainer.iteration)"))
    }

    /// A shell whose `~/.charrnn` is a temporary directory (the progress file's folder).
    static func shellInTemporaryHome() -> (Shell, String) {
        let home = temporaryDirectory("quit")
        return (Shell(corporaDirectory: corporaDirectory, progressPath: home + "/progress.json"), home)
    }

    static func savedFiles(_ home: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: home + "/saved")) ?? []).map { home + "/saved/" + $0 }
    }

    /// A pipe or script: the end of the input stops the job, saves it and says where.
    @Test func theEndOfAPipeSavesBackgroundTraining() throws {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(lines: ["set lr 0.1", "train --background"], width: 10_000)
        #expect(shell.run(console: console) == 0)
        let saved = Self.savedFiles(home)
        #expect(saved.count == 1)
        let path = try #require(saved.first)
        #expect(path.contains("/saved/hello-iteration-"))
        #expect(console.output.contains("saved to \(path) (`load \(path)` goes on from there)"), "\(console.output)")
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.training?.trainer.iteration == shell.session.workspace.trainer.iteration)
    }

    /// At a terminal `quit` asks: an unclear answer asks again, `n` keeps training, `save` saves and quits.
    @Test func quitAtATerminalAsks() {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(
            lines: ["train --background", "quit", "maybe", "n", "status", "quit", "save"], interactive: true, width: 10_000)
        #expect(shell.run(console: console) == 0)
        let text = console.output
        #expect(text.contains("Training is running in the background (iteration"))
        #expect(console.prompts.filter { $0.hasSuffix("[y/n/save] ") }.count == 3)
        #expect(text.contains("type y, n or save"))
        #expect(text.contains("training goes on in the background"))
        #expect(text.contains("training in the background: iteration"))  // status after `n`
        #expect(Self.savedFiles(home).count == 1 && text.contains("saved to \(home)/saved/"))
        #expect(shell.session.training.job == nil)
    }

    /// `y` quits without saving and says so; Ctrl-D at the question (the input ends) saves.
    @Test func quitYesDoesNotSaveAndCtrlDSaves() {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(lines: ["train --background", "quit", "yes"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        #expect(console.output.contains("stopped training at iteration") && console.output.contains("; not saved"))
        #expect(Self.savedFiles(home).isEmpty)

        let (other, otherHome) = Self.shellInTemporaryHome()
        let ended = ScriptedConsole(lines: ["train --background"], interactive: true, width: 10_000)
        _ = other.run(console: ended)
        #expect(ended.output.contains("Training is running in the background"))
        #expect(Self.savedFiles(otherHome).count == 1 && ended.output.contains("saved to \(otherHome)/saved/"))
    }

    /// Without training `quit` asks nothing.
    @Test func quitWithoutTrainingAsksNothing() {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(lines: ["quit", "step"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        #expect(!console.output.contains("[y/n/save]") && !console.output.contains("Training is running"))
        #expect(shell.session.stepping.position == 0)
        #expect(Self.savedFiles(home).isEmpty)
    }

    /// Foreground training in free play, never saved: at a terminal `quit` asks; `n` stays, `save`
    /// saves it with its training state under ~/.charrnn/saved/ and quits.
    @Test func quitAsksAboutAnUnsavedModel() throws {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(
            lines: ["train 20", "quit", "n", "step", "quit", "save"], interactive: true, width: 10_000)
        #expect(shell.run(console: console) == 0)
        let text = console.output
        #expect(text.contains("Your model is not saved since iteration 0 (now at iteration 20, loss "), "\(text)")
        #expect(console.prompts.filter { $0.hasSuffix("[y/n/save] ") }.count == 2)
        #expect(text.contains("still here: `save FILE` keeps the model"))
        #expect(shell.session.stepping.position == 1)  // `step` ran after `n`
        let saved = Self.savedFiles(home)
        let path = try #require(saved.first)
        #expect(saved.count == 1 && path.contains("/saved/hello-iteration-20-"))
        #expect(text.contains("saved the model at iteration 20, loss ") && text.contains(" to \(path) (`load \(path)`"))
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.model == shell.session.workspace.trainer.model)
        #expect(checkpoint.training?.trainer.iteration == 20)
        #expect(checkpoint.extra["charrnn.corpus"] == "hello")
    }

    /// A model saved (or loaded) since its last iteration is not asked about; training after the
    /// save is, from that iteration on; `y` quits without a file.
    @Test func quitAsksOnlyAboutTrainingAfterTheLastFile() {
        let (shell, home) = Self.shellInTemporaryHome()
        let path = home + "/mine.safetensors"
        let saved = ScriptedConsole(lines: ["train 10", "save \(path)", "quit"], interactive: true, width: 10_000)
        _ = shell.run(console: saved)
        #expect(!saved.output.contains("[y/n/save]") && !saved.output.contains("not saved since"), "\(saved.output)")

        let (again, againHome) = Self.shellInTemporaryHome()
        let later = ScriptedConsole(
            lines: ["train 10", "save \(path)", "train 5", "quit", "y"], interactive: true, width: 10_000)
        _ = again.run(console: later)
        #expect(later.output.contains("Your model is not saved since iteration 10 (now at iteration 15"), "\(later.output)")
        #expect(Self.savedFiles(againHome).isEmpty)

        let (loaded, _) = Self.shellInTemporaryHome()
        let back = ScriptedConsole(lines: ["train 3", "load \(path)", "quit"], interactive: true, width: 10_000)
        _ = loaded.run(console: back)
        #expect(loaded.session.workspace.trainer.iteration == 10)
        #expect(!back.output.contains("[y/n/save]"), "\(back.output)")
    }

    /// A script or a pipe ends as written: no question and no file, even with unsaved training.
    @Test func aPipeWithUnsavedTrainingEndsWithoutAQuestion() {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(lines: ["train 10", "quit"], width: 10_000)
        #expect(shell.run(console: console) == 0)
        #expect(!console.output.contains("[y/n/save]") && !console.output.contains("not saved since"))
        #expect(Self.savedFiles(home).isEmpty)
    }

    /// Inside a lesson, the learner's own model (set aside) is the one asked about and saved; the
    /// input ending at the question saves it.
    @Test func quitInALessonAsksAboutTheLearnersOwnModel() throws {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(lines: ["train 7", "lesson hello", "quit"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        #expect(
            console.output.contains(
                "Your own model, set aside while lesson hello runs, is not saved since iteration 0 (now at iteration 7"),
            "\(console.output)")
        let path = try #require(Self.savedFiles(home).first)
        #expect(try Checkpoint.read(path: path).training?.trainer.iteration == 7)
    }

    /// With the lesson's model training in the background, quitting answers for it first, then
    /// asks about the learner's own model, set aside (it used to end without asking).
    @Test func quitInALessonWithBackgroundTrainingStillAsksAboutTheOwnModel() throws {
        let (shell, home) = Self.shellInTemporaryHome()
        let console = ScriptedConsole(
            lines: ["train 7", "lesson hello", "train --background", "quit", "y", "save"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        #expect(console.output.contains("lesson hello keeps the model"), "\(console.output)")
        #expect(console.output.contains("Your own model, set aside while lesson hello runs"), "\(console.output)")
        let path = try #require(Self.savedFiles(home).first)
        #expect(try Checkpoint.read(path: path).training?.trainer.iteration == 7)
    }

    /// When ~/.charrnn/saved/ cannot be made, `save` at the question says so in one line and the
    /// learner stays (the next `quit` asks again); when the input has ended there, the shell ends
    /// and says the model was not saved — never "still here".
    @Test func aSaveAtTheQuestionThatFailsKeepsTheLearnerInTheShell() throws {
        let (shell, home) = Self.shellInTemporaryHome()
        try Data().write(to: URL(fileURLWithPath: home + "/saved"))  // the folder for saved training is a file
        let console = ScriptedConsole(lines: ["train 5", "quit", "save", "step", "quit", "y"], interactive: true, width: 10_000)
        #expect(shell.run(console: console) == 0)
        #expect(console.output.contains("error: the model could not be saved to \(home)/saved/hello-iteration-5-"), "\(console.output)")
        #expect(console.output.contains("; still here (`save FILE` to try elsewhere)"))
        #expect(shell.session.stepping.position == 1)  // `step` ran: the shell stayed
        #expect(console.prompts.filter { $0.hasSuffix("[y/n/save] ") }.count == 2)  // asked again after `step`

        let (ended, endedHome) = Self.shellInTemporaryHome()
        try Data().write(to: URL(fileURLWithPath: endedHome + "/saved"))
        let last = ScriptedConsole(lines: ["train 5", "quit"], interactive: true, width: 10_000)
        #expect(ended.run(console: last) == 0)
        #expect(last.output.contains("the input has ended, so the shell ends without it"), "\(last.output)")
        #expect(!last.output.contains("still here"))
    }

    /// `goto` to the last step says that the text ends there.
    @Test func gotoTheLastStepSaysTheTextEnds() {
        let shell = makeShell()
        let text = output(of: "goto 4", in: shell).text
        #expect(
            text.contains(
                "t = 4: the last input was 'l', its target 'o' ends the text (5 characters): there is no step after it"),
            "\(text)")
        #expect(output(of: "goto 3", in: shell).text.contains("the next step reads 'l'"))
    }
}

/// The built executable: a real pipe that ends while training runs in the background, and batch
/// `charrnn train` whose guard restores weights far worse than guessing.
@Suite struct GuardAndQuitExecutableTests {
    @Test func aPipeThatEndsSavesBackgroundTrainingUnderHome() throws {
        guard let executable = requireCharrnn() else { return }
        let home = temporaryDirectory("pipe-home")
        let text = finish(
            try startCharrnn(
                executable, in: home, environment: ["HOME": home, "COLUMNS": "10000"], input: "train --background\nstatus\n"))
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: home + "/.charrnn/saved")) ?? []
        #expect(saved.count == 1, "\(text)")
        #expect(text.contains("saved to \(home)/.charrnn/saved/hello-iteration-"), "\(text)")
    }

    @Test func batchTrainSaysTheRestoredWeightsAreBroken() throws {
        guard let executable = requireCharrnn() else { return }
        let directory = temporaryDirectory("batch-guard")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "train", "--text", corporaDirectory + "/shakespeare.txt", "--lr", "0.5", "--steps", "100", "--save",
            directory + "/m.safetensors",
        ]
        process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": directory, "COLUMNS": "10000"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("try --lr 0.05") && text.contains("far above ln V = 4.174"), "\(text)")
        #expect(text.contains("Start again from a new model at the lower rate."))
        #expect(text.contains("far worse than guessing: do not resume from them"))
    }
}
