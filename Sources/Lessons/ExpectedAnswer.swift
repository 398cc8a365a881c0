import Foundation

/// The right answer to an `ask:` question, and how a learner's answer is compared to it.
public enum ExpectedAnswer: Sendable, Equatable {
    /// Any of these texts, compared ignoring case, spaces and a final full stop
    /// (`answer: ln 4 | log 4`).
    case text([String])
    /// A number within a tolerance (`answer: 1.386 ± 0.05`; `+-` and `+/-` work too; a bare
    /// number has tolerance 0). The learner may write it as arithmetic (`ln 4`, `1/1024`): see
    /// ``ArithmeticExpression``.
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
    public var display: String { display(PlayerWords(.english)) }

    /// The answer as shown to the learner, in the player's `words` (`ln 4 or log 4`, `ln 4 또는 log 4`).
    public func display(_ words: PlayerWords) -> String {
        switch self {
        case .text(let accepted): return accepted.joined(separator: words(.answerOr))
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

    /// A number typed by the learner: `1.39`, `~1.39`, `≈ 1.39`, `-0.5`, `1e-3`, or arithmetic
    /// (`ln 4`, `0.5^10`, `10,000`, `four`: see ``ArithmeticExpression``).
    static func number(in text: String) -> Double? {
        guard case .success(let expression) = ArithmeticExpression.evaluate(text) else { return nil }
        return expression.value
    }

    /// Why a wrong answer to a numeric question is wrong, in one line without the ✗: `2 is too
    /// high`, `ln 5 = 1.609 is too high`, `not a number: “abc” is not a function …`. Nil for a
    /// right answer and for questions that do not take a number. In the player's `words` (the
    /// arithmetic's own messages stay English).
    public func numericFeedback(on answer: String, words: PlayerWords = PlayerWords(.english)) -> String? {
        guard case .number(let value, _) = self else { return nil }
        switch ArithmeticExpression.evaluate(answer) {
        case .failure(let failure):
            return words(.notANumber, failure.description)
        case .success(let expression):
            guard !accepts(answer) else { return nil }
            let typed = String(
                answer.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.filter {
                    !CharacterSet.controlCharacters.contains($0)
                })
            let shown = expression.isArithmetic ? "\(typed) = \(ArithmeticExpression.shortText(expression.value))" : typed
            return words(expression.value > value ? .tooHigh : .tooLow, shown)
        }
    }

    /// The letter a learner picked: `b`, `B`, `b)`, `(b)`, the full text of a choice, or both
    /// (`b) W_hh`; a letter with another choice's text is no choice).
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
        if let choice = choices.first(where: { ExpectedAnswer.normalized($0.text) == given }) { return choice.letter }
        // The letter and the choice's text together, as printed: `b) W_hh`, `(b) W_hh`, `b. W_hh`.
        var rest = Substring(given)
        if rest.hasPrefix("(") { rest = rest.dropFirst() }
        guard let letter = rest.first, rest.dropFirst().first == ")" || rest.dropFirst().first == "." else { return nil }
        rest = rest.dropFirst(2)
        return choices.first { $0.letter == letter && ExpectedAnswer.normalized($0.text) == String(rest) }?.letter
    }

    /// A number without trailing zeros: `1.386`, `4`, `0.05`.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
