// The analyses of Sources/CharRNN/Analysis: hidden-state recording, text features, cell search,
// gradient flow and the toy — each against something written out plainly in the test.

import Foundation
import Testing

@testable import CharRNN

// MARK: - Hidden-state recording

@Suite struct HiddenStateRecordingTests {
    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func chunkedRecordingEqualsOneForwardPass(cell: CellKind) throws {
        var generator = SplitMix64(seed: 5)
        let text = "if (a) { b = \"c\"; }\n"
        let vocabulary = try Vocabulary(of: text, order: .sorted)
        let model = Model(
            vocabulary: vocabulary, cell: cell, hiddenSize: 6, layers: 2, initialization: .pytorch, using: &generator)
        let chunked = try HiddenStateRecording(model: model, text: text, chunkLength: 3)
        let whole = try HiddenStateRecording(model: model, text: text, chunkLength: 1000)
        let cache = model.forward(
            inputs: try vocabulary.encode(text), targets: nil, batchSize: 1, from: .zero(model.shape, batchSize: 1))
        #expect(chunked.steps == text.count)
        #expect(chunked.characters == Array(text))
        for k in 0..<2 {
            for t in [0, 4, text.count - 1] {
                for j in 0..<6 {
                    let unit = UnitID(layer: k, kind: .hidden, index: j)
                    #expect(abs(chunked.values(of: unit)[t] - cache.hidden(layer: k, step: t)[j]) < 1e-5)
                    #expect(abs(whole.values(of: unit)[t] - cache.hidden(layer: k, step: t)[j]) < 1e-5)
                    if cell == .lstm {
                        let c = UnitID(layer: k, kind: .cell, index: j)
                        #expect(abs(chunked.values(of: c)[t] - cache.cell(layer: k, step: t)[j]) < 1e-5)
                    }
                }
            }
        }
        #expect(chunked.units.count == (cell == .lstm ? 24 : 12))
        if cell == .rnn {
            #expect(chunked.gateValues("f", index: 0) == nil)
        } else {
            let name = cell.gateNames[1]
            let gate = try #require(chunked.gateValues(name, layer: 1, index: 2))
            let cached = cache.slice(cache.layers[1].gates, step: 7, width: cell.gateCount * 6)[6 + 2]
            #expect(abs(gate[7] - cached) < 1e-5)
        }
    }

    @Test func unknownCharactersAreAnError() throws {
        var generator = SplitMix64(seed: 1)
        let model = Model(vocabulary: try Vocabulary(characters: ["a", "b"]), hiddenSize: 2, using: &generator)
        #expect(throws: VocabularyError.self) { try HiddenStateRecording(model: model, text: "abc") }
    }

    @Test func unitNamesRoundTrip() {
        #expect(UnitID(parsing: "12") == UnitID(index: 12))
        #expect(UnitID(parsing: "c7") == UnitID(kind: .cell, index: 7))
        #expect(UnitID(parsing: "l1.h3") == UnitID(layer: 1, index: 3))
        #expect(UnitID(parsing: "l2.5") == UnitID(layer: 2, index: 5))
        #expect(UnitID(parsing: "x3") == nil)
        #expect(UnitID(parsing: "-1") == nil)
        for unit in [UnitID(index: 4), UnitID(layer: 1, kind: .cell, index: 9)] {
            #expect(UnitID(parsing: unit.description) == unit)
        }
    }
}

// MARK: - Text features

@Suite struct TextFeatureTests {
    /// The signal as a string of digits, one per character, to compare with a hand-made line.
    func digits(_ feature: TextFeature, _ text: String) throws -> String {
        try feature.signal(for: text).map { String(Int($0)) }.joined()
    }

    @Test func quotes() throws {
        // The opening quote is inside, the closing one is not (the state after reading it).
        #expect(try digits(.quote, #"a "bc" d"#) == "00111000")
        // An escaped quote stays inside; a character literal '"' opens nothing.
        #expect(try digits(.quote, #""a\"b" '"' x"#) == "111110000000")
        // Quotes inside a comment are text, not strings.
        #expect(try digits(.quote, #"/* "x" */ "y""#) == "0000000000110")
        // Prose apostrophes do nothing.
        #expect(try digits(.quote, #"o'er "'tis" x"#) == "0000011111000")
    }

