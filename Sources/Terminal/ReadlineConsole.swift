@preconcurrency import CReadline
@preconcurrency import Glibc
import Shell
import Synchronization

/// The console on a terminal (stdin and stdout both TTYs): GNU readline with a bounded history
/// file, Tab completion through ``completer``, Ctrl-C, and background messages shown above the
/// prompt.
///
/// Readline is process-global, so there is at most one `ReadlineConsole` per process, and all of
/// its methods except ``post(_:)`` must be called from one thread (the shell's).
///
/// How it works (design 2a of notes/readline-background.md): `readline()` blocks; while it waits
/// for keys it calls `rl_event_hook` every 50 ms. The hook runs on the shell's thread and
/// - after Ctrl-C (the SIGINT handler only sets a flag) ends the line with `rl_done = 1`; the line
///   is thrown away and a fresh prompt is shown;
/// - takes every message ``post(_:)`` queued and prints the batch above the prompt with one
///   redraw (`rl_clear_visible_line`, print, `rl_on_new_line`, `rl_redisplay`).
/// Messages posted while no `readline()` runs are printed when ``readLine(prompt:)`` is next called,
/// before the prompt. Ctrl-C while a command runs sets `interruptRequested`; it is cleared before
/// each prompt.
public final class ReadlineConsole: Console, @unchecked Sendable {
    /// The history file as given (a leading `~` means `$HOME`).
    public let historyPath: String
    /// The most lines kept, in memory and in the file.
    public let historyLimit: Int
    public let colorEnabled: Bool
    public var isInteractive: Bool { true }

    /// Terminal columns (`ioctl(TIOCGWINSZ)` on stdout, read on every call, so it follows resizes),
    /// else `COLUMNS`, else 80.
    public var width: Int {
        TerminalEnvironment.width(
            terminalColumns: TerminalEnvironment.terminalColumns(),
            columnsVariable: TerminalEnvironment.variable("COLUMNS"), fallback: 80)
    }

    /// Tab completion: (whole line, word being completed, start of the word as a Character offset
    /// in the line) -> candidates. Candidates that do not start with the word are ignored. A
    /// single candidate gets a space after it unless it ends in `/` (a directory). Files are never
    /// offered unless the completer returns them (see ``pathCompletions(for:relativeTo:)``).
    public var completer: (@Sendable (String, String, Int) -> [String])? {
        get { currentCompleter.withLock { $0 } }
        set { currentCompleter.withLock { $0 = newValue } }
    }

    /// Sets up readline (name `charrnn`, so `~/.inputrc` can say `$if charrnn`), loads the history
    /// and installs the SIGINT handler. Traps if a `ReadlineConsole` already exists.
    public init(historyPath: String, historyLimit: Int = 1000, colorEnabled: Bool) {
        precondition(
            !consoleExists.exchange(true, ordering: .acquiringAndReleasing),
            "only one ReadlineConsole per process: readline's state is global")
        self.historyPath = historyPath
        self.historyLimit = historyLimit
        self.colorEnabled = colorEnabled

        rl_readline_name = UnsafePointer(strdup("charrnn"))  // one deliberate leak
        _ = rl_initialize()  // reads ~/.inputrc now, so the settings below win
        // Our event hook prints `^C` at the end of the line instead of readline at the cursor.
        _ = rl_variable_bind("echo-control-characters", "off")
        if isatty(STDOUT_FILENO) == 0 {
            _ = rl_variable_bind("enable-bracketed-paste", "off")
        }
        rl_attempted_completion_function = attemptedCompletion
        rl_event_hook = eventHook
        rl_signal_event_hook = signalEventHook
        _ = rl_set_keyboard_input_timeout(50_000)
        if let problem = ReadlineHistory.fileProblem(historyPath) {
            // Not a file we may open (a FIFO would block every command): the history stays in memory.
            // (ReadlineHistory's functions check it again each time and leave it alone.)
            fputs("warning: the history file \(historyPath) \(problem); history is not saved this session\n", stderr)
        }
        ReadlineHistory.load(from: historyPath, limit: historyLimit)
        TerminalEnvironment.installInterruptHandler()
    }

