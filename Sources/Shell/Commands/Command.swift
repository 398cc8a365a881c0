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
    /// The lesson names.
    var lessons: [String] = []
}

// MARK: - Suggestions

/// The edit distance between two words, counting a swap of two neighbours as one edit
/// (optimal string alignment), so `stpe` is 1 away from `step`.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}

/// The names closest to `word`: those it is a prefix of, else those at the smallest edit distance
/// (at most 1 for words of up to 3 characters, 2 otherwise, and never every character of the word:
/// `2` is not near `?`), at most 3, alphabetical.
func nearest(_ word: String, among names: [String]) -> [String] {
    guard !word.isEmpty, word.count <= 64 else { return [] }
    let lower = word.lowercased()
    let unique = Array(Set(names)).sorted()
    let prefixed = unique.filter { $0.hasPrefix(lower) && $0 != lower }
    if !prefixed.isEmpty { return Array(prefixed.prefix(3)) }
    let scored = unique.map { ($0, editDistance(lower, $0)) }
    let limit = lower.count <= 3 ? 1 : 2
    guard let best = scored.map(\.1).min(), best <= limit, best < lower.count else { return [] }
    return Array(scored.filter { $0.1 == best }.map(\.0).prefix(3))
}

/// ` — did you mean 'a' or 'b'?`, or nothing.
func didYouMean(_ names: [String]) -> String {
    ShellWords(.english).didYouMean(names)
}
