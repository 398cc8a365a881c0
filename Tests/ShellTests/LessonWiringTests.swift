// Lessons through the shell: the player's commands typed at the prompt, answers, gates,
// progress on disk, and every lesson in lessons/ playing itself to the end (its demo).

import Foundation
import Lessons
import TestSupport
import Testing

@testable import Shell

/// The package's `lessons/` directory.
let lessonsDirectory: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("lessons").path

/// A small lesson of every kind of step, written for these tests.
let wiringLesson = """
    # Wiring
    A lesson for the wiring tests.

    ## Start
    The vocabulary is {{vocab}}.
    $ corpus hello

    ## Step
    Take one step.
    do: step | step 1
    hint: The command is `step`.

    ## Question
    ask: What is the loss per step of an untrained model?
    answer: 1.386 ± 0.05
    hint: −ln(1/4).

    ## Choice
    ask: Which matrix transforms h_{t-1}?
      a) W_xh
      b) W_hh
    answer: b

    ## Walk
    gate: stepped 4
    meanwhile: Step to t = 4 (t is {{t}} now).
    solution: step 3

    ## Train
    gate: predicts e l l o
    meanwhile: The model predicts {{predictions}}.
    solution: set lr 0.1; train 300

    ## Done
    The loss is {{loss}}.
    """

/// A lessons directory holding `wiringLesson` as `01-wiring.md`, and a progress path in it.
func wiringFixture() -> (lessons: String, progress: String) {
    let directory = temporaryDirectory()
    let lessons = directory + "/lessons"
    try! FileManager.default.createDirectory(atPath: lessons, withIntermediateDirectories: true)
    try! wiringLesson.write(toFile: lessons + "/01-wiring.md", atomically: true, encoding: .utf8)
    return (lessons, directory + "/progress.json")
}

func lessonShell(_ fixture: (lessons: String, progress: String)) -> Shell {
    Shell(corporaDirectory: corporaDirectory, lessonsDirectory: fixture.lessons, progressPath: fixture.progress)
}

@Suite struct LessonWiringTests {
    @Test func startMoveAgainHintAndPrompt() {
        let shell = lessonShell(wiringFixture())
        let console = ScriptedConsole(lines: [
            "lessons", "lesson wiring", "next", "next", "hint", "again", "back", "where", "next", "step",
        ])
        _ = shell.run(console: console)
        let text = console.output
        #expect(text.contains("wiring") && text.contains("A lesson for the wiring tests."))
        #expect(text.contains("The vocabulary is [h, e, l, o]."))
        #expect(text.contains("This step waits for you to type a command"))
        #expect(text.contains("Hint: The command is `step`."))
        #expect(text.contains("wiring, step 1 of 7: Start"))
        #expect(text.contains("✓ That's it."))
        #expect(console.prompts.first == "charrnn> ")
        #expect(console.prompts.contains("wiring 2/7> "))
        #expect(shell.player.stepIndex == 1 && shell.session.stepping.position == 1)
    }

    @Test func answersWrongRightBareAndChoices() {
        let shell = lessonShell(wiringFixture())
        let text = transcript(shell, ["lesson wiring", "", "skip", "2", "answer 1.39", "", "W_xh", "b", ""])
        #expect(text.contains("✗ 2 is too high. Hint: −ln(1/4)."))
        #expect(text.contains("✓ Right (1.386 ± 0.05)."))
        #expect(text.contains("✓ Right."))
        #expect(shell.player.stepIndex == 4)
    }

    @Test func gatesHoldOrNot() {
        let shell = lessonShell(wiringFixture())
        let text = transcript(shell, ["lesson wiring", "", "step", "", "skip", "", "skip", "", "step", "", "step 2", ""])
        #expect(text.contains("Not yet: Step to t = 4 (t is 2 now)."))
        #expect(text.contains("✓ stepped 4: it holds now."))
        #expect(shell.player.stepIndex == 5)
        // The training gate: false before training, true after the learner trains.
        let more = transcript(shell, ["", "set lr 0.1", "train 300", "", ""])
        #expect(more.contains("Not yet: The model predicts"))
        #expect(more.contains("✓ predicts e l l o: it holds now."))
        #expect(more.contains("The loss is 0."))
        #expect(!shell.player.isActive)
    }

    @Test func progressIsSavedAndRestored() throws {
        let fixture = wiringFixture()
        let first = lessonShell(fixture)
        transcript(first, ["lesson wiring", "", "step", "", "leave"])
        let saved = ProgressStore.load(path: fixture.progress).store
        #expect(saved[lesson: "wiring"]?.step == 3)
        let second = lessonShell(fixture)
        let text = transcript(second, ["lessons", "lesson wiring", "where"])
        #expect(text.contains("at step 3 of 7"))
        #expect(text.contains("Resuming wiring at step 3 of 7."))
        #expect(text.contains("wiring, step 3 of 7: Question"))
        let restarted = transcript(second, ["lesson wiring --restart", "where"])
        #expect(restarted.contains("wiring, step 1 of 7: Start"))
    }