    deinit { saveHistory() }

    /// Reads a line with readline. Ctrl-C discards the line and asks again; Ctrl-D on an empty
    /// line prints a newline, saves the history and returns `nil`. Non-blank lines (other than a
    /// repeat of the previous one) go to the history and its file at once.
    public func readLine(prompt: String) -> String? {
        let shownPrompt = promptMarkers(prompt)
        while true {
            // A Ctrl-C pressed during the last command was for that command.
            interruptRequested.store(false, ordering: .relaxed)
            promptInterrupt.store(false, ordering: .relaxed)
            dropLine.store(false, ordering: .relaxed)
            dropNeedsNewline.store(false, ordering: .relaxed)
            if let text = MessageQueue.batchText(outbox.drain()) { fputs(text + "\n", stdout) }
            fflush(stdout)

            readlineActive.store(true, ordering: .relaxed)
            let cLine = readline(shownPrompt)
            readlineActive.store(false, ordering: .relaxed)
            restoreBellStyle()

            guard let cLine else {
                fputs("\n", stdout)
                fflush(stdout)
                saveHistory()
                return nil
            }
            let line = String(cString: cLine)
            free(cLine)
            if dropLine.exchange(false, ordering: .relaxed) {
                if dropNeedsNewline.exchange(false, ordering: .relaxed) { fputs("\n", stdout) }
                continue
            }
            if ReadlineHistory.add(line) {
                ReadlineHistory.appendNewest(to: historyPath, limit: historyLimit)
            }
            return line
        }
    }

