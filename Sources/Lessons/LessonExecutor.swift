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
    /// Evaluates a gate condition (`predicts e l l o`, `loss below 0.5`).
    /// Throws, with a message naming the problem, when the condition text is not understood.
    func check(_ condition: String) throws -> Bool
    /// The value of an interpolation expression (`loss`, `h 1`) as the text to show.
    /// Throws when the expression is not understood or has no value yet.
    func value(of expression: String) throws -> String
    /// Shows lesson text (prose, questions, feedback) where command output goes, so that the
    /// two interleave in order. The text is whole lines, each ending with a newline; write it as is.
    func present(_ text: String)
}
