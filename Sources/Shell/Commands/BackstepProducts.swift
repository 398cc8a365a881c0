import CharRNN

// The products `backstep` and `step` show that the engine's caches do not hold as they are:
// computed here, on the command's side, from the model's weights and the backward trace, and
// handed to the views (Views/Views.swift), which only render them.
//
// Legend: V vocabulary, H hidden, G gates; t is 0-based here, n = t + 1 is what the learner sees.

/// What one step of BPTT adds up that the trace keeps only as factors.
struct BackstepProducts {
    /// dy_t h_tᵀ: this step's contribution to dW_hy (V × H).
    var outputWeightContribution: [Float]
    /// Per layer (index k): the gradient that reaches h_t from above — W_hyᵀ dy_t for the top
    /// layer, W_xhᵀ da_t of the layer above otherwise (H).
    var fromAbove: [[Float]]
    /// Per layer: dr_t h_{t−1}ᵀ, this step's contribution to W_hh (G·H × H).
    var recurrentContribution: [[Float]]
    /// Per layer: the PyTorch name of W_hh (`rnn.weight_hh_l0`).
    var recurrentWeightNames: [String]
}

/// One layer's biases as the step view shows them: b_h for the RNN, b_ih and b_hh for LSTM and GRU.
struct LayerBiases {
    var inputHidden: [Float]
    var hiddenHidden: [Float]?
}

extension Model {
    /// Layer k's tensor of the given kind (`weight_ih`, `weight_hh`, `bias`, `bias_ih`, `bias_hh`),
    /// by its checkpoint name (Checkpoint.swift lists them).
    func layerTensor(_ kind: String, layer k: Int) -> Tensor? { tensor(named: "rnn.\(kind)_l\(k)") }

    /// Every layer's biases, bottom first.
    var layerBiases: [LayerBiases] {
        (0..<shape.layers).map { k in
            shape.cell == .rnn
                ? LayerBiases(inputHidden: layerTensor("bias", layer: k)!.values, hiddenHidden: nil)
                : LayerBiases(
                    inputHidden: layerTensor("bias_ih", layer: k)!.values, hiddenHidden: layerTensor("bias_hh", layer: k)!.values)
        }
    }

    /// The products of step t (0-based) of the backward pass `state`.
    func backstepProducts(_ state: BackwardState, step t: Int) -> BackstepProducts {
        let cache = state.cache, trace = state.trace
        let H = shape.hiddenSize, V = shape.vocabularySize, G = shape.cell.gateCount, L = shape.layers
        let dy = cache.slice(trace.dLogits, step: t, width: V)
        let hTop = cache.hidden(layer: L - 1, step: t)
        var dWhy = [Float](repeating: 0, count: V * H)
        for v in 0..<V { for j in 0..<H { dWhy[v * H + j] = dy[v] * hTop[j] } }
        var fromAbove = [[Float]](repeating: [], count: L)
        var recurrent = [[Float]](repeating: [], count: L)
        var names = [String](repeating: "", count: L)
        for k in 0..<L {
            var above = [Float](repeating: 0, count: H)
            if k == L - 1 {
                let Why = tensor(named: "decoder.weight")!.values
                for j in 0..<H { for v in 0..<V { above[j] += Why[v * H + j] * dy[v] } }
            } else {
                let Wabove = layerTensor("weight_ih", layer: k + 1)!.values
                let daAbove = cache.slice(trace.layers[k + 1].dPreactivation, step: t, width: G * H)
                for q in 0..<(G * H) { for j in 0..<H { above[j] += Wabove[q * H + j] * daAbove[q] } }
            }
            fromAbove[k] = above
            let dr = cache.slice(trace.layers[k].dRecurrent, step: t, width: G * H)
            let hPrev = t == 0 ? [Float](repeating: 0, count: H) : cache.hidden(layer: k, step: t - 1)
            var dWhh = [Float](repeating: 0, count: G * H * H)
            for q in 0..<(G * H) { for j in 0..<H { dWhh[q * H + j] = dr[q] * hPrev[j] } }
            recurrent[k] = dWhh
            names[k] = layerTensor("weight_hh", layer: k)!.name
        }
        return BackstepProducts(
            outputWeightContribution: dWhy, fromAbove: fromAbove, recurrentContribution: recurrent, recurrentWeightNames: names)
    }
}
