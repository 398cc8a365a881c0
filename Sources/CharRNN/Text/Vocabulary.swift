/// The characters a model knows, each with an index: the rows of the one-hot input x_t and of the
/// output distribution p_t. Characters are Swift `Character`s (grapheme clusters), so any UTF-8
/// text — Korean, accented Latin, emoji — has a well-defined vocabulary.
public struct Vocabulary: Sendable, Equatable {
    /// The characters in index order: `characters[i]` is the character of one-hot row i.
    public let characters: [Character]
    private let indexOf: [Character: Int]
    /// What one character is: graphemes (the default), code points, or jamo (see ``TextUnit``).
    public let unit: TextUnit

    /// How the characters of a text are put in order.
    public enum Order: String, Sendable, CaseIterable {
        /// In order of first appearance: "hello" gives [h, e, l, o], as in the lecture.
        case firstAppearance = "first-appearance"
        /// Sorted by Unicode scalar values: the default for corpora (as char-rnn and min-char-rnn).
        case sorted
    }

    /// A vocabulary of the given characters (units of `unit`) in the given order. Throws if one repeats.
    public init(characters: [Character], unit: TextUnit = .graphemes) throws(VocabularyError) {
        var indexOf: [Character: Int] = [:]
        for (i, c) in characters.enumerated() {
            if indexOf[c] != nil { throw .duplicate(c) }
            indexOf[c] = i
        }
        guard !characters.isEmpty else { throw .empty }
        self.characters = characters
        self.indexOf = indexOf
        self.unit = unit
    }

    /// The vocabulary of every distinct character of `text`, in the given order.
    public init(of text: String, order: Order, unit: TextUnit = .graphemes) throws(VocabularyError) {
        var seen = Set<Character>()
        var ordered: [Character] = []
        unit.forEachUnit(of: text) { c in if seen.insert(c).inserted { ordered.append(c) } }
        if order == .sorted { ordered.sort { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) } }
        try self.init(characters: ordered, unit: unit)
    }

    /// V, the number of characters.
    public var count: Int { characters.count }

    /// The index of a character, or nil if the vocabulary does not have it.
    public func index(of character: Character) -> Int? { indexOf[character] }

    /// The indices of the characters of `text`. Throws, naming every unknown character, if the text
    /// has characters outside the vocabulary.
    public func encode(_ text: String) throws(VocabularyError) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(text.count)
        var unknown: [Character] = []
        var unknownSet = Set<Character>()  // linear however many distinct unknown characters
        unit.forEachUnit(of: text) { c in
            if let i = indexOf[c] {
                result.append(i)
            } else if unknownSet.insert(c).inserted {
                unknown.append(c)
            }
        }
        if !unknown.isEmpty { throw .unknownCharacters(unknown) }
        return result
    }

    /// The text of a sequence of indices, as it is shown (jamo composed back into syllables).
    public func decode(_ indices: [Int]) -> String {
        unit.text(of: indices.map { characters[$0] })
    }

    /// A short, visible label for a character: `␣` for space, `↵` for newline, `⇥` for tab.
    public static func label(_ c: Character) -> String {
        switch c {
        case " ": return "␣"
        case "\n": return "↵"
        case "\r\n": return "↵"
        case "\t": return "⇥"
        case "\r": return "␍"
        default:
            if let s = c.unicodeScalars.first, c.unicodeScalars.count == 1, s.value < 0x20 || (0x7F...0x9F).contains(s.value) {
                return "\\u{\(String(s.value, radix: 16))}"
            }
            // A conjoining jamo on its own shows as its compatibility letter (ᅡ → ㅏ), which stands alone.
            if let s = c.unicodeScalars.first, c.unicodeScalars.count == 1, let letter = Hangul.standalone(s) {
                return String(Character(letter))
            }
            return String(c)
        }
    }

    /// The labels of all characters, in index order.
    public var labels: [String] { characters.map(Vocabulary.label) }
}

/// What can go wrong with a vocabulary.
public enum VocabularyError: Error, Equatable, CustomStringConvertible {
    case empty
    case duplicate(Character)
    case unknownCharacters([Character])

    public var description: String {
        switch self {
        case .empty: return "the vocabulary is empty: the text has no characters"
        case .duplicate(let c): return "the vocabulary lists '\(Vocabulary.label(c))' twice"
        case .unknownCharacters(let cs):
            let shown = cs.prefix(10).map { "'\(Vocabulary.label($0))'" }.joined(separator: ", ")
            let more = cs.count > 10 ? " and \(cs.count - 10) more" : ""
            return "the text has \(cs.count) character\(cs.count == 1 ? "" : "s") the model's vocabulary lacks: \(shown)\(more)"
        }
    }
}
