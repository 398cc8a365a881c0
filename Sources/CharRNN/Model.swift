// The model: a stack of recurrent layers over one-hot characters, and a linear decoder.
//
// Legend: V vocabulary size, H hidden size, G gates per cell (RNN 1, LSTM 4, GRU 3), L layers.
// Parameters are stored in PyTorch's names and layouts, so checkpoints load in `nn.RNN`/`nn.LSTM`/
// `nn.GRU` + `nn.Linear` as they are:
//   rnn.weight_ih_l{k}  (G·H, In)   W_xh: In = V for layer 0, H above
//   rnn.weight_hh_l{k}  (G·H, H)    W_hh
//   rnn.bias_ih_l{k}    (G·H)       b_h (RNN: the one bias; PyTorch's bias_hh is folded into it)
//   rnn.bias_hh_l{k}    (G·H)       LSTM and GRU only (the GRU needs it apart: b_hn sits inside r ⊙ (…))
//   decoder.weight      (V, H)      W_hy
//   decoder.bias        (V)         b_y

/// The kind of recurrent cell.
public enum CellKind: String, Sendable, CaseIterable, Codable {
    /// The vanilla RNN: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h).
    case rnn
    /// The LSTM, with PyTorch's gate order i, f, g, o.
    case lstm
    /// The GRU, with PyTorch's gate order r, z, n.
    case gru

