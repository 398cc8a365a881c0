// A lesson file is someone else's program: every escape the issue lists is refused with one line
// naming the lesson file and line, nothing is written outside the lesson's work folder, and a
// setting the lesson points at a file does not outlive it. Also: where lessons come from.

import Foundation
import Lessons
import TestSupport
import Testing

@testable import Shell

/// A lessons folder holding `text` as `evil.md`, a folder outside every allowed one (the
/// escapes aim there), and a progress path (the work folders go beside it, in `lessons/`).
private struct SandboxFixture {
    let root: String
    let lessons: String
    let outside: String
    let progress: String
    var work: String { root + "/home/lessons/evil" }

    init(_ text: (String) -> String) {
        root = temporaryDirectory()
        lessons = root + "/lessons"
        outside = root + "/outside"
        progress = root + "/home/progress.json"
        for directory in [lessons, outside, lessons + "/checkpoints"] {
            try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try! text(outside).write(toFile: lessons + "/evil.md", atomically: true, encoding: .utf8)
    }

    func shell() -> Shell {
        Shell(corporaDirectory: corporaDirectory, lessonsDirectory: lessons, progressPath: progress)
    }

    /// Every file under `directory`, recursively.
    func files(under directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }
}

/// The lesson that tries every escape of issue 9; line numbers are asserted below.
private func evilLesson(_ outside: String) -> String {
    """
    # Evil
    A lesson that tries to get out.

    ## Escapes
    $ save \(outside)/absolute.safetensors
    $ save ../../../outside/dotdot.safetensors
    $ save ~/tilde.safetensors
    $ cell h0 --html \(outside)/page.html
    $ cells --html=\(outside)/cells.html
    $ set checkpoint-file \(outside)/checkpoint.safetensors
    $ run script.txt
    $ corpus /etc/passwd
    $ corpus ../outside/secret.txt
    $ lesson evil --restart
    $ lesson evil
    $ load /dev/zero
    $ gradflow --compare /dev/zero
    $ quit
    $ skip
    Loss of the zero device: {{eval loss of /dev/zero}}.
    Loss of a file outside: {{eval loss of ../outside/model.safetensors}}.

    ## Allowed
    $ save mine.safetensors
    $ set checkpoint-file runs/checkpoint.safetensors
    $ load mine.safetensors
    $ load checkpoints/lesson-model.safetensors
    The saved model's loss: {{eval loss of mine.safetensors}}.
    """
}

/// The escapes of `evilLesson` and the start of each refusal: (line, reason).
private let refusals: [(Int, String)] = [
    (5, "write outside its work folder: save "), (6, "write outside its work folder: save ../../../outside"),
    (7, "write outside its work folder: save ~/tilde"), (8, "write outside its work folder: cell h0 --html "),
    (9, "write outside its work folder: cells --html="), (10, "write outside its work folder: set checkpoint-file "),
    (11, "run a script: run script.txt"), (12, "read outside its folders"), (13, "read outside its folders"),
    (14, "start a lesson: lesson evil --restart"), (15, "start a lesson: lesson evil"), (16, "read outside its folders"),
    (17, "read outside its folders"), (18, "quit the shell: quit"), (19, "move through lessons: skip"),
    (20, "read outside its folders"), (21, "read outside its folders"),
]

@Suite struct LessonSandboxTests {
    @Test func everyEscapeIsRefusedWithFileAndLineAndNothingIsWrittenOutside() throws {
        let fixture = SandboxFixture(evilLesson)
        try "a secret".write(toFile: fixture.outside + "/secret.txt", atomically: true, encoding: .utf8)
        let shell = fixture.shell()
        // A model in the lessons' own checkpoints/: reads may use it.
        #expect(output(of: "save \(fixture.lessons)/checkpoints/lesson-model.safetensors", in: shell).ok)
        let checkpointBefore = shell.session.workspace.settings.checkpointFile
        let outsideBefore = fixture.files(under: fixture.outside)

        let text = wideTranscript(shell, ["lesson evil", "next", "show settings", "leave"])
        for (line, reason) in refusals {
            // Commands fail with an error line; values show the refusal in place of the value.
            let refusal = "\(fixture.lessons)/evil.md:\(line): a lesson may not \(reason)"
            let shown = line >= 20 ? "[eval loss of " : "error: "
            #expect(
                text.split(separator: "\n").contains { $0.contains(shown + (line >= 20 ? "" : refusal)) && $0.contains(refusal) },
                "line \(line): \(reason)")
        }
        #expect(!text.contains("a secret"))
        // The shell is still there (a nested lesson used to overflow the stack) and the allowed part ran.
        #expect(text.contains("saved rnn H = 3, iteration 0, to \(fixture.work)/mine.safetensors"))
        #expect(text.contains("loaded \(fixture.work)/mine.safetensors"))
        #expect(text.contains("loaded \(fixture.lessons)/checkpoints/lesson-model.safetensors"))
        #expect(text.contains("The saved model's loss: 1.3862."))
        #expect(text.contains("\(fixture.work)/runs/checkpoint.safetensors"))  // show settings, in the lesson
        // Nothing outside the work folder was written; nothing in the current directory either.
        #expect(fixture.files(under: fixture.outside) == outsideBefore)
        #expect(fixture.files(under: fixture.work) == ["mine.safetensors", "runs", "workspace.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/mine.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: NSHomeDirectory() + "/tilde.safetensors"))
        // The lesson's checkpoint-file ended with it.
        #expect(shell.session.workspace.settings.checkpointFile == checkpointBefore)
        #expect(text.contains("your settings again: checkpoint-file \(checkpointBefore)"))
    }

