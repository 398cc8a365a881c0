/// Why a command refused to run. Every error is one line for the learner, shown as `error: …`,
/// and a command that throws has changed nothing.
struct CommandError: Error, Equatable, CustomStringConvertible {
    /// What went wrong and, where it helps, what to type instead (in English).
    let message: String
    /// The same message in the learner's language, for the errors the shell has words for
    /// (``ShellWords``); nil for the others, which are English only.
    let said: (@Sendable (ShellWords) -> String)?

    init(_ message: String) {
        self.message = message
        said = nil
    }

    /// An error in the shell's words: `CommandError { $0(.noStepsYet) }`.
    init(_ said: @escaping @Sendable (ShellWords) -> String) {
        self.message = said(ShellWords(.english))
        self.said = said
    }

    var description: String { message }

    /// The message in `words`' language (English when the shell has no words for it).
    func message(in words: ShellWords) -> String { said?(words) ?? message }

    static func == (a: CommandError, b: CommandError) -> Bool { a.message == b.message }

    /// A wrong number or shape of arguments: the usage line says what is expected.
    static func usage(_ usage: String) -> CommandError { CommandError { $0(.usage, usage) } }

    /// A model-changing command while background training runs.
    static let trainingRunning = CommandError { $0(.trainingRunning) }
}
