// Backpropagation through time: the forward pass of Model+Forward.swift, walked in reverse.
//
// Legend: B streams, T steps, H hidden, V vocabulary, G gates. Arrays are time-major (T, B, ·).
// The loss differentiated is `lossScale · Σ_t Σ_b loss_t,b`: scale 1 is min-char-rnn's summed
// loss, 1/(T·B) the mean loss PyTorch's cross_entropy uses. Optional per-step weights w_t
// differentiate `lossScale · Σ_t w_t Σ_b loss_t,b` instead: w = onehot(T) is the loss at step T
// alone, which the gradient-flow analysis (Analysis/GradientFlow.swift) backpropagates.
//
//   dy_t      = (p_t − onehot(target_t)) · lossScale            dW_hy += dy_tᵀ h_t,  db_y += dy_t
//   dh_t      = W_hyᵀ dy_t (or the layer above's dx_t) + dh_next_{t+1}
//   RNN       dh_raw_t = (1 − h_t²) ⊙ dh_t
//   LSTM      dc_t = dh_t ⊙ o ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
//             da_i = dc_t ⊙ g ⊙ i(1−i)   da_f = dc_t ⊙ c_{t-1} ⊙ f(1−f)
//             da_g = dc_t ⊙ i ⊙ (1−g²)   da_o = dh_t ⊙ tanh c_t ⊙ o(1−o)
//   GRU       dn = dh_t ⊙ (1−z)   dz = dh_t ⊙ (h_{t-1} − n)   da_n = dn ⊙ (1−n²)
//             dr = da_n ⊙ (W_hn h_{t-1} + b_hn)   da_r = dr ⊙ r(1−r)   da_z = dz ⊙ z(1−z)
//             (the recurrent side of n is da_n ⊙ r; h_{t-1} also gets dh_t ⊙ z directly)
//   then      dW_xh += da_tᵀ x_t   dW_hh += da_tᵀ h_{t-1}   db += da_t
//             dh_next_t = W_hhᵀ da_t  (the gradient passed back to h_{t-1})
//             dx_t = W_xhᵀ da_t       (for the layer below; times the dropout mask m_t when one was used)
// The gradient stops at h_0: the chunk boundary of truncated BPTT. Steps count t = T … 1, as in the
// forward pass; the loops reach the arrays through `LayerBuffers`' and `LayerGradientBuffers`' views,
// and the cell equations above are `Model.cellBackwardStep` (CellMath.swift).

import Foundation

/// What one layer's backward pass computed at every step.
public struct LayerBackwardTrace: Sendable, Equatable {
    /// dh_t: the whole gradient reaching h_t (from the output or the layer above, plus dh_next): (T, B, H).
    public var dHidden: [Float] = []
    /// dh_raw_t: the gradient at the pre-activation of each gate, input side: (T, B, G·H).
    public var dPreactivation: [Float] = []
    /// The gradient at W_hh h_{t-1} + b_hh (equal to `dPreactivation` except for the GRU's n block): (T, B, G·H).
    public var dRecurrent: [Float] = []
    /// dh_next_t: the gradient step t passes back to h_{t-1}: (T, B, H).
    public var dHiddenNext: [Float] = []
    /// dc_t (LSTM): the whole gradient reaching c_t: (T, B, H).
    public var dCell: [Float] = []
    /// Scratch: W_hh packed for the per-step product (`Kernels.pack`): (G·H, H). Not a result.
    var packedWeights: [Float] = []
}

/// Everything the backward pass computed, besides the gradients: the shell's `backstep` view.
public struct BackwardTrace: Sendable, Equatable {
    /// dy_t = (p_t − onehot(target_t)) · lossScale: (T, B, V).
    public var dLogits: [Float] = []
    /// One trace per layer, bottom first.
    public var layers: [LayerBackwardTrace] = []
    /// Scratch: the gradient reaching the current layer's h_t from above, and the one it passes to
    /// the layer below: (T, B, H) each, swapped layer by layer. Not results.
    var fromAbove: [Float] = []
    var toBelow: [Float] = []
}

