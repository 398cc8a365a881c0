import Synchronization

/// Where the shell reads lines and writes text: a readline terminal, a pipe, or a test script.
///
/// The shell never prints: every command writes into an ``Output`` that forwards to the console.
/// Implementations: `Terminal.ReadlineConsole` (a TTY), `Terminal.PlainConsole` (a pipe or file),
/// and ``ScriptedConsole`` (tests).
public protocol Console: AnyObject {
    /// Reads one line, without its newline; `nil` at the end of input (Ctrl-D, end of file).
    /// Called on the shell's thread only.
    func readLine(prompt: String) -> String?
    /// Writes text as it is (the caller adds newlines). Called on the shell's thread only.
    func write(_ text: String)
    /// Posts a message from another thread (background training); the console shows it above the
    /// prompt at the next safe moment. Must be thread-safe.
    func post(_ message: String)
    /// True when a person is typing at a terminal (prompts are shown, history is kept).
    var isInteractive: Bool { get }
    /// Columns available for output.
    var width: Int { get }
    /// Whether ANSI colour may be used.
    var colorEnabled: Bool { get }
    /// The function Tab completion asks for candidates: (whole line, word being completed,
    /// start offset of that word in the line) -> candidates.
    var completer: (@Sendable (String, String, Int) -> [String])? { get set }
    /// Reads one line as ``readLine(prompt:)`` does, or says why a line was refused (too long).
    /// The default wraps ``readLine(prompt:)``.
    func readInput(prompt: String) -> ConsoleInput
    /// The script file the console reads (`charrnn run FILE`), or nil: in a script, Ctrl-C and a
    /// refused line stop the run, and the message names the file and line.
    var scriptName: String? { get }
    /// The number of the line last read (1 for the first), for messages about a script.
    var lineNumber: Int { get }
}

/// What a console read: a line, a line it refused, or the end of the input.
public enum ConsoleInput: Equatable, Sendable {
    /// A line, without its newline.
    case line(String)
    /// A line that could not be taken (`message` says why); with `endsInput`, nothing more can be read.
    case refused(message: String, endsInput: Bool)
    /// The end of the input.
    case end
}

extension Console {
    /// ``readLine(prompt:)``: a line, or the end.
    public func readInput(prompt: String) -> ConsoleInput { readLine(prompt: prompt).map { .line($0) } ?? .end }
    /// Not a script.
    public var scriptName: String? { nil }
    /// Not counted.
    public var lineNumber: Int { 0 }
}

/// Ctrl-C, seen by everything that runs long: the terminal's SIGINT handler raises it, and every
/// long loop (training, sampling, lesson demos) polls it at a safe point and stops there.
public let interruptRequested = Atomic<Bool>(false)

/// A console that replays lines from a script and captures everything written: the shell's tests.
public final class ScriptedConsole: Console, @unchecked Sendable {
    private var lines: [String]
    private let captured = Mutex<String>("")
    public let isInteractive: Bool
    public let width: Int
    public let colorEnabled: Bool
    public var completer: (@Sendable (String, String, Int) -> [String])?
    /// The prompts the shell asked with, in order.
    public private(set) var prompts: [String] = []

    public init(lines: [String], interactive: Bool = false, width: Int = 100, color: Bool = false) {
        self.lines = lines
        self.isInteractive = interactive
        self.width = width
        self.colorEnabled = color
    }

    public func readLine(prompt: String) -> String? {
        prompts.append(prompt)
        guard !lines.isEmpty else { return nil }
        return lines.removeFirst()
    }

    public func write(_ text: String) { captured.withLock { $0 += text } }
    public func post(_ message: String) { captured.withLock { $0 += message + "\n" } }

    /// Everything written so far.
    public var output: String { captured.withLock { $0 } }
}
