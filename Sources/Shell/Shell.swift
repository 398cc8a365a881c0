import Foundation
import Lessons
import Rendering
import Synchronization

/// The charrnn shell: a session and the read-eval loop over a `Console`.
///
/// The executable makes one, sets the console's completer to ``completer``, and calls
/// ``run(console:strict:)``:
///
///     let shell = Shell(pathCompleter: { pathCompletions(for: $0) })
///     var console = TerminalEnvironment.makeConsole(noColor: noColor)
///     console.completer = shell.completer
///     exit(shell.run(console: console, strict: strict))
public final class Shell {
    /// The state every command works on. Lessons run commands through ``Session/run(line:)``.
    public let session: Session
    /// Plays lessons through the session (`lesson NAME`); keeps the learner's progress.
    public let player: LessonPlayer
    private let context: CompletionContext

    /// A shell on the "hello" text with the default settings.
    /// - Parameters:
    ///   - corporaDirectory: where `shakespeare.txt` and the other texts are; nil looks for
    ///     `corpora/` in the current directory, beside the executable and above it, then in
    ///     `$CHARRNN_CORPORA`.
    ///   - pathCompleter: file-path candidates for a partial path (Terminal's `pathCompletions(for:)`),
    ///     offered after commands that take a file (corpus, load, save, run).
    ///   - lessonsDirectory: where the lesson files are; nil looks for `lessons/` as for the corpora,
    ///     then in `$CHARRNN_LESSONS`.
    ///   - progressPath: the learner's progress file; nil: `$CHARRNN_PROGRESS`, else
    ///     `~/.charrnn/progress.json`. A corrupted file is set aside (warned about at ``run(console:strict:)``).
    ///   - lessonTrainingLimit: the test-time setting: `train N` run by a lesson trains at most this
    ///     many iterations (nil: `$CHARRNN_LESSON_TRAIN_LIMIT`, else as written).
    ///   - lessonTrainingSeconds: the test-time time budget: `train` run by a lesson stops after this
    ///     many seconds (nil: `$CHARRNN_LESSON_TRAIN_SECONDS`, else as written).
    ///   - language: the lessons' and the player's language (the executable passes `--lang`, else
    ///     the locale's: ``LessonLanguage/fromLocale(_:)``); `set lang` changes it.
    public init(
        corporaDirectory: String? = nil, lessonsDirectory: String? = nil, progressPath: String? = nil,
        lessonTrainingLimit: Int? = nil, lessonTrainingSeconds: Double? = nil, language: LessonLanguage = .english,
        pathCompleter: @escaping @Sendable (String) -> [String] = { _ in [] }
    ) {
        let library = CorpusLibrary.locate(corporaDirectory)
        session = Session(console: NullConsole(), library: library, pathCompleter: pathCompleter)
        let lessons = session.lessonContext
        (lessons.directory, lessons.searched) = LessonContext.locate(lessonsDirectory)
        lessons.language = language
        lessons.reload()
        lessons.trainingLimit =
            lessonTrainingLimit ?? ProcessInfo.processInfo.environment["CHARRNN_LESSON_TRAIN_LIMIT"].flatMap { Int($0) }
        lessons.trainingSeconds =
            lessonTrainingSeconds
            ?? ProcessInfo.processInfo.environment["CHARRNN_LESSON_TRAIN_SECONDS"].flatMap { Double($0) }.flatMap {
                $0 > 0 ? $0 : nil
            }
        lessons.trainingUntil = ProcessInfo.processInfo.environment["CHARRNN_LESSON_TRAIN_UNTIL"].flatMap { Int($0) }
        var (store, warning) = ProgressStore.load(path: progressPath ?? LessonContext.defaultProgressPath)
        store.clamp(stepCounts: lessons.catalog.stepCounts)  // a step past the last is shown as the last
        lessons.progressWarning = warning
        player = LessonPlayer(executor: session, progress: store)
        lessons.player = player
        player.language = lessons.language
        context = CompletionContext(corpora: library.names, paths: pathCompleter, lessons: lessons.catalog.names)
    }

    /// Tab completion: (whole line, word being completed, the word's start offset in characters)
    /// -> candidates. Commands for the first word; then sub-commands, setting names and values,
    /// corpus names and, after commands that take a file, paths.
    public var completer: @Sendable (String, String, Int) -> [String] {
        let context = self.context
        return { line, word, start in CommandRegistry.complete(line: line, word: word, start: start, context: context) }
    }

    /// The prompt, coloured when the console allows, with escapes wrapped for readline:
    /// `charrnn> `, or `hello 3/14> ` inside a lesson.
    static func prompt(style: Style, lesson: String? = nil) -> String {
        readlineSafe(style.bold(style.cyan((lesson ?? "charrnn") + ">"))) + " "
    }

    /// Reads and runs commands until the input ends or `quit`.
    ///
    /// An interactive console gets a welcome; otherwise (a script, a pipe) each command is echoed
    /// (`charrnn> step`) before its output. With `strict`, the first failing command ends the run.
    /// Returns the exit status: 0, or 1 when `strict` stopped at an error.
    public func run(console: any Console, strict: Bool = false) -> Int32 {
        run(console: console, strict: strict, starting: nil)
    }

