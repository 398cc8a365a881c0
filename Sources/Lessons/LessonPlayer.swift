/// Plays a lesson for a learner: shows steps, waits for commands, answers and gates, and keeps
/// progress. Pure logic: all text goes to ``LessonExecutor/present(_:)``; commands run through
/// ``LessonExecutor/execute(_:)``.
///
/// The shell calls, in a lesson:
/// - ``resume(_:)`` for `lesson NAME` (or ``start(_:)`` to start over);
/// - ``next()``, ``back()``, ``again()``, ``hint()``, ``skip()``, ``where()``, ``leave()`` for those commands
///   (and ``next()`` for an empty line);
/// - ``observe(command:succeeded:)`` after every other command the learner types;
/// - ``answer(_:)`` for `answer TEXT`, and for a line that is not a command while
///   ``isAwaitingAnswer`` is true;
/// - ``promptLabel`` to build the prompt (`hello 3/14> `).
public final class LessonPlayer {
    /// Runs commands and evaluates conditions and values; receives all text.
    public let executor: any LessonExecutor
    /// The learner's progress, saved after every move (not during a demo).
    public private(set) var progress: ProgressStore?
    /// The lesson being played, or `nil` outside a lesson.
    public internal(set) var lesson: Lesson?
    /// The current step, 0-based.
    public internal(set) var stepIndex = 0

    /// The furthest step reached, 0-based: steps before it are done.
    var reached = 0
    /// Whether the current step's interaction is satisfied.
    var satisfied = false
    /// Whether the learner was already told that the current gate holds.
    var gateAnnounced = false
    /// Whether `skip` on a gate that still does not hold was tried once (a second `skip` goes on).
    var skipRefused = false
    /// Whether a failed save was reported (reported once).
    var saveFailureReported = false
    /// While a lesson resumes on the workspace the learner left: the step's commands that only
    /// show (``LessonExecutor/onlyShows(_:)``) run again; the others are only shown.
    var rerunOnlyShowingCommands = false
    /// Set while a demo plays: the transcript and the first failure.
    var demo: DemoState?
    /// The language of the player's own words (``PlayerWords``); the lesson files are chosen by the catalog.
    public var language = LessonLanguage.english
    /// The player's words in ``language``.
    var words: PlayerWords { PlayerWords(language) }

    /// A player that runs commands through `executor` and keeps progress in `progress`
    /// (`nil`: progress is not kept).
    public init(executor: any LessonExecutor, progress: ProgressStore?) {
        self.executor = executor
        self.progress = progress
    }

    // MARK: - State

    /// Whether a lesson is being played.
    public var isActive: Bool { lesson != nil }

    /// The current step, if a lesson is being played.
    public var currentStep: Step? { lesson.map { $0.steps[stepIndex] } }

    /// `hello 3/14`, for the prompt; `nil` outside a lesson.
    public var promptLabel: String? {
        lesson.map { "\($0.name) \(stepIndex + 1)/\($0.steps.count)" }
    }

    /// Whether the current step is a question not yet answered right: the shell may then pass a
    /// line that is not one of its commands to ``answer(_:)``.
    public var isAwaitingAnswer: Bool {
        if case .question = currentStep?.interaction { return !isSatisfied } else { return false }
    }

    /// Whether the current step lets the lesson go on without waiting.
    var isSatisfied: Bool {
        guard let step = currentStep else { return false }
        return step.interaction == nil || satisfied || stepIndex < reached
    }

    // MARK: - Starting and leaving

    /// Starts `lesson` at its first step (progress in it starts over; "finished" is kept).
    public func start(_ lesson: Lesson) {
        begin(lesson, at: 0, reached: 0)
    }

