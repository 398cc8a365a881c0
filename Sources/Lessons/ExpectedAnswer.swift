import Foundation

/// The right answer to an `ask:` question, and how a learner's answer is compared to it.
public enum ExpectedAnswer: Sendable, Equatable {
    /// Any of these texts, compared ignoring case, spaces and a final full stop
    /// (`answer: ln 4 | log 4`).
    case text([String])
    /// A number within a tolerance (`answer: 1.386 ± 0.05`; `+-` and `+/-` work too; a bare
    /// number has tolerance 0).
    case number(Double, tolerance: Double)
    /// The letter of a choice (`answer: b` under a question with `a)`, `b)`, ... lines).
    case choice(Character)

    /// Whether the learner's answer is right. `choices` are the question's choices, so that
    /// typing a choice's full text counts as picking it.
    public func accepts(_ answer: String, choices: [Choice] = []) -> Bool {
        switch self {
        case .text(let accepted):
            let given = ExpectedAnswer.normalized(answer)
            return accepted.contains { ExpectedAnswer.normalized($0) == given }
        case .number(let value, let tolerance):
            guard let given = ExpectedAnswer.number(in: answer) else { return false }
            return abs(given - value) <= tolerance + 1e-12 * max(1, abs(value))
        case .choice(let letter):
            return ExpectedAnswer.choiceLetter(in: answer, choices: choices) == letter
        }
    }

    /// The answer as the learner would type it (the demo types this; `skip` shows it).
    public var solutionText: String {
        switch self {
        case .text(let accepted): return accepted.first ?? ""
        case .number(let value, _): return ExpectedAnswer.format(value)
        case .choice(let letter): return String(letter)
        }
    }

    /// The answer as shown to the learner after `skip` (`1.386 ± 0.05`, `b`, `ln 4`).
    public var display: String {
        switch self {
        case .text(let accepted): return accepted.joined(separator: " or ")
        case .number(let value, let tolerance):
            return tolerance > 0
                ? "\(ExpectedAnswer.format(value)) ± \(ExpectedAnswer.format(tolerance))"
                : ExpectedAnswer.format(value)
        case .choice(let letter): return String(letter)
        }
    }

    // MARK: - Reading answers

    /// Lowercased, without whitespace and without a final full stop.
    static func normalized(_ text: String) -> String {
        var result = String(text.lowercased().filter { !$0.isWhitespace })
        while result.hasSuffix(".") { result.removeLast() }
        return result
    }

    /// A number typed by the learner: `1.39`, `~1.39`, `≈ 1.39`, `-0.5`, `1e-3`.
    static func number(in text: String) -> Double? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        for prefix in ["≈", "~", "="] where trimmed.hasPrefix(prefix) {
            trimmed = String(trimmed.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// The letter a learner picked: `b`, `B`, `b)`, `(b)`, or the full text of a choice.
    static func choiceLetter(in text: String, choices: [Choice]) -> Character? {
        var letters = ExpectedAnswer.normalized(text)
        if letters.hasPrefix("(") { letters.removeFirst() }
        if letters.hasSuffix(")") { letters.removeLast() }
        if letters.count == 1, let letter = letters.first,
            choices.isEmpty
                || choices.contains(where: {
                    $0.letter == letter
                })
        {
            return letter
        }
        let given = ExpectedAnswer.normalized(text)
        return choices.first { ExpectedAnswer.normalized($0.text) == given }?.letter
    }

    /// A number without trailing zeros: `1.386`, `4`, `0.05`.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