    @Test func resumingInANewSessionRebuildsWhatEarlierStepsDid() {
        let fixture = wiringFixture()
        transcript(lessonShell(fixture), ["lesson wiring", "", "step", "", "skip", "", "skip", "step 3", ""])
        #expect(ProgressStore.load(path: fixture.progress).store[lesson: "wiring"]?.step == 6)
        // The lesson's saved workspace comes back as it was (LessonWorkspaceTests tests it further).
        let shell = lessonShell(fixture)
        let text = transcript(shell, ["lesson wiring"])
        #expect(text.contains("(your workspace in wiring is back: text hello, iteration 0, t = 4)"))
        #expect(shell.session.stepping.position == 4)  // step 2's `step` and step 5's `step 3`
        #expect(text.contains("The model predicts e, l, l, l."))
        // Without it, the commands of the earlier steps rebuild it; the learner's own cursor is set aside meanwhile.
        let folder = URL(fileURLWithPath: fixture.progress).deletingLastPathComponent().path
        let saved = folder + "/lessons/wiring/workspace.safetensors"
        try? FileManager.default.removeItem(atPath: saved)
        let used = lessonShell(fixture)
        let second = transcript(used, ["step", "lesson wiring"])
        #expect(
            second.contains("(no saved workspace for wiring: the commands of steps 1–5 ran again, quietly, on a fresh workspace)"))
        #expect(used.session.stepping.position == 4 && second.contains("The model predicts e, l, l, l."))
        transcript(used, ["leave"])
        #expect(used.session.stepping.position == 1)
    }

    @Test func aCorruptedProgressFileIsSetAside() throws {
        let fixture = wiringFixture()
        try "{ not json".write(toFile: fixture.progress, atomically: true, encoding: .utf8)
        let shell = lessonShell(fixture)
        let text = transcript(shell, ["lessons"])
        #expect(text.contains("warning: progress file") && text.contains("set aside"))
        #expect(!FileManager.default.fileExists(atPath: fixture.progress))
        let aside = try FileManager.default.contentsOfDirectory(atPath: (fixture.progress as NSString).deletingLastPathComponent)
        #expect(aside.contains { $0.hasPrefix("progress.json.corrupt-") })
    }

    @Test func backOutsideALessonMovesTheCursor() {
        let shell = lessonShell(wiringFixture())
        transcript(shell, ["step 3", "back", "unstep"])
        #expect(shell.session.stepping.position == 1)
        transcript(shell, ["lesson wiring", "", "step", "step", "back 1"])
        #expect(shell.session.stepping.position == 1 && shell.player.stepIndex == 1)
        transcript(shell, ["back"])
        #expect(shell.player.stepIndex == 0)
    }

    @Test func unknownLessonsConditionsAndValues() {
        let fixture = wiringFixture()
        let shell = lessonShell(fixture)
        let console = ScriptedConsole(lines: [])
        #expect(shell.run(console: console, lesson: "wirng") == 1)
        #expect(console.output.contains("no lesson 'wirng' — did you mean 'wiring'? (lessons: wiring)"))
        let session = shell.session
        #expect(throws: (any Error).self) { try session.check("predict e l l o") }
        #expect(throws: (any Error).self) { try session.value(of: "losss") }
        #expect(throws: (any Error).self) { try session.value(of: "h 1") }  // no steps yet
        #expect((try? session.value(of: "uniform loss")) == "1.3863")
        #expect((try? session.check("not training")) == true)
    }

    @Test func lessonNamesComplete() {
        let shell = lessonShell(wiringFixture())
        #expect(shell.completer("lesson w", "w", 7) == ["wiring"])
    }

    @Test func demoThroughTheEntryPoint() {
        let shell = lessonShell(wiringFixture())
        let console = ScriptedConsole(lines: [])
        #expect(shell.playDemo(lesson: "wiring", console: console) == 0)
        #expect(console.output.contains("all 7 steps played, every gate held"))
    }
}

/// Every lesson in lessons/ plays itself to the end, as `charrnn lesson NAME --demo` does.
@Suite struct LessonDemoTests {
    static let names: [String] = Catalog.load(directory: lessonsDirectory).names

    @Test func everyLessonFileLoads() {
        let catalog = Catalog.load(directory: lessonsDirectory)
        #expect(catalog.errors.isEmpty, "\(catalog.errors)")
        #expect(catalog.names.contains("hello"))
    }

    @Test(arguments: names) func playsToTheEnd(_ name: String) {
        let directory = temporaryDirectory()
        let shell = Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
            progressPath: directory + "/progress.json", lessonTrainingLimit: LessonDemoTests.trainingLimit,
            lessonTrainingSeconds: LessonDemoTests.trainingSeconds)
        let console = ScriptedConsole(lines: [])
        let start = Date()
        let status = shell.playDemo(lesson: name, console: console)
        let failure = console.output.split(separator: "\n").first { $0.contains("failed:") }
        #expect(status == 0, "\(failure ?? "")")
        #expect(!console.output.contains("error:"), "\(console.output)")
        // A coarse guard against a `train` the test-time limits did not cut (uncut, shakespeare's
        // trains take minutes): about 20 s each on idle cores, 84 s seen with two cores shared by
        // eight builds, hence the margin. The cuts themselves are tested in TrainingTargetTests.
        #expect(Date().timeIntervalSince(start) < 150)
        // A demo leaves progress alone.
        #expect(!FileManager.default.fileExists(atPath: directory + "/progress.json"))
    }

    /// The documented test-time setting (lessons/README.md, "Lessons under test").
    static let trainingLimit = 2000
    /// Each `train` a lesson runs stops after this many seconds under test, so big models train briefly.
    static let trainingSeconds = 1.5
}
