import Foundation
import Testing

@testable import CharRNN

/// The output layer's fast paths (Kernels+Softmax.swift, the decoder of Model+Forward.swift): the
/// softmax row with its bias and loss, its gradient, the sampler's one-pass draw, and a forward and
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

    /// The one-pass draw picks the index `SamplingOptions.draw` picks from the double-precision
    /// distribution for the same uniform number, except within float rounding of a boundary.
    @Test(arguments: [0.5, 1.0, 1.7])
    func drawMatchesTheDoublePrecisionDraw(temperature: Double) {
        let V = 1500
        let y = Self.logits(V, seed: 11)
        let options = SamplingOptions(temperature: temperature)
        let p = options.distribution(logits: y)
        var cumulative = [Double](repeating: 0, count: V)
        var total = 0.0
        for v in 0..<V {
            total += p[v]
            cumulative[v] = total
        }
        var scratch = [Float](repeating: 0, count: V)
        var generator = SplitMix64(seed: 5)
        var agreed = 0
        for _ in 0..<2000 {
            let u = generator.nextUnitDouble()
            var replay = FixedUniform(u: u)
            let expected = SamplingOptions.draw(p, using: &replay)
            let drawn = Kernels.drawSoftmax(y, V, temperature: Float(temperature), uniform: u, scratch: &scratch)
            if drawn == expected {
                agreed += 1
            } else {  // only where u sits within rounding of the boundary between the two
                #expect(abs(drawn - expected) == 1)
                #expect(abs(cumulative[min(drawn, expected)] - u) < 1e-5, "u \(u): \(drawn) vs \(expected)")
            }
        }
        #expect(agreed >= 1990)
    }

    @Test func drawNeverPicksAnIndexWithoutMass() {
        // One logit far above the rest: at a low temperature every other e^((y − max)/T) is 0.
        var y = [Float](repeating: 0, count: 40)
        y[23] = 30
        var scratch = [Float](repeating: 0, count: 40)
        for u in [0.0, 0.5, 0.999_999_999] {
            #expect(Kernels.drawSoftmax(y, 40, temperature: 0.01, uniform: u, scratch: &scratch) == 23)
        }
        #expect(SamplingOptions(temperature: 0.5).isPlainSoftmax(40))
        #expect(!SamplingOptions(argmax: true).isPlainSoftmax(40))
        #expect(!SamplingOptions(temperature: 1e-6).isPlainSoftmax(40))
        #expect(!SamplingOptions(temperature: 1, topK: 5).isPlainSoftmax(40))
        #expect(SamplingOptions(temperature: 1, topK: 40).isPlainSoftmax(40))
    }

    /// The sampler draws each character about as often as softmax says (the fast path end to end).
    @Test func samplerFollowsTheSoftmax() throws {
        let vocabulary = try Vocabulary(characters: Array("abcd"))
        var g = SplitMix64(seed: 2)
        let model = Model(vocabulary: vocabulary, cell: .rnn, hiddenSize: 8, layers: 1, initialization: .pytorch, using: &g)
        var stepper = Stepper(model: model)
        let p = SamplingOptions().distribution(logits: stepper.feed(0))
        var counts = [0, 0, 0, 0]
        let n = 40_000
        var generator = SplitMix64(seed: 9)
        for _ in 0..<n {  // one character after "a", from h_0 = 0, each time
            let text = model.sample(feeding: [0], from: nil, length: 1, using: &generator)
            counts[vocabulary.index(of: text.first!)!] += 1
        }
        for v in 0..<4 { #expect(abs(Double(counts[v]) / Double(n) - p[v]) < 0.01, "\(v): \(counts[v]) vs \(p[v])") }
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

/// A generator whose first unit double is `u` (the draw's one uniform number, replayed).
private struct FixedUniform: RandomNumberGenerator {
    var u: Double
    mutating func next() -> UInt64 { UInt64(u * 0x1.0p53) << 11 }
}

/// The one-hot gather's gradient with few rows against a large vocabulary (batch 1 × 25 steps,
/// V = 1,500: the plain scatter, not the transposed copy) adds the same values in the same order as
/// the reference loop: the same bits.
@Suite struct FewRowsScatterTests {
    @Test(arguments: [(25, 100, 1500), (25, 256, 101)])
    func scatterEqualsThePlainLoop(M: Int, N: Int, V: Int) {
        var g = SplitMix64(seed: UInt64(M + N + V))
        let index = (0..<M).map { _ in Int(g.next() % UInt64(V / 10)) }  // repeats: a column added to twice
        let d = (0..<(M * N)).map { _ in Float(g.nextUnitDouble() - 0.5) }
        let w = (0..<(N * V)).map { _ in Float(g.nextUnitDouble() - 0.5) }
        var fast = w, plain = w
        index.withUnsafeBufferPointer { x in
            d.withUnsafeBufferPointer { d in
                fast.withUnsafeMutableBufferPointer { Kernels.scatterAddColumns(M, N, V, x.baseAddress!, d.baseAddress!, $0.baseAddress!) }
            }
        }
        Kernels.Reference.scatterAddColumns(M, N, V, index, d, &plain)
        #expect(fast == plain)
    }
}
