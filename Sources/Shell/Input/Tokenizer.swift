import Foundation

/// Splits a command line into words, shell-style:
/// - words are separated by spaces or tabs;
/// - `'…'` keeps everything inside as it is;
/// - `"…"` keeps spaces, and a backslash escapes `"`, `\`, and writes `\n` and `\t` as newline and tab;
/// - outside quotes a backslash keeps the next character as it is (`\ ` is a space in a word);
/// - `""` and `''` are empty words;
/// - a line whose first word starts with `#` is a comment (no words).
/// An unterminated quote or a trailing backslash is an error.
func tokenize(_ line: String) throws(CommandError) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var iterator = line.makeIterator()
    while let c = iterator.next() {
        switch c {
        case " ", "\t", "\r", "\n":
            if inWord { words.append(current) }
            current = ""
            inWord = false
        case "#" where !inWord && words.isEmpty:
            return []
        case "'":
            inWord = true
            var closed = false
            while let d = iterator.next() {
                if d == "'" { closed = true; break }
                current.append(d)
            }
            if !closed { throw CommandError("unterminated ' quote") }
        case "\"":
            inWord = true
            var closed = false
            while let d = iterator.next() {
                if d == "\"" { closed = true; break }
                if d == "\\" {
                    guard let e = iterator.next() else { break }
                    switch e {
                    case "n": current.append("\n")
                    case "t": current.append("\t")
                    case "\"", "\\": current.append(e)
                    default: current.append("\\"); current.append(e)
                    }
                } else {
                    current.append(d)
                }
            }
            if !closed { throw CommandError("unterminated \" quote") }
        case "\\":
            guard let e = iterator.next() else { throw CommandError("a backslash at the end of the line escapes nothing") }
            current.append(e)
            inWord = true
        default:
            current.append(c)
            inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}

/// A command's words after its name, split into positional words, `--option VALUE` pairs
/// (also `--option=VALUE`) and `--flag`s, checked against what the command accepts.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    /// Parses `words`; an option or flag the command does not take, a missing value or a
    /// repeated option is an error. Words starting with a single `-` (a negative number) are positional.
    init(_ words: [String], options allowedOptions: Set<String> = [], flags allowedFlags: Set<String> = [])
        throws(CommandError)
    {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var value: String? = nil
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if allowedFlags.contains(name) {
                if value != nil { throw CommandError { [name] in $0(.optionTakesNoValue, name) } }
                flags.insert(name)
            } else if allowedOptions.contains(name) {
                if value == nil {
                    guard index < words.count else { throw CommandError { [name] in $0(.optionNeedsValue, name) } }
                    value = words[index]
                    index += 1
                }
                if options[name] != nil { throw CommandError { [name] in $0(.optionGivenTwice, name) } }
                options[name] = value
            } else {
                let known = (allowedOptions.union(allowedFlags)).sorted().map { "--" + $0 }
                throw CommandError { [name] words in
                    let expected = known.isEmpty ? words(.takesNoOptions) : words(.optionsExpected, known.joined(separator: ", "))
                    return words(.unknownOption, name, expected)
                }
            }
        }
    }
}

// MARK: - Numbers

/// A whole number in `range`, or an error naming `what`.
func parseInteger(_ text: String, _ what: String, in range: ClosedRange<Int>) throws(CommandError) -> Int {
    guard let value = Int(text) else {
        throw CommandError { $0(.wholeNumberRange, what, String(range.lowerBound), String(range.upperBound), shown(text)) }
    }
    guard range.contains(value) else {
        throw CommandError { $0(.outOfRange, what, String(range.lowerBound), String(range.upperBound), String(value)) }
    }
    return value
}

/// A finite number in `range`, or an error naming `what`.
func parseNumber(_ text: String, _ what: String, in range: ClosedRange<Double>) throws(CommandError) -> Double {
    // Decimal only: Swift's Double("0x10") is 16 (a hexadecimal float), which nobody types for a rate.
    guard text.allSatisfy({ "0123456789.eE+-".contains($0) }), let value = Double(text), value.isFinite else {
        throw CommandError {
            $0(.numberRange, what, formatPlain(range.lowerBound), formatPlain(range.upperBound), shown(text))
        }
    }
    guard range.contains(value) else {
        throw CommandError {
            $0(.outOfRange, what, formatPlain(range.lowerBound), formatPlain(range.upperBound), formatPlain(value))
        }
    }
    return value
}

/// A number written short: `0.1`, `5`, `1e-05`.
func formatPlain(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    let text = String(x)
    return text.count <= 10 ? text : String(format: "%.4g", x)
}

/// A path as the learner types it, with a leading `~` or `~/` standing for their home folder (as
/// in a shell, and as the shell's own messages write `~/.charrnn/saved/`): `$HOME` put in its place.
/// Any other path, `~user` included, is returned as it is, as is every path when `home` is unknown.
func expandingHome(_ path: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> String {
    guard path == "~" || path.hasPrefix("~/"), let home, !home.isEmpty else { return path }
    return home + path.dropFirst()
}

/// A word as it can be shown in a one-line error: control characters made visible, cut to 40.
func shown(_ word: String) -> String {
    var out = ""
    for c in word {
        if out.count >= 40 { return out + "…" }
        if let s = c.unicodeScalars.first, c.unicodeScalars.count == 1, s.value < 0x20 || s.value == 0x7F {
            out += "\\u{\(String(s.value, radix: 16))}"
        } else {
            out.append(c)
        }
    }
    return out
}
