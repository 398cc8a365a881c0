// One layout rule: every line fits the terminal. Prose is reflowed at word boundaries (Python's
// `textwrap`, coreutils `fmt`); blocks meant verbatim (indented four spaces, inside a code fence,
// or laid out in columns) are never wrapped: a line wider than the terminal is cut and ends in `›`,
// so the learner sees that something was left out. Widths are display cells (`displayWidth`).

// MARK: - Reflowing prose

/// `text` with its paragraphs reflowed to `width` display cells, for prose written with hard line
/// breaks (lesson files, long help).
///
/// - Consecutive lines of prose form one paragraph and are joined, then wrapped at spaces.
/// - A blank line ends a paragraph. A line that starts a list item (`- `, `* `, `• `, `a) `, `1. `,
///   `? `, `→ `) starts a new paragraph whose later lines hang under its text.
/// - Lines indented four or more spaces, or inside a ```` ``` ```` fence, are verbatim: kept as they
///   are, and cut with `›` when wider than `width` (``cut(_:to:marker:)``).
/// - A heading (`# `, `## ` … at the start of a line) is a paragraph of its own: the text after
///   it starts a new one.
/// - A word wider than `width` (a long path) is broken across lines; nothing else is.
public func reflow(_ text: String, width: Int) -> String {
    let width = max(width, 10)
    var output: [String] = []
    var paragraph: [String] = []
    var firstIndent = "", hangingIndent = ""
    func flush() {
        guard !paragraph.isEmpty else { return }
        output += wrapWords(
            keepingCodeSpans(paragraph), firstIndent: firstIndent, hangingIndent: hangingIndent, width: width)
        paragraph = []
    }
    var inFence = false
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(rawLine)
        let plain = withoutEscapes(line)
        let trimmed = plain.drop { $0 == " " }
        if trimmed.hasPrefix("```") {
            flush()
            inFence.toggle()
            output.append(cut(line, to: width))
            continue
        }
        let indent = plain.count - trimmed.count
        if inFence || indent >= 4 || plain.contains("\t") {
            flush()
            output.append(cut(line, to: width))
            continue
        }
        if trimmed.isEmpty {
            flush()
            output.append("")
            continue
        }
        if isHeading(trimmed) {  // a title (`# Hello, RNN`) stands on its own lines
            flush()
            output += wrapWords(words(of: line), firstIndent: "", hangingIndent: "", width: width)
            continue
        }
        let marker = listMarker(trimmed)
        if paragraph.isEmpty || marker != nil || (indent > 0 && indent != displayWidth(hangingIndent)) {
            flush()
            firstIndent = String(repeating: " ", count: indent)
            hangingIndent = String(repeating: " ", count: indent + (marker ?? 0))
        }
        paragraph += words(of: line)
    }
    flush()
    return output.joined(separator: "\n")
}

/// Whether `line` (its indent removed) is a Markdown heading: one to six `#` and a space.
func isHeading(_ line: Substring) -> Bool {
    let hashes = line.prefix { $0 == "#" }.count
    return (1...6).contains(hashes) && line.dropFirst(hashes).first == " "
}

/// `text` with every line fitted to `width` display cells, line by line (no two lines are ever
/// joined): the safety net under every command's output.
///
/// A line that fits is kept as it is. A wider line is verbatim when it is laid out in columns (two
/// or more gaps of two or more spaces, or one gap in a line indented four spaces: a matrix row):
/// it is cut with `›`. Any other line is prose: it is wrapped at spaces, its later lines hanging
/// under its indent, the text of a list item, or the second column of a `term  description` line.
public func fitLines(_ text: String, width: Int) -> String {
    let width = max(width, 10)
    var output: [String] = []
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(rawLine)
        guard displayWidth(line) > width else {
            output.append(line)
            continue
        }
        let plain = withoutEscapes(line)
        let trimmed = plain.drop { $0 == " " }
        let indent = plain.count - trimmed.count
        let starts = columnStarts(trimmed)
        if starts.count >= 2 || (indent >= 4 && !starts.isEmpty) || plain.contains("\t") {
            output.append(cut(line, to: width))
            continue
        }
        // The head (indent, list marker or first column) stays as written; the rest is wrapped after it.
        var hanging = indent + (listMarker(trimmed) ?? 0)
        if let start = starts.first, indent + start <= width / 2 { hanging = indent + start }
        if hanging > width / 2 { hanging = indent }
        let (head, rest) = split(line, at: hanging)
        output += wrapWords(
            words(of: rest), firstIndent: "", hangingIndent: "", width: width - hanging
        ).enumerated().map { ($0.offset == 0 ? head : String(repeating: " ", count: hanging)) + $0.element }
    }
    return output.joined(separator: "\n")
}