    @Test func ifConditions() throws {
        let text = "if (a && (b || c)) x; f(y);"
        #expect(try digits(.ifCondition, text) == "000111111111111110000000000")
        #expect(try digits(.ifCondition, "} else if(x(1)) {") == "00000000011111000")
        // Not the keyword: elif, notif; a ")" inside a string does not close the condition.
        #expect(try digits(.ifCondition, "elif (a) notif(b)") == "00000000000000000")
        #expect(try digits(.ifCondition, #"if (s == ")") y"#) == "000111111111000")
    }

    @Test func comments() throws {
        #expect(try digits(.comment, "x /* c */ y") == "00011111000")
        #expect(try digits(.comment, "a // b\nc") == "00011100")
        #expect(try digits(.comment, "/*/ still */x") == "0111111111100")
        #expect(try digits(.comment, #""/* no */" z"#) == "000000000000")
    }

    @Test func columnsIndentationAndBrackets() throws {
        #expect(try TextFeature.column.signal(for: "ab\ncde\n") == [1, 2, 0, 1, 2, 3, 0])
        #expect(try TextFeature.indentation.signal(for: "a\n  b\n\tc\n") == [0, 0, 2, 2, 2, 2, 8, 8, 8])
        #expect(try TextFeature.bracketDepth.signal(for: "f(a[1]) {\n}") == [0, 1, 1, 2, 2, 1, 0, 0, 1, 1, 0])
        // Brackets in strings and comments do not count; a stray closer does not go below 0.
        #expect(try TextFeature.bracketDepth.signal(for: #") "(" /*{*/ ("#) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func speechStarts() throws {
        let text = "FIRST CITIZEN:\nBefore we go.\nmore\n\nAll:\nSpeak.\nno: not a name\nx\n"
        let signal = try TextFeature.speechStart.signal(for: text)
        let marked = String(zip(text, signal).filter { $0.1 == 1 }.map(\.0))
        #expect(marked == "\nBefore we go.\nSpeak.")
        #expect(signal[text.count - 1] == 0)
    }

    @Test func regularExpressions() throws {
        #expect(try digits(.regex("[0-9]+"), "ab12c3") == "001101")
        #expect(try digits(.regex("^#.*$"), "x\n#inc\ny") == "00111100")
        // Characters outside the BMP and composed ones keep their place.
        #expect(try digits(.regex("b"), "😀ab한b") == "00101")
        #expect(throws: TextFeatureError.self) { try TextFeature.regex("(").signal(for: "x") }
    }

    @Test func names() {
        for feature in TextFeature.builtIns { #expect(TextFeature(name: feature.name) == feature) }
        #expect(TextFeature(name: "/[a-z]+/") == .regex("[a-z]+"))
        #expect(TextFeature(name: "nonsense") == nil)
        #expect(TextFeature.quote.isIndicator && !TextFeature.bracketDepth.isIndicator)
    }
}

// MARK: - Cell search

@Suite struct CellSearchTests {
    static let code = """
        int main(int argc, char **argv) {
          /* print the greeting */
          if (argc > 1 && (argv[1][0] == '-')) {
            printf("usage: %s [name]\\n", argv[0]);
            return 1;
          }
          printf("hello, \\"world\\"\\n"); // greet
          if (x) { puts("done"); }
          return 0;
        }

        """

