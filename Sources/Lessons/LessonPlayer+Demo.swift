// MARK: - Demo: a lesson plays itself

/// The outcome of ``LessonPlayer/playDemo(_:shouldStop:)``.
public struct DemoResult: Sendable, Equatable {
    /// The lesson's name.
    public let lesson: String
    /// Everything the player showed (commands as typed; their output went to the shell).
    public let transcript: String
    /// The first failure, or `nil` when every step played and every gate held.
    public let failure: DemoFailure?

    /// Whether the lesson played to its end.
    public var succeeded: Bool { failure == nil }
}

/// Why a demo stopped: `lessons/hello.md:88: the gate "predicts e l l o" does not hold after its solution`.
public struct DemoFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lesson file.
    public let file: String
    /// The line of the step part that failed.
    public let line: Int
    /// What went wrong.
    public let message: String

    /// `FILE:LINE: message`.
    public var description: String { "\(file):\(line): \(message)" }
}

/// A demo's transcript and first failure, while it plays.
struct DemoState {
    var transcript = ""
    var failure: DemoFailure?
}

extension LessonPlayer {
    /// Plays every step of `lesson` without a learner: shows each step and runs its commands,
    /// runs each `do:` solution (which must be accepted), answers each question with its answer,
    /// runs each gate's solution and checks that the gate then holds. Stops at the first failure
    /// (a command that fails, a value that cannot be shown, a gate that does not hold) or when
    /// `shouldStop` returns true (Ctrl-C). Progress is not touched; a lesson being played is
    /// left and taken up again afterwards.
    ///
    /// `setup` commands run first, before the lesson's first command (`set seed 3` for
    /// `charrnn lesson NAME --demo --seed 3`); one that fails fails the demo.
    public func playDemo(_ lesson: Lesson, setup: [String] = [], shouldStop: () -> Bool = { false }) -> DemoResult {
        let saved = (self.lesson, stepIndex, reached, satisfied)
        defer { (self.lesson, stepIndex, reached, satisfied) = saved }
        demo = DemoState()
        defer { demo = nil }

        self.lesson = lesson
        reached = 0
        say(words(.demoOf, lesson.name, lesson.title))
        for command in setup {
            sayCommand(command)
            if !executor.execute(command) { fail(line: 0, "the setup command `\(command)` failed") }
        }
        arrive(at: 0, runCommands: true)
        while demo?.failure == nil, let step = currentStep {
            if shouldStop() {
                fail(line: step.line, "stopped (interrupted)")
                break
            }
            switch step.interaction {
            case nil:
                break
            case .command(let task):
                for command in task.solution {
                    sayCommand(command)
                    let succeeded = executor.execute(command, from: location(task.line))
                    if !succeeded { fail(line: task.line, "the solution command `\(command)` failed") }
                    observe(command: command, succeeded: succeeded)
                }
                if demo?.failure == nil, !satisfied {
                    fail(line: task.line, "the solution \(task.solution) does not satisfy the do: step")
                }
            case .question(let question):
                let typed = question.expected.solutionText
                sayCommand("answer \(typed)")
                if !answer(typed) { fail(line: question.line, "the answer \"\(typed)\" is not accepted") }
            case .gate(let gate):
                if runAll(gate.solution, line: gate.line), !holds(gate), demo?.failure == nil {
                    fail(
                        line: gate.line,
                        "the gate \"\(gate.condition)\" does not hold after its solution "
                            + "(\(gate.solution.joined(separator: "; ")))")
                }
                satisfied = demo?.failure == nil
            }
            guard demo?.failure == nil else { break }
            if !next() { fail(line: step.line, "the lesson did not go on after step \(stepIndex + 1)") }
        }
        let failure = demo?.failure
        if let failure {
            say("Demo of \(lesson.name) failed: \(failure)")
        } else {
            say("Demo of \(lesson.name): all \(lesson.steps.count) steps played, every gate held.")
        }
        return DemoResult(lesson: lesson.name, transcript: demo?.transcript ?? "", failure: failure)
    }

    /// A `check:` line: in a demo, the condition must hold here (else the demo fails with the
    /// file and line); outside a demo nothing is checked or shown.
    func checkDemoCondition(_ condition: String, line: Int) {
        guard demo != nil, demo?.failure == nil else { return }
        do {
            if try !executor.check(condition) { fail(line: line, "the check \"\(condition)\" does not hold") }
        } catch {
            fail(line: line, "the check \"\(condition)\" cannot be evaluated: \(error)")
        }
    }

    /// Records a demo failure (the first one counts); does nothing outside a demo.
    func fail(line: Int, _ message: String) {
        guard demo != nil, demo?.failure == nil, let lesson else { return }
        demo?.failure = DemoFailure(file: lesson.file, line: line, message: message)
    }
}
