import ArgumentParser

/// `charrnn` (the default): the interactive shell. Wired to the Shell target in the next step.
struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Open the teaching shell (the default).")
    @Flag(help: "No colours, whatever the terminal.") var noColor = false
    func run() throws { StandardStreams.error("the shell is not wired yet") ; throw ExitCode.failure }
}

/// `charrnn run FILE`: run shell commands from a file.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run shell commands from a file, echoing each.")
    @Argument(help: "The file of commands.") var file: String
    @Flag(help: "Stop at the first error with a non-zero status.") var strict = false
    func run() throws { StandardStreams.error("the shell is not wired yet"); throw ExitCode.failure }
}

/// `charrnn lesson NAME`: open the shell inside a lesson.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lesson", abstract: "Open the shell in a lesson (--demo plays it by itself).")
    @Argument(help: "The lesson's name.") var name: String
    @Flag(help: "Play the whole lesson without a learner, running each step's solution.") var demo = false
    func run() throws { StandardStreams.error("the shell is not wired yet"); throw ExitCode.failure }
}
