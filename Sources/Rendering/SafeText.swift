/// Text from a file (a checkpoint's metadata, a corpus, a file name, a lesson, a sample drawn
/// from a model trained on such text) made safe for the terminal: control characters are shown
/// instead of obeyed, so no escape sequence from a file can clear the screen, retitle the window
/// or write the clipboard.
///
/// - Newline and tab are kept; so is a carriage return right before a newline (CRLF text).
/// - The other C0 controls and DEL become their Control Pictures: NUL `␀`, ESC `␛`, a lone CR `␍`,
///   BEL `␇`, …, DEL `␡`. (NUL is shown, never dropped: C strings would cut the text there.)
/// - C1 controls (U+0080–U+009F, such as the one-character CSI U+009B) become `\u{9B}`.
/// - Everything else is returned as it is.
public func safeText(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsNeutralizing) else { return text }
    var result = String.UnicodeScalarView()
    let scalars = Array(text.unicodeScalars)
    for (offset, scalar) in scalars.enumerated() {
        switch scalar.value {
        case 0x0A, 0x09:
            result.append(scalar)
        case 0x0D where offset + 1 < scalars.count && scalars[offset + 1] == "\n":
            result.append(scalar)
        case 0x00..<0x20:
            result.append(Unicode.Scalar(0x2400 + scalar.value)!)  // ␀ … ␟
        case 0x7F:
            result.append("\u{2421}")  // ␡
        case 0x80...0x9F:
            result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
        default:
            result.append(scalar)
        }
    }
    return String(result)
}

/// One character of generated text made safe for the terminal, as ``safeText(_:)`` does (for
/// streaming a sample one character at a time).
public func safeText(_ character: Character) -> String {
    character.unicodeScalars.contains(where: needsNeutralizing) ? safeText(String(character)) : String(character)
}

/// Whether `scalar` is a control character other than newline and tab.
private func needsNeutralizing(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x09: return false
    case 0x00..<0x20, 0x7F...0x9F: return true
    default: return false
    }
}