    /// Hand-set hidden states: unit h5 is the quote indicator (+0.8 inside, −0.7 outside, with
    /// noise up to ±0.1); the other units are noise, or track something else (the column).
    @Test func plantedQuoteUnitRanksFirst() throws {
        let characters = Array(Self.code)
        let quote = try TextFeature.quote.signal(for: characters)
        let column = try TextFeature.column.signal(for: characters)
        var generator = SplitMix64(seed: 3)
        func noise(_ size: Float) -> Float { Float(generator.nextUnitDouble() * 2 - 1) * size }
        var units: [(unit: UnitID, values: [Float])] = (0..<8).map { j in
            (UnitID(index: j), characters.map { _ in noise(1) })
        }
        units[5].values = quote.map { ($0 > 0 ? 0.8 : -0.7) + noise(0.1) }
        units[2].values = column.map { tanh($0 / 20) + noise(0.05) }
        units.append((UnitID(kind: .cell, index: 0), quote.map { ($0 > 0 ? -2 : 1) + noise(0.5) }))  // inverted

        let ranking = CellSearch.rank(units: units, signal: quote, isIndicator: true, top: 3)
        #expect(ranking.count == 3)
        #expect(ranking[0].unit == UnitID(index: 5))
        #expect(ranking[0].score > 0.99)  // informedness: perfect separation is 1
        #expect(ranking[0].balancedAccuracy == 1)
        #expect(ranking[0].sign == 1)
        #expect(ranking[0].correlation > 0.95)
        let threshold = try #require(ranking[0].threshold)
        #expect(threshold > -0.6 && threshold < 0.7)
        // The inverted unit separates perfectly too, with sign −1.
        #expect(ranking[1].unit == UnitID(kind: .cell, index: 0))
        #expect(ranking[1].sign == -1 && ranking[1].score > 0.99 && ranking[1].correlation < -0.9)

        // For the column, a numeric feature, the score is |r| and the column unit wins.
        let byColumn = CellSearch.rank(units: units, signal: column, isIndicator: false, top: 1)
        #expect(byColumn[0].unit == UnitID(index: 2))
        #expect(byColumn[0].score > 0.9 && byColumn[0].threshold == nil)
    }

    @Test func bestThresholdOnARareFeature() throws {
        // Inside is 2 of 10: "always outside" would be 80% accurate but is 0.5 balanced.
        let inside = [false, false, true, true, false, false, false, false, false, false]
        let x: [Float] = [0.1, 0.2, 0.9, 0.7, 0.3, 0.8, 0.0, 0.1, 0.2, 0.3]
        let best = try #require(CellSearch.bestThreshold(x, inside: inside))
        // θ = 0.5 (midway between 0.3 and 0.7) catches both and lets one outside (0.8) through:
        // TPR 1, TNR 7/8. θ = 0.75 would lose the 0.7 inside and still let 0.8 through.
        #expect(abs(best.threshold - 0.5) < 1e-6 && best.sign == 1)
        #expect(abs(best.balancedAccuracy - (1 + 7.0 / 8) / 2) < 1e-6)
        #expect(CellSearch.bestThreshold(x, inside: Array(repeating: false, count: 10)) == nil)
    }

    /// A random untrained model tracks nothing. "Low" here: the best quote unit of 64 (h and c of a
    /// 32-unit LSTM, PyTorch init) has informedness below 0.6 and |r| below 0.6, where a planted
    /// unit scores above 0.99.
    @Test(arguments: [CellKind.rnn, .lstm])
    func randomModelScoresLow(cell: CellKind) throws {
        var generator = SplitMix64(seed: 42)
        let vocabulary = try Vocabulary(of: Self.code, order: .sorted)
        let model = Model(vocabulary: vocabulary, cell: cell, hiddenSize: 32, initialization: .pytorch, using: &generator)
        let recording = try HiddenStateRecording(model: model, text: Self.code)
        let ranking = try CellSearch.rank(recording, feature: .quote, top: 5)
        #expect(ranking.count == 5)
        #expect(ranking[0].score < 0.6, "best random unit \(ranking[0])")
        let all = CellSearch.rank(
            recording, signal: try TextFeature.quote.signal(for: recording.characters),
            isIndicator: false, top: 1)
        #expect(all[0].score < 0.6, "best random |r| \(all[0])")
        #expect(ranking.map(\.score) == ranking.map(\.score).sorted(by: >))
    }

