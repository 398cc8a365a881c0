@preconcurrency import Glibc
import Rendering
import Shell
import Synchronization

/// The console for a pipe or a file: plain line reading, no prompt, no history, no colour.
///
/// Output is line-buffered with respect to posted messages: ``post(_:)`` prints at once when the
/// last output ended a line, and otherwise waits until the current line is finished, so a message
/// from a background job never splits a line of command output. Ctrl-C (when a terminal sends
/// it) only sets `interruptRequested`; see ``TerminalEnvironment/installInterruptHandler()``.
///
/// Lines are read with a ``LineReader`` (bounded chunks, at most 64 KiB a line; a read interrupted
/// by Ctrl-C is retried, so the rest of the input is still read). A Ctrl-C while waiting for a line
/// was for no command: it is cleared before the line is handed over.
public final class PlainConsole: Console, Sendable {
    private struct State {
        var atLineStart = true
        var pending: [String] = []
    }
    private let state = Mutex(State())
    private let reader: Mutex<LineReader>

    /// The script being read (`charrnn run FILE`), or nil for a pipe.
    public let scriptName: String?

    /// The number of the last line read.
    public var lineNumber: Int { reader.withLock { $0.lineNumber } }

    public let colorEnabled: Bool
    public var isInteractive: Bool { false }

    /// The terminal's columns when stdout is a terminal (input piped in, output on screen; read on
    /// every call, so it follows resizes), else `COLUMNS` if it is a positive integer, else 80.
    public var width: Int {
        TerminalEnvironment.width(
            terminalColumns: TerminalEnvironment.terminalColumns(),
            columnsVariable: TerminalEnvironment.variable("COLUMNS"), fallback: 80)
    }

    /// Ignored: there is no Tab without a terminal. Kept so the shell can set it unconditionally.
    public var completer: (@Sendable (String, String, Int) -> [String])? {
        get { nil }
        set {}
    }

    /// A console reading the descriptor `input` (0, standard input, by default); `scriptName` names the file when the
    /// input is a script (`charrnn run FILE`).
    public init(
        colorEnabled: Bool = false, input: Int32 = 0, scriptName: String? = nil,
        maximumLineBytes: Int = LineReader.defaultMaximumLineBytes
    ) {
        self.colorEnabled = colorEnabled
        self.scriptName = scriptName
        self.reader = Mutex(LineReader(descriptor: input, maximumLineBytes: maximumLineBytes))
    }

    /// Reads one line; the prompt is not shown. A refused (too long) line is skipped: use
    /// ``readInput(prompt:)`` to hear about it.
    public func readLine(prompt: String) -> String? {
        while true {
            switch readInput(prompt: prompt) {
            case .line(let line): return line
            case .refused(_, let endsInput): if endsInput { return nil }
            case .end: return nil
            }
        }
    }

    /// Reads one line; the prompt is not shown. Messages still waiting are printed first.
    public func readInput(prompt: String) -> ConsoleInput {
        flushPending()
        let item = reader.withLock { $0.next() }
        if scriptName == nil { interruptRequested.store(false, ordering: .relaxed) }
        switch item {
        case .line(let line): return .line(line)
        case .end: return .end
        case .tooLong(let number, let binary):
            // A pipe skips the line and goes on; a script stops there; NUL bytes only: nothing more is read.
            let limit = reader.withLock { $0.maximumLineBytes }
            let what = "line \(number) is longer than \(limit) bytes" + (binary ? " (only NUL bytes: not a text)" : "")
            if let scriptName {
                return .refused(message: "\(safeText(scriptName)): \(what); the script stopped there", endsInput: true)
            }
            return .refused(
                message: what + (binary ? "; the rest of the input is ignored" : "; it was skipped"), endsInput: binary)
        }
    }

    private func flushPending() {
        state.withLock { st in
            if !st.pending.isEmpty {
                if !st.atLineStart { fputs("\n", stdout) }
                fputs(st.pending.joined(separator: "\n") + "\n", stdout)
                st.pending.removeAll()
                st.atLineStart = true
            }
            fflush(stdout)
        }
    }

    public func write(_ text: String) {
        guard !text.isEmpty else { return }
        state.withLock { st in
            fputs(text, stdout)
            st.atLineStart = text.hasSuffix("\n")
            if st.atLineStart, !st.pending.isEmpty {
                fputs(st.pending.joined(separator: "\n") + "\n", stdout)
                st.pending.removeAll()
            }
            fflush(stdout)
        }
    }

    public func post(_ message: String) {
        let text = message.hasSuffix("\n") ? String(message.dropLast()) : message
        state.withLock { st in
            if st.atLineStart {
                fputs(text + "\n", stdout)
                fflush(stdout)
            } else {
                st.pending.append(text)
            }
        }
    }
}
