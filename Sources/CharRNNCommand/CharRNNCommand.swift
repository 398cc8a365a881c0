// The `charrnn` executable: launch flags only. With no subcommand it opens the teaching shell;
// the batch subcommands (train, sample, eval, bench) are for scripts and for checking charrnn
// against other tools. No model code lives here: it calls the engine and the shell.

import ArgumentParser
import Terminal

@main
struct CharRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charrnn",
        abstract: "A literate teaching shell for character-level recurrent language models.",
        discussion: """
            With no subcommand, opens the shell (type 'lessons' to begin, 'help' for commands).
            Reads commands from standard input when it is not a terminal.
            """,
        subcommands: [
            ShellCommand.self, RunCommand.self, LessonCommand.self, TrainCommand.self, SampleCommand.self,
            EvalCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: ShellCommand.self)

    /// Ignores SIGXFSZ first (`ulimit -f`: writing past the limit is then an EFBIG error, not death),
    /// then parses the flags and runs the command.
    static func main() {
        TerminalEnvironment.ignoreFileSizeSignal()
        main(nil)
    }
}
