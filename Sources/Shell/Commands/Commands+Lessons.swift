import Foundation
import Lessons
import Rendering

// MARK: - lessons, lesson, next, back, again, hint, skip, where, leave, answer

extension Commands {
    struct LessonList: ArgumentlessCommand {
        static let name = "lessons"
        static let summary = "list the lessons, with your progress"
        static let help = """
            Lists the lessons with how far you got in each. `lesson NAME` starts or resumes one.
            Inside a lesson:
                next (or Enter)   go on (a step that waits says what it waits for)
                back              go back one lesson step (`unstep` moves the step cursor)
                again             show the current step again
                hint              a hint for what the step waits for
                skip              do it for me (run the step's solution) and go on
                where             where am I, and what does the step wait for
                leave             leave the lesson (your progress is kept)
                answer TEXT       answer the question (or type the answer alone on the line)
            Numbers may be written as arithmetic: ln 4, 1/1024, 0.5^10, 10,000, four (log is ln). Any other
            command works as usual. A lesson has its own workspace (text, model, settings), saved with your
            progress under ~/.charrnn/; leaving gives yours back. Writing lessons: lessons/README.md.
            """

        func run(in session: Session) throws {
            session.output.line(try session.lessonList())
        }
    }

    struct StartLesson: ShellCommand {
        static let name = "lesson"
        static let summary = "start or resume a lesson (--restart starts it over)"
        static let help =
            "Starts the lesson NAME where you left it, in its own workspace as you left it (yours is set aside until you leave), "
            + "or at its first step; --restart starts it over with a fresh workspace. `lessons` lists them."
        static let arguments: [Argument] = [.positional("NAME", .lesson), .flag("restart")]
        /// The lesson's name as typed.
        let name: String
        /// Whether to start over rather than resume.
        let restart: Bool

        init(_ arguments: ParsedArguments) {
            name = arguments.text("NAME") ?? ""
            restart = arguments.flag("restart")
        }

        func run(in session: Session) throws {
            let lesson = try session.findLesson(name)
            try session.startLesson(lesson, restart: restart)
        }
    }

    struct Next: ArgumentlessCommand {
        static let name = "next"
        static let summary = "go on to the next lesson step (Enter does too)"

        func run(in session: Session) throws {
            try session.requirePlayer().next()
        }
    }

    struct Back: ShellCommand {
        static let name = "back"
        static let summary = "in a lesson: the previous step; otherwise, or with N: the step cursor back N"
        static let help = """
            Inside a lesson, `back` goes back one lesson step (shown again, its commands not rerun).
            Outside a lesson, and with a number everywhere, it moves the step cursor back N
            characters like `unstep N` (the hidden state goes back with it).
            """
        static let arguments = Unstep.arguments
        /// How many steps to move the cursor back, if a number was given.
        let count: Int?

        init(_ arguments: ParsedArguments) { count = arguments.integer("N") }

        func run(in session: Session) throws {
            if count == nil, let player = session.lessonContext.player, player.isActive {
                player.back()
                return
            }
            try Unstep(count: count ?? 1).run(in: session)
        }
    }

    struct Again: ArgumentlessCommand {
        static let name = "again"
        static let summary = "show the current lesson step again"

        func run(in session: Session) throws {
            try session.requirePlayer().again()
        }
    }

    struct Hint: ArgumentlessCommand {
        static let name = "hint"
        static let summary = "a hint for what the lesson step waits for"

        func run(in session: Session) throws {
            try session.requirePlayer().hint()
        }
    }

    struct Skip: ArgumentlessCommand {
        static let name = "skip"
        static let summary = "run the lesson step's solution (or show the answer) and go on"

        func run(in session: Session) throws {
            try session.requirePlayer().skip()
        }
    }

    struct Where: ArgumentlessCommand {
        static let name = "where"
        static let summary = "which lesson and step you are at, and what it waits for"

        func run(in session: Session) throws {
            try session.requirePlayer().where()
        }
    }

    struct Leave: ArgumentlessCommand {
        static let name = "leave"
        static let summary = "leave the lesson (progress is kept; `lesson NAME` resumes)"

        func run(in session: Session) throws {
            let player = try session.requirePlayer()
            if player.isActive { try session.requireNoBackgroundTraining("leave") }
            player.leave()
        }
    }

    struct Answer: ShellCommand {
        static let name = "answer"
        static let summary = "answer the lesson's question"
        static let help =
            "Answers the question the lesson step asks. While a question is open you can also type the answer alone."
        static let arguments: [Argument] = [.rest("TEXT")]
        /// The answer: the words after `answer`, joined by spaces.
        let text: String

        init(_ arguments: ParsedArguments) { text = arguments.text("TEXT") ?? "" }

        func run(in session: Session) throws { try session.requirePlayer().answer(text) }
    }
}

/// `path` made absolute against the current directory.
private func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
}

extension Session {
    /// The player, or an error when this session has none (a session made without a shell).
    func requirePlayer() throws(CommandError) -> LessonPlayer {
        guard let player = lessonContext.player else { throw CommandError("lessons are not available in this session") }
        return player
    }