    /// Starts `lesson` where the learner left it, or at its first step (also when it was finished).
    /// The step's commands run again (the session may be new) unless `runCommands` is false: the
    /// shell has brought back the workspace as the learner left it, those commands' effects included.
    public func resume(_ lesson: Lesson, runCommands: Bool = true) {
        guard let saved = progress?[lesson: lesson.name],
            !(saved.finished && saved.step >= lesson.steps.count)
        else { return start(lesson) }
        let count = lesson.steps.count
        let step = min(max(saved.step, 1), count) - 1
        let reached = min(max(saved.reached, saved.step, 1), count) - 1
        if step > 0 { say(words(.resuming, lesson.name, String(step + 1), String(count))) }
        begin(lesson, at: step, reached: reached, runCommands: runCommands)
    }

    private func begin(_ lesson: Lesson, at index: Int, reached: Int, runCommands: Bool = true) {
        self.lesson = lesson
        self.reached = reached
        if index == 0 && reached == 0 {
            say(words(.introduction, lesson.title, lesson.summary, String(lesson.steps.count)))
        }
        rerunOnlyShowingCommands = !runCommands
        arrive(at: index, runCommands: runCommands)
        rerunOnlyShowingCommands = false
    }

    /// Plays `twin` instead of the lesson being played, at the same step: the same lesson in another
    /// language (same name, same number of steps). Returns whether it did.
    @discardableResult
    public func switchLesson(to twin: Lesson) -> Bool {
        guard let lesson, twin.name == lesson.name, twin.steps.count == lesson.steps.count else { return false }
        self.lesson = twin
        return true
    }

    /// Leaves the lesson; progress is kept.
    public func leave() {
        guard let lesson else { return sayNoLesson() }
        saveProgress()
        say(words(.left, lesson.name, String(stepIndex + 1), String(lesson.steps.count)))
        self.lesson = nil
    }

    // MARK: - Moving

    /// Goes on to the next step if the current one is satisfied (a gate is checked now);
    /// otherwise says what the step waits for. Past the last step, the lesson is finished.
    /// Returns whether it moved.
    @discardableResult
    public func next() -> Bool {
        guard let step = currentStep else {
            sayNoLesson()
            return false
        }
        if !isSatisfied {
            switch step.interaction {
            case .command:
                say(words(.waitsForCommand))
                return false
            case .question(let question):
                say(words(.waitsForAnswer, interpolate(question.text, line: question.line)))
                return false
            case .gate(let gate):
                guard holds(gate) else {
                    say(words(.notYet, interpolate(gate.meanwhile, line: gate.line)))
                    return false
                }
            case nil:
                break
            }
        }
        advance()
        return true
    }

    /// Goes back one step and shows it (its commands are not run again). Returns whether it moved.
    @discardableResult
    public func back() -> Bool {
        guard lesson != nil else {
            sayNoLesson()
            return false
        }
        guard stepIndex > 0 else {
            say(words(.firstStep))
            return false
        }
        arrive(at: stepIndex - 1, runCommands: false)
        return true
    }

    /// Shows the current step again (its commands are shown, not run).
    public func again() {
        guard lesson != nil else { return sayNoLesson() }
        show(stepIndex, runCommands: false)
    }

    /// Gives the current step's hint.
    public func hint() {
        guard let step = currentStep else { return sayNoLesson() }
        switch step.interaction {
        case nil:
            say(words(.nothingToDo))
        case .command(let task):
            if let hint = task.hint { say(words(.hint, interpolate(hint, line: task.line))) }
            say(words(.type, task.solution.joined(separator: "; ")))
        case .question(let question):
            if let hint = question.hint {
                say(words(.hint, interpolate(hint, line: question.line)))
            } else {
                say(words(.noHint))
            }
        case .gate(let gate):
            say(words(.hint, interpolate(gate.hint ?? gate.meanwhile, line: gate.line)))
            say(words(.skipRuns, gate.solution.joined(separator: "; ")))
        }
    }

