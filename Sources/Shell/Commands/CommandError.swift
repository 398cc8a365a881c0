/// Why a command refused to run. Every error is one line for the learner, shown as `error: …`,
/// and a command that throws has changed nothing.
struct CommandError: Error, Equatable, CustomStringConvertible {
    /// What went wrong and, where it helps, what to type instead.
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }

    /// A wrong number or shape of arguments: the usage line says what is expected.
    static func usage(_ usage: String) -> CommandError { CommandError("usage: \(usage)") }

    /// A model-changing command while background training runs.
    static let trainingRunning = CommandError(
        "training is running in the background: stop training first (stop)")
}