    /// Starts `lesson` over, or resumes it, in its own workspace (see `Session+LessonWorkspace.swift`):
    /// the learner's is set aside, and the lesson's saved one comes back on resume. Without one, the
    /// commands of the steps before the resumed one run again, quietly, so that the values the step
    /// shows (`{{h 1}}`) exist. Refused while training runs in the background.
    func startLesson(_ lesson: Lesson, restart: Bool) throws(CommandError) {
        let player = try requirePlayer()
        try requireNoBackgroundTraining("lesson \(lesson.name)")
        let saved = player.progress?[lesson: lesson.name]
        let startsOver = restart || saved == nil || (saved!.finished && saved!.step >= lesson.steps.count)
        let step = startsOver ? 1 : min(max(saved?.step ?? 1, 1), lesson.steps.count)
        // The same lesson again goes on in the workspace it has (unless it starts over). A workspace
        // as the learner left it already holds what the step's commands did: they are shown, not rerun.
        var restored = true
        if startsOver || lessonContext.lessonWorkspace?.file != lesson.file {
            restored = enterLessonWorkspace(lesson, startsOver: startsOver, step: step)
        }
        if restart { return player.start(lesson) }
        player.resume(lesson, runCommands: !restored)
    }

    /// Runs the commands of `steps` with their output discarded: `$` lines, `do:` and `gate:` solutions.
    /// They are checked as when the lesson first ran them (see `Session+LessonSandbox.swift`);
    /// a refused one is not run, and its refusal is shown (not discarded with the output).
    func replay(_ steps: ArraySlice<Step>, of lesson: Lesson) {
        let console = output.console
        var refusals: [String] = []
        output.console = NullConsole()
        func run(_ command: String, _ line: Int) {
            let location = LessonLocation(file: lesson.file, line: line)
            do { _ = try sandboxed(command, at: location) } catch {
                refusals.append(error.description)
                return
            }
            _ = execute(command, from: location)
        }
        for step in steps {
            for case .run(let command, let line) in step.content { run(command, line) }
            switch step.interaction {
            case .command(let task): for command in task.solution { run(command, task.line) }
            case .gate(let gate): for command in gate.solution { run(command, gate.line) }
            default: break
            }
        }
        output.console = console
        for refusal in refusals { output.error(refusal) }
    }

    /// The lesson called `name` (the files are read again, so edits show), or an error listing them.
    func findLesson(_ name: String) throws(CommandError) -> Lesson {
        let context = lessonContext
        context.reload()
        if let lesson = context.catalog.lesson(named: name) { return lesson }
        guard context.directory != nil else { throw CommandError(context.notFoundMessage) }
        if let broken = context.catalog.errors.first(where: { URL(fileURLWithPath: $0.file).lastPathComponent.contains(name) }) {
            throw CommandError("the lesson file does not load: \(broken)")
        }
        let names = context.catalog.names
        let near = nearest(name, among: names)
        throw CommandError {
            $0(.noLesson, shown(name), $0.didYouMean(near))
                + $0(.lessonNames, names.isEmpty ? $0(.noLessons) : names.joined(separator: ", "))
        }
    }

    /// `lessons`: each lesson, its summary and the learner's progress; files that did not load.
    func lessonList() throws(CommandError) -> String {
        let context = lessonContext
        context.reload()
        guard context.directory != nil else { throw CommandError(context.notFoundMessage) }
        let progress = context.player?.progress
        var rows: [[String]] = []
        for lesson in context.catalog.lessons {
            let words = playerWords
            let state: String
            if let saved = progress?[lesson: lesson.name] {
                let step = min(max(saved.step, 0), lesson.steps.count)  // the file may say more
                state =
                    saved.finished
                    ? words(.lessonFinished)
                    : words(.lessonAtStep, String(step), String(lesson.steps.count))
                        + (FileManager.default.fileExists(atPath: lessonWorkspacePath(for: lesson.file))
                            ? words(.workspaceSaved) : "")
            } else {
                state = words(.lessonSteps, String(lesson.steps.count))
            }
            rows.append([lesson.name, lesson.title, state + (context.catalog.inEnglish.contains(lesson.name) ? words(.inEnglish) : "")])
        }
        var lines = [
            style.bold("Lessons") + style.dim(playerWords(.lessonsHeader))
        ]
        // Lessons from a folder the learner named say where they come from; the built-in ones need no word.
        if context.origin != .installation {
            lines.append(
                style.dim(
                    "  lessons from \(context.directory.map(absolutePath) ?? "?") (\(context.origin.description(flag: "--lessons")))"
                ))
        }
        if rows.isEmpty {
            lines.append("  (none in \(context.directory ?? "?"))")
        } else {
            let nameWidth = rows.map { displayWidth($0[0]) }.max() ?? 5
            for (lesson, row) in zip(context.catalog.lessons, rows) {
                lines.append("  " + style.bold(padded(row[0], to: nameWidth)) + "  " + row[1] + style.dim("  — " + row[2]))
                lines.append("  " + String(repeating: " ", count: nameWidth) + "  " + style.dim(lesson.summary))
            }
        }
        for error in context.catalog.errors {
            lines.append(style.yellow("  not loaded: \(error)"))
        }
        if let current = context.player?.lesson {
            lines.append(playerWords(.youAreIn, current.name))
        } else if let last = progress?.lastLesson, let saved = progress?[lesson: last], !saved.finished,
            context.catalog.lesson(named: last) != nil  // a name from the file is shown only when it is a lesson
        {
            lines.append(playerWords(.continueWhere, last))
        }
        return lines.joined(separator: "\n")
    }
}
