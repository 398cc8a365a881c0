/// What a lesson needs from the shell: run commands, evaluate conditions and values, and show text.
///
/// The `Lessons` target knows no command, condition or value: they are opaque strings that the
/// shell defines (its `help lessons` lists the conditions and values it understands).
///
/// The player holds its executor strongly; the shell usually conforms its session object.
public protocol LessonExecutor: AnyObject {
    /// Runs a shell command as if the learner had typed it; returns whether it succeeded.
    /// Output goes wherever the shell sends it. The player has already shown the command
    /// (`hello 3/14> show h 1`), so the shell must not echo it again.
    func execute(_ command: String) -> Bool
    /// Runs a command written at `location` of a lesson file. The shell checks it there (a lesson
    /// may not write outside its work folder) and names the file and line when it refuses.
    /// By default: ``execute(_:)``.
    func execute(_ command: String, from location: LessonLocation) -> Bool
    /// Evaluates a gate condition (`predicts e l l o`, `loss below 0.5`).
    /// Throws, with a message naming the problem, when the condition text is not understood.
    func check(_ condition: String) throws -> Bool
    /// The value of an interpolation expression (`loss`, `h 1`) as the text to show.
    /// Throws when the expression is not understood or has no value yet.
    func value(of expression: String) throws -> String
    /// The value of an expression written at `location` of a lesson file (by default: ``value(of:)``).
    func value(of expression: String, from location: LessonLocation) throws -> String
    /// Shows lesson text (prose, questions, feedback) where command output goes, so that the
    /// two interleave in order. The text is whole lines, each ending with a newline; write it as is.
    func present(_ text: String)
    /// Shows a command line as the learner would have typed it (`c-code 5/8> sample --prime "   /* "`):
    /// unlike prose it is not reflowed, so its spaces stay as written. By default: ``present(_:)``.
    func presentCommand(_ text: String)
    /// Whether `command` only shows (a sample, a plot, a value) and changes nothing the lesson
    /// keeps: such commands run again when a lesson resumes on the workspace the learner left,
    /// where the others are only shown. By default: no command.
    func onlyShows(_ command: String) -> Bool
}

extension LessonExecutor {
    /// Shows the command line as ``present(_:)`` does.
    public func presentCommand(_ text: String) { present(text) }
    /// Runs the command as ``execute(_:)`` does.
    public func execute(_ command: String, from location: LessonLocation) -> Bool { execute(command) }
    /// Evaluates the expression as ``value(of:)`` does.
    public func value(of expression: String, from location: LessonLocation) throws -> String { try value(of: expression) }
    /// No command is known to only show.
    public func onlyShows(_ command: String) -> Bool { false }
}

/// Where a command or value is written in a lesson file: `lessons/05-bptt.md:83`.
public struct LessonLocation: Sendable, Equatable, CustomStringConvertible {
    /// The lesson file, as the catalog found it.
    public let file: String
    /// The 1-based line.
    public let line: Int

    /// Creates a location.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `FILE:LINE`.
    public var description: String { "\(file):\(line)" }
}

extension LessonPlayer {
    /// The place `line` of the lesson being played (or demonstrated).
    func location(_ line: Int) -> LessonLocation {
        LessonLocation(file: lesson?.file ?? "lesson", line: line)
    }
}
