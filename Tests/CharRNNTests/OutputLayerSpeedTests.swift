import Foundation
import Testing

@testable import CharRNN

/// The output layer's fast paths (Kernels+Softmax.swift, the decoder of Model+Forward.swift): the
/// softmax row with its bias and loss, its gradient, and a forward and
/// backward pass large enough that the decoder is cut into two parts of row blocks — each against a
/// plain double-precision twin or the reference model.
@Suite struct OutputLayerSpeedTests {
    /// Logits of a Korean-size vocabulary (not a multiple of 16: the scalar tails run too).
    static func logits(_ V: Int, seed: UInt64, spread: Double = 6) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<V).map { _ in Float((generator.nextUnitDouble() - 0.5) * spread) }
    }

    /// y + b, softmax(y + b) and ln Σ e^(y + b − max) in double precision.
    static func plainSoftmax(_ y: [Float], _ b: [Float]) -> (y: [Double], p: [Double], logSum: Double, maximum: Double) {
        let shifted = zip(y, b).map { Double($0 + $1) }
        let maximum = shifted.max()!
        let e = shifted.map { exp($0 - maximum) }
        let sum = e.reduce(0, +)
        return (shifted, e.map { $0 / sum }, log(sum), maximum)
    }

    @Test(arguments: [1, 5, 16, 17, 1500])
    func softmaxRowAddsTheBiasAndNormalises(V: Int) {
        var y = Self.logits(V, seed: UInt64(V)), p = [Float](repeating: -1, count: V)
        let b = Self.logits(V, seed: 99, spread: 2)
        let expected = Self.plainSoftmax(y, b)
        let (maximum, sum) = Kernels.softmax(&y, adding: b, into: &p, V)
        for v in 0..<V {
            #expect(abs(Double(y[v]) - expected.y[v]) < 1e-6, "y[\(v)]")
            #expect(abs(Double(p[v]) - expected.p[v]) < 1e-6 * max(1, expected.p[v] * 10), "p[\(v)]")
        }
        #expect(Double(maximum) == expected.maximum)
        #expect(abs(Double(logf(sum)) - expected.logSum) < 1e-5)
        #expect(abs(p.reduce(0, +) - 1) < 1e-5)
    }

    @Test func softmaxGradientIsPMinusOnehotScaled() {
        let V = 37, target = 20, scale: Float = 0.25
        var y = Self.logits(V, seed: 3), p = [Float](repeating: 0, count: V)
        _ = Kernels.softmax(&y, adding: [Float](repeating: 0, count: V), into: &p, V)
        var dy = [Float](repeating: .nan, count: V)
        Kernels.softmaxGradient(p, target: target, scale: scale, into: &dy, V)
        for v in 0..<V { #expect(dy[v] == (v == target ? p[v] * scale - scale : p[v] * scale)) }
        #expect(abs(dy.reduce(0, +)) < 1e-6)  // Σ p = 1: the gradient sums to zero
    }

    /// A batch large enough that the output layer runs as two parts of 64-row blocks (rows 0 ..< 72
    /// and 72 ..< 136): loss and every gradient equal the reference model's.
    @Test(arguments: [CellKind.rnn, .lstm])
    func splitDecoderEqualsReference(cell: CellKind) throws {
        let characters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN")  // V = 40
        var generator = SplitMix64(seed: 4)
        let model = Model(
            vocabulary: try Vocabulary(characters: characters), cell: cell, hiddenSize: 33, layers: 1,
            initialization: .pytorch, using: &generator)
        let B = 17, T = 8
        #expect(Model.decoderParts(T * B, V: 40, H: 33).map(\.0) == [0, 72])
        let (inputs, targets, state) = ReferenceModelTests.batch(model.shape, B: B, T: T, seed: 8)
        let cache = model.forward(inputs: inputs, targets: targets, batchSize: B, from: state)
        let lossScale = 1 / Float(B)
        let (fast, _) = model.backward(cache, lossScale: lossScale)
        let reference = ReferenceModel(model).lossAndGradients(
            inputs: inputs, targets: targets, batchSize: B, from: state, masks: nil, lossScale: lossScale)
        #expect(abs(cache.totalLoss - Double(reference.loss)) / Double(reference.loss) < 1e-5)
        for (g, r) in zip(fast, reference.gradients.tensors) {
            #expect(relativeError(g.values, r.values) < ReferenceModelTests.fastTolerance, "\(g.mathName)")
        }
        for row in 0..<(T * B) {  // each row of p sums to 1
            let sum = cache.probabilities[(row * 40)..<((row + 1) * 40)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-5)
        }
    }
}