    /// Does what the step waits for — runs a command's or gate's solution, or shows the answer —
    /// and goes on. A gate that still does not hold after its solution keeps the learner there
    /// (a second `skip` goes on anyway). Returns whether it moved.
    @discardableResult
    public func skip() -> Bool {
        guard let step = currentStep else {
            sayNoLesson()
            return false
        }
        if isSatisfied { return next() }
        switch step.interaction {
        case nil:
            break
        case .command(let task):
            guard runAll(task.solution, line: task.line) else {
                say(words(.solutionFailed))
                return false
            }
            satisfied = true
        case .question(let question):
            say(words(.theAnswer, question.expected.display(words)))
            satisfied = true
        case .gate(let gate):
            guard runAll(gate.solution, line: gate.line) else {
                say(words(.solutionFailed))
                return false
            }
            if !holds(gate) {
                if !skipRefused {
                    skipRefused = true
                    say(words(.gateStillFails, gate.condition))
                    return false
                }
                say(words(.goingOnAnyway, gate.condition))
            }
            satisfied = true
        }
        advance()
        return true
    }

    /// Says where the learner is: `hello, step 3 of 14: The output layer`, and what the step waits for.
    @discardableResult
    public func `where`() -> String {
        guard let lesson, let step = currentStep else {
            let text = words(.notInLessonWhere)
            say(text)
            return text
        }
        var text = words(.whereStep, lesson.name, String(stepIndex + 1), String(lesson.steps.count), step.title)
        if !isSatisfied {
            switch step.interaction {
            case .command: text += words(.whereCommand)
            case .question: text += words(.whereAnswer)
            case .gate(let gate): text += words(.whereGate, gate.condition)
            case nil: break
            }
        }
        say(text)
        return text
    }

    // MARK: - What the learner does

    /// Tells the player about a command the learner typed (not a lesson command such as `next`).
    /// A `do:` step is satisfied by an accepted command that succeeded; during a gate the player
    /// says once when the condition has come to hold.
    public func observe(command: String, succeeded: Bool) {
        guard let step = currentStep, !isSatisfied else { return }
        switch step.interaction {
        case .command(let task):
            guard succeeded, task.accepts(command) else { return }
            satisfied = true
            say(words(.commandAccepted))
        case .gate(let gate):
            guard !gateAnnounced, (try? executor.check(gate.condition)) == true else { return }
            gateAnnounced = true
            say(words(.gateHolds, gate.condition))
        default:
            return
        }
    }

    /// Answers the current question. Returns whether the answer is right; a wrong one gets the hint.
    @discardableResult
    public func answer(_ text: String) -> Bool {
        guard let step = currentStep, case .question(let question) = step.interaction else {
            say(words(.noQuestion))
            return false
        }
        if isSatisfied {
            say(words(.alreadyAnswered))
            return true
        }
        if question.expected.accepts(text, choices: question.choices) {
            satisfied = true
            if case .number = question.expected {
                say(words(.rightNumber, question.expected.display(words)))
            } else {
                say(words(.right))
            }
            return true
        }
        var reply = words(.wrong, question.expected.numericFeedback(on: text, words: words) ?? words(.notQuite))
        if let hint = question.hint {
            reply += words(.wrongHint, interpolate(hint, line: question.line))
        } else {
            reply += words(.tryAgain)
        }
        say(reply)
        return false
    }

    // MARK: - Showing steps

    /// Moves to step `index` and shows it.
    func arrive(at index: Int, runCommands: Bool) {
        stepIndex = index
        reached = max(reached, index)
        satisfied = false
        gateAnnounced = false
        skipRefused = false
        saveProgress()
        show(index, runCommands: runCommands)
    }

    /// Goes to the next step, or finishes the lesson after the last one.
    func advance() {
        guard let lesson else { return }
        if stepIndex + 1 < lesson.steps.count {
            arrive(at: stepIndex + 1, runCommands: true)
            return
        }
        reached = lesson.steps.count
        stepIndex = lesson.steps.count - 1
        saveProgress(finished: true)
        say(words(.finished, lesson.name))
        self.lesson = nil
    }

