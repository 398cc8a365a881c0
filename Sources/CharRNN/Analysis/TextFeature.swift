// Features of a text, one Float per character: what cell search (CellSearch.swift) asks a hidden
// unit to track. Indicators are 0 or 1 ("inside a quote"); counts are numbers ("bracket depth").
//
// The signal at character t is what holds *after reading* it — what the hidden state recorded at
// t (HiddenStateRecording.swift) could know. So an opening `"` is inside (1) and the closing `"`
// is outside (0); the `/` that opens a `/*` is still outside, its `*` inside.
//
// Quotes, comments, `if` conditions and brackets come from one small C-like scan: inside a string
// no comment or bracket counts (escapes `\"` stay inside); inside a comment no quote or bracket
// counts; a character literal (`'"'`, `'\''`, `'('`) is skipped, so prose apostrophes ("o'er",
// "'tis") do nothing.

import Foundation

/// A feature of a text, as one value per character.
public enum TextFeature: Sendable, Hashable, CustomStringConvertible {
    /// 1 inside double quotes: from the opening `"` to just before the closing one.
    case quote
    /// 1 inside an `if` condition: from the `(` after `if` to just before its matching `)`,
    /// nested parentheses included.
    case ifCondition
    /// 1 inside a comment: `/* … */` (from its `*` to just before the closing `/`) and `// …` (from
    /// the second `/` to the end of the line, the newline excluded).
    case comment
    /// The number of characters read so far on the current line (0 right after a newline).
    case column
    /// The leading whitespace of the current line, in columns (a tab goes to the next multiple
    /// of 8), for every character of the line and its newline.
    case indentation
    /// How many `{}` `()` `[]` are open in code (not in strings or comments); never below 0.
    case bracketDepth
    /// 1 at the start of a speech: from the newline that ends a Shakespeare `NAME:` line to the
    /// end of the speech's first line (its newline excluded).
    case speechStart
    /// 1 on every character a match of the regular expression covers (NSRegularExpression syntax,
    /// `^` and `$` match at line breaks).
    case regex(String)

    /// The built-in features, in the order `cells` lists them.
    public static let builtIns: [TextFeature] = [
        .quote, .ifCondition, .comment, .column, .indentation, .bracketDepth, .speechStart,
    ]

    /// The short name a command takes: `quote`, `if`, `comment`, `column`, `indent`, `depth`,
    /// `speech`, or `/PATTERN/` for a regular expression.
    public var name: String {
        switch self {
        case .quote: return "quote"
        case .ifCondition: return "if"
        case .comment: return "comment"
        case .column: return "column"
        case .indentation: return "indent"
        case .bracketDepth: return "depth"
        case .speechStart: return "speech"
        case .regex(let pattern): return "/" + pattern + "/"
        }
    }

    public var description: String { name }

    /// A one-line explanation for `help` and table headers.
    public var summary: String {
        switch self {
        case .quote: return "inside double quotes"
        case .ifCondition: return "inside an if (…) condition"
        case .comment: return "inside a /* */ or // comment"
        case .column: return "position in the line"
        case .indentation: return "indentation of the line"
        case .bracketDepth: return "nesting depth of {} () []"
        case .speechStart: return "first line of a speech (after NAME:)"
        case .regex(let pattern): return "inside a match of /\(pattern)/"
        }
    }

    /// Whether the feature is 0/1 (scored by threshold accuracy) rather than a number.
    public var isIndicator: Bool {
        switch self {
        case .column, .indentation, .bracketDepth: return false
        default: return true
        }
    }

    /// A feature by its name (see `name`; also `brackets`, `indentation`, `speech-start`), or a
    /// regular expression written `/PATTERN/`; nil for anything else.
    public init?(name: String) {
        if name.count >= 2, name.hasPrefix("/"), name.hasSuffix("/") {
            self = .regex(String(name.dropFirst().dropLast()))
            return
        }
        switch name.lowercased() {
        case "quote", "quotes", "string": self = .quote
        case "if", "if-condition", "condition": self = .ifCondition
        case "comment", "comments": self = .comment
        case "column", "col", "position": self = .column
        case "indent", "indentation": self = .indentation
        case "depth", "brackets", "bracket-depth", "nesting": self = .bracketDepth
        case "speech", "speech-start": self = .speechStart
        default: return nil
        }
    }