    public func write(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    /// Thread-safe: queues the message; it appears above the prompt within 50 ms while readline
    /// waits for keys, or before the next prompt otherwise.
    public func post(_ message: String) { outbox.post(message) }

    /// Trims the history file to ``historyLimit`` lines (every line is already in it).
    public func saveHistory() {
        let file = ReadlineHistory.expandingTilde(historyPath)
        if access(file, F_OK) == 0, ReadlineHistory.fileProblem(file) == nil {
            _ = history_truncate_file(file, Int32(historyLimit))
        }
    }

    /// The candidates readline is given: those starting with `word`, without repeats, in order.
    public static func usableCandidates(_ candidates: [String], word: String) -> [String] {
        var seen = Set<String>()
        return candidates.filter { $0.hasPrefix(word) && seen.insert($0).inserted }
    }

    /// Converts readline's byte offset `byteOffset` in the UTF-8 `line` to a Character offset.
    public static func characterOffset(ofByte byteOffset: Int, in line: String) -> Int {
        let utf8 = Array(line.utf8)
        let end = max(0, min(byteOffset, utf8.count))
        return String(decoding: utf8[..<end], as: UTF8.self).count
    }
}

// MARK: - Global state for the C callbacks (they cannot capture context)

private let consoleExists = Atomic<Bool>(false)
private let outbox = MessageQueue()
private let currentCompleter = Mutex<(@Sendable (String, String, Int) -> [String])?>(nil)
private let completionState = Mutex<(items: [String], next: Int)>(([], 0))
/// The hook ended the line because of Ctrl-C: `readLine` throws it away.
private let dropLine = Atomic<Bool>(false)
/// Readline will not print the newline itself (Ctrl-C answered a completion question).
private let dropNeedsNewline = Atomic<Bool>(false)

/// Prints `text` above the prompt and redraws the prompt and the half-typed line.
private func printAbove(_ text: String) {
    rl_clear_visible_line()
    fputs(text + "\n", stdout)
    _ = rl_on_new_line()
    rl_redisplay()
}

/// Called on the shell's thread from inside `readline()` (from the event hooks) after Ctrl-C.
/// Ends the line with `rl_done = 1` so that `readline()` returns and ``ReadlineConsole/readLine(prompt:)``
/// throws the line away. What else is needed depends on what readline is reading:
/// - a command key (the usual case): it then reads '\n', and accept-line prints the newline;
/// - the answer to "Display all N possibilities? (y or n)" or `--More--`: it would read '\n'
///   forever; it is given "n";
/// - the second key of a sequence (after ESC or C-x): '\n' would run a bound command (ESC C-j
///   switches to vi mode); it is given C-g (abort), with the bell muted until `readline()` returns;
/// - inside Ctrl-R search, M-digit, C-v: it returns without a newline.
/// In the last three cases `readLine` prints the newline.
private func handlePromptInterrupt() {
    guard promptInterrupt.exchange(false, ordering: .relaxed) else { return }
    interruptRequested.store(false, ordering: .relaxed)
    let state = rl_readline_state
    func has(_ flag: Int32) -> Bool { state & UInt(flag) != 0 }
    if has(RL_STATE_COMPLETING) && has(RL_STATE_MOREINPUT) {
        _ = rl_stuff_char(Int32(UInt8(ascii: "n")))
    } else if has(RL_STATE_MULTIKEY) || has(RL_STATE_METANEXT) {
        muteBellWhileDropping()
        _ = rl_stuff_char(7)  // C-g
    } else {
        rl_point = rl_end
        rl_redisplay()
        fputs("^C", stdout)
        fflush(stdout)
    }
    dropNeedsNewline.store(!has(RL_STATE_READCMD), ordering: .relaxed)
    dropLine.store(true, ordering: .relaxed)
    rl_done = 1
}

/// The bell style to restore after a C-g we sent ourselves (see `handlePromptInterrupt`).
private let savedBellStyle = Mutex<String?>(nil)

private func muteBellWhileDropping() {
    let current = rl_variable_value("bell-style").map { String(cString: $0) } ?? "audible"
    savedBellStyle.withLock { if $0 == nil { $0 = current } }
    _ = rl_variable_bind("bell-style", "none")
}

/// Restores the bell style muted by `muteBellWhileDropping` (after `readline()` returned).
private func restoreBellStyle() {
    if let style = savedBellStyle.withLock({ s -> String? in
        defer { s = nil }; return s
    }) {
        _ = rl_variable_bind("bell-style", style)
    }
}

private let eventHook: @convention(c) () -> Int32 = {
    // rl_signal_event_hook is not reached while readline polls with an event hook: check here.
    handlePromptInterrupt()
    if let text = MessageQueue.batchText(outbox.drain()) { printAbove(text) }
    return 0
}

private let signalEventHook: @convention(c) () -> Int32 = {
    handlePromptInterrupt()
    return 0
}

private let completionGenerator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = {
    _, state in
    completionState.withLock { st in
        if state == 0 { st.next = 0 }
        guard st.next < st.items.count else { return nil }
        defer { st.next += 1 }
        return strdup(st.items[st.next])  // readline frees it
    }
}

private let attemptedCompletion:
    @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, start, _ in
            rl_attempted_completion_over = 1  // never fall back to file names
            let word = text.map { String(cString: $0) } ?? ""
            var line = ""
            if let buffer = rl_line_buffer {
                let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
                line = String(decoding: UnsafeBufferPointer(start: bytes, count: Int(rl_end)), as: UTF8.self)
            }
            let characterStart = ReadlineConsole.characterOffset(ofByte: Int(start), in: line)
            let completer = currentCompleter.withLock { $0 }
            let items = ReadlineConsole.usableCandidates(completer?(line, word, characterStart) ?? [], word: word)
            completionState.withLock { $0 = (items, 0) }
            if items.isEmpty { return nil }
            rl_completion_append_character = items.count == 1 && items[0].hasSuffix("/") ? 0 : 32
            return rl_completion_matches(text, completionGenerator)
        }
