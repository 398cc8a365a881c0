import Foundation
import Testing

@testable import Lessons

/// Numeric answers as people write them (issue 12, item 5).
@Suite struct AnswerFormTests {
    /// Each form, and the value it must read as (nil: not a number).
    static let forms: [(String, Double?)] = [
        ("1.39", 1.39), ("ln 4", log(4)), ("log(4)", log(4)), ("LN4", log(4)), ("1/1024", 1.0 / 1024),
        ("0.5^10", pow(0.5, 10)), ("0.5**10", pow(0.5, 10)), ("3*0.009866", 3 * 0.009866), ("3 × 0.009866", 3 * 0.009866),
        ("10,000", 10000), ("10 000", 10000), ("1,000,000", 1e6), ("four", 4), ("twenty-four", 24), ("ten thousand", 10000),
        ("−ln(1/4)", log(4)), ("-ln(1/4)", log(4)), ("2 ln 2", 2 * log(2)), ("2·ln 4/15", 2 * log(4) / 15),
        ("log10(1000)", 3), ("log2 1024", 10), ("log 100", log(100)), ("exp(1)", M_E), ("e", M_E), ("e^-1", exp(-1)),
        ("sqrt(16)", 4), ("√2", 2.0.squareRoot()), ("tanh(3)", tanh(3)), ("2π", 2 * Double.pi), ("pi/2", Double.pi / 2),
        ("1e-3", 0.001), ("2.5E4", 25000), ("1e−3", 0.001), ("-2^2", -4), ("2^3^2", 512), ("2^-1", 0.5), ("50%", 0.5),
        ("(1 + 2) * 3", 9), ("1 - 2 - 3", -4), ("8/2/2", 2), ("≈ 1.39", 1.39), ("0.95^24", pow(0.95, 24)), ("3²", 9),
        ("ln 2^3", log(8)), ("e^(24 · ln 0.95)", pow(0.95, 24)), (".5", 0.5), ("+3", 3),
        // With words of approximation and the losses' unit:
        ("about 1.39", 1.39), ("About ≈ 1.39", 1.39), ("roughly ln 4", log(4)), ("약 4.2", 4.2), ("1.39 nats", 1.39),
        ("ln 4 nats", log(4)), ("4.17 nats per character", 4.17), ("4.17nats.", 4.17), ("about 4.2 nats", 4.2),
        // Not numbers:
        ("", nil), ("abc", nil), ("1,5", nil), ("2 3", nil), ("ln", nil), ("(1", nil), ("1)", nil), ("10^400", nil),
        ("ln(-1)", nil), ("1/0", nil), ("nan", nil), ("inf", nil), ("*3", nil), ("a", nil),
        ("1.39 bits", nil), ("about", nil), ("nats", nil), ("aboutness 3", nil), ("1.39 gnats", nil),
    ]