extension Model {
    /// The gradients of `lossScale · Σ loss` with respect to every parameter (in the order and
    /// shapes of `parameters`), and the per-step trace of the backward pass.
    public func backward(_ cache: ForwardCache, lossScale: Float = 1) -> (gradients: [Tensor], trace: BackwardTrace) {
        var gradients = zeroGradients()
        var trace = BackwardTrace()
        backward(cache, lossScale: lossScale, gradients: &gradients, trace: &trace)
        return (gradients, trace)
    }

    /// The gradients of `lossScale · Σ_t w_t Σ_b loss_t,b`: each step's loss weighted by
    /// `stepWeights[t]` (T values; 0 drops a step's loss, onehot(T) keeps only step T's).
    public func backward(
        _ cache: ForwardCache, lossScale: Float = 1, stepWeights: [Float]
    ) -> (gradients: [Tensor], trace: BackwardTrace) {
        var gradients = zeroGradients()
        var trace = BackwardTrace()
        backward(cache, lossScale: lossScale, gradients: &gradients, trace: &trace, stepWeights: stepWeights)
        return (gradients, trace)
    }

    /// `backward(_:lossScale:)` into existing arrays (gradients are overwritten, not added to).
    public func backward(
        _ cache: ForwardCache, lossScale: Float, gradients: inout [Tensor], trace: inout BackwardTrace,
        stepWeights: [Float]? = nil
    ) {
        precondition(!cache.targets.isEmpty, "backward needs targets")
        let B = cache.batchSize, T = cache.steps, H = shape.hiddenSize, V = shape.vocabularySize
        for i in gradients.indices { gradients[i].values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        if trace.layers.count != shape.layers { trace.layers = Array(repeating: LayerBackwardTrace(), count: shape.layers) }

        // The decoder, each part of the T·B rows (one per core) in blocks of rows that stay in its
        // cache from dy to its product (row t·B + b is step t, stream b):
        //   dy_t = (p_t − onehot(target_t)) · lossScale (· w_t)     dH_top = dY · W_hy
        // then all rows at once: dW_hy += dYᵀ H_top, db_y += Σ dY.
        let (wy, by) = decoderIndices
        resize(&trace.dLogits, T * B * V)
        resize(&trace.fromAbove, T * B * H)  // the gradient reaching h_t from above
        if let stepWeights { precondition(stepWeights.count == T, "stepWeights needs one weight per step") }
        do {
            var outputs = [trace.dLogits, trace.fromAbove]  // moved out to be written
            (trace.dLogits, trace.fromAbove) = ([], [])
            defer { (trace.dLogits, trace.fromAbove) = (outputs[0], outputs[1]) }
            cache.targets.withUnsafeBufferPointer { targets in
                borrow(reading: [cache.probabilities, parameters[wy].values], writing: &outputs) { read, write in
                    let p = read[0].baseAddress!, Why = read[1].baseAddress!
                    let dy = write[0].baseAddress!, dh = write[1].baseAddress!
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: V * H) { packed in
                        let P = packed.baseAddress!
                        Kernels.pack(V, H, Why, transposed: false, into: P)  // W_hy: (V, H), packed once for every row
                        let parts = Model.decoderParts(T * B, V: V, H: H)
                        Kernels.parallel(parts.count) { part in
                            var r0 = parts[part].0
                            while r0 < parts[part].1 {
                                let r1 = min(parts[part].1, r0 + Model.decoderBlock)
                                for row in r0..<r1 {  // dy = (p − onehot(target)) · lossScale · w_t
                                    let scale = stepWeights.map { lossScale * $0[row / B] } ?? lossScale
                                    Kernels.softmaxGradient(
                                        p + row * V, target: targets[row], scale: scale, into: dy + row * V, V)
                                }
                                // dH_top = dY · W_hy: (r1 − r0, V) · (V, H) → (r1 − r0, H), written (not added)
                                Kernels.multiplyPacked(r1 - r0, H, V, dy + r0 * V, rowStride: V, columnStride: 1, P, dh + r0 * H)
                                r0 = r1
                            }
                        }
                    }
                }
            }
        }
        let top = cache.layers[shape.layers - 1].hidden
        trace.dLogits.withUnsafeBufferPointer { dy in
            top.withUnsafeBufferPointer { h in
                var decoder = [gradients[wy].values, gradients[by].values]  // moved out to be written
                gradients[wy].values = []
                gradients[by].values = []
                defer { (gradients[wy].values, gradients[by].values) = (decoder[0], decoder[1]) }
                borrow(reading: [], writing: &decoder) { _, write in  // dW_hy += Σ dy_tᵀ h_t, db_y += Σ dy_t
                    Kernels.multiplyAddTransposedA(
                        V, H, T * B, dy.baseAddress!, h.baseAddress! + B * H, write[0].baseAddress!,
                        sums: write[1].baseAddress!)
                }
            }
        }

        for k in stride(from: shape.layers - 1, through: 0, by: -1) {
            let dropped = !cache.layers[k].dropoutMask.isEmpty
            let below: [Float] = k == 0 ? [] : dropped ? cache.layers[k].droppedInput : cache.layers[k - 1].hidden
            backwardLayer(
                k, cache.layers[k], &trace.layers[k], &gradients, incoming: trace.fromAbove, dInput: &trace.toBelow,
                inputs: cache.inputs, below: below, B: B, T: T)
            if dropped {  // through x_t = m_t ⊙ h_t: dh_t (below) = m_t ⊙ dx_t
                let mask = cache.layers[k].dropoutMask, n = B * H
                for i in 0..<(T * n) { trace.toBelow[i] *= mask[n + i] }
            }
            swap(&trace.fromAbove, &trace.toBelow)  // the layer below's gradient from above
        }
    }

