import Foundation
import Testing

@testable import CharRNN

/// The lecture's "hello" example against numpy (hello-rnn.json), and every cell against PyTorch
/// autograd (torch-cells.json): the second proof of every gradient (the first is GradientCheckTests).
@Suite struct ReferenceTests {
    static var hello: [String: Any] { Fixtures.json("hello-rnn.json") }

    /// The hello model with the reference's parameters.
    static func helloModel() throws -> Model {
        let params = hello["params"] as! [String: Any]
        let vocabulary = try Vocabulary(of: "hello", order: .firstAppearance)
        let shape = ModelShape(cell: .rnn, vocabularySize: 4, hiddenSize: 3)
        var tensors = shape.emptyParameters()
        for (i, name) in ["W_xh", "W_hh", "b_h", "W_hy", "b_y"].enumerated() {
            tensors[i].values = Fixtures.flat(params[name])
        }
        return try Model(vocabulary: vocabulary, shape: shape, parameters: tensors)
    }

    static func helloForward(_ model: Model) throws -> ForwardCache {
        let indices = try model.vocabulary.encode("hello")
        return model.forward(
            inputs: Array(indices.dropLast()), targets: Array(indices.dropFirst()), batchSize: 1,
            from: .zero(model.shape, batchSize: 1))
    }

    @Test func helloVocabularyIsFirstAppearance() throws {
        let vocabulary = try Vocabulary(of: "hello", order: .firstAppearance)
        #expect(vocabulary.characters == ["h", "e", "l", "o"])
    }

    @Test func helloForwardMatchesNumpy() throws {
        let model = try Self.helloModel()
        let cache = try Self.helloForward(model)
        let steps = Self.hello["steps"] as! [[String: Any]]
        #expect(steps.count == 4)
        let layer = cache.layers[0]
        for (t, step) in steps.enumerated() {
            #expect(
                maxAbsoluteDifference(cache.slice(layer.inputProjection, step: t, width: 3), Fixtures.flat(step["Wxh_x"])) < 1e-5)
            #expect(
                maxAbsoluteDifference(cache.slice(layer.recurrentProjection, step: t, width: 3), Fixtures.flat(step["Whh_hprev"]))
                    < 1e-5)
            #expect(maxAbsoluteDifference(cache.slice(layer.preactivation, step: t, width: 3), Fixtures.flat(step["a"])) < 1e-5)
            #expect(maxAbsoluteDifference(cache.hidden(step: t), Fixtures.flat(step["h"])) < 1e-5)
            #expect(maxAbsoluteDifference(cache.slice(cache.logits, step: t, width: 4), Fixtures.flat(step["y"])) < 1e-5)
            #expect(maxAbsoluteDifference(cache.slice(cache.probabilities, step: t, width: 4), Fixtures.flat(step["p"])) < 1e-5)
            #expect(abs(cache.losses[t] - Fixtures.flat(step["loss"])[0]) < 1e-5)
        }
        #expect(abs(cache.totalLoss - (Self.hello["loss_sum"] as! Double)) < 1e-5)
        #expect(maxAbsoluteDifference(cache.finalState.hidden[0], Fixtures.flat(Self.hello["h_last"])) < 1e-5)
    }

    @Test func helloBackwardMatchesNumpy() throws {
        let model = try Self.helloModel()
        let cache = try Self.helloForward(model)
        let (gradients, trace) = model.backward(cache, lossScale: 1)
        let backward = Self.hello["backward"] as! [[String: Any]]
        for record in backward {
            let t = (record["t"] as! NSNumber).intValue
            #expect(maxAbsoluteDifference(cache.slice(trace.dLogits, step: t, width: 4), Fixtures.flat(record["dy"])) < 1e-5)
            #expect(
                maxAbsoluteDifference(cache.slice(trace.layers[0].dHidden, step: t, width: 3), Fixtures.flat(record["dh"])) < 1e-5
            )
            #expect(
                maxAbsoluteDifference(
                    cache.slice(trace.layers[0].dPreactivation, step: t, width: 3), Fixtures.flat(record["dh_raw"])) < 1e-5)
            #expect(
                maxAbsoluteDifference(
                    cache.slice(trace.layers[0].dHiddenNext, step: t, width: 3), Fixtures.flat(record["dh_next"])) < 1e-5)
        }
        let expected = Self.hello["gradients"] as! [String: Any]
        for (i, name) in ["W_xh", "W_hh", "b_h", "W_hy", "b_y"].enumerated() {
            #expect(gradients[i].mathName == name)
            #expect(maxAbsoluteDifference(gradients[i].values, Fixtures.flat(expected[name])) < 1e-5, "d\(name)")
        }
    }

    static func torchModel(_ case_: [String: Any]) throws -> (Model, [String: [Float]], inputs: [Int], targets: [Int]) {
        let cell = CellKind(rawValue: case_["cell"] as! String)!
        let V = (case_["vocab_size"] as! NSNumber).intValue
        let H = (case_["hidden_size"] as! NSNumber).intValue
        let L = (case_["num_layers"] as! NSNumber).intValue
        let tensors = case_["tensors"] as! [String: [String: Any]]
        let shape = ModelShape(cell: cell, vocabularySize: V, hiddenSize: H, layers: L)
        var parameters = shape.emptyParameters()
        var grads: [String: [Float]] = [:]
        for i in parameters.indices {
            let name = parameters[i].name
            if cell == .rnn, name.hasPrefix("rnn.bias_l") {  // b_h = bias_ih + bias_hh
                let k = name.dropFirst("rnn.bias_l".count)
                let bih = Fixtures.flat(tensors["rnn.bias_ih_l\(k)"]!["value"])
                let bhh = Fixtures.flat(tensors["rnn.bias_hh_l\(k)"]!["value"])
                parameters[i].values = zip(bih, bhh).map { $0 + $1 }
                grads[name] = Fixtures.flat(tensors["rnn.bias_ih_l\(k)"]!["grad"])
            } else {
                parameters[i].values = Fixtures.flat(tensors[name]!["value"])
                grads[name] = Fixtures.flat(tensors[name]!["grad"])
            }
        }
        let characters = (0..<V).map { Character(UnicodeScalar(UInt8(97 + $0))) }
        let model = try Model(vocabulary: Vocabulary(characters: characters), shape: shape, parameters: parameters)
        let inputs = (case_["inputs"] as! [NSNumber]).map(\.intValue)
        let targets = (case_["targets"] as! [NSNumber]).map(\.intValue)
        return (model, grads, inputs, targets)
    }

    static var torchCases: [[String: Any]] { Fixtures.json("torch-cells.json")["cases"] as! [[String: Any]] }

    @Test(arguments: 0..<5)
    func torchCellMatchesPyTorch(index: Int) throws {
        let case_ = Self.torchCases[index]
        let (model, expected, inputs, targets) = try Self.torchModel(case_)
        let cache = model.forward(inputs: inputs, targets: targets, batchSize: 1, from: .zero(model.shape, batchSize: 1))
        let label = "\(model.shape.cell) × \(model.shape.layers)"
        let lossMean = case_["loss_mean"] as! Double
        #expect(abs(cache.meanLoss - lossMean) / lossMean < 1e-5, "\(label) loss")
        #expect(relativeError(cache.logits, Fixtures.flat(case_["logits"])) < 1e-4, "\(label) logits")
        let (gradients, _) = model.backward(cache, lossScale: 1 / Float(inputs.count))
        for g in gradients {
            #expect(relativeError(g.values, expected[g.name]!) < 1e-4, "\(label) \(g.name)")
        }
    }
}
