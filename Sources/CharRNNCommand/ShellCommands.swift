@preconcurrency import Glibc
import ArgumentParser
import Foundation
import CharRNN
import Lessons
import Shell
import Terminal

/// Options every way into the shell shares.
struct ShellOptions: ParsableArguments {
    @Flag(help: "No colours, whatever the terminal (NO_COLOR and TERM=dumb also turn them off).") var noColor = false
    @Option(help: "Where the corpora are (default: ./corpora, beside the executable, or $CHARRNN_CORPORA).") var corpora: String?
    @Option(
        help: "Play the lessons of this folder instead of the built-in ones (default: the installation's lessons/, or $CHARRNN_LESSONS)."
    )
    var lessons: String?
    @Option(help: "The lessons' language: ko or en (default: from LC_ALL, LC_MESSAGES or LANG; ko_* is Korean).")
    var lang: String?

    func validate() throws {
        if let lang, LessonLanguage(code: lang) == nil { throw ValidationError("--lang must be ko or en, not '\(lang)'") }
    }

    /// The lessons' language: `--lang`, else the locale's.
    var language: LessonLanguage {
        lang.flatMap(LessonLanguage.init(code:)) ?? LessonLanguage.fromLocale(ProcessInfo.processInfo.environment)
    }

    /// A shell with Tab completion of paths.
    func makeShell() -> Shell {
        Shell(corporaDirectory: corpora, lessonsDirectory: lessons, language: language, pathCompleter: { pathCompletions(for: $0) })
    }

    /// The console for standard input: readline on a terminal, plain lines otherwise.
    func makeConsole(shell: Shell) -> any Console {
        let console = TerminalEnvironment.makeConsole(noColor: noColor)
        console.completer = shell.completer
        return console
    }
}

/// `charrnn` (the default): the interactive shell, or commands from standard input when it is not a terminal.
struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Open the teaching shell (the default). Reads commands from stdin when it is not a terminal.")
    @OptionGroup var options: ShellOptions
    @Flag(help: "With commands from a pipe or file: stop at the first error with a non-zero status.") var strict = false

    func run() throws {
        let shell = options.makeShell()
        let status = shell.run(console: options.makeConsole(shell: shell), strict: strict)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `charrnn run FILE`: shell commands from a file, each echoed before its output.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run shell commands from a file, echoing each before its output.")
    @Argument(help: "The file of commands, one per line.", completion: .file()) var file: String
    @Flag(help: "Stop at the first error with a non-zero status.") var strict = false
    @OptionGroup var options: ShellOptions

    func run() throws {
        // Only a regular file (a FIFO would block, a device or /dev/zero never ends); the plain
        // console reads it line by line, and stops it at Ctrl-C or a line longer than 64 KiB.
        let descriptor: Int32
        do { descriptor = try TextFile.openRegular(file).descriptor } catch {
            StandardStreams.error("error: \(error)")
            throw ExitCode.failure
        }
        let shell = options.makeShell()
        TerminalEnvironment.installInterruptHandler()
        let console = PlainConsole(colorEnabled: false, input: descriptor, scriptName: file)
        console.completer = shell.completer
        let status = shell.run(console: console, strict: strict)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `charrnn lesson NAME`: the shell, inside a lesson; `--demo` plays it by itself and exits.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson", abstract: "Open the shell in a lesson (--demo plays it to the end by itself).")
    @Argument(help: "The lesson's name (the shell's 'lessons' lists them).") var name: String
    @Flag(help: "Play the whole lesson without a learner, running each step's solution; exit 0 at the end.") var demo = false
    @Option(help: "With --demo: the seed setting (set seed N) before the lesson's first command.") var seed: UInt64?
    @OptionGroup var options: ShellOptions

    func validate() throws {
        if seed != nil && !demo { throw ValidationError("--seed goes with --demo (in a lesson, type set seed N)") }
        if let seed, seed > UInt64(Int.max) { throw ValidationError("--seed must be at most 2^63 − 1") }
    }

    func run() throws {
        let shell = options.makeShell()
        let console = options.makeConsole(shell: shell)
        let status =
            demo ? shell.playDemo(lesson: name, console: console, seed: seed) : shell.run(console: console, lesson: name)
        if status != 0 { throw ExitCode(status) }
    }
}
