// The lecture's toy: a recurrent network with one scalar hidden unit, small enough to write out.
//
//   a_t = w_xh x_t + w_hh h_{t−1} + b          h_t = tanh(a_t)        (t = 1 … T, h_0 given)
//
// Unrolled, with the lecture's w_hh = 3, w_xh = 2, b = 1:
//   h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)
// and by the chain rule, one factor per step back:
//   ∂h_k/∂h_{k−1} = w_hh (1 − h_k²)           ∂h_T/∂h_t = Π_{k=t+1…T} w_hh (1 − h_k²)
//
// Since 0 < 1 − h² ≤ 1, every factor is at most |w_hh| in size: with |w_hh| < 1 the product
// vanishes geometrically, and a saturated tanh (|h| near 1) makes a factor small whatever w_hh
// is — so with tanh the product cannot explode for long. Exploding is the story of the
// unsquashed, linear recurrence h_t = w_hh h_{t−1} + …, whose factors are all exactly w_hh:
// ∂h_T/∂h_t = w_hh^{T−t}. `ToyRNN(activation: .identity)` is that recurrence; clipping by value
// (`ToyRNN.clip`) is the lecture's remedy for the gradients it makes.
//
// Plain Double arithmetic throughout, so a test can check it against a hand calculation.

import Foundation

/// The squashing function of the toy.
public enum ToyActivation: String, Sendable, CaseIterable, Codable {
    /// h = tanh(a), as in the lecture's RNN.
    case tanh
    /// h = a: the linear recurrence, where gradients can explode.
    case identity
}

/// The scalar RNN h_t = tanh(w_xh x_t + w_hh h_{t−1} + b).
public struct ToyRNN: Sendable, Equatable {
    /// w_hh, the recurrent weight (the lecture's 3).
    public var whh: Double
    /// w_xh, the input weight (the lecture's 2).
    public var wxh: Double
    /// b, the bias (the lecture's 1).
    public var b: Double
    /// tanh, or identity for the linear recurrence.
    public var activation: ToyActivation

    /// The lecture's toy by default: w_hh = 3, w_xh = 2, b = 1, tanh.
    public init(whh: Double = 3, wxh: Double = 2, b: Double = 1, activation: ToyActivation = .tanh) {
        self.whh = whh
        self.wxh = wxh
        self.b = b
        self.activation = activation
    }

    /// Runs the toy over x_1 … x_T from h_0.
    public func run(inputs: [Double], h0: Double = 0) -> ToyTrace {
        var hidden = [h0], preactivations: [Double] = []
        for x in inputs {
            let a = wxh * x + whh * hidden[hidden.count - 1] + b  // a_t = w_xh x_t + w_hh h_{t−1} + b
            preactivations.append(a)
            hidden.append(activation == .tanh ? Foundation.tanh(a) : a)  // h_t = tanh(a_t)
        }
        return ToyTrace(rnn: self, inputs: inputs, hidden: hidden, preactivations: preactivations)
    }

    /// Clipping by value: the gradient g limited to [−C, C], as min-char-rnn clips at C = 5.
    /// Only the size changes, never the sign; NaN stays NaN.
    public static func clip(_ gradient: Double, at C: Double) -> Double {
        gradient.isNaN ? gradient : min(max(gradient, -abs(C)), abs(C))
    }
}

/// One factor ∂h_k/∂h_{k−1} = w_hh · (1 − h_k²) of the product ∂h_T/∂h_t.
public struct ToyFactor: Sendable, Equatable {
    /// k, the step the factor belongs to (it carries the gradient from h_k back to h_{k−1}).
    public var step: Int
    /// w_hh.
    public var whh: Double
    /// h_k.
    public var hidden: Double
    /// The activation's slope at step k: 1 − h_k² for tanh, 1 for identity.
    public var slope: Double

    /// w_hh · slope.
    public var value: Double { whh * slope }

    /// Whether the tanh is saturated here (slope below 0.1, i.e. |h_k| above about 0.95): the
    /// factor is small whatever w_hh is.
    public var isSaturated: Bool { slope < 0.1 }
}

/// The toy's values at every step, its unrolled formula and its derivatives.
public struct ToyTrace: Sendable, Equatable {
    /// The network that ran.
    public let rnn: ToyRNN
    /// x_1 … x_T (index t − 1).
    public let inputs: [Double]
    /// h_0 … h_T (index t).
    public let hidden: [Double]
    /// a_1 … a_T (index t − 1).
    public let preactivations: [Double]

