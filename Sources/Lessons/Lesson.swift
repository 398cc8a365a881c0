// A lesson as data: what the parser produces and the player plays.
//
// A lesson file (`lessons/NAME.md`) is a title, a one-line summary and a sequence of steps; each
// step is a `## Title` section holding prose, commands to run (`$ command`) and at most one thing
// the step waits for (`do:`, `ask:` or `gate:`). The format is documented in `lessons/README.md`.

/// One lesson, parsed from one file.
public struct Lesson: Sendable, Equatable {
    /// The name the learner types (`lesson hello`): the file name without its extension and
    /// without an ordering prefix such as `01-`.
    public let name: String
    /// The file the lesson came from, as given to the parser (used in error messages).
    public let file: String
    /// The text of the `# Title` line.
    public let title: String
    /// The one-line summary that follows the title (listed by `lessons`).
    public let summary: String
    /// The steps, in order; never empty.
    public let steps: [Step]

    /// Creates a lesson from its parts.
    public init(name: String, file: String, title: String, summary: String, steps: [Step]) {
        self.name = name
        self.file = file
        self.title = title
        self.summary = summary
        self.steps = steps
    }
}

/// One step of a lesson: a `## Title` section.
public struct Step: Sendable, Equatable {
    /// What a step is, following from what it contains.
    public enum Kind: String, Sendable, Equatable {
        /// Only prose: the lesson goes on at `next`.
        case prose
        /// Prose and commands run for the learner; goes on at `next`.
        case run
        /// Waits until the learner types an accepted command.
        case `do`
        /// Waits for the right answer to a question.
        case ask
        /// Waits until a condition over the session holds.
        case gate
    }

    /// The heading text.
    public let title: String
    /// The line of the `## Title` heading.
    public let line: Int
    /// Prose and commands, in the order they appear; shown (and run) when the learner arrives.
    public let content: [Block]
    /// What the step waits for, if anything; always after the content.
    public let interaction: Interaction?

    /// Creates a step from its parts.
    public init(title: String, line: Int, content: [Block], interaction: Interaction?) {
        self.title = title
        self.line = line
        self.content = content
        self.interaction = interaction
    }

    /// The step's kind: the kind of its interaction, or `run` / `prose` for a step that waits for nothing.
    public var kind: Kind {
        switch interaction {
        case .command: return .do
        case .question: return .ask
        case .gate: return .gate
        case nil:
            return content.contains { if case .run = $0 { true } else { false } } ? .run : .prose
        }
    }
}

/// A piece of a step shown when the learner arrives.
public enum Block: Sendable, Equatable {
    /// Text to show; may contain `{{expression}}` interpolations. `line` is the line it starts on.
    case prose(String, line: Int)
    /// A command run for the learner, shown as if typed at the prompt (`$ command` in the file).
    case run(String, line: Int)
    /// A condition the demo checks at this point of the step (`check: CONDITION` in the file),
    /// shown to nobody: it backs a claim the prose makes about what the learner sees.
    case check(String, line: Int)
}

/// What a step waits for.
public enum Interaction: Sendable, Equatable {
    /// `do:` — the learner types one of the accepted commands.
    case command(CommandTask)
    /// `ask:` — the learner answers a question.
    case question(Question)
    /// `gate:` — a condition over the session must hold.
    case gate(Gate)
}

/// A `do:` step: the commands that count, and what to run when the learner skips.
public struct CommandTask: Sendable, Equatable {
    /// Accepted command patterns; any one typed (and succeeding) satisfies the step.
    public let patterns: [CommandPattern]
    /// Commands run by `skip` and by the demo; the first is accepted by `patterns`.
    public let solution: [String]
    /// Shown by `hint`.
    public let hint: String?
    /// The line of `do:`.
    public let line: Int

    /// Creates a `do:` task.
    public init(patterns: [CommandPattern], solution: [String], hint: String?, line: Int) {
        self.patterns = patterns
        self.solution = solution
        self.hint = hint
        self.line = line
    }

    /// Whether a typed command is one of the accepted ones.
    public func accepts(_ command: String) -> Bool {
        patterns.contains { $0.matches(command) }
    }
}

/// An `ask:` step: a question, its expected answer and a hint.
public struct Question: Sendable, Equatable {
    /// The question; may contain interpolations.
    public let text: String
    /// For a multiple-choice question, the choices in order (`a) ...`); empty otherwise.
    public let choices: [Choice]
    /// The right answer.
    public let expected: ExpectedAnswer
    /// Shown after a wrong answer and by `hint`.
    public let hint: String?
    /// The line of `ask:`.
    public let line: Int

    /// Creates a question.
    public init(text: String, choices: [Choice], expected: ExpectedAnswer, hint: String?, line: Int) {
        self.text = text
        self.choices = choices
        self.expected = expected
        self.hint = hint
        self.line = line
    }
}

/// One choice of a multiple-choice question.
public struct Choice: Sendable, Equatable {
    /// The letter the learner types (`a`, `b`, ...), lowercase.
    public let letter: Character
    /// The text of the choice.
    public let text: String

    /// Creates a choice.
    public init(letter: Character, text: String) {
        self.letter = letter
        self.text = text
    }
}

/// A `gate:` step: a condition the shell evaluates, what to do meanwhile, and what makes it hold.
public struct Gate: Sendable, Equatable {
    /// The condition, opaque to this target: the shell's ``LessonExecutor/check(_:)`` evaluates it.
    public let condition: String
    /// Tells the learner what to do while the lesson waits.
    public let meanwhile: String
    /// Commands that make the condition hold, run by `skip` and by the demo.
    public let solution: [String]
    /// Shown by `hint` (defaults to the `meanwhile` text).
    public let hint: String?
    /// The line of `gate:`.
    public let line: Int

    /// Creates a gate.
    public init(condition: String, meanwhile: String, solution: [String], hint: String?, line: Int) {
        self.condition = condition
        self.meanwhile = meanwhile
        self.solution = solution
        self.hint = hint
        self.line = line
    }
}