// MARK: - Cutting verbatim lines

/// `line` cut to at most `width` display cells, ending in `marker` when something was cut.
/// Escape sequences are kept (and a reset added after a cut, so colour does not run on).
public func cut(_ line: String, to width: Int, marker: String = "›") -> String {
    guard displayWidth(line) > width else { return line }
    let room = max(0, width - displayWidth(marker))
    var result = ""
    var used = 0
    var sawEscape = false
    // Walk grapheme by grapheme, copying escape sequences through without counting them.
    var characters = line.makeIterator()
    while let character = characters.next() {
        if character.unicodeScalars.first == "\u{1B}" {
            sawEscape = true
            result.append(character)
            // The rest of the sequence: `[`, parameters, final byte 0x40...0x7E.
            if let bracket = characters.next() {
                result.append(bracket)
                if bracket == "[" {
                    while let body = characters.next() {
                        result.append(body)
                        if let value = body.unicodeScalars.first?.value, (0x40...0x7E).contains(value) { break }
                    }
                }
            }
            continue
        }
        let next = columns(of: character)
        if used + next > room { break }
        result.append(character)
        used += next
    }
    return result + (sawEscape ? Style.reset : "") + marker
}

// MARK: - Words

/// `words` laid out in lines of at most `width` cells: the first line after `firstIndent`, the
/// rest after `hangingIndent`. A word wider than a whole line is broken at the width.
func wrapWords(_ words: [String], firstIndent: String, hangingIndent: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = firstIndent
    var currentWidth = displayWidth(firstIndent)
    var empty = true
    for word in words {
        var word = word
        var wordWidth = displayWidth(word)
        if !empty, currentWidth + 1 + wordWidth > width {
            lines.append(current)
            current = hangingIndent
            currentWidth = displayWidth(hangingIndent)
            empty = true
        }
        // A word longer than a line is broken where the line ends (the only split ever made). The
        // rest is a view, and its width is what is left (without escapes): one pass over the word,
        // however long (a 200,000-character word took 27 s when each break copied and measured it).
        let plain = !word.contains("\u{1B}")
        var rest = Substring(word)
        while currentWidth + (empty ? 0 : 1) + wordWidth > width, width - currentWidth - (empty ? 0 : 1) > 0 {
            let room = width - currentWidth - (empty ? 0 : 1)
            let (head, tail, used) = split(rest, at: room)
            if head.isEmpty { break }
            current += (empty ? "" : " ") + head
            lines.append(current)
            current = hangingIndent
            currentWidth = displayWidth(hangingIndent)
            empty = true
            rest = tail
            wordWidth = plain ? wordWidth - used : displayWidth(String(rest))
        }
        word = String(rest)
        current += (empty ? "" : " ") + word
        currentWidth += (empty ? 0 : 1) + wordWidth
        empty = false
    }
    if !empty || lines.isEmpty { lines.append(current) }
    return lines
}

/// `word` split after `width` display cells (escape sequences travel with the head).
private func split(_ word: String, at width: Int) -> (String, String) {
    let (head, tail, _) = split(Substring(word), at: width)
    return (head, String(tail))
}

/// `word` split after `width` display cells: the head, the rest (a view of `word`) and the
/// cells the head takes.
private func split(_ word: Substring, at width: Int) -> (String, Substring, Int) {
    var head = "", used = 0
    var index = word.startIndex
    while index < word.endIndex {
        let character = word[index]
        let next = character.unicodeScalars.first == "\u{1B}" ? 0 : columns(of: character)
        if used + next > width { break }
        head.append(character)
        used += next
        index = word.index(after: index)
    }
    return (head, word[index...], used)
}

/// The words of a line, split at spaces.
func words(of line: String) -> [String] {
    line.split(separator: " ").map(String.init)
}