    /// T, the number of steps.
    public var steps: Int { inputs.count }

    /// h_t for t = 0 … T.
    public func h(_ t: Int) -> Double { hidden[t] }

    /// a_t for t = 1 … T.
    public func a(_ t: Int) -> Double { preactivations[t - 1] }

    /// The factors ∂h_k/∂h_{k−1} for k = T, T−1, …, t+1 (from the end back, as the gradient
    /// travels): their product is ∂h_T/∂h_t. Empty when t = T.
    public func factors(from t: Int, to T: Int) -> [ToyFactor] {
        precondition(0 <= t && t <= T && T <= steps, "need 0 ≤ t ≤ T ≤ \(steps)")
        return stride(from: T, to: t, by: -1).map { k in
            let h = hidden[k]
            return ToyFactor(step: k, whh: rnn.whh, hidden: h, slope: rnn.activation == .tanh ? 1 - h * h : 1)
        }
    }

    /// ∂h_T/∂h_t = Π_{k=t+1…T} w_hh (1 − h_k²); 1 when t = T.
    public func derivative(from t: Int, to T: Int) -> Double {
        factors(from: t, to: T).reduce(1) { $0 * $1.value }
    }

    /// ∂h_T/∂h_t for t = 0 … T (index t): how the sensitivity falls off (or grows) with distance.
    public func derivatives(to T: Int) -> [Double] {
        (0...T).map { derivative(from: $0, to: T) }
    }

    /// The unrolled formula of h_T: `h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)`.
    public var unrolled: String { unrolled(step: steps) }

    /// The unrolled formula of h_t (t ≥ 1), written from the weights; with `substitutingInputs`
    /// the x's and h_0 are replaced by their values: `h_2 = tanh(2·0 + 3 tanh(2·1 + 3·0 + 1) + 1)`.
    public func unrolled(step t: Int, substitutingInputs: Bool = false) -> String {
        precondition(t >= 0 && t <= steps, "no step \(t) in \(steps)")
        return "h_\(t) = " + expression(t, substituting: substitutingInputs)
    }

    /// The expression for h_t, innermost h_0.
    private func expression(_ t: Int, substituting: Bool) -> String {
        if t == 0 { return substituting ? ToyTrace.format(hidden[0]) : "h_0" }
        let x = substituting ? ToyTrace.format(inputs[t - 1]) : "x_\(t)"
        let inner = expression(t - 1, substituting: substituting)
        let terms: [(weight: Double, factor: String, isApplication: Bool)] = [
            (rnn.wxh, x, false),
            (rnn.whh, inner, t > 1),
        ]
        var sum = ""
        for term in terms where term.weight != 0 {
            let magnitude = abs(term.weight)
            let product: String
            if term.isApplication {  // 3 tanh(…); for identity, 3(…)
                product =
                    (magnitude == 1 ? "" : ToyTrace.format(magnitude) + (rnn.activation == .tanh ? " " : ""))
                    + (rnn.activation == .tanh ? term.factor : "(" + term.factor + ")")
            } else if substituting {  // 2·1, 3·0
                product = magnitude == 1 ? term.factor : ToyTrace.format(magnitude) + "·" + term.factor
            } else {  // 2x_3, 3h_0
                product = (magnitude == 1 ? "" : ToyTrace.format(magnitude)) + term.factor
            }
            sum += sum.isEmpty ? (term.weight < 0 ? "−" : "") + product : (term.weight < 0 ? " − " : " + ") + product
        }
        if rnn.b != 0 {
            let bias = ToyTrace.format(abs(rnn.b))
            sum += sum.isEmpty ? (rnn.b < 0 ? "−" : "") + bias : (rnn.b < 0 ? " − " : " + ") + bias
        }
        if sum.isEmpty { sum = "0" }
        return rnn.activation == .tanh ? "tanh(" + sum + ")" : sum
    }

    /// A number as a person writes it: `3`, `0.5`, `−1.25`, `0.333` (at most 4 significant digits).
    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return (x < 0 ? "−" : "") + String(Int(abs(x))) }
        let text = String(format: "%.4g", abs(x))
        return (x < 0 ? "−" : "") + text
    }
}