    @Test(arguments: forms) func readsForm(_ form: String, _ expected: Double?) {
        let read = ExpectedAnswer.number(in: form)
        if let expected {
            #expect(
                read.map { abs($0 - expected) <= 1e-12 * max(1, abs(expected)) } == true,
                "\(form) read as \(String(describing: read))")
        } else {
            #expect(read == nil, "\(form) read as \(String(describing: read))")
        }
    }

    @Test func rightValueInAnotherFormIsRight() {
        let loss = ExpectedAnswer.number(1.386, tolerance: 0.02)
        for form in ["ln 4", "log(4)", "−ln(1/4)", "2 ln 2", "1.39", "log2(4) * ln 2"] { #expect(loss.accepts(form), "\(form)") }
        #expect(ExpectedAnswer.number(0.000977, tolerance: 0.00005).accepts("1/1024"))
        #expect(ExpectedAnswer.number(0.000977, tolerance: 0.00005).accepts("0.5^10"))
        #expect(ExpectedAnswer.number(0.0296, tolerance: 0.001).accepts("3*0.009866"))
        #expect(ExpectedAnswer.number(10000, tolerance: 0).accepts("10,000"))
        #expect(ExpectedAnswer.number(10000, tolerance: 0).accepts("100000*5/50"))
        #expect(ExpectedAnswer.number(4, tolerance: 0).accepts("four"))
        #expect(ExpectedAnswer.number(729, tolerance: 0).accepts("3^6"))
        #expect(!ExpectedAnswer.number(729, tolerance: 0).accepts("3^6.01"))
    }

    @Test func feedbackSaysTooHighOrTooLowOrNotANumber() {
        let loss = ExpectedAnswer.number(1.386, tolerance: 0.02)
        #expect(loss.numericFeedback(on: "ln 5") == "ln 5 = 1.609 is too high.")
        #expect(loss.numericFeedback(on: "ln 3") == "ln 3 = 1.099 is too low.")
        #expect(loss.numericFeedback(on: "2") == "2 is too high.")
        #expect(loss.numericFeedback(on: "-1.386") == "-1.386 is too low.")
        #expect(loss.numericFeedback(on: "ln 4") == nil)
        let garbage = loss.numericFeedback(on: "banana") ?? ""
        #expect(garbage.hasPrefix("Not a number: “banana”") && !garbage.contains("\n"))
        #expect(loss.numericFeedback(on: "1,5")?.contains("decimals take a point") == true)
        #expect(loss.numericFeedback(on: "1.39.") == nil)  // a full stop ends the sentence
        #expect(loss.numericFeedback(on: "1\u{1B}[31m") == "Not a number: “U+1B” is not part of a number.")
        #expect(ExpectedAnswer.choice("b").numericFeedback(on: "a") == nil)
        #expect(ExpectedAnswer.text(["f_t"]).numericFeedback(on: "3") == nil)
    }

    @Test func choicesAndTextsKeepWorking() {
        let choices = [Choice(letter: "a", text: "W_xh"), Choice(letter: "b", text: "W_hh")]
        #expect(ExpectedAnswer.choice("b").accepts("b)", choices: choices))
        #expect(ExpectedAnswer.choice("b").accepts("W_hh", choices: choices))
        #expect(!ExpectedAnswer.choice("b").accepts("a", choices: choices))
        // The letter and its text, as the choice is printed; a letter with the other text is no answer.
        for form in ["b) W_hh", "(b) W_hh", "B) w_hh", "b. W_hh"] {
            #expect(ExpectedAnswer.choice("b").accepts(form, choices: choices), "\(form)")
        }
        #expect(!ExpectedAnswer.choice("b").accepts("b) W_xh", choices: choices))
        #expect(!ExpectedAnswer.choice("a").accepts("b) W_xh", choices: choices))
        #expect(ExpectedAnswer.text(["ln 4", "log 4"]).accepts("LN 4"))
        #expect(!ExpectedAnswer.text(["ln 4"]).accepts("1.386"))
    }

    @Test func shortTextKeepsFourSignificantDigits() {
        #expect(ArithmeticExpression.shortText(log(5)) == "1.609")
        #expect(ArithmeticExpression.shortText(1.0 / 1024) == "0.0009766")
        #expect(ArithmeticExpression.shortText(10000) == "10000")
        #expect(ArithmeticExpression.shortText(0.5) == "0.5")
        #expect(ArithmeticExpression.shortText(123456.7) == "123457")
    }

    /// Random strings over the characters the parser knows (and some it does not) never trap, and
    /// whatever reads as a number is finite.
    @Test func randomStringsNeverCrash() {
        var generator = FuzzGenerator(state: 12)
        let alphabet = Array("0123456789.,+-−*×/^%()e lnogxpqrtsπ√²é1,000 ")
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 24)
            let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            if let value = ExpectedAnswer.number(in: text) { #expect(value.isFinite, "\(text)") }
        }
        // Bounds: long and deeply nested inputs are refused, not recursed into.
        #expect(ExpectedAnswer.number(in: String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)) == nil)
        #expect(ExpectedAnswer.number(in: String(repeating: "-", count: 100) + "1") == nil)
        #expect(ExpectedAnswer.number(in: String(repeating: "1+", count: 150) + "1") == nil)
        #expect(ExpectedAnswer.number(in: String(repeating: "9", count: 400)) == nil)
        #expect(ExpectedAnswer.number(in: "9^9^9^9") == nil)
    }
}

/// SplitMix64, for the fuzz test's strings.
private struct FuzzGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
