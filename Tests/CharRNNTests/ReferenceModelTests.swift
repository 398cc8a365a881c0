import Foundation
import Testing

@testable import CharRNN

/// The reference model (Sources/CharRNN/Reference/) is the oracle of the fast engine: the fast
/// forward and backward passes must give its loss, its final state and every one of its gradients,
/// for every cell, 1–3 layers, one stream and many, with and without dropout. The reference itself
/// is proved against numpy and PyTorch (the fixtures ReferenceTests uses) and by finite differences,
/// and one test breaks a gradient on purpose to show that both checks catch it.
///
/// Tolerances (relative error of a whole tensor, ‖a − b‖ / ‖b‖): fast against reference 1e-4 (both
/// float32; they add in different orders); finite differences 2e-2 (central differences in float32
/// with ε = 1e-2: the largest error seen was 1e-2, for an LSTM; a wrong sign gives about 0.5).
@Suite struct ReferenceModelTests {
    static let fastTolerance = 1e-4
    static let finiteDifferenceTolerance = 2e-2

    /// A model with H = 17: the fast cells run 16 units on SIMD lanes and the 17th on the scalar tail.
    static func model(_ cell: CellKind, layers: Int, hiddenSize: Int = 17) -> Model {
        var generator = SplitMix64(seed: 40 + UInt64(layers))
        return Model(
            vocabulary: try! Vocabulary(characters: Array("abcdef")), cell: cell, hiddenSize: hiddenSize, layers: layers,
            initialization: .pytorch, using: &generator)
    }

    /// Random inputs and targets (B, T), and a carried state that is not zero (truncated BPTT).
    static func batch(_ shape: ModelShape, B: Int, T: Int, seed: UInt64) -> (inputs: [Int], targets: [Int], state: RecurrentState)
    {
        var generator = SplitMix64(seed: seed)
        let inputs = (0..<(B * T)).map { _ in Int(generator.next() % UInt64(shape.vocabularySize)) }
        let targets = (0..<(B * T)).map { _ in Int(generator.next() % UInt64(shape.vocabularySize)) }
        var state = RecurrentState.zero(shape, batchSize: B)
        for k in 0..<shape.layers {
            state.hidden[k] = state.hidden[k].map { _ in Float(generator.nextUnitDouble() * 1.6 - 0.8) }
            if shape.cell == .lstm { state.cell[k] = state.cell[k].map { _ in Float(generator.nextUnitDouble() * 2 - 1) } }
        }
        return (inputs, targets, state)
    }

    /// The masks the fast forward pass drew, per stream, in the reference's layout `[b][t][k]`.
    static func masks(of cache: ForwardCache) -> [ReferenceDropoutMasks]? {
        let B = cache.batchSize, H = cache.shape.hiddenSize
        guard cache.layers.contains(where: { !$0.dropoutMask.isEmpty }) else { return nil }
        return (0..<B).map { b in
            (0..<cache.steps).map { t in
                cache.layers.map { layer in
                    layer.dropoutMask.isEmpty
                        ? [] : Array(layer.dropoutMask[(((t + 1) * B + b) * H)..<(((t + 1) * B + b + 1) * H)])
                }
            }
        }
    }

    struct Case: CustomStringConvertible, Sendable {
        var cell: CellKind, layers: Int, batchSize: Int, dropout: Bool
        var description: String { "\(cell) × \(layers), B = \(batchSize), dropout \(dropout ? "on" : "off")" }
    }

    static let cases: [Case] = CellKind.allCases.flatMap { cell in
        (1...3).flatMap { layers in
            [1, 17].flatMap { B in [false, true].map { Case(cell: cell, layers: layers, batchSize: B, dropout: $0) } }
        }
    }

    // MARK: - The fast engine equals the reference

