// Every ANSI escape sequence of the package lives in this file, nowhere else.
// SGR = Select Graphic Rendition, `ESC [ n m`; `ESC [ 0 m` resets. Colours use the xterm
// 256-colour palette (`38;5;n` foreground, `48;5;n` background), which terminals, tmux and
// screen all understand; truecolour is not assumed.

/// How renderers decorate text: with ANSI colours, or plain for pipes, logs and tests.
///
/// Every renderer takes a `Style`. In plain mode (`colorEnabled == false`) no escape code is
/// ever emitted, and each view keeps its information in characters instead (ramps, markers).
public struct Style: Sendable, Equatable {
    /// Whether ANSI escape codes may be written.
    public var colorEnabled: Bool

    /// Makes a style that emits colour only when `colorEnabled` is true.
    public init(colorEnabled: Bool) {
        self.colorEnabled = colorEnabled
    }

    /// No escape codes at all: for pipes, files, and tests.
    public static let plain = Style(colorEnabled: false)

    /// ANSI colours on: for an interactive terminal.
    public static let color = Style(colorEnabled: true)

    // MARK: - Escape sequences

    static let escape = "\u{1B}["
    static let reset = "\u{1B}[0m"

    /// Wraps `text` in the SGR `codes` and a reset, or returns it untouched in plain mode.
    func sgr(_ codes: String, _ text: String) -> String {
        guard colorEnabled, !text.isEmpty else { return text }
        return Style.escape + codes + "m" + text + Style.reset
    }

    // MARK: - Attributes and named colours

    /// Bold (bright) text.
    public func bold(_ text: String) -> String { sgr("1", text) }

    /// Dim (faint) text, for secondary detail.
    public func dim(_ text: String) -> String { sgr("2", text) }

    /// Red text.
    public func red(_ text: String) -> String { sgr("31", text) }

    /// Green text.
    public func green(_ text: String) -> String { sgr("32", text) }

    /// Yellow text.
    public func yellow(_ text: String) -> String { sgr("33", text) }

    /// Blue text.
    public func blue(_ text: String) -> String { sgr("34", text) }

    /// Cyan text.
    public func cyan(_ text: String) -> String { sgr("36", text) }

    /// Magenta text (a chart cell where two curves meet).
    public func magenta(_ text: String) -> String { sgr("35", text) }

    // MARK: - The diverging scale

    /// Text on a background tinted by `value` in [-1, 1]: blue negative, white zero, red positive.
    ///
    /// Values outside [-1, 1] are clamped; NaN leaves the text untinted. The foreground turns
    /// white on strong tints and black otherwise, so the text stays readable. Plain mode returns
    /// `text` unchanged (callers add a ramp line, see `tintedText`).
    public func tinted(_ text: String, by value: Float) -> String {
        guard SignedScale.clamped(value) != nil else { return text }
        let background = Style.paletteIndex(SignedScale.rgb(value))
        let foreground = SignedScale.wantsLightText(value) ? 231 : 16  // 231 white, 16 black
        return sgr("38;5;\(foreground);48;5;\(background)", text)
    }

    /// Text coloured by the sign of `value` in [-1, 1]: red positive, blue negative, plain near zero.
    ///
    /// Used for numbers in vectors and matrices; the strength picks a paler or a deeper shade.
    public func signed(_ text: String, by value: Float) -> String {
        guard let v = SignedScale.clamped(value), abs(v) >= SignedScale.weak else { return text }
        let deep = abs(v) >= SignedScale.strong
        // 256-colour palette: 196 red, 210 pale red, 33 blue, 111 pale blue (readable on dark and light).
        let index = v > 0 ? (deep ? 196 : 210) : (deep ? 33 : 111)
        return sgr("38;5;\(index)", text)
    }

    /// One heat-map cell for `value` in [-1, 1]: a tinted blank in colour, a ramp character in plain.
    ///
    /// NaN is `?` in both modes.
    public func heatCell(_ value: Float) -> String {
        guard SignedScale.clamped(value) != nil else { return String(SignedScale.notANumber) }
        guard colorEnabled else { return String(SignedScale.rampCharacter(value)) }
        return sgr("48;5;\(Style.paletteIndex(SignedScale.rgb(value)))", " ")
    }

    /// Nearest entry of the xterm 6×6×6 colour cube (indices 16–231) to an RGB colour.
    static func paletteIndex(_ color: (red: Int, green: Int, blue: Int)) -> Int {
        func level(_ channel: Int) -> Int { (channel * 5 + 127) / 255 }  // 0...255 -> 0...5, rounded
        return 16 + 36 * level(color.red) + 6 * level(color.green) + level(color.blue)
    }
}
