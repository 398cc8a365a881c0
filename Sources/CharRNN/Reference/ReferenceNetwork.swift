// The whole reference network, for reading: layers of cells (ReferenceRNN/LSTM/GRU.swift), the
// output layer y_t = W_hy h_t + b_y, the softmax and the loss, over T steps of one stream of
// characters — forward, and directly below it the backward pass through time. A batch is B
// streams that never meet: their losses and gradients add up (`ReferenceModel.lossAndGradients`).
//
// Legend: B streams, T steps, H hidden, V vocabulary, G gates (RNN 1, LSTM 4, GRU 3), L layers.
// Parameters have PyTorch's layouts (see Model.swift); shapes in parentheses.
// The `// code:` lines mark what the shell's `code` command shows.

import Foundation

/// One layer's parameters, or their gradients.
struct ReferenceLayer: Equatable {
    /// W_xh (RNN) or W_ih (LSTM, GRU): `rnn.weight_ih_l{k}` (G·H, In).
    var Wxh: ReferenceMatrix
    /// W_hh: `rnn.weight_hh_l{k}` (G·H, H).
    var Whh: ReferenceMatrix
    /// b_ih: `rnn.bias_ih_l{k}` (G·H); the RNN's one bias b_h, `rnn.bias_l{k}` (H).
    var bih: [Float]
    /// b_hh: `rnn.bias_hh_l{k}` (G·H); empty for the RNN.
    var bhh: [Float]

    /// The RNN's name for its one bias, b_h (stored in `bih`).
    var bh: [Float] {
        get { bih }
        set { bih = newValue }
    }
}

/// The model in the lecture's names: L layers and the output layer. Its gradients have the same
/// shape, so `ReferenceModel` holds both (`dWhy` is `gradients.Why`).
struct ReferenceModel: Equatable {
    /// The cell, sizes and layers.
    let shape: ModelShape
    /// The layers, bottom first.
    var layers: [ReferenceLayer]
    /// W_hy: `decoder.weight` (V, H).
    var Why: ReferenceMatrix
    /// b_y: `decoder.bias` (V).
    var by: [Float]

    /// The reference twin of a model of the fast engine: the same numbers, unpacked.
    init(_ model: Model) { self.init(shape: model.shape, tensors: model.parameters) }

    /// The model whose tensors are `tensors`, in `ModelShape.emptyParameters()` order.
    init(shape: ModelShape, tensors: [Tensor]) {
        self.shape = shape
        let perLayer = shape.tensorsPerLayer
        layers = (0..<shape.layers).map { k in
            let base = k * perLayer
            return ReferenceLayer(
                Wxh: ReferenceMatrix(tensors[base]), Whh: ReferenceMatrix(tensors[base + 1]), bih: tensors[base + 2].values,
                bhh: shape.cell == .rnn ? [] : tensors[base + 3].values)
        }
        Why = ReferenceMatrix(tensors[tensors.count - 2])
        by = tensors[tensors.count - 1].values
    }

    /// Zeros of the shape of `shape`'s parameters: the start of a gradient sum.
    static func zero(_ shape: ModelShape) -> ReferenceModel {
        ReferenceModel(shape: shape, tensors: shape.emptyParameters())
    }

    /// The parameters (or gradients) as the fast engine's tensors: same names, order and layouts.
    var tensors: [Tensor] {
        var values: [[Float]] = []
        for layer in layers {
            values += [layer.Wxh.values, layer.Whh.values, layer.bih] + (shape.cell == .rnn ? [] : [layer.bhh])
        }
        values += [Why.values, by]
        return zip(shape.emptyParameters(), values).map { Tensor(name: $0.name, shape: $0.shape, values: $1) }
    }
}

/// The state one stream carries from chunk to chunk: h (and c, LSTM) of every layer, (H) each.
struct ReferenceState: Equatable {
    /// h of each layer, bottom first.
    var h: [[Float]]
    /// c of each layer (LSTM; zeros otherwise).
    var c: [[Float]]