    /// The feature's value at every character of `characters`.
    /// - Throws: `TextFeatureError.badPattern` for a regular expression that does not compile.
    public func signal(for characters: [Character]) throws(TextFeatureError) -> [Float] {
        switch self {
        case .quote: return CodeScan(characters).quote
        case .ifCondition: return CodeScan(characters).ifCondition
        case .comment: return CodeScan(characters).comment
        case .bracketDepth: return CodeScan(characters).bracketDepth
        case .column: return Self.column(characters)
        case .indentation: return Self.indentation(characters)
        case .speechStart: return Self.speechStart(characters)
        case .regex(let pattern): return try Self.matches(of: pattern, in: characters)
        }
    }

    /// `signal(for:)` of a string's characters.
    public func signal(for text: String) throws(TextFeatureError) -> [Float] {
        try signal(for: Array(text))
    }

    // MARK: - Line features

    static func column(_ characters: [Character]) -> [Float] {
        var count: Float = 0
        return characters.map { c in
            count = c.isNewline ? 0 : count + 1  // characters read on this line
            return count
        }
    }

    static func indentation(_ characters: [Character]) -> [Float] {
        var signal = [Float](repeating: 0, count: characters.count)
        for line in lineRanges(characters) {
            var width = 0
            for c in characters[line] {
                if c == " " { width += 1 } else if c == "\t" { width = (width / 8 + 1) * 8 } else { break }
            }
            for i in line { signal[i] = Float(width) }
        }
        return signal
    }

    static func speechStart(_ characters: [Character]) -> [Float] {
        var signal = [Float](repeating: 0, count: characters.count)
        let lines = lineRanges(characters)
        for (n, line) in lines.enumerated() where n + 1 < lines.count && isSpeakerLine(characters[line]) {
            let newline = line.upperBound - 1  // the NAME: line's newline: the speech starts after it
            guard characters[newline].isNewline else { continue }
            signal[newline] = 1
            for i in lines[n + 1] where !characters[i].isNewline { signal[i] = 1 }
        }
        return signal
    }

    /// `FIRST CITIZEN:`, `First Citizen:`, `KING RICHARD III:` — a short line of capitalised
    /// words ending in a colon.
    static func isSpeakerLine(_ line: ArraySlice<Character>) -> Bool {
        let text = String(line).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 2, text.count <= 40, text.hasSuffix(":") else { return false }
        let words = text.dropLast().split(separator: " ")
        guard !words.isEmpty else { return false }
        return words.allSatisfy { word in
            guard let first = word.first, first.isUppercase else { return false }
            return word.allSatisfy { $0.isLetter || $0 == "'" || $0 == "." || $0 == "-" }
        }
    }

    /// The index ranges of the lines, each with its newline (the last may have none).
    static func lineRanges(_ characters: [Character]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (i, c) in characters.enumerated() where c.isNewline {
            ranges.append(start..<(i + 1))
            start = i + 1
        }
        if start < characters.count { ranges.append(start..<characters.count) }
        return ranges
    }

    // MARK: - Regular expressions

    static func matches(of pattern: String, in characters: [Character]) throws(TextFeatureError) -> [Float] {
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        } catch {
            throw .badPattern(pattern, reason: error.localizedDescription)
        }
        let text = String(characters)
        // NSRegularExpression speaks UTF-16 offsets: map each offset to the character it falls in.
        var characterAt = [Int]()
        characterAt.reserveCapacity(text.utf16.count)
        for (i, c) in characters.enumerated() {
            characterAt.append(contentsOf: repeatElement(i, count: c.utf16.count))
        }
        var signal = [Float](repeating: 0, count: characters.count)
        let whole = NSRange(location: 0, length: text.utf16.count)
        for match in expression.matches(in: text, range: whole) where match.range.length > 0 {
            for offset in match.range.location..<(match.range.location + match.range.length) {
                signal[characterAt[offset]] = 1
            }
        }
        return signal
    }
}