    /// A text that is all comment but a few characters: balanced accuracy would let a random unit
    /// "separate" those few perfectly, so the search is refused with the counts.
    @Test func tooRareOrConstantFeaturesAreRefused() throws {
        var generator = SplitMix64(seed: 1)
        let text = "/* " + String(repeating: "all comment ", count: 20) + "*/"
        let model = Model(
            vocabulary: try Vocabulary(of: text, order: .sorted), hiddenSize: 8, initialization: .pytorch, using: &generator)
        let recording = try HiddenStateRecording(model: model, text: text)
        #expect(throws: CellSearchError.tooFewExamples(feature: .comment, inside: text.count - 2, outside: 2, minimum: 10)) {
            try CellSearch.rank(recording, feature: .comment)
        }
        #expect(throws: CellSearchError.constantFeature(.indentation)) { try CellSearch.rank(recording, feature: .indentation) }
        #expect(throws: CellSearchError.self) { try CellSearch.rank(recording, feature: .regex("[")) }
        #expect(try CellSearch.rank(recording, feature: .column, top: 3).count == 3)
    }
}

// MARK: - Gradient flow

@Suite struct GradientFlowTests {
    static let text = "hello, world. the quick brown fox jumps over the lazy dog."

    static func model(_ cell: CellKind, hidden: Int = 5, initialization: Initialization = .pytorch, seed: UInt64 = 9) throws -> (
        Model, [Int]
    ) {
        var generator = SplitMix64(seed: seed)
        let vocabulary = try Vocabulary(of: text, order: .sorted)
        let model = Model(
            vocabulary: vocabulary, cell: cell, hiddenSize: hidden, initialization: initialization, using: &generator)
        return (model, try vocabulary.encode(text))
    }

    /// The RNN's ∂L_T/∂h_t by the plain loop of the lecture, from the cache:
    /// dh_T = W_hyᵀ dy_T, then dh_{t−1} = W_hhᵀ ((1 − h_t²) ⊙ dh_t).
    @Test func rnnMatchesThePlainLoop() throws {
        let (model, indices) = try Self.model(.rnn)
        let T = 12, H = 5, V = model.vocabulary.count
        let flow = GradientFlow(model: model, indices: indices, steps: T)
        let cache = model.forward(
            inputs: Array(indices[0..<T]), targets: Array(indices[1...T]), batchSize: 1, from: .zero(model.shape, batchSize: 1))
        let Why = model.tensor(named: "W_hy")!.values, Whh = model.tensor(named: "W_hh")!.values
        var dy = cache.slice(cache.probabilities, step: T - 1, width: V)
        dy[indices[T]] -= 1  // dy_T = p_T − onehot(target)
        var dh = (0..<H).map { j in (0..<V).reduce(Float(0)) { $0 + Why[$1 * H + j] * dy[$1] } }  // W_hyᵀ dy_T
        #expect(abs(flow.loss - cache.losses[T - 1]) < 1e-6)
        for t in stride(from: T, through: 1, by: -1) {
            let engine = flow.hiddenGradient(step: t)
            for j in 0..<H { #expect(abs(engine[j] - dh[j]) < 1e-5 * max(1, abs(dh[j])), "t = \(t)") }
            let norm = dh.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(flow.hiddenNorms()[t - 1] - norm) <= 1e-5 * max(norm, 1e-3))
            let h = cache.hidden(step: t - 1)  // h_t
            let raw = (0..<H).map { (1 - h[$0] * h[$0]) * dh[$0] }  // (1 − h_t²) ⊙ dh_t
            let previous = (0..<H).map { j in (0..<H).reduce(Float(0)) { $0 + Whh[$1 * H + j] * raw[$1] } }  // W_hhᵀ (…)
            // The per-step factor bounds what one step back can do to the norm.
            let previousNorm = previous.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(previousNorm <= flow.stepFactors[0][t - 1] * norm * 1.0001 + 1e-12)
            dh = previous
        }
        #expect(flow.cellGradients.isEmpty && flow.forgetGateMeans.isEmpty)
    }

