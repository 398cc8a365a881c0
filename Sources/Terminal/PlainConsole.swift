@preconcurrency import Glibc
import Shell
import Synchronization

/// The console for a pipe or a file: plain line reading, no prompt, no history, no colour.
///
/// Output is line-buffered with respect to posted messages: ``post(_:)`` prints at once when the
/// last output ended a line, and otherwise waits until the current line is finished, so a message
/// from a background job never splits a line of command output. Ctrl-C (when a terminal sends
/// it) only sets `interruptRequested`; see ``TerminalEnvironment/installInterruptHandler()``.
public final class PlainConsole: Console, Sendable {
    private struct State {
        var atLineStart = true
        var pending: [String] = []
    }
    private let state = Mutex(State())

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

    public init(colorEnabled: Bool = false) {
        self.colorEnabled = colorEnabled
    }

    /// Reads one line from stdin; the prompt is not shown. Messages still waiting are printed first.
    public func readLine(prompt: String) -> String? {
        state.withLock { st in
            if !st.pending.isEmpty {
                if !st.atLineStart { fputs("\n", stdout) }
                fputs(st.pending.joined(separator: "\n") + "\n", stdout)
                st.pending.removeAll()
                st.atLineStart = true
            }
            fflush(stdout)
        }
        return Swift.readLine(strippingNewline: true)
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
