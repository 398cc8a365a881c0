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

    /// Writes text and a newline, every line fitted to the width (``fitLines(_:width:)``: prose
    /// wraps at spaces, columns and verbatim lines are cut with `›`).
    func line(_ text: String = "") { console.write(fitLines(text, width: width) + "\n") }

    /// Writes a one-line error: `error: …` (wrapped at spaces when wider than the terminal). Errors
    /// often quote what a file held (a checkpoint's vocabulary entry, a path, a line), so control
    /// characters in the message are neutralised (``safeText(_:)``): an error never sends an escape
    /// sequence to the terminal.
    func error(_ message: String) {
        console.write(fitLines(style.red("error:") + " " + safeText(Output.shortened(message)), width: width) + "\n")
    }

    /// The longest error message shown whole, in characters (eight lines at 80 columns); a longer
    /// one (a 60 KB path echoed in "cannot read …" took 750 lines) keeps its start and its end,
    /// where the reason is.
    static let longestError = 600

    /// `message`, or its first 440 and last 120 characters around " … " when it is longer than `longestError`.
    static func shortened(_ message: String) -> String {
        guard message.count > longestError else { return message }
        return String(message.prefix(440)) + " … " + String(message.suffix(120))
    }

    /// Writes a line of text that came from a file (a name, a lesson's prose, a sample), with its
    /// control characters neutralised (``safeText(_:)``), fitted to the width.
    func fileLine(_ text: String) { console.write(fitLines(safeText(text), width: width) + "\n") }

    /// Writes a one-line note in dim text (hints, what a setting change did), wrapped to the width.
    func note(_ text: String) { console.write(style.dim(fitLines(text, width: width)) + "\n") }
}