    /// h_0 = 0, c_0 = 0.
    static func zero(_ shape: ModelShape) -> ReferenceState {
        let zeros = [[Float]](repeating: [Float](repeating: 0, count: shape.hiddenSize), count: shape.layers)
        return ReferenceState(h: zeros, c: zeros)
    }
}

/// One layer's step, whichever the cell.
enum ReferenceCellStep: Equatable {
    case rnn(ReferenceRNN.Step)
    case lstm(ReferenceLSTM.Step)
    case gru(ReferenceGRU.Step)

    /// h_t.
    var h: [Float] {
        switch self {
        case .rnn(let s): return s.h
        case .lstm(let s): return s.h
        case .gru(let s): return s.h
        }
    }
}

/// Dropout masks of one stream: `masks[t][k]` (H) multiplies the h_t of layer k − 1 before layer k
/// reads it (k ≥ 1; entry 0 is unused). Fixed masks make the network an ordinary function.
typealias ReferenceDropoutMasks = [[[Float]]]

/// What one stream's forward pass keeps: every step of every layer, p_t, the loss, the last state.
struct ReferencePass: Equatable {
    /// The characters read and the ones to predict (T each).
    var inputs: [Int], targets: [Int]
    /// `steps[t][k]`: step t of layer k.
    var steps: [[ReferenceCellStep]] = []
    /// p_t (V) for each step.
    var p: [[Float]] = []
    /// loss = −Σ_t ln p_t[target_t], summed over the T steps.
    var loss: Float = 0
    /// The state after step T: the next chunk starts from it (truncated BPTT).
    var state: ReferenceState
    /// The dropout masks used, if any.
    var masks: ReferenceDropoutMasks?
}

extension ReferenceModel {
    // MARK: - Forward

    /// One stream's forward pass over `inputs` from `state`: the layers, then y_t, p_t and the loss.
    func forward(
        inputs: [Int], targets: [Int], from state: ReferenceState, masks: ReferenceDropoutMasks? = nil
    ) -> ReferencePass {
        let V = shape.vocabularySize, H = shape.hiddenSize
        var pass = ReferencePass(inputs: inputs, targets: targets, state: state, masks: masks)
        for t in 0..<inputs.count {
            // x_t = onehot(input_t)                                   (V)
            var x = onehot(inputs[t], V)
            var steps: [ReferenceCellStep] = []
            for k in 0..<shape.layers {
                if k > 0, let masks {
                    // dropout between layers: the layer reads m_t ⊙ h_t of the layer below   (H)
                    x = elementwise(H) { j in masks[t][k][j] * x[j] }
                }
                let (hPrev, cPrev) = (pass.state.h[k], pass.state.c[k])
                let step: ReferenceCellStep
                switch shape.cell {
                case .rnn: step = .rnn(ReferenceRNN.forward(layers[k], x: x, hPrev: hPrev))
                case .lstm: step = .lstm(ReferenceLSTM.forward(layers[k], x: x, hPrev: hPrev, cPrev: cPrev))
                case .gru: step = .gru(ReferenceGRU.forward(layers[k], x: x, hPrev: hPrev))
                }
                if case .lstm(let s) = step { pass.state.c[k] = s.c }
                pass.state.h[k] = step.h
                steps.append(step)
                x = step.h  // the next layer's input
            }
            let h = x
            // code: output.forward
            // y_t = W_hy h_t + b_y                    logits              (V)
            let y = add(matmul(Why, h), by)
            // p_t = softmax(y_t)                      probabilities       (V)
            let p = softmax(y)
            // loss = −Σ_t ln p_t[target_t]            summed over steps
            pass.loss += -logf(p[targets[t]])
            // code: end
            pass.steps.append(steps)
            pass.p.append(p)
        }
        return pass
    }

    // MARK: - Backward

