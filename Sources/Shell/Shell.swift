import Foundation
import Rendering
import Synchronization

/// The charrnn shell: a session and the read-eval loop over a `Console`.
///
/// The executable makes one, sets the console's completer to ``completer``, and calls
/// ``run(console:strict:)``:
///
///     let shell = Shell(pathCompleter: { pathCompletions(for: $0) })
///     var console = TerminalEnvironment.makeConsole(noColor: noColor)
///     console.completer = shell.completer
///     exit(shell.run(console: console, strict: strict))
public final class Shell {
    /// The state every command works on. Lessons run commands through ``Session/run(line:)``.
    public let session: Session
    private let context: CompletionContext

    /// A shell on the "hello" text with the default settings.
    /// - Parameters:
    ///   - corporaDirectory: where `shakespeare.txt` and the other texts are; nil looks for
    ///     `corpora/` in the current directory, beside the executable and above it, then in
    ///     `$CHARRNN_CORPORA`.
    ///   - pathCompleter: file-path candidates for a partial path (Terminal's `pathCompletions(for:)`),
    ///     offered after commands that take a file (corpus, load, save, run).
    public init(corporaDirectory: String? = nil, pathCompleter: @escaping @Sendable (String) -> [String] = { _ in [] }) {
        let library = CorpusLibrary.locate(corporaDirectory)
        session = Session(console: NullConsole(), library: library, pathCompleter: pathCompleter)
        context = CompletionContext(corpora: library.names, paths: pathCompleter)
    }

    /// Tab completion: (whole line, word being completed, the word's start offset in characters)
    /// -> candidates. Commands for the first word; then sub-commands, setting names and values,
    /// corpus names and, after commands that take a file, paths.
    public var completer: @Sendable (String, String, Int) -> [String] {
        let context = self.context
        return { line, word, start in CommandRegistry.complete(line: line, word: word, start: start, context: context) }
    }

    /// The prompt, coloured when the console allows, with escapes wrapped for readline.
    static func prompt(style: Style) -> String {
        readlineSafe(style.bold(style.cyan("charrnn>"))) + " "
    }

    /// Reads and runs commands until the input ends or `quit`.
    ///
    /// An interactive console gets a welcome; otherwise (a script, a pipe) each command is echoed
    /// (`charrnn> step`) before its output. With `strict`, the first failing command ends the run.
    /// Returns the exit status: 0, or 1 when `strict` stopped at an error.
    public func run(console: any Console, strict: Bool = false) -> Int32 {
        session.output.console = console
        let style = session.style
        if console.isInteractive {
            session.output.line(welcome(style: style))
        }
        var status: Int32 = 0
        while true {
            interruptRequested.store(false, ordering: .relaxed)
            session.collectFinishedJob()
            guard let line = console.readLine(prompt: Shell.prompt(style: style)) else { break }
            if !console.isInteractive, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                session.output.line(session.echo(line))
            }
            let ok = session.run(line: line)
            if !ok && strict {
                status = 1
                break
            }
            if session.quitRequested { break }
        }
        if let job = session.job {
            job.stopRequested.store(true, ordering: .relaxed)
            session.adopt(job)
        }
        return status
    }

    private func welcome(style: Style) -> String {
        """
        \(style.bold("charrnn")) — a character-level RNN you can step through, one number at a time.
        The text "hello" is loaded with a 3-unit RNN: type \(style.bold("step")) to watch it read 'h'.
        Type \(style.bold("lessons")) for guided lessons (start with hello), \(style.bold("help")) for every command; Tab completes.
        """
    }
}

/// `text` with every ANSI escape sequence wrapped in `\u{01}`…`\u{02}`, so readline does not
/// count the escape bytes as prompt columns. (Not an escape code of its own: it only marks them.)
func readlineSafe(_ text: String) -> String {
    var out = ""
    var inEscape = false
    for scalar in text.unicodeScalars {
        if scalar == "\u{1B}" && !inEscape {
            out.unicodeScalars.append("\u{01}")
            inEscape = true
        }
        out.unicodeScalars.append(scalar)
        if inEscape && scalar != "\u{1B}" && scalar != "[" && (0x40...0x7E).contains(scalar.value) {
            out.unicodeScalars.append("\u{02}")
            inEscape = false
        }
    }
    return out
}

/// A console that discards everything: the session's until `run(console:)` gives it a real one.
final class NullConsole: Console, @unchecked Sendable {
    func readLine(prompt: String) -> String? { nil }
    func write(_ text: String) {}
    func post(_ message: String) {}
    var isInteractive: Bool { false }
    var width: Int { 80 }
    var colorEnabled: Bool { false }
    var completer: (@Sendable (String, String, Int) -> [String])?
}