/// What can go wrong when computing a feature.
public enum TextFeatureError: Error, Equatable, CustomStringConvertible {
    /// The regular expression does not compile.
    case badPattern(String, reason: String)

    public var description: String {
        switch self {
        case .badPattern(let pattern, let reason): return "bad regular expression /\(pattern)/: \(reason)"
        }
    }
}

// MARK: - The C-like scan

/// One pass over a text that tracks strings, comments, `if` conditions and brackets.
struct CodeScan {
    var quote: [Float]
    var comment: [Float]
    var ifCondition: [Float]
    var bracketDepth: [Float]

    private enum Mode { case code, string, blockComment, lineComment }

    init(_ s: [Character]) {
        let n = s.count
        quote = [Float](repeating: 0, count: n)
        comment = quote
        ifCondition = quote
        bracketDepth = quote
        var mode = Mode.code
        var depth = 0  // open {} () [] in code
        var parens = 0  // open () in code
        var conditionParens: Int? = nil  // `parens` outside the active if condition's `(`
        var blockStart = 0  // index of the `*` that opened the current block comment
        var i = 0
        /// Writes the state after reading character `j`.
        func record(_ j: Int) {
            quote[j] = mode == .string ? 1 : 0
            comment[j] = mode == .blockComment || mode == .lineComment ? 1 : 0
            ifCondition[j] = conditionParens == nil ? 0 : 1
            bracketDepth[j] = Float(depth)
        }
        while i < n {
            let c = s[i]
            switch mode {
            case .code:
                let next: Character? = i + 1 < n ? s[i + 1] : nil
                if c == "'", let literal = Self.characterLiteralLength(s, at: i) {
                    for j in i..<(i + literal) { record(j) }  // '"', '\'', '(' : skipped whole
                    i += literal
                    continue
                }
                switch c {
                case "\"": mode = .string
                case "/" where next == "*":
                    record(i)  // the `/` of `/*` is still outside
                    mode = .blockComment
                    blockStart = i + 1
                    i += 1
                case "/" where next == "/":
                    record(i)
                    mode = .lineComment
                    i += 1
                case "(", "[", "{":
                    if c == "(" {
                        if conditionParens == nil && Self.followsIf(s, at: i) { conditionParens = parens }
                        parens += 1
                    }
                    depth += 1
                case ")", "]", "}":
                    if c == ")" {
                        parens = max(0, parens - 1)
                        if let open = conditionParens, parens <= open { conditionParens = nil }  // the matching `)`
                    }
                    depth = max(0, depth - 1)
                default: break
                }
            case .string:
                if c == "\\" && i + 1 < n {  // an escape: both characters stay inside
                    record(i)
                    i += 1
                } else if c == "\"" {
                    mode = .code
                }
            case .blockComment:
                if c == "/" && i >= blockStart + 2 && s[i - 1] == "*" { mode = .code }  // `*/`, not `/*/`
            case .lineComment:
                if c.isNewline { mode = .code }
            }
            record(i)
            i += 1
        }
    }

    /// The length of a character literal starting at `i` (`'x'` is 3, `'\x'` is 4), or nil.
    static func characterLiteralLength(_ s: [Character], at i: Int) -> Int? {
        if i + 3 < s.count && s[i + 1] == "\\" && s[i + 3] == "'" { return 4 }
        if i + 2 < s.count && s[i + 1] != "\\" && s[i + 2] == "'" && !s[i + 1].isNewline { return 3 }
        return nil
    }

    /// Whether the `(` at `i` follows the keyword `if` (spaces or tabs allowed between).
    static func followsIf(_ s: [Character], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && (s[j] == " " || s[j] == "\t") { j -= 1 }
        guard j >= 1, s[j] == "f", s[j - 1] == "i" else { return false }
        return j < 2 || !(s[j - 2].isLetter || s[j - 2].isNumber || s[j - 2] == "_")
    }
}