    /// The LSTM's ∂L_T/∂h_t and ∂L_T/∂c_t by central finite differences: run to step t, nudge
    /// h_t (or c_t) by ±ε in the carried state, run on to T and read L_T.
    @Test func lstmMatchesFiniteDifferences() throws {
        let (model, indices) = try Self.model(.lstm, seed: 4)
        let T = 8, H = 5
        let flow = GradientFlow(model: model, indices: indices, steps: T)
        func lossAtT(from t: Int, state: RecurrentState) -> Double {
            let cache = model.forward(
                inputs: Array(indices[t..<T]), targets: Array(indices[(t + 1)...T]), batchSize: 1, from: state)
            return Double(cache.losses[T - t - 1])
        }
        let epsilon: Float = 1e-2
        for t in [1, 4, 7] {  // t = T: below
            let prefix = model.forward(
                inputs: Array(indices[0..<t]), targets: nil, batchSize: 1, from: .zero(model.shape, batchSize: 1)
            )
            let start = prefix.finalState  // h_t, c_t
            let o = Array(prefix.slice(prefix.layers[0].gates, step: t - 1, width: 4 * H)[(3 * H)...])  // o_t
            for j in 0..<H {
                for useCell in [false, true] {
                    var plus = start, minus = start
                    if useCell {  // c_t moves h_t = o_t tanh(c_t) with it: the total derivative
                        plus.cell[0][j] += epsilon
                        minus.cell[0][j] -= epsilon
                        plus.hidden[0][j] = o[j] * tanh(plus.cell[0][j])
                        minus.hidden[0][j] = o[j] * tanh(minus.cell[0][j])
                    } else {
                        plus.hidden[0][j] += epsilon
                        minus.hidden[0][j] -= epsilon
                    }
                    let numeric = (lossAtT(from: t, state: plus) - lossAtT(from: t, state: minus)) / Double(2 * epsilon)
                    let analytic = Double(useCell ? flow.cellGradient(step: t)[j] : flow.hiddenGradient(step: t)[j])
                    #expect(
                        abs(numeric - analytic) < 2e-3 + 1e-2 * abs(analytic),
                        "t = \(t) \(useCell ? "c" : "h")[\(j)]: numeric \(numeric), engine \(analytic)")
                }
            }
        }
        // At T the cell's gradient is dh_T ⊙ o_T ⊙ (1 − tanh² c_T), and dh_T = W_hyᵀ dy_T.
        let cache = model.forward(
            inputs: Array(indices[0..<T]), targets: Array(indices[1...T]), batchSize: 1, from: .zero(model.shape, batchSize: 1))
        let o = cache.slice(cache.layers[0].gates, step: T - 1, width: 4 * H)[(3 * H)...].map { $0 }
        let c = cache.cell(step: T - 1), dh = flow.hiddenGradient(step: T), dc = flow.cellGradient(step: T)
        for j in 0..<H {
            let expected = dh[j] * o[j] * (1 - tanh(c[j]) * tanh(c[j]))
            #expect(abs(dc[j] - expected) < 1e-6)
        }
        #expect(flow.cellNorms().count == T && flow.stepFactors.isEmpty && flow.forgetGateMeans[0].count == T)
    }

    /// A small-weight RNN loses the gradient geometrically; an LSTM of the same size with its
    /// forget bias at 5 (f ≈ 0.993) keeps it along the cell path.
    @Test func vanishesInASmallRNNButNotInAnLSTMWithHighForgetBias() throws {
        let T = 30
        var (rnn, indices) = try Self.model(.rnn, hidden: 16, initialization: .gaussian)
        // Scale W_hh to σ_max = 0.5: no step back can keep more than half of the gradient.
        let w = rnn.parameters.firstIndex { $0.mathName == "W_hh" }!
        let scale = 0.5 / rnn.recurrentMatrixNorms().largestSingularValue
        rnn.parameters[w].values = rnn.parameters[w].values.map { $0 * scale }
        let rnnFlow = GradientFlow(model: rnn, indices: indices, steps: T)
        let norms = rnnFlow.hiddenNorms()
        // Every step back shrinks it by at least half, and by the step factor's bound.
        for t in 2...T {
            #expect(norms[t - 2] <= 0.5001 * norms[t - 1], "t = \(t): \(norms[t - 2]) vs \(norms[t - 1])")
            #expect(norms[t - 2] <= rnnFlow.stepFactors[0][t - 1] * norms[t - 1] * 1.0001 + 1e-30)
        }
        #expect(norms[0] / norms[T - 1] < 1e-6)  // at most 0.5^29 ≈ 2e-9
        let spectrum = rnn.recurrentMatrixNorms()
        #expect(abs(spectrum.largestSingularValue - 0.5) < 1e-4)  // σ_max(W_hh) < 1: the lecture's vanishing case
        #expect(spectrum.spectralRadius! <= 0.5001)
        #expect(rnnFlow.stepFactors[0].allSatisfy { $0 <= spectrum.largestSingularValue * 1.0001 })

        let (lstm, _) = try Self.model(.lstm, hidden: 16, initialization: .gaussian)
        let lstmFlow = GradientFlow(model: lstm.withForgetBias(5), indices: indices, steps: T)
        let cellNorms = lstmFlow.cellNorms()
        #expect(cellNorms[0] / cellNorms[T - 1] > 0.5, "\(cellNorms[0]) vs \(cellNorms[T - 1])")
        #expect(lstmFlow.forgetGateMeans[0].allSatisfy { abs($0 - 1 / (1 + exp(-5))) < 0.01 })
        // Without the high bias (f ≈ 0.5) the same LSTM loses it too.
        let plain = GradientFlow(model: lstm, indices: indices, steps: T).cellNorms()
        #expect(plain[0] / plain[T - 1] < 1e-4)
    }

    @Test func powerIterationOnKnownMatrices() {
        // A rotation by 60° scaled by 0.9: a complex eigenvalue pair of modulus 0.9, σ_max 0.9.
        let angle = Float.pi / 3
        let rotation: [Float] = [0.9 * cos(angle), -0.9 * sin(angle), 0.9 * sin(angle), 0.9 * cos(angle)]
        #expect(abs(PowerIteration.largestSingularValue(rotation, rows: 2, columns: 2).value - 0.9) < 1e-4)
        #expect(abs(PowerIteration.spectralRadius(rotation, size: 2) - 0.9) < 1e-3)
        // Not normal: [[0.5, 2], [0, 0.5]] has ρ = 0.5 but stretches by σ_max from the closed form
        // σ² = (‖A‖_F² + √(‖A‖_F⁴ − 4 det²)) / 2.
        let jordan: [Float] = [0.5, 2, 0, 0.5]
        let frobenius2: Float = 0.25 + 4 + 0.25, det: Float = 0.25
        let sigma = ((frobenius2 + (frobenius2 * frobenius2 - 4 * det * det).squareRoot()) / 2).squareRoot()
        #expect(abs(PowerIteration.largestSingularValue(jordan, rows: 2, columns: 2).value - sigma) < 1e-4)
        #expect(abs(PowerIteration.spectralRadius(jordan, size: 2) - 0.5) < 0.02)
        // A stacked (G·H, H) matrix has a σ_max but no spectral radius.
        var generator = SplitMix64(seed: 2)
        let lstm = Model(vocabulary: try! Vocabulary(characters: ["a", "b"]), cell: .lstm, hiddenSize: 3, using: &generator)
        #expect(lstm.recurrentMatrixNorms().spectralRadius == nil)
    }
}

