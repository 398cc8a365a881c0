import CharRNN
import Foundation
import Rendering

// `toy`: the lecture's scalar RNN written out (ToyRNN), and its report.

extension Commands {
    /// `toy [x1 x2 x3 …] [--whh W] …`: the toy run over the inputs and weights given (the lecture's by default).
    struct Toy: ShellCommand {
        static let name = "toy"
        static let summary = "the lecture's one-number RNN written out: h_t, the nested tanh, ∂h_T/∂h_t"
        static let help = """
            The scalar RNN h_t = tanh(a_t), a_t = w_xh x_t + w_hh h_{t−1} + b, with the lecture's
            w_hh = 3, w_xh = 2, b = 1, h_0 = 0 and inputs 1 0 1 unless you give others: its unrolled
            formula (h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)), every a_t and
            h_t, and ∂h_T/∂h_t as the product of the factors w_hh·(1 − h_k²), each one printed.
            Since 1 − h² ≤ 1, a saturated tanh (|h| near 1) makes its factor small whatever w_hh
            is, and |w_hh| < 1 makes every factor small: the gradient vanishes. --linear drops the
            tanh (h_t = a_t): every factor is w_hh, and with |w_hh| > 1 the gradient explodes as
            w_hh^(T−t). --clip C shows each gradient clipped by value to [−C, C] (min-char-rnn clips
            its parameter gradients, summed over the chunk, to [−5, 5] before each update).
            """
        static let arguments: [Argument] = [
            .list("x1 x2 x3 …"),
            .option("whh", "W", .number(-100...100), called: "--whh"),
            .option("wxh", "W", .number(-100...100), called: "--wxh"),
            .option("b", "B", .number(-100...100), called: "--b"),
            .option("h0", "H", .number(-100...100), called: "--h0"),
            .flag("linear"),
            .option("clip", "C", .number(0.000001...1_000_000), called: "--clip"),
        ]
        /// The inputs x_1 … x_T (the lecture's 1 0 1 when none are given).
        let inputs: [Double]
        let rnn: ToyRNN
        let h0: Double
        /// The value gradients are clipped to, if shown.
        let clip: Double?

        init(_ arguments: ParsedArguments) throws(CommandError) {
            let words = arguments.list("x1 x2 x3 …")
            guard words.count <= 30 else { throw CommandError("toy takes at most 30 inputs, not \(words.count)") }
            let inputs = try words.enumerated().map { i, x throws(CommandError) in
                try parseNumber(x, "x_\(i + 1)", in: -100...100)
            }
            self.inputs = inputs.isEmpty ? [1, 0, 1] : inputs
            rnn = ToyRNN(
                whh: arguments.number("whh") ?? 3, wxh: arguments.number("wxh") ?? 2, b: arguments.number("b") ?? 1,
                activation: arguments.flag("linear") ? .identity : .tanh)
            h0 = arguments.number("h0") ?? 0
            clip = arguments.number("clip")
        }

        func run(in session: Session) throws {
            let trace = rnn.run(inputs: inputs, h0: h0)
            session.output.line(toyReport(trace, clip: clip, style: session.style))
        }
    }
}

// MARK: - The toy

/// A number of the toy as a person writes it: `3`, `0.995`, `−1.25`, `6.1e+11`.
func toyNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x == x.rounded() && abs(x) < 1e6 { return (x < 0 ? "−" : "") + String(Int(abs(x))) }
    // Four significant digits, more when they would round a non-integer to one (h = 0.99998, not 1).
    var digits = 4
    var text = String(format: "%.\(digits)g", abs(x))
    while digits < 10, let shown = Double(text), shown == shown.rounded(), shown != abs(x) {
        digits += 1
        text = String(format: "%.\(digits)g", abs(x))
    }
    return (x < 0 ? "−" : "") + text
}

