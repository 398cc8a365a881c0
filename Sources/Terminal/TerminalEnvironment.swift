@preconcurrency import CReadline
@preconcurrency import Glibc
import Shell
import Synchronization

/// Decisions about the terminal that the rest of the program needs: colour, width, which console,
/// and Ctrl-C. The rules are pure functions so they can be tested without a terminal.
public enum TerminalEnvironment {
    /// Colour is used only when stdout is a terminal, `NO_COLOR` is unset or empty
    /// (https://no-color.org), `TERM` is not `dumb`, and `--no-color` was not given.
    public static func colorEnabled(
        stdoutIsTTY: Bool, environment: [String: String], noColorFlag: Bool
    ) -> Bool {
        guard stdoutIsTTY, !noColorFlag else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return true
    }

    /// Width for output: the terminal's columns if known, else a positive integer in
    /// `columnsVariable` (the value of `COLUMNS`), else `fallback`.
    public static func width(terminalColumns: Int?, columnsVariable: String?, fallback: Int) -> Int {
        if let columns = terminalColumns, columns > 0 { return columns }
        if let text = columnsVariable?.trimmingSpaces, let columns = Int(text), columns > 0 { return columns }
        return fallback
    }

    /// The value of an environment variable.
    public static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Columns of the terminal on `fd` (`ioctl(TIOCGWINSZ)`), or `nil` when it is not a terminal.
    public static func terminalColumns(fd: Int32 = STDOUT_FILENO) -> Int? {
        let columns = Int(charrnn_terminal_columns(fd))
        return columns > 0 ? columns : nil
    }

    /// The process environment as a dictionary.
    public static var processEnvironment: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    /// Whether a person is at the keyboard and sees the screen: stdin and stdout are both terminals.
    public static var isInteractiveTerminal: Bool {
        isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
    }

    /// The console for this process: ``ReadlineConsole`` when stdin and stdout are both terminals
    /// (history in `historyPath`, by default `~/.charrnn_history`), ``PlainConsole`` otherwise.
    /// Installs the SIGINT handler (``installInterruptHandler()``).
    public static func makeConsole(noColor: Bool, historyPath: String = "~/.charrnn_history") -> any Console {
        installInterruptHandler()
        let environment = processEnvironment
        if isInteractiveTerminal {
            let color = colorEnabled(stdoutIsTTY: true, environment: environment, noColorFlag: noColor)
            return ReadlineConsole(historyPath: historyPath, colorEnabled: color)
        }
        return PlainConsole()
    }

    /// Ignores SIGXFSZ, so that writing past `ulimit -f` fails with `EFBIG` (an error the caller
    /// reports) instead of killing the process and losing the session.
    public static func ignoreFileSizeSignal() {
        signal(SIGXFSZ, SIG_IGN)
    }

    /// Installs the SIGINT handler (idempotent). Ctrl-C sets `interruptRequested`, which long
    /// commands poll; at the readline prompt it clears the line instead (see ``ReadlineConsole``).
    ///
    /// Escape hatch: when Ctrl-C comes a second time within one second while the first is still
    /// unanswered (the flag is still set, so the running command is not polling it) and no
    /// readline prompt is active, the process writes a line to stderr and exits with status 130.
    /// History is already on disk (it is written after every line).
    public static func installInterruptHandler() {
        guard !handlerInstalled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = sigintHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}

private let handlerInstalled = Atomic<Bool>(false)
/// Set by SIGINT for the readline prompt; separate from `interruptRequested` so that a background
/// job polling `interruptRequested` cannot swallow the prompt's Ctrl-C.
let promptInterrupt = Atomic<Bool>(false)
/// True while `readline()` runs (set and cleared on the shell's thread).
let readlineActive = Atomic<Bool>(false)
/// Monotonic time of the last SIGINT, in nanoseconds.
private let lastInterruptNanos = Atomic<Int64>(0)

private func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// The SIGINT handler: only atomics, `clock_gettime`, `write` and `_exit` (async-signal-safe).
private let sigintHandler: @convention(c) (Int32) -> Void = { _ in
    let now = monotonicNanos()
    let previous = lastInterruptNanos.exchange(now, ordering: .relaxed)
    if interruptRequested.load(ordering: .relaxed), !readlineActive.load(ordering: .relaxed),
        now - previous < 1_000_000_000
    {
        let message: StaticString = "\ninterrupted twice: leaving\n"
        message.withUTF8Buffer { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
        _exit(130)
    }
    interruptRequested.store(true, ordering: .relaxed)
    promptInterrupt.store(true, ordering: .relaxed)
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
