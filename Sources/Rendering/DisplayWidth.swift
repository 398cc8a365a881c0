// Terminal columns, not characters: a Hangul syllable or a CJK ideograph takes two columns,
// a combining accent or an escape sequence none. Every renderer pads and truncates through
// these helpers so that columns line up with Korean (or any) text.

// MARK: - Width

/// The number of terminal columns `text` occupies.
///
/// East Asian wide and fullwidth characters (Hangul, CJK, fullwidth forms) and emoji count 2;
/// combining marks, format characters, control characters and ANSI escape sequences count 0;
/// everything else counts 1. `displayWidth("한국") == 4`.
public func displayWidth(_ text: String) -> Int {
    var width = 0
    for character in withoutEscapes(text) {
        width += columns(of: character)
    }
    return width
}

/// Columns of one grapheme: the widest of its scalars, so `e` + combining accent is 1.
func columns(of character: Character) -> Int {
    var widest = 0
    for scalar in character.unicodeScalars {
        widest = max(widest, columns(of: scalar))
    }
    return widest
}

/// Columns of one scalar (0, 1 or 2).
func columns(of scalar: Unicode.Scalar) -> Int {
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control:
        return 0
    default:
        break
    }
    let value = scalar.value
    if (0x1160...0x11FF).contains(value) { return 0 }  // Hangul medial vowels and final consonants
    if scalar.properties.isEmojiPresentation { return 2 }
    for range in wideRanges where range.contains(value) {
        return 2
    }
    return 1
}

/// East Asian Wide (W) and Fullwidth (F) blocks, after Unicode's EastAsianWidth.txt.
private let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F,  // Hangul Jamo initial consonants
    0x2E80...0x303E,  // CJK radicals, Kangxi, CJK symbols and punctuation
    0x3041...0x33FF,  // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
    0x3400...0x4DBF,  // CJK extension A
    0x4E00...0x9FFF,  // CJK unified ideographs
    0xA000...0xA4CF,  // Yi
    0xA960...0xA97F,  // Hangul Jamo extended A
    0xAC00...0xD7A3,  // Hangul syllables
    0xF900...0xFAFF,  // CJK compatibility ideographs
    0xFE30...0xFE4F,  // CJK compatibility forms
    0xFF00...0xFF60,  // Fullwidth forms
    0xFFE0...0xFFE6,  // Fullwidth signs
    0x20000...0x3FFFD,  // CJK extensions B and later
]

/// `text` with ANSI escape sequences (`ESC [ … final`) removed.
func withoutEscapes(_ text: String) -> String {
    guard text.unicodeScalars.contains("\u{1B}") else { return text }
    var result = String.UnicodeScalarView()
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
        guard scalar == "\u{1B}" else {
            result.append(scalar)
            continue
        }
        guard let next = scalars.next() else { break }
        guard next == "[" else { continue }  // a two-byte escape: drop both
        // A control sequence ends at its final byte, 0x40...0x7E.
        while let body = scalars.next(), !(0x40...0x7E).contains(body.value) {}
    }
    return String(result)
}

// MARK: - Padding and truncation

/// Where text sits inside a wider column.
public enum Alignment: Sendable, Equatable {
    /// Flush left, padded on the right (text).
    case left
    /// Flush right, padded on the left (numbers).
    case right
}

/// `text` padded with spaces to `width` columns; text already as wide or wider is returned as is.
public func padded(_ text: String, to width: Int, alignment: Alignment = .left) -> String {
    let missing = width - displayWidth(text)
    guard missing > 0 else { return text }
    let padding = String(repeating: " ", count: missing)
    return alignment == .left ? text + padding : padding + text
}

/// `text` cut to at most `width` columns, ending in `…` when something was cut.
///
/// Meant for plain text: escape sequences are not preserved across the cut.
public func truncated(_ text: String, to width: Int) -> String {
    guard displayWidth(text) > width else { return text }
    guard width > 0 else { return "" }
    var result = ""
    var used = 0
    for character in withoutEscapes(text) {
        let next = columns(of: character)
        if used + next > width - 1 { break }
        result.append(character)
        used += next
    }
    return result + "…"
}

// MARK: - Visible characters

/// A character made visible for a label: newline `↵`, tab `⇥`, carriage return `␍`, space `␣`.
///
/// Other control characters become `U+XXXX`; every other character is returned as is.
public func visible(_ character: Character) -> String {
    switch character {
    case "\n": return "↵"
    case "\t": return "⇥"
    case "\r", "\r\n": return "␍"
    case " ": return "␣"
    default:
        if let scalar = character.unicodeScalars.first,
            character.unicodeScalars.count == 1, scalar.properties.generalCategory == .control
        {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return String(character)
    }
}

/// A label made visible: a one-character label goes through `visible(_:)`; in longer labels
/// newlines, tabs and carriage returns become `↵`, `⇥`, `␍`.
public func visible(_ label: String) -> String {
    if label.count == 1, let only = label.first { return visible(only) }
    var result = ""
    for character in label {
        switch character {
        case "\n", "\t", "\r", "\r\n": result += visible(character)
        default: result.append(character)
        }
    }
    return result
}