    /// One layer, steps T … 1: writes into `dInput` the gradient reaching its input x_t (the layer
    /// below's h_t; nothing for the first layer).
    private func backwardLayer(
        _ k: Int, _ forward: LayerTrace, _ trace: inout LayerBackwardTrace, _ gradients: inout [Tensor],
        incoming: [Float], dInput: inout [Float], inputs: [Int], below: [Float], B: Int, T: Int
    ) {
        let H = shape.hiddenSize, G = shape.cell.gateCount, GH = G * H, In = shape.inputSize(layer: k)
        let (wi, wh, bi, bh) = layerIndices(k)
        let cell = shape.cell
        trace.prepare(shape, B: B, T: T)
        if k > 0 { resize(&dInput, T * B * In) }  // written by dx_t = W_xhᵀ da_t below
        let reading = LayerWeights.arrays(of: self, layer: k) + [incoming] + forward.arrays
        trace.withBuffers(shape, B: B, T: T, reading: reading) { grad, read in
            let W = LayerWeights(read[0..<4])
            let fromAbove = read[4].baseAddress!  // the gradient reaching h_t from above: (T, B, H)
            let layer = LayerBuffers.reading(read[5...], B: B, T: T, H: H, G: G)  // the forward values
            Kernels.pack(GH, H, W.Whh, transposed: false, into: grad.packedWeights)  // W_hh: (G·H, H)
            // Each part of the batch (one per core, `Model.batchParts`) walks the T steps back on
            // its own rows b0 ..< b1: the streams meet only in the weight gradients, below.
            let parts = Model.batchParts(B)
            Kernels.parallel(parts.count) { part in
                let (b0, b1) = parts[part]
                for t in (1..<(T + 1)).reversed() {
                    // dh_t = (from above) + dh_next_{t+1}
                    let dh = grad.dh(t, from: b0), above = fromAbove + ((t - 1) * B + b0) * H
                    if t < T {
                        let next = grad.dhNext(t + 1, from: b0)
                        for i in 0..<((b1 - b0) * H) { dh[i] = above[i] + next[i] }
                    } else {
                        dh.update(from: above, count: (b1 - b0) * H)
                    }
                    // da_t (and dc_t) from dh_t and the step's forward values: the cell's equations of
                    // the legend, in CellMath.swift
                    let step = CellGradientStep(
                        H: H, gates: layer.gates(t, from: b0), hPrev: layer.h(t - 1, from: b0), h: layer.h(t, from: b0),
                        cPrev: layer.c(t - 1, from: b0), c: layer.c(t, from: b0),
                        recurrentProjection: layer.recurrentProjection(t, from: b0), bhh: W.bhh,
                        gatesNext: t < T ? layer.gates(t + 1, from: b0) : nil, dcNext: t < T ? grad.dc(t + 1, from: b0) : nil,
                        dh: dh, da: grad.da(t, from: b0), dRecurrent: grad.ownDRecurrent(t, from: b0), dc: grad.dc(t, from: b0))
                    Model.cellBackwardStep(cell, rows: b1 - b0, step)
                    // dh_next_t = W_hhᵀ da_t: (b1 − b0, G·H) · W_hh (G·H, H) → (b1 − b0, H), written (not added)
                    let dhNext = grad.dhNext(t, from: b0)
                    Kernels.multiplyPacked(
                        b1 - b0, H, GH, grad.dRecurrent(t, from: b0), rowStride: GH, columnStride: 1, grad.packedWeights,
                        dhNext)
                    if cell == .gru {  // + dh_t ⊙ z: h_t = … + z ⊙ h_{t-1}
                        let z = layer.gates(t, from: b0)! + H
                        for b in 0..<(b1 - b0) { for j in 0..<H { dhNext[b * H + j] += dh[b * H + j] * z[b * GH + j] } }
                    }
                }
            }
        }

        // The RNN's and the LSTM's recurrent side is da itself: the same array (shared, not copied).
        if cell != .gru { trace.dRecurrent = trace.dPreactivation }

        // The weight gradients, all steps at once; each bias gradient is summed while its product
        // reads da (`sums`).
        var weights = [gradients[wh].values, gradients[wi].values, gradients[bi].values, bh.map { gradients[$0].values } ?? []]
        gradients[wh].values = []  // moved out to be written, back below
        gradients[wi].values = []
        gradients[bi].values = []
        if let bh { gradients[bh].values = [] }
        defer {
            gradients[wh].values = weights[0]
            gradients[wi].values = weights[1]
            gradients[bi].values = weights[2]
            if let bh { gradients[bh].values = weights[3] }
        }
        borrow(reading: [trace.dRecurrent, trace.dPreactivation, forward.hidden, below], writing: &weights) { read, write in
            let dr = read[0].baseAddress!, da = read[1].baseAddress!, h = read[2].baseAddress!
            let dWhh = write[0].baseAddress!, dWih = write[1].baseAddress!, dbih = write[2].baseAddress!
            let dbhh = bh == nil ? nil : write[3].baseAddress
            // dW_hh += Σ_t da_tᵀ h_{t-1} with db_hh += Σ_t da_t (recurrent side); the RNN's one
            // bias b_h takes the sum (its recurrent side is da itself).
            Kernels.multiplyAddTransposedA(GH, H, T * B, dr, h, dWhh, sums: dbhh ?? dbih)
            // db_ih += Σ_t da_t: the LSTM's da is its recurrent side's, so the same sums (both
            // started from zero: the same bits as adding them again); the GRU's differs in n.
            let inputSums: UnsafeMutablePointer<Float>? = cell == .gru ? dbih : nil
            if cell == .lstm, let dbhh { dbih.update(from: dbhh, count: GH) }
            if k == 0 {  // dW_xh[:, x_t] += da_t: the one-hot gather's gradient is a scatter
                inputs.withUnsafeBufferPointer { x in
                    Kernels.scatterAddColumns(T * B, GH, In, x.baseAddress!, da, dWih)
                }
                if let inputSums { Kernels.addRowSums(T * B, GH, da, inputSums) }
            } else {  // dW_xh += Σ_t da_tᵀ x_t, with x_t the layer below's h_t
                Kernels.multiplyAddTransposedA(GH, In, T * B, da, read[3].baseAddress! + B * H, dWih, sums: inputSums)
            }
        }
        trace.dPreactivation.withUnsafeBufferPointer { da in
            if k > 0 {  // dx_t = W_xhᵀ da_t, for the layer below
                parameters[wi].values.withUnsafeBufferPointer { Wih in
                    dInput.withUnsafeMutableBufferPointer { dx in
                        Kernels.multiply(T * B, In, GH, da.baseAddress!, Wih.baseAddress!, dx.baseAddress!)
                    }
                }
            }
        }
    }
}