/// The toy written out: the recurrence, the unrolled formula, every a_t and h_t, every factor of
/// ∂h_T/∂h_t and their products, what saturation (or its absence) does, and clipping.
func toyReport(_ trace: ToyTrace, clip: Double?, style: Style) -> String {
    let rnn = trace.rnn, T = trace.steps
    let isTanh = rnn.activation == .tanh
    let w = toyNumber(rnn.whh), u = toyNumber(rnn.wxh), b = toyNumber(rnn.b)
    var lines: [String] = []
    lines.append(
        style.bold("the toy RNN") + ": one hidden number, "
            + (isTanh ? "h_t = tanh(a_t)" : "h_t = a_t (linear: no tanh)") + ", a_t = w_xh x_t + w_hh h_{t−1} + b")
    lines.append(
        "  w_hh = \(w), w_xh = \(u), b = \(b), h_0 = \(toyNumber(trace.h(0))); inputs x_1 … x_\(T) = "
            + trace.inputs.map(toyNumber).joined(separator: " "))
    lines.append("")
    lines.append(style.bold("unrolled"))
    lines.append("  " + trace.unrolled(step: T))
    let substituted = trace.unrolled(step: T, substitutingInputs: true)
    lines.append("  " + String(repeating: " ", count: "h_\(T)".count) + " = " + substituted.dropFirst("h_\(T) = ".count))
    lines.append("")
    lines.append(style.bold("forward") + ", t = 1 … \(T)")
    var rows: [[String]] = []
    for t in 1...T {
        let sum = "\(u)·\(toyNumber(trace.inputs[t - 1])) + \(w)·\(toyNumber(trace.h(t - 1))) + \(b)"
        var row = [String(t), toyNumber(trace.inputs[t - 1]), sum + " = " + toyNumber(trace.a(t))]
        if isTanh {
            row += [toyNumber(trace.h(t)), toyNumber(1 - trace.h(t) * trace.h(t))]
        } else {
            row += [toyNumber(trace.h(t))]
        }
        rows.append(row)
    }
    let forwardHeaders =
        ["t", "x_t", "a_t = w_xh·x_t + w_hh·h_{t−1} + b"] + (isTanh ? ["h_t = tanh(a_t)", "1 − h_t²"] : ["h_t = a_t"])
    lines.append(
        indented(table(headers: forwardHeaders, rows: rows, alignments: [.right, .right, .left, .right, .right], style: style)))
    lines.append("")
    let factorName = isTanh ? "w_hh·(1 − h_k²)" : "w_hh"
    lines.append(
        style.bold("backward")
            + ": ∂h_\(T)/∂h_t = Π_{k=t+1…\(T)} ∂h_k/∂h_{k−1}, one factor ∂h_k/∂h_{k−1} = \(factorName) per step back")
    var backRows: [[String]] = []
    let derivatives = trace.derivatives(to: T)
    for t in stride(from: T, through: 0, by: -1) {
        let factors = trace.factors(from: t, to: T)
        var written = factors.map { f in isTanh ? "\(w)·\(toyNumber(f.slope))" : w }
        if written.count > 6 {
            written = Array(written.prefix(4)) + ["… (\(written.count - 5) more)", written[written.count - 1]]
        }
        var row = [
            "∂h_\(T)/∂h_\(t)", factors.isEmpty ? "1 (nothing to carry)" : written.joined(separator: " × "),
            toyNumber(derivatives[t]),
        ]
        if let clip { row.append(toyNumber(ToyRNN.clip(derivatives[t], at: clip))) }
        backRows.append(row)
    }
    var backHeaders = ["", "factors (k = \(T) … t+1)", "product"]
    if let clip { backHeaders.append("clipped to ±\(toyNumber(clip))") }
    lines.append(indented(table(headers: backHeaders, rows: backRows, alignments: [.left, .left, .right, .right], style: style)))
    lines.append("")
    // What the numbers say.
    let all = trace.factors(from: 0, to: T)
    if isTanh {
        let saturated = all.filter(\.isSaturated).sorted { $0.step < $1.step }
        for f in saturated {
            lines.append(
                "h_\(f.step) = \(toyNumber(f.hidden)) is saturated: 1 − h² = \(toyNumber(f.slope)), so its factor is \(w)·\(toyNumber(f.slope)) = \(toyNumber(f.value)) —"
                    + " the tanh is flat there and passes almost no gradient back, whatever w_hh is")
        }
        if saturated.isEmpty {
            lines.append(
                "no h_k is saturated (all |h| < 0.95): each factor is |w_hh|·(1 − h²), at most |w_hh| = \(toyNumber(abs(rnn.whh)))"
            )
        }
    } else {
        lines.append("without the tanh nothing saturates: every factor is exactly w_hh = \(w), so ∂h_\(T)/∂h_t = \(w)^(\(T)−t)")
    }
    let total = derivatives[0]
    if abs(total) < 1 {
        lines.append(
            "∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient vanishes as it travels back; |w_hh| < 1 or a saturated tanh makes each factor small"
        )
    } else if abs(total) > 1 {
        lines.append("∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient explodes as it travels back, by |w_hh| > 1 at every step")
    } else {
        lines.append("∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient neither grows nor shrinks")
    }
    if let clip {
        lines.append(
            "clipping by value keeps each gradient in [−\(toyNumber(clip)), \(toyNumber(clip))]: the sign stays, the size is capped;"
                + " it stops an explosion, and does nothing for a gradient that vanished")
    }
    lines.append(
        style.dim("try: toy --whh 0.5 (vanishing), toy 1 0 1 0 1 0 --linear (exploding), toy --linear --clip 5 (clipping)"))
    return lines.joined(separator: "\n")
}

/// Every line of `text` indented by two spaces.
func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
}