    /// G, the number of gate blocks stacked in each weight matrix.
    public var gateCount: Int {
        switch self {
        case .rnn: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// The names of the gate blocks, in storage order.
    public var gateNames: [String] {
        switch self {
        case .rnn: return ["a"]
        case .lstm: return ["i", "f", "g", "o"]
        case .gru: return ["r", "z", "n"]
        }
    }
}

/// A named parameter (or gradient) tensor: row-major values and a shape.
public struct Tensor: Sendable, Equatable {
    /// The PyTorch name, e.g. `rnn.weight_hh_l0`.
    public var name: String
    /// The shape, e.g. [H, H].
    public var shape: [Int]
    /// The values, row-major.
    public var values: [Float]

    /// A tensor of the given name and shape filled with `value`.
    public init(name: String, shape: [Int], repeating value: Float = 0) {
        self.name = name
        self.shape = shape
        self.values = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor with the given values (their count must match the shape).
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The lecture's name for this tensor: W_xh, W_hh, b_h, W_hy, b_y (with `_l1`, `_l2` for upper
    /// layers, and b_ih / b_hh for the two biases of an LSTM or GRU).
    public var mathName: String { Tensor.mathName(of: name) }

    /// The lecture's name of a PyTorch tensor name.
    public static func mathName(of name: String) -> String {
        switch name {
        case "decoder.weight": return "W_hy"
        case "decoder.bias": return "b_y"
        default: break
        }
        guard name.hasPrefix("rnn."), let underscore = name.lastIndex(of: "_") else { return name }
        let base = String(name[name.index(name.startIndex, offsetBy: 4)..<underscore])
        let layer = String(name[name.index(after: underscore)...])  // "l0"
        let suffix = layer == "l0" ? "" : "_" + layer
        switch base {
        case "weight_ih": return "W_xh" + suffix
        case "weight_hh": return "W_hh" + suffix
        case "bias_ih": return "b_ih" + suffix
        case "bias_hh": return "b_hh" + suffix
        case "bias": return "b_h" + suffix
        default: return name
        }
    }
}

/// How weights are first drawn.
public enum Initialization: String, Sendable, CaseIterable, Codable {
    /// min-char-rnn: weights N(0, 0.01²), biases zero.
    case gaussian
    /// char-rnn: every parameter uniform in [-0.08, 0.08].
    case uniform
    /// PyTorch's default: every parameter uniform in [-1/√H, 1/√H].
    case pytorch
}

/// The shape of a model: cell, sizes, layers.
public struct ModelShape: Sendable, Equatable, Codable {
    /// The kind of recurrent cell.
    public var cell: CellKind
    /// V, the vocabulary size.
    public var vocabularySize: Int
    /// H, the hidden size of every layer.
    public var hiddenSize: Int
    /// L, the number of stacked layers (1–3).
    public var layers: Int

    public init(cell: CellKind, vocabularySize: Int, hiddenSize: Int, layers: Int = 1) {
        self.cell = cell
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layers = layers
    }

    /// The input size of layer k: V for the first layer, H above it.
    public func inputSize(layer: Int) -> Int { layer == 0 ? vocabularySize : hiddenSize }

    /// The parameter tensors this shape has, in storage order, with zero values.
    public func emptyParameters() -> [Tensor] {
        let G = cell.gateCount, H = hiddenSize, V = vocabularySize
        var tensors: [Tensor] = []
        for k in 0..<layers {
            tensors.append(Tensor(name: "rnn.weight_ih_l\(k)", shape: [G * H, inputSize(layer: k)]))
            tensors.append(Tensor(name: "rnn.weight_hh_l\(k)", shape: [G * H, H]))
            if cell == .rnn {
                tensors.append(Tensor(name: "rnn.bias_l\(k)", shape: [G * H]))
            } else {
                tensors.append(Tensor(name: "rnn.bias_ih_l\(k)", shape: [G * H]))
                tensors.append(Tensor(name: "rnn.bias_hh_l\(k)", shape: [G * H]))
            }
        }
        tensors.append(Tensor(name: "decoder.weight", shape: [V, H]))
        tensors.append(Tensor(name: "decoder.bias", shape: [V]))
        return tensors
    }

    /// How many tensors one layer has (3 for the RNN's single bias, 4 otherwise).
    var tensorsPerLayer: Int { cell == .rnn ? 3 : 4 }
}

/// A character-level recurrent language model: its vocabulary, its shape and its parameters.
public struct Model: Sendable, Equatable {
    /// The characters the model reads and writes.
    public let vocabulary: Vocabulary
    /// Cell, sizes and layers.
    public let shape: ModelShape
    /// The parameters in storage order (see the legend at the top of this file).
    public var parameters: [Tensor]

    /// A model with freshly drawn parameters.
    public init(
        vocabulary: Vocabulary, cell: CellKind = .rnn, hiddenSize: Int, layers: Int = 1,
        initialization: Initialization = .gaussian, using generator: inout some RandomNumberGenerator
    ) {
        self.vocabulary = vocabulary
        self.shape = ModelShape(
            cell: cell, vocabularySize: vocabulary.count, hiddenSize: hiddenSize, layers: layers)
        var parameters = shape.emptyParameters()
        let bound = 1 / Float(hiddenSize).squareRoot()
        for i in parameters.indices {
            let isBias = parameters[i].shape.count == 1
            for j in parameters[i].values.indices {
                switch initialization {
                case .gaussian:
                    parameters[i].values[j] = isBias ? 0 : Float(generator.nextGaussian() * 0.01)
                case .uniform:
                    parameters[i].values[j] = Float(generator.nextUnitDouble() * 0.16 - 0.08)
                case .pytorch:
                    parameters[i].values[j] = Float(generator.nextUnitDouble() * 2 - 1) * bound
                }
            }
        }
        self.parameters = parameters
    }

    /// A model with the given parameters, which must have exactly the shape's names and shapes.
    public init(vocabulary: Vocabulary, shape: ModelShape, parameters: [Tensor]) throws(ModelError) {
        guard shape.vocabularySize == vocabulary.count else {
            throw .vocabularyMismatch(expected: shape.vocabularySize, found: vocabulary.count)
        }
        let expected = shape.emptyParameters()
        guard parameters.count == expected.count else {
            throw .tensorCount(expected: expected.count, found: parameters.count)
        }
        for (e, p) in zip(expected, parameters) where e.name != p.name || e.shape != p.shape {
            throw .tensorShape(name: e.name, expected: e.shape, found: p.shape)
        }
        self.vocabulary = vocabulary
        self.shape = shape
        self.parameters = parameters
    }

    /// The index in `parameters` of the tensors of layer k.
    func layerIndices(_ k: Int) -> (weightIH: Int, weightHH: Int, biasIH: Int, biasHH: Int?) {
        let base = k * shape.tensorsPerLayer
        return shape.cell == .rnn ? (base, base + 1, base + 2, nil) : (base, base + 1, base + 2, base + 3)
    }

    /// The index of W_hy and b_y in `parameters`.
    var decoderIndices: (weight: Int, bias: Int) {
        (parameters.count - 2, parameters.count - 1)
    }

    /// The number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.values.count } }

    /// The tensor with the given PyTorch or math name.
    public func tensor(named name: String) -> Tensor? {
        parameters.first { $0.name == name || $0.mathName == name }
    }

    /// Zero tensors with the names and shapes of the parameters: the start of a gradient sum.
    public func zeroGradients() -> [Tensor] {
        parameters.map { Tensor(name: $0.name, shape: $0.shape) }
    }
}

/// What can go wrong when assembling a model from tensors.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case vocabularyMismatch(expected: Int, found: Int)
    case tensorCount(expected: Int, found: Int)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case missingTensor(String)
    case unknownCell(String)
    case badSize(String)

    public var description: String {
        switch self {
        case .vocabularyMismatch(let e, let f): return "the vocabulary has \(f) characters but the model expects \(e)"
        case .tensorCount(let e, let f): return "expected \(e) tensors, found \(f)"
        case .tensorShape(let name, let e, let f): return "tensor \(name) has shape \(f), expected \(e)"
        case .missingTensor(let name): return "tensor \(name) is missing"
        case .unknownCell(let c): return "unknown cell '\(c)' (expected rnn, lstm or gru)"
        case .badSize(let what): return what
        }
    }
}