    /// The gradients of `lossScale · loss` of one stream's pass, added to `d` (the gradient stops
    /// at the pass's first state: the chunk boundary of truncated BPTT).
    func backward(_ pass: ReferencePass, lossScale: Float = 1, into d: inout ReferenceModel) {
        let L = shape.layers, H = shape.hiddenSize
        let zeros = [Float](repeating: 0, count: H)
        // dh_next and dc_next of each layer: what step t + 1 passed back (0 after the last step)
        var dhNext = [[Float]](repeating: zeros, count: L), dcNext = dhNext
        for t in (0..<pass.inputs.count).reversed() {
            let h = pass.steps[t][L - 1].h
            // code: output.backward
            // dy_t = p_t − onehot(target_t)     softmax and −ln together  (V)
            var dy = pass.p[t]
            dy[pass.targets[t]] -= 1
            // times lossScale: 1 for the summed loss, 1/(T·B) for the mean
            dy = dy.map { $0 * lossScale }
            // dW_hy += dy_t h_tᵀ,  db_y += dy_t             (V, H), (V)
            addOuterProduct(&d.Why, dy, h)
            accumulate(&d.by, dy)
            // dh_t = W_hyᵀ dy_t  (+ dh_next, added in each layer below)  (H)
            var dh = matmulTransposed(Why, dy)
            // code: end
            for k in (0..<L).reversed() {
                // dh_t of layer k: from above, and from step t + 1
                dh = add(dh, dhNext[k])
                var dx: [Float]
                switch pass.steps[t][k] {
                case .rnn(let s): (dx, dhNext[k]) = ReferenceRNN.backward(layers[k], s, dh: dh, into: &d.layers[k])
                case .gru(let s): (dx, dhNext[k]) = ReferenceGRU.backward(layers[k], s, dh: dh, into: &d.layers[k])
                case .lstm(let s):
                    (dx, dhNext[k], dcNext[k]) = ReferenceLSTM.backward(
                        layers[k], s, dh: dh, dcNext: dcNext[k], into: &d.layers[k])
                }
                if k > 0, let masks = pass.masks {
                    // back through dropout: the layer below's h_t gets m_t ⊙ dx_t
                    dx = elementwise(H) { j in masks[t][k][j] * dx[j] }
                }
                dh = dx  // the gradient reaching the layer below's h_t
            }
        }
    }

    // MARK: - A batch

    /// B streams at once, laid out as the fast engine's `forward` takes them: `inputs` and
    /// `targets` (B, T) row-major, `state` the carried state of all streams, `masks[b]` stream b's
    /// dropout masks. Returns Σ loss over all streams and steps, the gradients of
    /// `lossScale · Σ loss`, and the state after the last step.
    func lossAndGradients(
        inputs: [Int], targets: [Int], batchSize B: Int, from state: RecurrentState,
        masks: [ReferenceDropoutMasks]? = nil, lossScale: Float = 1
    ) -> (loss: Float, gradients: ReferenceModel, state: RecurrentState) {
        let T = inputs.count / B, H = shape.hiddenSize
        var loss: Float = 0
        var gradients = ReferenceModel.zero(shape)
        var after = state
        for b in 0..<B {
            let rows = (b * T)..<((b + 1) * T), units = (b * H)..<((b + 1) * H)
            let start = ReferenceState(h: state.hidden.map { Array($0[units]) }, c: state.cell.map { Array($0[units]) })
            let pass = forward(
                inputs: Array(inputs[rows]), targets: Array(targets[rows]), from: start, masks: masks?[b])
            backward(pass, lossScale: lossScale, into: &gradients)
            loss += pass.loss
            for k in 0..<shape.layers {
                after.hidden[k].replaceSubrange(units, with: pass.state.h[k])
                if shape.cell == .lstm { after.cell[k].replaceSubrange(units, with: pass.state.c[k]) }
            }
        }
        return (loss, gradients, after)
    }
}