    @Test(arguments: cases)
    func fastEngineEqualsReference(_ c: Case) {
        let model = Self.model(c.cell, layers: c.layers)
        let T = 6
        let (inputs, targets, state) = Self.batch(model.shape, B: c.batchSize, T: T, seed: 7)
        var dropout: Dropout? = c.dropout ? Dropout(probability: 0.3, generator: SplitMix64(seed: 11)) : nil
        var cache = ForwardCache(shape: model.shape)
        model.forward(
            inputs: inputs, targets: targets, batchSize: c.batchSize, from: state, into: &cache, dropout: &dropout)
        let lossScale = 1 / Float(T * c.batchSize)
        let (fast, _) = model.backward(cache, lossScale: lossScale)
        let masks = Self.masks(of: cache)
        #expect((masks != nil) == (c.dropout && c.layers > 1), "\(c): masks")

        let reference = ReferenceModel(model).lossAndGradients(
            inputs: inputs, targets: targets, batchSize: c.batchSize, from: state, masks: masks, lossScale: lossScale)
        #expect(abs(cache.totalLoss - Double(reference.loss)) / Double(reference.loss) < 1e-5, "\(c): loss")
        for k in 0..<c.layers {
            #expect(relativeError(cache.finalState.hidden[k], reference.state.hidden[k]) < Self.fastTolerance, "\(c): h_T")
            #expect(relativeError(cache.finalState.cell[k], reference.state.cell[k]) < Self.fastTolerance, "\(c): c_T")
        }
        let expected = reference.gradients.tensors
        #expect(fast.map(\.name) == expected.map(\.name))
        for (g, r) in zip(fast, expected) {
            #expect(relativeError(g.values, r.values) < Self.fastTolerance, "\(c): \(g.mathName)")
        }
    }

    // MARK: - The reference against numpy and PyTorch