    /// A file the lesson saved in its work folder can be typed back by its name while the lesson
    /// runs (the learner's own commands read the current folder first, then the work folder).
    @Test func aFileTheLessonSavedIsReadByItsNameDuringTheLesson() throws {
        let fixture = SandboxFixture { _ in
            "# Keep\nA lesson that saves a model.\n\n## Save\n$ corpus hello\n$ save kept.safetensors\n"
                + "do: load kept.safetensors\nhint: Type `load kept.safetensors`.\n"
        }
        let shell = fixture.shell()
        let text = wideTranscript(shell, ["lesson evil", "load kept.safetensors", "gradflow --compare kept.safetensors"])
        #expect(FileManager.default.fileExists(atPath: fixture.work + "/kept.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: "kept.safetensors"))
        #expect(!text.contains("cannot read"), "\(text)")
        #expect(text.contains("loaded"), "\(text)")
        // Outside the lesson the name means the current folder again.
        let after = wideTranscript(shell, ["leave", "load kept.safetensors"])
        #expect(after.contains("cannot read"), "\(after)")
    }

    @Test func aDemoOfAnEscapeFailsAtItsLine() {
        let fixture = SandboxFixture(evilLesson)
        let console = ScriptedConsole(lines: [], width: 10_000)
        #expect(fixture.shell().playDemo(lesson: "evil", console: console) == 1)
        #expect(console.output.contains("error: \(fixture.lessons)/evil.md:5: a lesson may not write outside its work folder"))
        #expect(console.output.contains("failed: \(fixture.lessons)/evil.md:5:"))
        #expect(fixture.files(under: fixture.outside).isEmpty)
    }

    @Test func linksFifosAndDevicesInsideTheFoldersAreRefused() throws {
        let fixture = SandboxFixture { _ in
            """
            # Links
            Files that are not what they seem.

            ## Reads
            $ corpus checkpoints/link.txt
            $ load checkpoints/fifo
            $ corpus checkpoints
            {{eval loss of checkpoints/fifo}}
            """
        }
        try "a secret".write(toFile: fixture.outside + "/secret.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: fixture.lessons + "/checkpoints/link.txt", withDestinationPath: fixture.outside + "/secret.txt")
        #expect(mkfifo(fixture.lessons + "/checkpoints/fifo", 0o600) == 0)
        // A FIFO would block the read forever: it is refused by stat before anything opens it.
        let text = wideTranscript(fixture.shell(), ["lesson evil"])
        let file = fixture.lessons + "/evil.md"
        #expect(text.contains("error: \(file):5: a lesson may not read outside its folders"))
        #expect(text.contains("error: \(file):6: a lesson may not use a FIFO as a file: load checkpoints/fifo"))
        #expect(text.contains("error: \(file):7: a lesson may not use a directory as a file: corpus checkpoints"))
        #expect(text.contains("\(file):8: a lesson may not use a FIFO as a file: {{eval loss of checkpoints/fifo}}"))
        #expect(!text.contains("a secret"))
    }

    @Test func trainingCheckpointsOnlyInsideTheWorkFolder() {
        let fixture = SandboxFixture { _ in
            """
            # Checkpoints
            Training that writes checkpoints.

            ## Outside
            $ set checkpoint-every 1
            $ train 2

            ## Inside
            $ set checkpoint-file ck.safetensors
            $ train 2
            """
        }
        let shell = fixture.shell()
        let text = wideTranscript(shell, ["lesson evil", "next", "leave"])
        #expect(
            text.contains(
                "error: \(fixture.lessons)/evil.md:6: a lesson may not write outside its work folder (checkpoint-every 1 writes checkpoint.safetensors"
            ))
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/checkpoint.safetensors"))
        #expect(FileManager.default.fileExists(atPath: fixture.work + "/ck.safetensors"))
        #expect(shell.session.workspace.settings.checkpointFile == "checkpoint.safetensors")
    }