    /// Shows step `index`: heading, prose (interpolated) and commands (run, or shown only), then
    /// what the step waits for.
    func show(_ index: Int, runCommands: Bool) {
        guard let lesson, promptLabel != nil else { return }
        let step = lesson.steps[index]
        say(words(.stepHeader, lesson.name, String(index + 1), String(lesson.steps.count), step.title))
        for block in step.content {
            switch block {
            case .prose(let text, let line):
                say(interpolate(text, line: line))
            case .run(let command, let line):
                if runCommands || (rerunOnlyShowingCommands && executor.onlyShows(command)) {
                    sayCommand(command)
                    if !executor.execute(command, from: location(line)) {
                        fail(line: line, "the command `\(command)` failed")
                        if demo == nil { say(words(.commandFailedGoesOn)) }
                    }
                } else {
                    sayCommand(command + words(.notRunAgain))
                }
            case .check(let condition, let line):
                if runCommands { checkDemoCondition(condition, line: line) }
            }
        }
        let done = index < reached || satisfied
        switch step.interaction {
        case nil:
            say(words(index + 1 == lesson.steps.count ? .nextFinishes : .nextGoesOn))
        case _ where done:
            say(words(.doneAlready))
        case .command:
            say(words(.yourTurnCommand))
        case .question(let question):
            say("? " + interpolate(question.text, line: question.line))
            for choice in question.choices {
                say("   \(choice.letter)) " + interpolate(choice.text, line: question.line))
            }
            say(words(.yourTurnAnswer))
        case .gate(let gate):
            say("⏳ " + interpolate(gate.meanwhile, line: gate.line))
            say(words(.gateWaits, gate.condition))
        }
    }

    /// Replaces each `{{expression}}` by its value from the executor. A value that cannot be had
    /// shows as `[expression: problem]` (and fails a demo).
    func interpolate(_ text: String, line: Int) -> String {
        var lines: [String] = []
        for (offset, lineText) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let segments = try? Interpolation.parse(String(lineText)) else {
                lines.append(String(lineText))
                continue
            }
            var result = ""
            for segment in segments {
                switch segment {
                case .literal(let literal):
                    result += literal
                case .expression(let expression):
                    do {
                        result += try executor.value(of: expression, from: location(line + offset))
                    } catch {
                        result += "[\(expression): \(error)]"
                        fail(line: line + offset, "cannot show {{\(expression)}}: \(error)")
                    }
                }
            }
            lines.append(result)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Helpers

    /// Shows each command as typed and runs it; stops at the first that fails.
    func runAll(_ commands: [String], line: Int) -> Bool {
        for command in commands {
            sayCommand(command)
            guard executor.execute(command, from: location(line)) else {
                fail(line: line, "the solution command `\(command)` failed")
                return false
            }
        }
        return true
    }

    /// Whether a gate holds; a condition the shell does not understand is reported and counts as false.
    func holds(_ gate: Gate) -> Bool {
        do {
            return try executor.check(gate.condition)
        } catch {
            say(words(.cannotCheck, gate.condition, "\(error)"))
            fail(line: gate.line, "cannot check the gate \"\(gate.condition)\": \(error)")
            return false
        }
    }

    func say(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        demo?.transcript += line
        executor.present(line)
    }

    /// Shows `command` after the lesson's prompt, spaces as written (`c-code 5/8> sample …`).
    func sayCommand(_ command: String) {
        let line = "\(promptLabel ?? "")> \(command)\n"
        demo?.transcript += line
        executor.presentCommand(line)
    }

    func sayNoLesson() {
        say(words(.notInLesson))
    }

    func saveProgress(finished: Bool = false) {
        guard demo == nil, let lesson, progress != nil else { return }
        let before = progress?[lesson: lesson.name]
        progress?[lesson: lesson.name] = LessonProgress(
            step: stepIndex + 1, reached: min(reached + 1, lesson.steps.count),
            finished: finished || before?.finished == true)
        progress?.lastLesson = lesson.name
        do {
            try progress?.save()
        } catch {
            if !saveFailureReported { say("(\(error))") }
            saveFailureReported = true
        }
    }
}