    @Test func referenceMatchesNumpyHello() throws {
        let model = try ReferenceTests.helloModel()
        let indices = try model.vocabulary.encode("hello")
        let reference = ReferenceModel(model)
        let pass = reference.forward(
            inputs: Array(indices.dropLast()), targets: Array(indices.dropFirst()), from: .zero(model.shape))
        let steps = ReferenceTests.hello["steps"] as! [[String: Any]]
        for (t, step) in steps.enumerated() {
            #expect(maxAbsoluteDifference(pass.steps[t][0].h, Fixtures.flat(step["h"])) < 1e-5, "h_\(t + 1)")
            #expect(maxAbsoluteDifference(pass.p[t], Fixtures.flat(step["p"])) < 1e-5, "p_\(t + 1)")
        }
        #expect(abs(Double(pass.loss) - (ReferenceTests.hello["loss_sum"] as! Double)) < 1e-5)
        var gradients = ReferenceModel.zero(model.shape)
        reference.backward(pass, into: &gradients)
        let expected = ReferenceTests.hello["gradients"] as! [String: Any]
        for (tensor, name) in zip(gradients.tensors, ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]) {
            #expect(maxAbsoluteDifference(tensor.values, Fixtures.flat(expected[name])) < 1e-5, "d\(name)")
        }
    }

    @Test(arguments: 0..<5)
    func referenceMatchesPyTorch(index: Int) throws {
        let case_ = ReferenceTests.torchCases[index]
        let (model, expected, inputs, targets) = try ReferenceTests.torchModel(case_)
        let label = "\(model.shape.cell) × \(model.shape.layers)"
        let T = inputs.count
        let (loss, gradients, _) = ReferenceModel(model).lossAndGradients(
            inputs: inputs, targets: targets, batchSize: 1, from: .zero(model.shape, batchSize: 1), lossScale: 1 / Float(T))
        let lossMean = case_["loss_mean"] as! Double
        #expect(abs(Double(loss) / Double(T) - lossMean) / lossMean < 1e-5, "\(label) loss")
        for g in gradients.tensors {
            #expect(relativeError(g.values, expected[g.name]!) < 1e-4, "\(label) \(g.name)")
        }
    }

    // MARK: - The reference against finite differences

    /// The relative error between `gradients` and central differences of the reference's loss, over
    /// up to 10 entries of each tensor, with the same inputs, state and dropout masks.
    static func finiteDifferenceErrors(
        _ model: Model, _ gradients: [Tensor], inputs: [Int], targets: [Int], B: Int, state: RecurrentState,
        masks: [ReferenceDropoutMasks]?
    ) -> [String: Double] {
        let shape = model.shape
        func loss(_ tensors: [Tensor]) -> Double {
            let reference = ReferenceModel(shape: shape, tensors: tensors)
            return Double(
                reference.lossAndGradients(inputs: inputs, targets: targets, batchSize: B, from: state, masks: masks).loss)
        }
        let epsilon: Float = 1e-2
        var errors: [String: Double] = [:]
        var probe = model.parameters
        for (i, tensor) in model.parameters.enumerated() {
            var difference = 0.0, norm = 0.0
            for j in stride(from: 0, to: tensor.values.count, by: max(1, tensor.values.count / 10)) {
                probe[i].values[j] = tensor.values[j] + epsilon
                let plus = loss(probe)
                probe[i].values[j] = tensor.values[j] - epsilon
                let minus = loss(probe)
                probe[i].values[j] = tensor.values[j]
                let numeric = (plus - minus) / (2 * Double(epsilon))
                difference += pow(numeric - Double(gradients[i].values[j]), 2)
                norm += pow(numeric, 2) + pow(Double(gradients[i].values[j]), 2)
            }
            errors[tensor.name] = difference.squareRoot() / max(norm.squareRoot(), 1e-8)
        }
        return errors
    }

    /// Two layers, two streams, a carried state and fixed dropout masks: the reference's backward
    /// pass is the derivative of its forward pass.
    static func finiteDifferenceSetup(_ cell: CellKind) -> (
        Model, [Tensor], inputs: [Int], targets: [Int], state: RecurrentState, masks: [ReferenceDropoutMasks]
    ) {
        let model = Self.model(cell, layers: 2, hiddenSize: 4)
        let (inputs, targets, state) = Self.batch(model.shape, B: 2, T: 5, seed: 3)
        var generator = SplitMix64(seed: 5)
        let masks: [ReferenceDropoutMasks] = (0..<2).map { _ in
            (0..<5).map { _ in [[], (0..<4).map { _ in generator.nextUnitDouble() < 0.3 ? 0 : Float(1 / 0.7) }] }
        }
        let gradients = ReferenceModel(model).lossAndGradients(
            inputs: inputs, targets: targets, batchSize: 2, from: state, masks: masks
        ).gradients.tensors
        return (model, gradients, inputs, targets, state, masks)
    }

    @Test(arguments: CellKind.allCases)
    func referenceGradientsMatchFiniteDifferences(cell: CellKind) {
        let (model, gradients, inputs, targets, state, masks) = Self.finiteDifferenceSetup(cell)
        #expect(masks.joined().joined().contains { $0.contains(0) })
        let errors = Self.finiteDifferenceErrors(
            model, gradients, inputs: inputs, targets: targets, B: 2, state: state, masks: masks)
        for (name, error) in errors {
            #expect(error < Self.finiteDifferenceTolerance, "\(cell) \(name): \(error)")
        }
    }

    /// A check must be able to fail: a gradient with one entry wrong (the largest of dW_hh of layer 1,
    /// its sign flipped — what forgetting a minus sign does) is caught by finite differences and by
    /// the comparison with the fast engine, while every other tensor still passes both.
    @Test func aBrokenGradientIsCaught() {
        let (model, gradients, inputs, targets, state, masks) = Self.finiteDifferenceSetup(.lstm)
        var broken = gradients
        let index = broken.firstIndex { $0.name == "rnn.weight_hh_l1" }!
        // Among the entries finite differences look at (every (count / 10)th), the largest.
        let values = broken[index].values
        let sampled = Array(stride(from: 0, to: values.count, by: max(1, values.count / 10)))
        let largest = sampled.max { abs(values[$0]) < abs(values[$1]) }!
        broken[index].values[largest] = -values[largest]
        let errors = Self.finiteDifferenceErrors(
            model, broken, inputs: inputs, targets: targets, B: 2, state: state, masks: masks)
        #expect(errors["rnn.weight_hh_l1"]! > Self.finiteDifferenceTolerance * 10)
        #expect(errors.filter { $0.key != "rnn.weight_hh_l1" }.values.allSatisfy { $0 < Self.finiteDifferenceTolerance })
        #expect(relativeError(broken[index].values, gradients[index].values) > Self.fastTolerance * 100)
    }
}