// MARK: - The toy

@Suite struct ToyRNNTests {
    /// The lecture's weights, x = 1, 0, 1 from h_0 = 0, by hand:
    /// a_1 = 2·1 + 3·0 + 1 = 3, a_2 = 2·0 + 3 tanh 3 + 1, a_3 = 2·1 + 3 h_2 + 1.
    @Test func lectureWeightsByHand() {
        let trace = ToyRNN().run(inputs: [1, 0, 1], h0: 0)
        let h1 = tanh(3.0), h2 = tanh(3 * h1 + 1), h3 = tanh(2 + 3 * h2 + 1)
        #expect(trace.a(1) == 3)
        #expect(abs(trace.a(2) - (3 * h1 + 1)) < 1e-12 && abs(trace.a(3) - (3 + 3 * h2)) < 1e-12)
        #expect(abs(trace.h(1) - 0.995054753686730) < 1e-12)  // tanh 3
        #expect(abs(trace.h(2) - h2) < 1e-12 && abs(trace.h(3) - h3) < 1e-12)
        #expect(trace.unrolled == "h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)")
        #expect(trace.unrolled(step: 2, substitutingInputs: true) == "h_2 = tanh(2·0 + 3 tanh(2·1 + 3·0 + 1) + 1)")
        // ∂h_3/∂h_0 = 3(1 − h_3²) · 3(1 − h_2²) · 3(1 − h_1²), listed from the end back.
        let factors = trace.factors(from: 0, to: 3)
        #expect(factors.map(\.step) == [3, 2, 1])
        #expect(abs(factors[0].value - 3 * (1 - h3 * h3)) < 1e-12)
        #expect(abs(factors[2].value - 3 * (1 - h1 * h1)) < 1e-12)
        #expect(abs(trace.derivative(from: 0, to: 3) - 27 * (1 - h3 * h3) * (1 - h2 * h2) * (1 - h1 * h1)) < 1e-15)
        #expect(abs(trace.derivative(from: 1, to: 3) - 9 * (1 - h3 * h3) * (1 - h2 * h2)) < 1e-14)
        #expect(trace.derivative(from: 3, to: 3) == 1)
        // The tanh saturates (|h| > 0.99): every factor is far below w_hh = 3 — here, vanishing.
        #expect(factors.allSatisfy { $0.isSaturated && $0.value < 0.1 })
        #expect(trace.derivative(from: 0, to: 3) < 1e-6)
        #expect(trace.derivatives(to: 3).count == 4)
    }

