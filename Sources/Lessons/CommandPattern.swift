/// A pattern a `do:` step accepts: words compared one by one, with `*` wildcards.
///
/// - A word that is exactly `*` matches any number of words, none included
///   (`step *` accepts `step`, `step 4` and `step 2 3`).
/// - A `*` inside a word matches any characters within that word (`set lr=*`, `0.*`).
/// - Everything else matches exactly; words are separated by any run of spaces or tabs.
public struct CommandPattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the lesson.
    public let text: String
    private let words: [String]

    /// Creates a pattern from its text.
    public init(_ text: String) {
        self.text = text
        self.words = CommandPattern.split(text)
    }

    /// The pattern as written.
    public var description: String { text }

    /// Whether the pattern contains a wildcard (then it cannot serve as its own solution).
    public var hasWildcard: Bool { text.contains("*") }

    /// Whether `command` matches the pattern.
    public func matches(_ command: String) -> Bool {
        CommandPattern.match(words[...], CommandPattern.split(command)[...])
    }

    // MARK: - Matching

    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    private static func match(_ pattern: ArraySlice<String>, _ words: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return words.isEmpty }
        if first == "*" {
            // `*` as a word: try every number of words it could swallow, none included.
            var rest = words
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let word = words.first, glob(Array(first), Array(word)) else { return false }
        return match(pattern.dropFirst(), words.dropFirst())
    }

    /// Glob within one word: `*` matches any run of characters.
    private static func glob(_ pattern: [Character], _ word: [Character]) -> Bool {
        var p = 0, w = 0
        var starP = -1, starW = 0
        while w < word.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == word[w] {
                p += 1
                w += 1
            } else if p < pattern.count, pattern[p] == "*" {
                starP = p
                starW = w
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starW += 1
                w = starW
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
