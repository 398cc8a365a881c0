import CharRNN
import Foundation
import Lessons
import TestSupport
import Testing

@testable import Shell

/// The shell's own words (`ShellWords`) in the learner's language: both tables have every message
/// with the same placeholders, and every message is said in Korean when Korean is chosen and in
/// English otherwise, where a learner meets it (errors, a lesson's workspace, a lesson's refused
/// commands, quitting while training runs, the time a lesson quotes).
///
/// Still English when Korean is chosen: the commands' own output (tables, views, `train`'s
/// progress and summary, `corpus`, `model`, `help` and usage texts), the less common errors
/// (file and checkpoint problems, the engine's messages, a lesson term's errors) and the
/// `(under test: …)` notes.
@Suite struct ShellWordsTests {
    @Test func theTablesHaveTheSameMessagesAndPlaceholders() {
        let english = ShellWords.table(.english), korean = ShellWords.table(.korean)
        #expect(Set(english.keys) == Set(ShellMessage.allCases))
        #expect(Set(korean.keys) == Set(ShellMessage.allCases))
        for message in ShellMessage.allCases {
            let e = english[message] ?? "", k = korean[message] ?? ""
            #expect(PlayerWords.placeholders(in: e) == PlayerWords.placeholders(in: k), "\(message)")
            #expect(e != k || message == .refusal, "\(message) is not translated")
            #expect(!k.isEmpty)
        }
    }

    /// The longest piece of a message's text between its placeholders: what a transcript must show.
    static func fragment(_ message: ShellMessage, _ language: LessonLanguage) -> String {
        let text = ShellWords.table(language)[message]!
        let pieces = text.split(separator: "%", omittingEmptySubsequences: false).enumerated().map { index, piece in
            index == 0 ? String(piece) : String(piece.drop { $0.isNumber })
        }
        return pieces.max { $0.count < $1.count }!
    }

