/// One command of the shell, declared in one place: what `help` says about it, what Tab
/// completes after it, and what it does.
struct Command: Sendable {
    /// The name typed at the prompt.
    let name: String
    /// Other names that run it (`exit` for `quit`).
    var aliases: [String] = []
    /// One line for `help`.
    let summary: String
    /// The usage line: `sample [N] [--prime TEXT] …`.
    let usage: String
    /// A longer explanation for `help NAME`.
    var help: String = ""
    /// Candidates for the word being typed (`word`), given the arguments before it
    /// (`previous.count` is the word's index among the arguments).
    var complete: @Sendable (_ context: CompletionContext, _ previous: [String], _ word: String) -> [String] = { _, _, _ in [] }
    /// Runs the command. A command throws before it changes anything.
    let run: @Sendable (_ session: Session, _ words: [String]) throws -> Void
}

/// What completion needs besides the registry: names that come from outside.
struct CompletionContext: Sendable {
    /// The corpus names (`hello` and the texts in the corpora directory).
    var corpora: [String]
    /// File-path candidates for a partial path (the terminal provides them).
    var paths: @Sendable (String) -> [String]
}

// MARK: - Suggestions

/// The Levenshtein distance between two words, in characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The names closest to `word` (at most 2 edits away, or starting with it), nearest first, at most 3.
func nearest(_ word: String, among names: [String]) -> [String] {
    guard word.count <= 64 else { return [] }
    let lower = word.lowercased()
    let scored = names.map { name in (name, name.hasPrefix(lower) && !lower.isEmpty ? 0 : editDistance(lower, name)) }
    let limit = lower.count <= 3 ? 1 : 2
    let close = scored.filter { $0.1 <= limit }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
    var seen = Set<String>()
    return close.map(\.0).filter { seen.insert($0).inserted }.prefix(3).map { $0 }
}

/// ` — did you mean 'a' or 'b'?`, or nothing.
func didYouMean(_ names: [String]) -> String {
    guard !names.isEmpty else { return "" }
    let quoted = names.map { "'\($0)'" }
    let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    return " — did you mean \(list)?"
}