    @Test func resumingReplaysTheSameCheckedCommands() throws {
        let fixture = SandboxFixture { outside in
            """
            # Resume
            The commands of earlier steps run again on resume.

            ## First
            $ save \(outside)/replayed.safetensors
            $ save kept.safetensors

            ## Second
            Here.
            """
        }
        wideTranscript(fixture.shell(), ["lesson evil", "next", "leave"])
        try FileManager.default.removeItem(atPath: fixture.work + "/kept.safetensors")
        try FileManager.default.removeItem(atPath: fixture.work + "/workspace.safetensors")
        // A new session without the lesson's saved workspace resumes at step 2: step 1's commands
        // run again, quietly, checked as before.
        let text = wideTranscript(fixture.shell(), ["lesson evil"])
        #expect(text.contains("Resuming evil at step 2 of 2."))
        #expect(text.contains("error: \(fixture.lessons)/evil.md:5: a lesson may not write outside its work folder: save "))
        #expect(FileManager.default.fileExists(atPath: fixture.work + "/kept.safetensors"))
        #expect(fixture.files(under: fixture.outside).isEmpty)
    }

    @Test func wordsThatLookLikeOptionsAreStillPaths() throws {
        let fixture = SandboxFixture { _ in "# E\nA lesson.\n\n## One\nText.\n" }
        let shell = fixture.shell()
        let at = LessonLocation(file: fixture.lessons + "/evil.md", line: 3)
        // `load` and `corpus` take their word as a path even when it starts with --: it resolves in the folders.
        #expect(try shell.session.sandboxed("load --x", at: at) == "load \(fixture.work)/--x")
        #expect(try shell.session.sandboxed("corpus --x", at: at) == "corpus \(fixture.work)/--x")
        #expect(try shell.session.sandboxed("corpus shakespeare", at: at) == "corpus shakespeare")
        #expect(try shell.session.sandboxed("cells quote --text c", at: at) == "cells quote --text c")
        #expect(try shell.session.sandboxed("sample 20 --prime '/* x'", at: at) == "sample 20 --prime '/* x'")
        #expect(
            try shell.session.sandboxed("save 'my model.safetensors' --model-only", at: at)
                == "save '\(fixture.work)/my model.safetensors' --model-only")
        #expect(throws: LessonRefusal.self) { try shell.session.sandboxed("load ../--x", at: at) }
    }

    @Test func pathsALessonMayName() {
        #expect(LessonSandbox.relativeComponents("a/b.txt") == ["a", "b.txt"])
        #expect(LessonSandbox.relativeComponents("./a//b") == ["a", "b"])
        for bad in ["", "/etc/passwd", "~/x", "~", "..", "a/../../b", "a/..", ".", "a\u{1B}b", "a\nb"] {
            #expect(LessonSandbox.relativeComponents(bad) == nil, "\(bad.debugDescription)")
        }
        // Words of a command the sandbox does not know.
        for out in ["/etc/passwd", "~/x", "../x", "a/../../x", "--out=/tmp/x", ".."] {
            #expect(LessonSandbox.looksLikePathOut(out), "\(out)")
        }
        for inside in ["x", "a/b", "--steps=3", "3", "-1", "..x", "a..b"] {
            #expect(!LessonSandbox.looksLikePathOut(inside), "\(inside)")
        }
        #expect(LessonSandbox.folderName("..") == "_..")
        #expect(LessonSandbox.folderName("a b/c") == "a_b_c")
        // Rewritten commands read back as the same words.
        for word in ["plain", "with space", "it's", "quote\"and\\back", "#hash", ""] {
            #expect((try? tokenize("x " + quotedWord(word))) == ["x", word], "\(word)")
        }
    }
}

@Suite struct LessonOriginTests {
    @Test func theLessonsListSaysWhereTheyComeFrom() {
        let fixture = SandboxFixture { _ in "# Evil\nA lesson.\n\n## One\nText.\n" }
        let named = wideTranscript(fixture.shell(), ["lessons"])
        #expect(named.contains("lessons from \(fixture.lessons) (named with --lessons)"))
        let builtIn = wideTranscript(Shell(corporaDirectory: corporaDirectory, progressPath: fixture.progress), ["lessons"])
        #expect(!builtIn.contains("lessons from"), "the built-in lessons need no word of where they come from")
        #expect(builtIn.contains("hello"))
    }