    /// Reads and runs commands as ``run(console:strict:)``, starting (or resuming) the lesson
    /// `lesson` first. An unknown lesson gives a one-line error listing the lessons, and status 1.
    public func run(console: any Console, lesson: String) -> Int32 {
        session.output.console = console
        do {
            return run(console: console, strict: false, starting: try session.findLesson(lesson))
        } catch {
            session.output.error(error.message(in: session.shellWords))
            return 1
        }
    }

    /// Plays `lesson` by itself (``LessonPlayer/playDemo(_:shouldStop:)``), writing its transcript
    /// to the console; Ctrl-C stops it. Returns 0 when every step played and every gate held, 1
    /// otherwise (the failure is shown as `FILE:LINE: message`).
    /// With `seed`, the session's seed setting is that (`set seed N`) before the lesson's first command.
    public func playDemo(lesson name: String, console: any Console, seed: UInt64? = nil) -> Int32 {
        session.output.console = console
        let lesson: Lesson
        do { lesson = try session.findLesson(name) } catch {
            session.output.error(error.message(in: session.shellWords))
            return 1
        }
        interruptRequested.store(false, ordering: .relaxed)
        let setup = seed.map { ["set seed \($0)"] } ?? []
        let result = player.playDemo(lesson, setup: setup) { interruptRequested.load(ordering: .relaxed) }
        if let job = session.training.job {
            job.stopRequested.store(true, ordering: .relaxed)
            session.adopt(job)
        }
        return result.succeeded ? 0 : 1
    }

    private func run(console: any Console, strict: Bool, starting lesson: Lesson?) -> Int32 {
        session.output.console = console
        let style = session.style
        if console.isInteractive, lesson == nil {
            session.output.line(welcome(style: style))
            if let last = player.progress?.lastLesson, let saved = player.progress?[lesson: last], !saved.finished,
                session.lessonContext.catalog.lesson(named: last) != nil
            {
                session.output.line(session.playerWords(.youWereAt, String(saved.step), last, style.bold("lesson \(last)")))
            }
        }
        if let warning = session.lessonContext.progressWarning {
            session.output.note("warning: " + warning)
            session.lessonContext.progressWarning = nil
        }
        if let lesson { try? session.startLesson(lesson, restart: false) }
        var status: Int32 = 0
        reading: while true {
            interruptRequested.store(false, ordering: .relaxed)
            session.collectFinishedJob()
            let label = session.lessonPromptLabel
            let line: String
            switch console.readInput(prompt: Shell.prompt(style: style, lesson: label)) {
            case .end:
                // Training is asked about (at a terminal) or saved, never lost silently.
                if session.mayLeave() { break reading }
                continue reading
            case .refused(let message, let endsInput):
                // A pipe goes on after an over-long line unless nothing more can be read (or strict).
                session.output.error(message)
                if endsInput || strict {
                    status = 1
                    break reading
                }
                continue reading
            case .line(let text):
                line = text
            }
            if !console.isInteractive, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let shownLine = safeText(line)
                session.output.line(label.map { style.bold($0 + ">") + " " + shownLine } ?? session.echo(shownLine))
            }
            let ok = session.runLearnerLine(line)
            // Ctrl-C during a script's command ends the script, not just the command.
            if let script = console.scriptName, session.interrupted() {
                session.output.error("\(safeText(script)): stopped at line \(console.lineNumber) (Ctrl-C)")
                status = 130
                break
            }
            if !ok && strict {
                status = 1
                break
            }
            if session.quitRequested { break }
        }
        if let job = session.training.job {
            job.stopRequested.store(true, ordering: .relaxed)
            session.adopt(job)
        }
        session.saveLessonWorkspace(force: true)  // a lesson's workspace outlives the shell
        return status
    }

    private func welcome(style: Style) -> String {
        session.playerWords(.welcome, style.bold("charrnn"), style.bold("step"), style.bold("lessons"), style.bold("help"))
    }
}

/// `text` with every ANSI escape sequence wrapped in `\u{01}`…`\u{02}`, so readline does not
/// count the escape bytes as prompt columns. (Not an escape code of its own: it only marks them.)
func readlineSafe(_ text: String) -> String {
    var out = ""
    var inEscape = false
    for scalar in text.unicodeScalars {
        if scalar == "\u{1B}" && !inEscape {
            out.unicodeScalars.append("\u{01}")
            inEscape = true
        }
        out.unicodeScalars.append(scalar)
        if inEscape && scalar != "\u{1B}" && scalar != "[" && (0x40...0x7E).contains(scalar.value) {
            out.unicodeScalars.append("\u{02}")
            inEscape = false
        }
    }
    return out
}

/// A console that discards everything: the session's until `run(console:)` gives it a real one.
final class NullConsole: Console, @unchecked Sendable {
    func readLine(prompt: String) -> String? { nil }
    func write(_ text: String) {}
    func post(_ message: String) {}
    var isInteractive: Bool { false }
    var width: Int { 80 }
    var colorEnabled: Bool { false }
    var completer: (@Sendable (String, String, Int) -> [String])?
}
