import Foundation

/// A number as a learner writes it: `1.39`, `ln 4`, `−ln(1/4)`, `0.5^10`, `3*0.009866`, `10,000`,
/// `2 ln 2`, `e^-1`, `50%`, `four`.
///
/// The grammar (a small recursive-descent parser, bounded: at most ``maximumLength`` characters and
/// ``maximumDepth`` nested parentheses, functions and signs; it never traps on any input):
///
///     sum      = product { ("+" | "-" | "−") product }
///     product  = unary { ("*" | "×" | "·" | "/" | "÷") unary | implicit }   implicit: `2 ln 2`, `2(3)`, `2π`
///     unary    = ("-" | "−" | "+") unary | power
///     power    = postfix [ ("^" | "**") unary ]                            right-associative: 2^3^2 = 2^9
///     postfix  = primary [ "%" | "²" | "³" ]
///     primary  = number | constant | function argument | "(" sum ")"
///     function = ln | log | log10 | log2 | exp | sqrt | √ | tanh | abs     argument: "(" sum ")" or a power (`ln 2^3` = ln 8)
///
/// Decisions: `log` is the natural logarithm (as in numpy, PyTorch and most machine-learning
/// texts); `log10` and `log2` name the others. A comma groups thousands only before exactly three
/// digits (`10,000`, `1,000,000`); any other comma (`1,5`) is refused, since it may be a decimal
/// comma: write `1.5`. Digits grouped by single spaces in threes (`10 000`) are one number.
/// A number before a function, a constant or a parenthesis multiplies (`2 ln 2`); two plain numbers
/// side by side (`2 3`) are refused. `-2^2` is −4. `e` is Euler's number and `pi` (or `π`) is π;
/// `%` divides by 100. A whole answer in words (`four`, `twenty-four`, `ten thousand`) is a number too.
/// A result that is infinite or not a number (`10^400`, `ln(-1)`) is refused.
public struct ArithmeticExpression: Sendable, Equatable {
    /// The value.
    public let value: Double
    /// True when the text was more than a plain number (an operator, a function, a constant,
    /// words): feedback then shows the value it computed (`ln 5 = 1.609`).
    public let isArithmetic: Bool

    /// The longest text read.
    public static let maximumLength = 200
    /// The deepest nesting of parentheses, functions and signs.
    public static let maximumDepth = 32