    /// A shell in `language` on the installation's lessons, with its own progress file and home.
    static func shell(_ language: LessonLanguage, home: String = temporaryDirectory("words")) -> Shell {
        Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory, progressPath: home + "/progress.json",
            language: language)
    }

    /// The commands that make the shell say each message.
    static let scenarios: [(messages: [ShellMessage], lines: [String])] = [
        ([.unknownCommand, .didYouMean], ["stepp"]),
        ([.helpListsCommands], ["zzqqxx"]),
        ([.didYouMeanOr], ["sa"]),
        ([.unknownSetting], ["set lrr 1"]),
        ([.noLesson, .lessonNames], ["lesson hellp"]),
        ([.usage], ["goto"]),
        ([.wholeNumberRange], ["step x"]),
        ([.numberRange], ["set lr abc"]),
        ([.outOfRange], ["step 0"]),
        ([.optionNeedsValue], ["sample --temperature"]),
        ([.optionTakesNoValue], ["sample --argmax=1"]),
        ([.optionGivenTwice], ["sample --seed 1 --seed 2"]),
        ([.unknownOption, .optionsExpected], ["sample --foo 1"]),
        ([.noStepsYet], ["trace"]),
        ([.trainingRunning], ["train --background", "step", "stop"]),
        ([.stopBeforeLesson], ["train --background", "lesson hello", "stop"]),
        ([.alreadyAtIteration], ["train 2", "train --until 1"]),
        ([.ownWorkspaceBack, .settingsAgain, .workspaceBack], ["lesson hello", "set lr 0.5", "leave", "lesson hello"]),
        ([.atIteration, .lossIs, .backgroundSaved], ["train 3", "train --background"]),
    ]

    @Test(arguments: LessonLanguage.allCases)
    func everyScenarioSaysItsMessagesInTheLanguage(language: LessonLanguage) {
        let other: LessonLanguage = language == .korean ? .english : .korean
        for scenario in Self.scenarios {
            let text = transcript(Self.shell(language), scenario.lines, width: 10_000)
            for message in scenario.messages {
                #expect(text.contains(Self.fragment(message, language)), "\(message) in \(language): \(text)")
                // Not in the other language (a short piece such as `iteration ` is also in English output that stays English).
                let otherFragment = Self.fragment(message, other)
                #expect(otherFragment.count < 12 || !text.contains(otherFragment), "\(message) in \(other) too: \(text)")
            }
        }
    }

    @Test(arguments: LessonLanguage.allCases)
    func aMissingOrUnreadableWorkspaceIsSaidInTheLanguage(language: LessonLanguage) throws {
        let home = temporaryDirectory("words")
        transcript(Self.shell(language, home: home), ["lesson hello", "skip", "skip", "skip", "skip", "leave"], width: 10_000)
        let saved = home + "/lessons/hello/workspace.safetensors"
        try FileManager.default.removeItem(atPath: saved)
        let missing = transcript(Self.shell(language, home: home), ["lesson hello", "leave"], width: 10_000)
        for message in [ShellMessage.noSavedWorkspace, .stepsRanAgain] {
            #expect(missing.contains(Self.fragment(message, language)), "\(message): \(missing)")
        }
        let other = home + "/other"
        transcript(Self.shell(language, home: other), ["lesson hello", "leave"], width: 10_000)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: other + "/lessons/hello/workspace.safetensors"))
        let unreadable = transcript(Self.shell(language, home: other), ["lesson hello"], width: 10_000)
        for message in [ShellMessage.workspaceUnreadable, .freshWorkspace] {
            #expect(unreadable.contains(Self.fragment(message, language)), "\(message): \(unreadable)")
        }
    }

    @Test(arguments: LessonLanguage.allCases)
    func aWorkspaceThatCannotBeSavedOrAFolderThatCannotBeMadeIsSaid(language: LessonLanguage) throws {
        let home = temporaryDirectory("words")
        try Data().write(to: URL(fileURLWithPath: home + "/lessons"))  // the work folders' root is a file
        let shell = Self.shell(language, home: home)
        let text = transcript(shell, ["lesson hello", "set lr 0.5"], width: 10_000)
        #expect(text.contains(Self.fragment(.workspaceNotSaved, language)), "\(text)")
        let console = ScriptedConsole(lines: [], width: 10_000)
        shell.session.output.console = console
        let location = LessonLocation(file: lessonsDirectory + "/01-hello.md", line: 7)
        #expect(!shell.session.execute("save x.safetensors", from: location))
        #expect(console.output.contains(Self.fragment(.workFolderUnmade, language)), "\(console.output)")
    }

    /// What a lesson may not run, said with the lesson file's place.
    static let refusals: [(ShellMessage, String)] = [
        (.mayNotRunScript, "run script.txt"), (.mayNotQuit, "quit"), (.mayNotStartLesson, "lesson hello"),
        (.mayNotListLessons, "lessons"), (.mayNotMoveThroughLessons, "next"), (.mayNotAnswer, "answer 3"),
        (.mayNotWriteOutside, "save /tmp/charrnn-words.safetensors"), (.mayNotReadOutside, "load /etc/hosts"),
        (.mayNotUseAsFile, "load folder"), (.mayNotNamePathOutside, "code ../../x"),
    ]

    @Test(arguments: LessonLanguage.allCases)
    func aLessonsRefusedCommandIsSaidInTheLanguage(language: LessonLanguage) throws {
        let home = temporaryDirectory("words")
        let shell = Self.shell(language, home: home)
        transcript(shell, ["lesson hello"], width: 10_000)
        try FileManager.default.createDirectory(atPath: home + "/lessons/hello/folder", withIntermediateDirectories: true)
        let location = LessonLocation(file: lessonsDirectory + "/01-hello.md", line: 7)
        for (message, command) in Self.refusals {
            let console = ScriptedConsole(lines: [], width: 10_000)
            shell.session.output.console = console
            #expect(!shell.session.execute(command, from: location), "\(command)")
            let line = console.output
            #expect(line.hasPrefix("error: \(location): " + ShellWords(language)(message, "a directory")), "\(command): \(line)")
            #expect(line.hasSuffix(": \(command)\n"), "\(line)")
        }
        // checkpoint-every set by the learner writes where the lesson may not.
        transcript(shell, ["set checkpoint-every 5", "set checkpoint-file /tmp/charrnn-words.safetensors"], width: 10_000)
        let console = ScriptedConsole(lines: [], width: 10_000)
        shell.session.output.console = console
        #expect(!shell.session.execute("train 1", from: location))
        #expect(console.output.contains(Self.fragment(.mayNotCheckpointOutside, language)), "\(console.output)")
        #expect(console.output.hasPrefix("error: \(location): "), "\(console.output)")
    }

    @Test(arguments: LessonLanguage.allCases)
    func quittingWhileTrainingAsksInTheLanguage(language: LessonLanguage) {
        let shell = Self.shell(language)
        let console = ScriptedConsole(
            lines: ["train --background", "quit", "maybe", "n", "quit", "y"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        let words = ShellWords(language)
        for message in [ShellMessage.quitWhileTraining, .atIteration, .quitTypeAnswer, .quitKeepsTraining, .quitStopped] {
            #expect(console.output.contains(Self.fragment(message, language)), "\(message): \(console.output)")
        }
        #expect(console.prompts.filter { $0 == words(.quitQuestion) }.count == 3, "\(console.prompts)")
    }

    /// In a lesson, stopping background training at quit keeps the model with the lesson, and the
    /// question and the answer say so (they said "quit without saving", "not saved").
    @Test(arguments: LessonLanguage.allCases)
    func quittingWhileTrainingInALessonSaysTheLessonKeepsIt(language: LessonLanguage) {
        let shell = Self.shell(language)
        let console = ScriptedConsole(
            lines: ["lesson hello", "train --background", "quit", "y"], interactive: true, width: 10_000)
        _ = shell.run(console: console)
        for message in [ShellMessage.quitWhileTrainingInLesson, .quitStoppedInLesson] {
            #expect(console.output.contains(Self.fragment(message, language)), "\(message): \(console.output)")
        }
        let notSaved = ShellWords.table(language)[.quitStopped]!.components(separatedBy: "%1").last!  // "; not saved"
        #expect(!console.output.contains(notSaved), "\(console.output)")
    }

    @Test(arguments: LessonLanguage.allCases)
    func backgroundTrainingThatCannotBeSavedIsSaid(language: LessonLanguage) throws {
        let home = temporaryDirectory("words")
        try Data().write(to: URL(fileURLWithPath: home + "/saved"))  // the folder for saved training is a file
        let text = transcript(Self.shell(language, home: home), ["train --background"], width: 10_000)
        #expect(text.contains(Self.fragment(.backgroundNotSaved, language)), "\(text)")
    }

    @Test(arguments: LessonLanguage.allCases)
    func backgroundTrainingInALessonIsKeptWithItInTheLanguage(language: LessonLanguage) {
        let shell = Self.shell(language)
        #expect(output(of: "lesson hello", in: shell).ok)
        #expect(output(of: "train --background", in: shell).ok)
        let console = ScriptedConsole(lines: [], width: 10_000)
        shell.session.output.console = console
        shell.session.leaveLessonWorkspace()
        #expect(shell.session.training.job == nil)
        #expect(console.output.contains(Self.fragment(.backgroundKeptWithLesson, language)), "\(console.output)")
    }

    @Test func durationsAreWrittenInTheLanguage() throws {
        let english = ShellWords(.english), korean = ShellWords(.korean)
        #expect(english.duration(3.25) == "3.2s" && korean.duration(3.25) == "3.2초")
        #expect(english.duration(42) == "42s" && korean.duration(42) == "42초")
        #expect(english.duration(65) == "1m 05s" && korean.duration(65) == "1분 05초")
        #expect(english.duration(3_900) == "1h 05m" && korean.duration(3_900) == "1시간 05분")
        #expect(formatDuration(65) == "1m 05s")
        // The lesson value `{{time to iteration N}}` is in the learner's language.
        for (language, unit) in [(LessonLanguage.korean, "초"), (.english, "s")] {
            let shell = Self.shell(language)
            let value = try shell.session.value(of: "time to iteration 3")
            #expect(value.hasSuffix(unit) && (language == .english) == !value.contains("초"), "\(value)")
        }
    }

    @Test func anOptionForACommandWithoutOptionsIsSaidInTheLanguage() {
        do {
            _ = try Arguments(["--x"])
            Issue.record("--x was accepted")
        } catch {
            #expect(error.message(in: ShellWords(.korean)) == "알 수 없는 옵션입니다: --x (이 명령은 옵션을 받지 않습니다)")
            #expect(error.message(in: ShellWords(.english)) == "unknown option --x (this command takes none)")
            #expect(error.message == "unknown option --x (this command takes none)")
        }
    }
}