    /// Other weights, by hand: w_hh = 0.5, w_xh = 1, b = −0.25, x = 1, −1, 0.5, 2 from h_0 = 0.2.
    @Test func otherWeightsByHand() {
        let toy = ToyRNN(whh: 0.5, wxh: 1, b: -0.25)
        let trace = toy.run(inputs: [1, -1, 0.5, 2], h0: 0.2)
        var h = [0.2]
        for x in [1.0, -1, 0.5, 2] { h.append(tanh(x + 0.5 * h[h.count - 1] - 0.25)) }
        for t in 0...4 { #expect(abs(trace.h(t) - h[t]) < 1e-12) }
        let expected = (2...4).reduce(1.0) { $0 * 0.5 * (1 - h[$1] * h[$1]) }  // ∂h_4/∂h_1
        #expect(abs(trace.derivative(from: 1, to: 4) - expected) < 1e-15)
        // |w_hh| < 1: each factor is at most 0.5, so the product is at most 0.5^3.
        #expect(trace.factors(from: 1, to: 4).allSatisfy { abs($0.value) <= 0.5 })
        #expect(abs(trace.derivative(from: 1, to: 4)) <= 0.125)
        #expect(trace.unrolled(step: 2) == "h_2 = tanh(x_2 + 0.5 tanh(x_1 + 0.5h_0 − 0.25) − 0.25)")
        #expect(ToyRNN(whh: -1.5, wxh: 0, b: 0).run(inputs: [1]).unrolled == "h_1 = tanh(−1.5h_0)")
        #expect(ToyRNN(whh: 1, wxh: 1, b: 1 / 3).run(inputs: [0]).unrolled == "h_1 = tanh(x_1 + h_0 + 0.3333)")
    }

    /// The linear recurrence explodes: every factor is exactly w_hh; clipping bounds the result.
    @Test func linearRecurrenceExplodesAndClippingBoundsIt() {
        let toy = ToyRNN(activation: .identity)
        let trace = toy.run(inputs: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
        #expect(trace.h(1) == 3 && trace.h(2) == 10 && trace.h(3) == 33)  // 2·1 + 3·0 + 1, 3·3 + 1, 2 + 3·10 + 1
        #expect(trace.derivative(from: 0, to: 10) == 59049)  // 3^10
        #expect(trace.factors(from: 7, to: 10).map(\.value) == [3, 3, 3])
        #expect(trace.unrolled(step: 2) == "h_2 = 2x_2 + 3(2x_1 + 3h_0 + 1) + 1")
        #expect(ToyRNN.clip(59049, at: 5) == 5)
        #expect(ToyRNN.clip(-1e6, at: 5) == -5)
        #expect(ToyRNN.clip(0.25, at: 5) == 0.25)
        #expect(ToyRNN.clip(.nan, at: 5).isNaN)
    }
}