    @Test func theInstallationIsBesideTheExecutableOrTheCheckout() throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let candidates = DirectoryLocator.installationCandidates(
            "lessons", sourceFile: "/src/charrnn/Sources/Shell/DirectoryLocator.swift")
        let besideExecutable = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("lessons").path
        #expect(candidates.first == besideExecutable)
        #expect(candidates.last == "/src/charrnn/lessons")
        // Every other candidate is in a directory above the executable (or its share/charrnn).
        let parent = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent().path
        for candidate in candidates.dropLast() {
            let folder = URL(fileURLWithPath: candidate).deletingLastPathComponent().path
            #expect(executable.hasPrefix(folder + "/") || candidate == parent + "/share/charrnn/lessons", "\(candidate)")
        }
    }

    @Test func aNamedFolderThatIsMissingIsNotReplacedByAnother() {
        let missing = temporaryDirectory() + "/nothing-here"
        let text = wideTranscript(Shell(corporaDirectory: corporaDirectory, lessonsDirectory: missing), ["lessons"])
        #expect(text.contains("error: no lessons found: looked in \(missing)"))
    }

    /// The installed executable, started in a folder that holds its own `lessons/`, lists the
    /// built-in lessons, not that folder's.
    @Test func lessonsInTheCurrentDirectoryDoNotReplaceTheBuiltInOnes() throws {
        guard let executable = requireCharrnn() else { return }
        let downloaded = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: downloaded + "/lessons", withIntermediateDirectories: true)
        try "# Hijacked\nA lesson from a downloaded folder.\n\n## One\n$ save /tmp/x\n".write(
            toFile: downloaded + "/lessons/01-hello.md", atomically: true, encoding: .utf8)
        let text = finish(try startCharrnn(executable, in: downloaded, environment: ["HOME": downloaded], input: "lessons\n"))
        #expect(!text.contains("Hijacked"))
        #expect(!text.contains("lessons from"), "the built-in lessons are listed, with no other origin")
        #expect(text.contains("Hello, RNN"))
    }
}

@Suite struct LessonProgressTests {
    /// Two shells advancing different lessons at the same time keep both lessons' progress.
    @Test func twoShellsAtOnceKeepBothLessons() throws {
        guard let executable = requireCharrnn() else { return }
        let home = temporaryDirectory()
        let environment = ["HOME": home, "CHARRNN_LESSON_TRAIN_LIMIT": "5"]
        let moves = String(repeating: "next\nback\nnext\n", count: 10)
        let first = try startCharrnn(executable, in: home, environment: environment, input: "lesson hello\n" + moves + "leave\n")
        let second = try startCharrnn(
            executable, in: home, environment: environment, input: "lesson gradients\n" + moves + "leave\n")
        let (one, two) = (finish(first), finish(second))
        #expect(one.contains("Left hello at step 2"), "\(one.suffix(300))")
        #expect(two.contains("Left gradients at step 2"), "\(two.suffix(300))")
        let (store, warning) = ProgressStore.load(path: home + "/.charrnn/progress.json")
        #expect(warning == nil)
        #expect(store[lesson: "hello"]?.step == 2)
        #expect(store[lesson: "gradients"]?.step == 2)
    }

    @Test func progressPastTheLastStepIsShownAsTheLastStep() throws {
        let fixture = wiringFixture()
        try """
        {"version": 1, "lastLesson": "wiring", "lessons": {
          "wiring": {"step": 9223372036854775807, "reached": 9223372036854775807, "finished": false}}}
        """.write(toFile: fixture.progress, atomically: true, encoding: .utf8)
        let shell = lessonShell(fixture)
        let list = wideTranscript(shell, ["lessons"])
        #expect(list.contains("at step 7 of 7"))
        #expect(!list.contains("9223372036854775807"))
        let interactive = ScriptedConsole(lines: [], interactive: true, width: 10_000)
        _ = shell.run(console: interactive)
        #expect(interactive.output.contains("You were at step 7 of wiring"))
    }
}

/// A transcript on a console so wide that no message is wrapped: these tests read whole lines
/// (fitting real widths is tested in `ScreenWidthTests`).
@discardableResult
private func wideTranscript(_ shell: Shell, _ lines: [String]) -> String {
    transcript(shell, lines, width: 10_000)
}
