import Rendering

/// Where commands write: a thin sink over the console's `write`, with the style and width to
/// render for. Commands never print; tests read what the console captured.
final class Output {
    /// The console the text goes to.
    var console: any Console
    /// Colours on or off, following the console.
    var style: Style { Style(colorEnabled: console.colorEnabled) }
    /// Columns to fit output into (at least 40, so renderers always have room).
    var width: Int { max(40, console.width) }

    init(console: any Console) { self.console = console }

    /// Writes text as it is (streaming: sampled characters, a progress line).
    func write(_ text: String) { console.write(text) }

    /// Writes text and a newline.
    func line(_ text: String = "") { console.write(text + "\n") }

    /// Writes a one-line error: `error: …`. Errors often quote what a file held (a checkpoint's
    /// vocabulary entry, a path, a line), so control characters in the message are neutralised
    /// (``safeText(_:)``): an error never sends an escape sequence to the terminal.
    func error(_ message: String) { console.write(style.red("error:") + " " + safeText(message) + "\n") }

    /// Writes a line of text that came from a file (a name, a lesson's prose, a sample), with its
    /// control characters neutralised (``safeText(_:)``).
    func fileLine(_ text: String) { console.write(safeText(text) + "\n") }

    /// Writes a one-line note in dim text (hints, what a setting change did).
    func note(_ text: String) { console.write(style.dim(text) + "\n") }
}
