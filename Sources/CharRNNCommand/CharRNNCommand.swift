// The `charrnn` executable: launch flags only. With no subcommand it opens the teaching shell;
// the batch subcommands (train, sample, eval, bench) are for scripts and for checking charrnn
// against other tools. No model code lives here: it calls the engine and the shell.

import ArgumentParser
@preconcurrency import Glibc
import Terminal

@main
struct CharRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charrnn",
        abstract: "A literate teaching shell for character-level recurrent language models.",
        discussion: """
            With no subcommand, opens the shell (type 'lessons' to begin, 'help' for commands). \
            Reads commands from standard input when it is not a terminal.
            """,
        subcommands: [
            ShellCommand.self, RunCommand.self, LessonCommand.self, TrainCommand.self, SampleCommand.self,
            EvalCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: ShellCommand.self)

    /// Parses and runs the command, then tells the truth about standard output: when any of it
    /// could not be written (closed, or a full disk), one line on standard error and status 1.
    /// SIGXFSZ is ignored first (`ulimit -f`: writing past the limit is then an EFBIG error, not death).
    static func main() {
        TerminalEnvironment.ignoreFileSizeSignal()
        StandardStreams.protectClosedDescriptors()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            exit(withError: error)
        }
        if let failure = StandardStreams.finalOutputFailure() {
            StandardStreams.error("error: could not write the output: \(failure)")
            Glibc.exit(1)
        }
    }
}