    /// Why a text is not a number, in a few words (`"ln" needs a value after it`).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reason, in a few words.
        public let description: String
    }

    /// Words of approximation a learner may put before a number (`about 1.39`, `약 1.39`): ignored,
    /// as `≈` is.
    static let approximately = ["about", "approximately", "approx.", "approx", "around", "roughly", "nearly", "ca.", "약"]

    /// The unit of the lessons' losses, which a learner may write after a number (`1.39 nats`,
    /// `4.17 nats per character`): ignored. Other units (`bits`) are not, so they read as wrong.
    static let lossUnits = [
        "nats per character", "nats per char", "nats/character", "nats/char", "nat per character", "nats", "nat",
    ]

    /// Reads `text` as a number or an arithmetic expression. A leading `≈`, `~`, `=` or word of
    /// approximation (`about`) and a trailing `nats` are ignored.
    public static func evaluate(_ text: String) -> Result<ArithmeticExpression, Failure> {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for word in approximately where trimmed.lowercased().hasPrefix(word + " ") {
            trimmed = String(trimmed.dropFirst(word.count)).trimmingCharacters(in: .whitespaces)
        }
        for prefix in ["≈", "~", "="] where trimmed.hasPrefix(prefix) {
            trimmed = String(trimmed.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        while trimmed.count > 1, trimmed.hasSuffix(".") { trimmed.removeLast() }  // a sentence's full stop: `1.39.`
        for unit in lossUnits where trimmed.count > unit.count && trimmed.lowercased().hasSuffix(unit) {
            let before = trimmed.dropLast(unit.count)
            guard before.last?.isWhitespace == true || before.last?.isNumber == true else { continue }
            trimmed = before.trimmingCharacters(in: .whitespaces)
            break
        }
        guard !trimmed.isEmpty else { return .failure(Failure(description: "nothing was typed")) }
        guard trimmed.count <= maximumLength else {
            return .failure(Failure(description: "longer than \(maximumLength) characters"))
        }
        if let value = Double(trimmed) {
            guard value.isFinite else { return .failure(Failure(description: "not a finite number")) }
            return .success(ArithmeticExpression(value: value, isArithmetic: false))
        }
        if let value = NumberWords.value(of: trimmed) {
            return .success(ArithmeticExpression(value: value, isArithmetic: true))
        }
        var parser = Parser(tokens: [], position: 0, depth: 0)
        do throws(Failure) {
            parser.tokens = try tokenize(trimmed)
            let value = try parser.sum()
            guard parser.position == parser.tokens.count else {
                throw Failure(description: "“\(parser.tokens[parser.position].text)” was not expected there")
            }
            guard value.isFinite else { throw Failure(description: "the result is infinite or undefined") }
            let kinds = parser.tokens.map(\.kind)
            let plain = kinds == [.number] || kinds == [.minus, .number]
            return .success(ArithmeticExpression(value: value, isArithmetic: !plain))
        } catch {
            return .failure(error)
        }
    }

    /// `value` with four significant digits, without trailing zeros: `1.609`, `0.0009766`, `10000`,
    /// `1.5e+12`.
    public static func shortText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let magnitude = abs(value)
        guard magnitude >= 1e-4, magnitude < 1e6 else { return String(format: "%.4g", value) }
        let decimals = max(0, 3 - Int(log10(magnitude).rounded(.down)))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    // MARK: - Tokens

    /// A piece of the text.
    struct Token: Equatable {
        enum Kind: Equatable {
            case number, plus, minus, times, divide, power, percent, open, close, function, constant
        }
        var kind: Kind
        var text: String
        var value: Double = 0
    }

    /// The function `name` applied to `x`, or nil when there is no such function.
    static func apply(_ name: String, to x: Double) -> Double? {
        switch name {
        case "ln", "log": return log(x)  // `log` is the natural logarithm, as in numpy and PyTorch
        case "log10": return log10(x)
        case "log2": return log2(x)
        case "exp": return exp(x)
        case "sqrt", "√": return x.squareRoot()
        case "tanh": return tanh(x)
        case "abs": return abs(x)
        default: return nil
        }
    }

    /// The constants, by name.
    static let constants: [String: Double] = ["e": M_E, "pi": Double.pi, "π": Double.pi]

    /// Splits `text` into tokens; numbers are read with their thousands groups.
    static func tokenize(_ text: String) throws(Failure) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < characters.count && characters[i].isASCII && characters[i].isNumber }
        func digits(from i: Int) -> Int {
            var j = i
            while isDigit(j) { j += 1 }
            return j - i
        }
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
                continue
            }
            if isDigit(index) || (character == "." && isDigit(index + 1)) {
                var number = ""
                // The integer part, with thousands groups: `10,000`, `10 000`.
                let leading = digits(from: index)
                number += String(characters[index..<index + leading])
                index += leading
                while index < characters.count, [",", " ", "\u{A0}", "\u{202F}", "\u{2009}"].contains(characters[index]) {
                    let separator = characters[index]
                    let group = digits(from: index + 1)
                    if group == 3, leading <= 3, !isDigit(index + 4) {
                        number += String(characters[index + 1..<index + 4])
                        index += 4
                    } else if separator == "," {
                        throw Failure(description: "a comma in a number groups thousands (10,000); decimals take a point (1.5)")
                    } else {
                        break
                    }
                }
                if index < characters.count, characters[index] == "." {
                    number += "."
                    index += 1
                    let fraction = digits(from: index)
                    number += String(characters[index..<index + fraction])
                    index += fraction
                }
                // e-notation: `1e-3`, `2.5E4` (an `e` not followed by digits is the constant).
                if index < characters.count, characters[index] == "e" || characters[index] == "E" {
                    var j = index + 1
                    var sign = ""
                    if j < characters.count, ["+", "-", "−"].contains(characters[j]) {
                        sign = characters[j] == "+" ? "" : "-"
                        j += 1
                    }
                    let exponent = digits(from: j)
                    if exponent > 0 {
                        number += "e" + sign + String(characters[j..<j + exponent])
                        index = j + exponent
                    }
                }
                guard let value = Double(number) else { throw Failure(description: "“\(number)” is not a number") }
                tokens.append(Token(kind: .number, text: number, value: value))
                continue
            }
            if character.isLetter {
                // A name is a run of ASCII letters (`ln4` is ln 4), or one other letter (`π`);
                // `log10` and `log2` written together are the base-10 and base-2 logarithms.
                var j = index
                while j < characters.count, characters[j].isASCII, characters[j].isLetter { j += 1 }
                if j == index { j = index + 1 }
                var name = String(characters[index..<j]).lowercased()
                if name == "log" {
                    for base in ["10", "2"] where digits(from: j) == base.count && String(characters[j..<j + base.count]) == base
                    {
                        name += base
                        j += base.count
                        break
                    }
                }
                if apply(name, to: 1) != nil {
                    tokens.append(Token(kind: .function, text: name))
                } else if let value = constants[name] {
                    tokens.append(Token(kind: .constant, text: name, value: value))
                } else {
                    throw Failure(description: "“\(name)” is not a function or a constant (ln, log, exp, sqrt, e, pi work)")
                }
                index = j
                continue
            }
            let kind: Token.Kind
            var length = 1
            switch character {
            case "+": kind = .plus
            case "-", "−", "–": kind = .minus
            case "*" where index + 1 < characters.count && characters[index + 1] == "*":
                kind = .power
                length = 2
            case "*", "×", "·", "⋅": kind = .times
            case "/", "÷": kind = .divide
            case "^": kind = .power
            case "%": kind = .percent
            case "(", "[": kind = .open
            case ")", "]": kind = .close
            case "√":
                tokens.append(Token(kind: .function, text: "√"))
                index += 1
                continue
            case "²", "³":
                tokens.append(Token(kind: .power, text: "^"))
                tokens.append(Token(kind: .number, text: character == "²" ? "2" : "3", value: character == "²" ? 2 : 3))
                index += 1
                continue
            default:
                // A character that would not show (a control or format character) is named by its code.
                let visible = character.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) }
                let shown =
                    visible
                    ? String(character)
                    : character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
                throw Failure(description: "“\(shown)” is not part of a number")
            }
            tokens.append(Token(kind: kind, text: String(characters[index..<index + length])))
            index += length
        }
        return tokens
    }

    // MARK: - Parsing

    /// The recursive-descent parser over the tokens; every recursion counts against the depth limit.
    struct Parser {
        var tokens: [Token]
        var position: Int
        var depth: Int

        var next: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func enter() throws(Failure) {
            depth += 1
            guard depth <= ArithmeticExpression.maximumDepth else { throw Failure(description: "nested too deeply") }
        }

        mutating func sum() throws(Failure) -> Double {
            var value = try product()
            while let token = next, token.kind == .plus || token.kind == .minus {
                position += 1
                let right = try product()
                value = token.kind == .plus ? value + right : value - right
            }
            return value
        }

        mutating func product() throws(Failure) -> Double {
            var value = try unary()
            while let token = next {
                switch token.kind {
                case .times, .divide:
                    position += 1
                    let right = try unary()
                    value = token.kind == .times ? value * right : value / right
                case .function, .constant, .open:
                    value *= try power()  // implicit multiplication: `2 ln 2`, `2(3)`, `2π`
                case .number:
                    throw Failure(description: "two numbers side by side (\(tokens[position - 1].text) \(token.text))")
                default:
                    return value
                }
            }
            return value
        }

        mutating func unary() throws(Failure) -> Double {
            guard let token = next, token.kind == .minus || token.kind == .plus else { return try power() }
            try enter()
            defer { depth -= 1 }
            position += 1
            let value = try unary()
            return token.kind == .minus ? -value : value
        }

        mutating func power() throws(Failure) -> Double {
            let base = try postfix()
            guard let token = next, token.kind == .power else { return base }
            try enter()
            defer { depth -= 1 }
            position += 1
            return pow(base, try unary())
        }

        mutating func postfix() throws(Failure) -> Double {
            var value = try primary()
            while let token = next, token.kind == .percent {
                position += 1
                value /= 100
            }
            return value
        }

        mutating func primary() throws(Failure) -> Double {
            guard let token = next else { throw Failure(description: "it ends where a number should come") }
            switch token.kind {
            case .number, .constant:
                position += 1
                return token.value
            case .open:
                try enter()
                defer { depth -= 1 }
                position += 1
                let value = try sum()
                guard let close = next, close.kind == .close else { throw Failure(description: "a parenthesis is not closed") }
                position += 1
                return value
            case .function:
                try enter()
                defer { depth -= 1 }
                position += 1
                guard next != nil else { throw Failure(description: "“\(token.text)” needs a value after it") }
                // `ln 2^3` is ln 8; `-` after a function: `exp -1`.
                let argument = try unary()
                return ArithmeticExpression.apply(token.text, to: argument) ?? .nan
            default:
                throw Failure(description: "“\(token.text)” is not where a number should be")
            }
        }
    }
}

/// Small numbers written in English words: `four`, `twenty-four`, `a hundred`, `ten thousand`.
enum NumberWords {
    static let units: [String: Double] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
        "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Double] = ["hundred": 100, "thousand": 1000, "million": 1_000_000]

    /// The value of `text` when it is all number words, else nil.
    static func value(of text: String) -> Double? {
        let words = text.lowercased().replacingOccurrences(of: "-", with: " ").split(whereSeparator: \.isWhitespace)
            .map(String.init).filter { $0 != "and" }
        guard !words.isEmpty, words.count <= 8 else { return nil }
        var total = 0.0, current = 0.0, sawNumber = false
        for (index, word) in words.enumerated() {
            if let value = units[word] {
                current += value
                sawNumber = true
            } else if word == "a" && index == 0 {
                current = 1
            } else if let scale = scales[word] {
                if current == 0 { current = 1 }
                if scale == 100 {
                    current *= scale
                } else {
                    total += current * scale
                    current = 0
                }
                sawNumber = true
            } else {
                return nil
            }
        }
        return sawNumber ? total + current : nil
    }
}
