// A lesson is a workspace: entering one sets the learner's own aside, leaving brings it back
// exactly; the lesson's is saved under its work folder, so that a resume — in this session or a
// new one — finds the learner's own model and numbers, not a replay of the solution. A saved
// workspace that cannot be read falls back to the replay, in one line. Settings say where they
// come from, and none set in a lesson leaks out of it.

import CharRNN
import Foundation
import TestSupport
import Testing

@testable import Shell

/// A shell on the installation's lessons with a scratch progress file (work folders beside it).
private struct WorkspaceFixture {
    let progress = temporaryDirectory() + "/progress.json"
    var saved: String { URL(fileURLWithPath: progress).deletingLastPathComponent().path + "/lessons/hello/workspace.safetensors" }

    func shell() -> Shell {
        Shell(corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory, progressPath: progress)
    }
}

/// A transcript on a console so wide that no message is wrapped.
@discardableResult
private func wide(_ shell: Shell, _ lines: [String]) -> String { transcript(shell, lines, width: 10_000) }

/// `skip`, `count` times: from hello's step 1, `skip` × 16 reaches step 17 (Sampling), after the
/// Training gate's solution trained 300 iterations.
private func skips(_ count: Int) -> [String] { Array(repeating: "skip", count: count) }

/// The line after the line `prefix`.
private func line(after prefix: String, in text: String) -> String? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let index = lines.firstIndex(of: prefix), index + 1 < lines.count else { return nil }
    return lines[index + 1]
}

