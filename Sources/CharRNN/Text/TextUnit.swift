/// What one "character" of a text is: the unit a vocabulary is made of and a model reads and writes.
///
/// For English text the three agree; for Korean they do not. "한국어" is three graphemes and three
/// code points (three precomposed syllables, NFC) but eight jamo (ᄒ ᅡ ᆫ ᄀ ᅮ ᆨ ᄋ ᅥ).
public enum TextUnit: String, Sendable, CaseIterable, Equatable {
    /// Swift `Character`s (extended grapheme clusters): what a reader sees as one character.
    /// "\r\n" and "e" + a combining accent are one unit each. charrnn's default.
    case graphemes
    /// Unicode scalars (code points), one at a time: what a PyTorch `sorted(set(text))` vocabulary is.
    case codepoints
    /// Code points, with every precomposed Hangul syllable (U+AC00–U+D7A3) decomposed into its
    /// conjoining jamo (U+1100–U+11FF) by the Unicode algorithm; composed back for display.
    case jamo

    /// The units of `text`, each as a `Character`, in order.
    public func units(of text: String) -> [Character] {
        var result: [Character] = []
        forEachUnit(of: text) { result.append($0) }
        return result
    }

    /// Calls `body` with each unit of `text`, in order (no array is built).
    @inline(__always)
    public func forEachUnit(of text: String, _ body: (Character) throws -> Void) rethrows {
        switch self {
        case .graphemes:
            for c in text { try body(c) }
        case .codepoints:
            for s in text.unicodeScalars { try body(Character(s)) }
        case .jamo:
            for s in text.unicodeScalars {
                if let (l, v, t) = Hangul.decompose(s) {
                    try body(Character(l))
                    try body(Character(v))
                    if let t { try body(Character(t)) }
                } else {
                    try body(Character(s))
                }
            }
        }
    }

    /// The text of a sequence of units, as it is shown: jamo composed back into syllables (a jamo
    /// left on its own shown as its standalone letter, see ``Hangul/displayed(_:)``).
    public func text(of units: some Sequence<Character>) -> String {
        switch self {
        case .graphemes, .codepoints: return String(units)
        case .jamo:
            var scalars = String.UnicodeScalarView()
            for c in units { scalars.append(contentsOf: c.unicodeScalars) }
            return Hangul.displayed(String(scalars))
        }
    }

    /// Reads a unit's name as the shell and the command line write it.
    public init?(name: String) {
        switch name {
        case "graphemes", "grapheme": self = .graphemes
        case "codepoints", "codepoint", "code-points", "scalars": self = .codepoints
        case "jamo": self = .jamo
        default: return nil
        }
    }
}