/// `words` with each short code span (`` `set lr 0.5` ``: a backtick opens it, the next closes it)
/// joined into one word, so that a command is not broken across two lines. A span wider than
/// `codeSpanWidth` (a long path) stays words: it is wrapped like prose.
func keepingCodeSpans(_ words: [String], codeSpanWidth: Int = 32) -> [String] {
    var result: [String] = []
    var index = 0
    while index < words.count {
        let word = words[index]
        index += 1
        guard word.filter({ $0 == "`" }).count % 2 == 1 else {
            result.append(word)
            continue
        }
        // An open span: look for the word that closes it.
        var span = word, end = index
        while end < words.count, displayWidth(span) <= codeSpanWidth {
            span += " " + words[end]
            end += 1
            if words[end - 1].filter({ $0 == "`" }).count % 2 == 1 { break }
        }
        let closed = end > index && words[end - 1].filter({ $0 == "`" }).count % 2 == 1
        if closed && displayWidth(span) <= codeSpanWidth {
            result.append(span)
            index = end
        } else {
            result.append(word)
        }
    }
    return result
}

/// The width of a list marker at the start of `text` (`- `, `* `, `• `, `? `, `→ `, `a) `, `12. `),
/// or nil.
func listMarker(_ text: Substring) -> Int? {
    for marker in ["- ", "* ", "• ", "? ", "→ "] where text.hasPrefix(marker) { return displayWidth(marker) }
    let head = text.prefix { $0.isLetter || $0.isNumber }
    guard (1...3).contains(head.count), head.allSatisfy({ $0.isASCII }) else { return nil }
    let after = text.dropFirst(head.count)
    guard after.hasPrefix(") ") || (after.hasPrefix(". ") && head.allSatisfy(\.isNumber)) else { return nil }
    return head.count + 2
}

/// The display columns at which text resumes after each run of two or more spaces in `text`
/// (the starts of its second, third, … columns).
func columnStarts(_ text: Substring) -> [Int] {
    var starts: [Int] = []
    var column = 0, spaces = 0
    for character in text {
        if character == " " {
            spaces += 1
        } else {
            if spaces >= 2 { starts.append(column) }
            spaces = 0
        }
        column += character == " " ? 1 : columns(of: character)
    }
    return starts
}

// MARK: - Lists that fit

/// `items` joined by spaces within `width` display cells; when they do not fit, the middle is
/// left out and counted: `a b c d … 23 more … x y z` (the head gets one more item than the tail).
public func elidedList(_ items: [String], width: Int) -> String {
    let whole = items.joined(separator: " ")
    guard displayWidth(whole) > width else { return whole }
    var head = 0, tail = 0
    func text(_ head: Int, _ tail: Int) -> String {
        let hidden = items.count - head - tail
        let middle = "… \(hidden) more" + (tail > 0 ? " …" : "")
        return (Array(items.prefix(head)) + [middle] + Array(items.suffix(tail))).joined(separator: " ")
    }
    while head + tail < items.count - 1 {
        let (nextHead, nextTail) = head <= tail ? (head + 1, tail) : (head, tail + 1)
        guard displayWidth(text(nextHead, nextTail)) <= width else { break }
        (head, tail) = (nextHead, nextTail)
    }
    return text(head, tail)
}

// MARK: - Streamed text

/// Keeps streamed text (a sample, written one character at a time) inside `width` display cells:
/// where the next character would pass the last column, a dim `›` and a newline are written first,
/// so the terminal never wraps the line itself and the learner sees where a line was continued.
public struct StreamingWrap: Sendable {
    /// The continuation marker written at the end of a broken line (before its newline).
    public static let marker = "›"
    /// Columns to fit into.
    public let width: Int
    /// The display column the next character starts at.
    public private(set) var column = 0

    /// A wrapper for lines of `width` cells, starting at column 0.
    public init(width: Int) { self.width = max(2, width) }

    /// `text` with a marker and a newline before each character that would pass the width.
    public mutating func wrap(_ text: String, style: Style) -> String {
        var result = ""
        for character in text {
            if character == "\n" || character == "\r\n" {
                column = 0
                result.append(character)
                continue
            }
            let cells = character == "\t" ? 8 - column % 8 : columns(of: character)
            if column + cells > width - 1 {
                result += style.dim(StreamingWrap.marker) + "\n"
                column = 0
            }
            result.append(character)
            column += character == "\t" ? 8 - column % 8 : cells
        }
        return result
    }
}