@Suite struct LessonWorkspaceTests {
    /// On a restored workspace a step's command that changes it (`corpus hello`) is shown, not run
    /// again; one that only shows (`model`, `show W_xh`) runs again.
    @Test func aResumedStepRerunsOnlyWhatOnlyShows() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        _ = wide(shell, ["lesson hello", "next", "step", "leave"])
        let session = shell.session
        _ = wide(shell, ["lesson hello", "back", "leave"])
        let resumedAtOne = wide(shell, ["lesson hello"])
        #expect(resumedAtOne.contains("hello 1/19> corpus hello   # not run again; type it to run it"))
        #expect(session.stepping.position == 1)  // `corpus hello` would have reset the cursor
        _ = wide(shell, ["next", "skip", "leave"])  // step 2 asks a question
        let resumedAtTwo = wide(shell, ["lesson hello"])
        #expect(resumedAtTwo.contains("hello 3/19> model\n"))
        #expect(resumedAtTwo.contains("hello 3/19> show W_xh\n"))
        #expect(!resumedAtTwo.contains("not run again"))
    }

    /// The newcomer of issue 12: hello to step 17, `leave`, `corpus shakespeare`, `lesson hello`.
    @Test func aResumedLessonHasItsTextAndModelBackAndTheLearnersIsTheirs() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        let session = shell.session
        let first = wide(shell, ["lesson hello"] + skips(16))
        #expect(first.contains("── hello · step 17 of 19 · Sampling ──"))
        let lessonTrainer = session.workspace.trainer
        #expect(lessonTrainer.iteration == 300)

        let left = wide(shell, ["leave", "corpus shakespeare"])
        #expect(left.contains("(your own workspace is back: text hello, iteration 0)"))
        #expect(session.workspace.corpus.name == "shakespeare" && session.workspace.trainer.iteration == 0)
        let learnersTrainer = session.workspace.trainer

        let resumed = wide(shell, ["lesson hello", "sample 20 --argmax", "back"])
        #expect(resumed.contains("(your workspace in hello is back: text hello, iteration 300, t = 4)"))
        #expect(resumed.contains("Resuming hello at step 17 of 19."))
        #expect(session.workspace.corpus.name == "hello" && session.workspace.corpus.text == "hello")
        #expect(session.workspace.trainer == lessonTrainer)  // weights, optimizer state, iteration
        // The step's `sample 20 --argmax` only shows, so it runs again, and draws from the hello
        // model, not Shakespeare's (a command that changes the workspace is only shown: below).
        #expect(resumed.components(separatedBy: "hello 17/19> sample 20 --argmax\n").count == 3)
        // The line after the sample's header (`── sample from h_0 = 0, … ──`).
        let sample = resumed.components(separatedBy: "hello 17/19> sample 20 --argmax\n").last?
            .split(separator: "\n").map(String.init).first { !$0.hasPrefix("──") }
        #expect(sample?.count == 20 && sample?.allSatisfy { "helo".contains($0) } == true, "\(sample ?? "none")")
        // The prose of the step before shows the learner's numbers.
        #expect(resumed.contains("Over 300 iterations at lr 0.1 the loss per"))
        #expect(!resumed.contains("no steps yet") && !resumed.contains("ran again"))

        // After `leave` the learner's workspace is theirs, exactly.
        let again = wide(shell, ["leave"])
        #expect(
            again.contains("(your own workspace is back: text shakespeare, iteration 0; your settings again: hidden 100, seq 25)")
        )
        #expect(session.workspace.corpus.name == "shakespeare")
        #expect(session.workspace.trainer == learnersTrainer)
    }

    /// At step 9 the prose reads the stepped text (`{{loss 1}}`): a resume shows numbers there too.
    @Test func aResumeKeepsTheStepCursorThatTheProseReads() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        wide(shell, ["lesson hello"] + skips(8) + ["leave", "corpus shakespeare"])
        let resumed = wide(shell, ["lesson hello"])
        #expect(resumed.contains("Resuming hello at step 9 of 19."))
        #expect(resumed.contains("The losses are 1.3"), "\(resumed)")
        #expect(!resumed.contains("no steps yet"))
    }

    /// Everything the learner had comes back after a lesson: weights, optimizer state, iteration,
    /// settings, step cursor, loss history, last sample.
    @Test func leavingBringsTheLearnersWorkspaceBackExactly() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        let session = shell.session
        wide(shell, ["set lr 0.05", "train 40", "step 3", "sample 10"])
        let trainer = session.workspace.trainer, settings = session.workspace.settings
        let history = session.training.history, sample = session.lessonContext.lastSample
        let generator = session.workspace.generator
        wide(shell, ["lesson hello"] + skips(14) + ["set lr 0.5", "train 30", "sample 5"])
        #expect(session.workspace.trainer.iteration == 30 && session.workspace.settings.learningRate == 0.5)
        wide(shell, ["leave"])
        #expect(session.workspace.trainer == trainer)
        #expect(session.workspace.settings == settings)
        #expect(session.training.history == history)
        #expect(session.stepping.position == 3 && session.stepping.stepCache != nil)
        #expect(session.lessonContext.lastSample == sample)
        #expect(session.workspace.generator == generator)
    }

    /// The two-session test: 100 iterations in the lesson, quit; a new session resumes with them.
    @Test func aNewSessionResumesWithTheLearnersOwnModel() {
        let fixture = WorkspaceFixture()
        let first = fixture.shell()
        let text = wide(first, ["lesson hello"] + skips(14) + ["train 100", "quit"])
        #expect(text.contains("── hello · step 15 of 19 · Training ──"))
        let trainer = first.session.workspace.trainer
        #expect(trainer.iteration == 100)
        #expect(FileManager.default.fileExists(atPath: fixture.saved))

        let second = fixture.shell()
        #expect(second.session.workspace.trainer.iteration == 0)
        #expect(wide(second, ["lessons"]).contains("at step 15 of 19, its workspace saved"))
        let resumed = wide(second, ["lesson hello"])
        #expect(resumed.contains("(your workspace in hello is back: text hello, iteration 100, t = "))
        #expect(resumed.contains("Resuming hello at step 15 of 19."))
        #expect(!resumed.contains("ran again"))
        #expect(second.session.workspace.trainer == trainer)
        #expect(second.session.training.history.count == 100)
        #expect(second.session.training.history == first.session.training.history)
    }

    /// A saved workspace that is corrupt, huge or crafted is refused in one line, and the lesson
    /// rebuilds what it showed by replaying the earlier steps; a missing one says so too.
    @Test(arguments: [
        "truncated", "huge header", "bad record", "huge record", "cursor outside", "long history", "ragged history",
        "unknown text", "missing",
    ])
    func anUnreadableSavedWorkspaceFallsBackToReplay(damage: String) throws {
        let fixture = WorkspaceFixture()
        wide(fixture.shell(), ["lesson hello"] + skips(4))
        let path = fixture.saved
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        switch damage {
        case "truncated":
            try good.prefix(200).write(to: URL(fileURLWithPath: path))
        case "huge header":
            var bytes = Data([0, 0, 0, 0, 0, 0, 0, 0x10])  // a header of 2^60 bytes
            bytes.append(good.dropFirst(8))
            try bytes.write(to: URL(fileURLWithPath: path))
        case "bad record", "huge record", "cursor outside", "long history", "ragged history", "unknown text":
            let checkpoint = try Checkpoint.read(path: path)
            var extra = checkpoint.extra
            let json = Data(base64Encoded: extra["charrnn.workspace"]!)!
            var record = try LessonWorkspaceRecord.decoder.decode(LessonWorkspaceRecord.self, from: json)
            switch damage {
            case "cursor outside": record.position = 1_000_000_000
            case "long history": record.history = Array(repeating: 1, count: 3 * LessonWorkspaceRecord.maximumHistory + 3)
            case "ragged history": record.history = [1, 2, 3, 4]
            case "unknown text": record.corpusName = "no-such-corpus"
            default: break
            }
            extra["charrnn.workspace"] = try LessonWorkspaceRecord.encoder.encode(record).base64EncodedString()
            if damage == "bad record" { extra["charrnn.workspace"] = "!!not base64!!" }
            if damage == "huge record" {
                extra["charrnn.workspace"] = String(repeating: "A", count: LessonWorkspaceRecord.maximumEncoded + 4)
            }
            try Checkpoint(model: checkpoint.model, training: checkpoint.training, extra: extra).write(path: path, force: true)
        default:
            try FileManager.default.removeItem(atPath: path)
        }
        let shell = fixture.shell()
        let text = wide(shell, ["lesson hello"])
        let notes = text.split(separator: "\n").filter { $0.contains("ran again, quietly, on a fresh workspace") }
        #expect(notes.count == 1, "\(text)")
        if damage == "missing" {
            #expect(notes.first?.hasPrefix("(no saved workspace for hello: the commands of steps 1–4 ran again") == true)
        } else {
            #expect(notes.first?.hasPrefix("warning: the saved workspace of hello cannot be read (") == true, "\(text)")
        }
        #expect(text.contains("Resuming hello at step 5 of 19."))
        // The rebuilt workspace is saved again: the next resume reads it.
        let next = fixture.shell()
        #expect(wide(next, ["lesson hello"]).contains("(your workspace in hello is back: text hello, iteration 0, t = "))
    }

    /// `set lr 0.5` inside hello, `leave`, `corpus shakespeare`: the learner's lr, said so.
    @Test func settingsSetInALessonStayInIt() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        let session = shell.session
        let text = wide(shell, ["lesson hello", "set lr 0.5", "leave", "corpus shakespeare"])
        #expect(text.contains("(your own workspace is back: text hello, iteration 0; your settings again: lr 0.1)"))
        #expect(session.workspace.settings.learningRate == 0.1)
        #expect(
            text.contains(
                "kept: lr 0.1, optimizer adagrad, clip 5, seed 42, cell rnn, layers 1; "
                    + "changed by corpus shakespeare: hidden 3 → 100, seq 4 → 25"))
        // The lesson keeps its own.
        wide(shell, ["lesson hello"])
        #expect(session.workspace.settings.learningRate == 0.5)
    }

    /// `corpus`, `preset` and `model new` say which settings they keep and which they change.
    @Test func settingsSayWhereTheyComeFrom() {
        let shell = makeShell()
        let text = wide(shell, ["set lr 0.5", "set temperature 0.7", "corpus shakespeare", "preset shakespeare", "model new"])
        #expect(
            text.contains(
                "kept: lr 0.5, optimizer adagrad, clip 5, temperature 0.7, seed 42, cell rnn, layers 1; "
                    + "changed by corpus shakespeare: hidden 3 → 100, seq 4 → 25"))
        #expect(
            text.contains(
                "kept: clip 5, temperature 0.7, seed 42, layers 1; changed by preset shakespeare: lr 0.5 → 0.006, "
                    + "optimizer adagrad → adam, hidden 100 → 256, seq 25 → 128, batch 1 → 16, "
                    + "init gaussian → pytorch, cell rnn → lstm"
            ))
        #expect(text.contains("model new changes no setting"))
    }

    /// Training in the background is never carried across: entering or leaving a lesson asks for
    /// `stop` first, and what it trained stays in the workspace it belongs to.
    @Test func backgroundTrainingMustStopBeforeALessonIsEnteredOrLeft() {
        let fixture = WorkspaceFixture()
        let shell = fixture.shell()
        let session = shell.session
        #expect(output(of: "train --background", in: shell).ok)
        #expect(waitUntil { session.currentTrainer.iteration >= 5 })
        let entering = output(of: "lesson hello", in: shell)
        #expect(
            !entering.ok
                && entering.text
                    == "error: training runs in the background: `stop` it first, then lesson hello (a lesson has its own model)\n"
        )
        #expect(!shell.player.isActive && session.lessonContext.lessonWorkspace == nil && session.training.job != nil)
        #expect(output(of: "stop", in: shell).ok)
        let learners = session.workspace.trainer
        #expect(learners.iteration >= 5)

        #expect(output(of: "lesson hello", in: shell).ok)
        #expect(session.workspace.trainer.iteration == 0)
        #expect(output(of: "train --background", in: shell).ok)
        #expect(waitUntil { session.currentTrainer.iteration >= 3 })
        let leaving = output(of: "leave", in: shell)
        #expect(!leaving.ok && leaving.text.hasPrefix("error: training runs in the background: `stop` it first, then leave"))
        #expect(shell.player.isActive && session.training.job != nil)
        #expect(output(of: "stop", in: shell).ok)
        let lessons = session.workspace.trainer
        #expect(output(of: "leave", in: shell).ok)
        #expect(session.workspace.trainer == learners)
        #expect(output(of: "lesson hello", in: shell).ok)
        #expect(session.workspace.trainer == lessons)
    }

    /// A lesson that finishes while its training runs in the background: the training stops and
    /// its result is saved with the lesson; the learner's own model comes back untouched.
    @Test func finishingALessonKeepsItsBackgroundTrainingWithIt() throws {
        let root = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/lessons", withIntermediateDirectories: true)
        let file = root + "/lessons/tiny.md"
        try "# Tiny\nTwo steps.\n\n## One\nText.\n\n## Two\nMore text.\n".write(toFile: file, atomically: true, encoding: .utf8)
        let shell = Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: root + "/lessons", progressPath: root + "/progress.json")
        let session = shell.session
        #expect(output(of: "lesson tiny", in: shell).ok)
        #expect(output(of: "train --background", in: shell).ok)
        #expect(waitUntil { session.currentTrainer.iteration >= 3 })
        #expect(output(of: "next", in: shell).ok)
        let finished = output(of: "next", in: shell)
        #expect(finished.text.contains("tiny is finished"))
        #expect(finished.text.contains("(the training in the background stopped at iteration "))
        #expect(!shell.player.isActive && session.training.job == nil && session.lessonContext.lessonWorkspace == nil)
        #expect(session.workspace.trainer.iteration == 0)
        let saved = try #require(try session.readLessonWorkspace(for: file))
        #expect(saved.workspace.trainer.iteration >= 3)
    }
}
