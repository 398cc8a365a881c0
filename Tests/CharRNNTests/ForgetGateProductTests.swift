import Foundation
import Testing

@testable import CharRNN

/// The cell path unit by unit: Π_{t=2…T} f_t,j, which `gradflow` and the lstm lesson show.
@Suite struct ForgetGateProductTests {
    /// An LSTM whose unit 2 has its forget bias at +8 (f ≈ 0.9997) and every other unit at −3
    /// (f ≈ 0.047), with W_hh and W_ih zeroed on the f rows so each f_t is σ(bias) exactly: unit 2's
    /// product over T − 1 steps is σ(8)^(T−1), every other unit's σ(−3)^(T−1), and the median is
    /// the latter.
    @Test func productsAreTheForgetGatesMultipliedStepByStep() throws {
        let text = "hello, world. the quick brown fox jumps over the lazy dog."
        var generator = SplitMix64(seed: 3)
        let vocabulary = try Vocabulary(of: text, order: .sorted)
        var model = Model(vocabulary: vocabulary, cell: .lstm, hiddenSize: 5, initialization: .pytorch, using: &generator)
        let H = 5, T = 20
        let (wih, whh, bih, bhh) = model.layerIndices(0)
        let inputs = vocabulary.count
        for j in H..<(2 * H) {  // the f rows of i f g o
            for i in 0..<inputs { model.parameters[wih].values[j * inputs + i] = 0 }
            for i in 0..<H { model.parameters[whh].values[j * H + i] = 0 }
            model.parameters[bih].values[j] = j - H == 2 ? 8 : -3
            if let bhh { model.parameters[bhh].values[j] = 0 }
        }
        let flow = GradientFlow(model: model, indices: try vocabulary.encode(text), steps: T)
        let products = flow.forgetGateProducts()
        func sigma(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        #expect(products.count == H)
        for j in 0..<H {
            let expected = pow(sigma(j == 2 ? 8 : -3), Double(T - 1))
            #expect(abs(products[j] / expected - 1) < 1e-4, "unit \(j): \(products[j]) vs \(expected)")
        }
        #expect(abs(flow.medianForgetGateProduct() / pow(sigma(-3), Double(T - 1)) - 1) < 1e-4)
        #expect(flow.forgetGates[0].count == T * H)
        // The means are the same gates averaged over the units.
        let mean = (4 * sigma(-3) + sigma(8)) / 5
        #expect(flow.forgetGateMeans[0].allSatisfy { abs(Double($0) - mean) < 1e-5 })
    }

    @Test func otherCellsHaveNoCellPath() throws {
        let text = "abcabcabc"
        var generator = SplitMix64(seed: 1)
        let vocabulary = try Vocabulary(of: text, order: .sorted)
        for cell in [CellKind.rnn, .gru] {
            let model = Model(vocabulary: vocabulary, cell: cell, hiddenSize: 4, using: &generator)
            let flow = GradientFlow(model: model, indices: try vocabulary.encode(text), steps: 5)
            #expect(flow.forgetGateProducts().isEmpty && flow.forgetGates.isEmpty)
            #expect(flow.medianForgetGateProduct().isNaN)
        }
    }
}
