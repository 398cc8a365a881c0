// swift-format-ignore-file
// (The time loop reaches each array through one withUnsafe…Pointer closure, written as a flat
// ladder that reads as a single scope; the formatter would indent it ten levels deep.)
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
// The gradient stops at h_0: the chunk boundary of truncated BPTT.

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

        // dy_t = (p_t − onehot(target_t)) · lossScale
        resize(&trace.dLogits, T * B * V)
        for i in 0..<(T * B * V) { trace.dLogits[i] = cache.probabilities[i] * lossScale }
        for row in 0..<(T * B) { trace.dLogits[row * V + cache.targets[row]] -= lossScale }
        if let stepWeights {  // dy_t ·= w_t (row t·B + b is step t)
            precondition(stepWeights.count == T, "stepWeights needs one weight per step")
            for row in 0..<(T * B) { for v in 0..<V { trace.dLogits[row * V + v] *= stepWeights[row / B] } }
        }

        // Decoder, all steps at once: dW_hy += dYᵀ H_top, db_y += Σ dY, dH_top = dY · W_hy.
        let (wy, by) = decoderIndices
        let top = cache.layers[shape.layers - 1].hidden
        resize(&trace.fromAbove, T * B * H)  // the gradient reaching h_t from above
        trace.fromAbove.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        trace.dLogits.withUnsafeBufferPointer { dy in
            top.withUnsafeBufferPointer { h in
                gradients[wy].values.withUnsafeMutableBufferPointer { dWhy in
                    Kernels.multiplyAddTransposedA(V, H, T * B, dy.baseAddress!, h.baseAddress! + B * H, dWhy.baseAddress!)
                }
            }
            gradients[by].values.withUnsafeMutableBufferPointer { dby in
                Kernels.addRowSums(T * B, V, dy.baseAddress!, dby.baseAddress!)
            }
            parameters[wy].values.withUnsafeBufferPointer { Why in
                trace.fromAbove.withUnsafeMutableBufferPointer { dh in
                    Kernels.multiplyAdd(T * B, H, V, dy.baseAddress!, Why.baseAddress!, dh.baseAddress!)
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
        resize(&trace.dHidden, T * B * H)
        resize(&trace.dPreactivation, T * B * GH)
        resize(&trace.dRecurrent, T * B * GH)
        resize(&trace.dHiddenNext, T * B * H)
        resize(&trace.dCell, cell == .lstm ? T * B * H : 0)
        if k > 0 {
            resize(&dInput, T * B * In)
            dInput.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        let bhhValues = bh.map { parameters[$0].values } ?? []
        resize(&trace.packedWeights, GH * H)

        parameters[wh].values.withUnsafeBufferPointer { Whh in
        bhhValues.withUnsafeBufferPointer { bhh in
        forward.recurrentProjection.withUnsafeBufferPointer { rp in
        forward.gates.withUnsafeBufferPointer { gates in
        forward.hidden.withUnsafeBufferPointer { h in
        forward.cell.withUnsafeBufferPointer { c in
        incoming.withUnsafeBufferPointer { dIn in
        trace.dHidden.withUnsafeMutableBufferPointer { dH in
        trace.dPreactivation.withUnsafeMutableBufferPointer { da in
        trace.dRecurrent.withUnsafeMutableBufferPointer { dr in
        trace.dHiddenNext.withUnsafeMutableBufferPointer { dNext in
        trace.dCell.withUnsafeMutableBufferPointer { dC in
        trace.packedWeights.withUnsafeMutableBufferPointer { packed in
            Kernels.pack(GH, H, Whh.baseAddress!, transposed: false, into: packed.baseAddress!)  // W_hh: (G·H, H)
            // Each part of the batch (one per core, `Model.batchParts`) walks the T steps back on
            // its own rows b0 ..< b1: the streams meet only in the weight gradients, below.
            let parts = Model.batchParts(B)
            Kernels.parallel(parts.count) { part in
            let (b0, b1) = parts[part]
            for t in stride(from: T - 1, through: 0, by: -1) {
                let dht = dH.baseAddress! + t * B * H
                let hPrev = h.baseAddress! + t * B * H, ht = h.baseAddress! + (t + 1) * B * H
                let dat = da.baseAddress! + t * B * GH, drt = dr.baseAddress! + t * B * GH
                // dh_t = (from above) + dh_next_{t+1}
                if t + 1 < T {
                    for i in (b0 * H)..<(b1 * H) { dht[i] = dIn[t * B * H + i] + dNext[(t + 1) * B * H + i] }
                } else {
                    for i in (b0 * H)..<(b1 * H) { dht[i] = dIn[t * B * H + i] }
                }
                switch cell {
                case .rnn:
                    for i in (b0 * H)..<(b1 * H) { dat[i] = (1 - ht[i] * ht[i]) * dht[i] }  // dh_raw = (1 − h²) ⊙ dh
                    for i in (b0 * GH)..<(b1 * GH) { drt[i] = dat[i] }
                case .lstm:
                    let gt = gates.baseAddress! + t * B * GH
                    let cPrev = c.baseAddress! + t * B * H, ct = c.baseAddress! + (t + 1) * B * H
                    let dct = dC.baseAddress! + t * B * H
                    let gNext = t + 1 < T ? gates.baseAddress! + (t + 1) * B * GH : nil
                    typealias V16 = Kernels.Vector
                    let w = Kernels.width
                    for b in b0..<b1 {
                        let row = b * GH
                        var j = 0
                        while j + w <= H {  // 16 units at a time: the same equations on vectors
                            let i = Kernels.load(gt + row + j), f = Kernels.load(gt + row + H + j)
                            let g = Kernels.load(gt + row + 2 * H + j), o = Kernels.load(gt + row + 3 * H + j)
                            let tc = Kernels.tanh(Kernels.load(ct + b * H + j))
                            let dh = Kernels.load(dht + b * H + j)
                            // dc_t = dh ⊙ o ⊙ (1 − tanh² c_t) + dc_{t+1} ⊙ f_{t+1}
                            var dcj: V16 = dh * o * (1 - tc * tc)
                            if let gNext {
                                dcj += Kernels.load(dC.baseAddress! + (t + 1) * B * H + b * H + j) * Kernels.load(gNext + row + H + j)
                            }
                            Kernels.store(dcj, dct + b * H + j)
                            Kernels.store(dcj * g * i * (1 - i), dat + row + j)  // da_i
                            Kernels.store(dcj * Kernels.load(cPrev + b * H + j) * f * (1 - f), dat + row + H + j)  // da_f
                            Kernels.store(dcj * i * (1 - g * g), dat + row + 2 * H + j)  // da_g
                            Kernels.store(dh * tc * o * (1 - o), dat + row + 3 * H + j)  // da_o
                            j += w
                        }
                        while j < H {
                            let i = gt[row + j], f = gt[row + H + j], g = gt[row + 2 * H + j], o = gt[row + 3 * H + j]
                            let tc = tanhf(ct[b * H + j])
                            let dh = dht[b * H + j]
                            // dc_t = dh ⊙ o ⊙ (1 − tanh² c_t) + dc_{t+1} ⊙ f_{t+1}
                            var dcj = dh * o * (1 - tc * tc)
                            if let gNext { dcj += dC[(t + 1) * B * H + b * H + j] * gNext[row + H + j] }
                            dct[b * H + j] = dcj
                            dat[row + j] = dcj * g * i * (1 - i)  // da_i
                            dat[row + H + j] = dcj * cPrev[b * H + j] * f * (1 - f)  // da_f
                            dat[row + 2 * H + j] = dcj * i * (1 - g * g)  // da_g
                            dat[row + 3 * H + j] = dh * tc * o * (1 - o)  // da_o
                            j += 1
                        }
                    }
                    for q in (b0 * GH)..<(b1 * GH) { drt[q] = dat[q] }
                case .gru:
                    let gt = gates.baseAddress! + t * B * GH, rpt = rp.baseAddress! + t * B * GH
                    for b in b0..<b1 {
                        let row = b * GH
                        for j in 0..<H {
                            let r = gt[row + j], z = gt[row + H + j], n = gt[row + 2 * H + j]
                            let dh = dht[b * H + j]
                            let dan = dh * (1 - z) * (1 - n * n)  // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
                            let hn = rpt[row + 2 * H + j] + bhh[2 * H + j]  // W_hn h_{t-1} + b_hn
                            let dar = dan * hn * r * (1 - r)  // da_r = da_n ⊙ hn ⊙ r(1 − r)
                            let daz = dh * (hPrev[b * H + j] - n) * z * (1 - z)  // da_z = dh ⊙ (h_{t-1} − n) ⊙ z(1 − z)
                            dat[row + j] = dar
                            dat[row + H + j] = daz
                            dat[row + 2 * H + j] = dan
                            drt[row + j] = dar
                            drt[row + H + j] = daz
                            drt[row + 2 * H + j] = dan * r  // the recurrent side of n sits inside r ⊙ (…)
                        }
                    }
                }
                // dh_next_t = W_hhᵀ da_t: (b1 − b0, G·H) · W_hh (G·H, H) → (b1 − b0, H)
                let dNextT = dNext.baseAddress! + t * B * H
                (dNextT + b0 * H).update(repeating: 0, count: (b1 - b0) * H)
                Kernels.multiplyAddPacked(
                    b1 - b0, H, GH, drt + b0 * GH, rowStride: GH, columnStride: 1, packed.baseAddress!, dNextT + b0 * H)
                if cell == .gru {
                    let gt = gates.baseAddress! + t * B * GH
                    for b in b0..<b1 { for j in 0..<H { dNextT[b * H + j] += dht[b * H + j] * gt[b * GH + H + j] } }  // + dh ⊙ z
                }
            }
            }
        }}}}}}}}}}}}}

        // The weight gradients, all steps at once.
        trace.dRecurrent.withUnsafeBufferPointer { dr in
            forward.hidden.withUnsafeBufferPointer { h in
                gradients[wh].values.withUnsafeMutableBufferPointer { dWhh in  // dW_hh += Σ_t da_tᵀ h_{t-1}
                    Kernels.multiplyAddTransposedA(GH, H, T * B, dr.baseAddress!, h.baseAddress!, dWhh.baseAddress!)
                }
            }
            if let bh {  // db_hh += Σ_t da_t (recurrent side)
                gradients[bh].values.withUnsafeMutableBufferPointer { db in
                    Kernels.addRowSums(T * B, GH, dr.baseAddress!, db.baseAddress!)
                }
            }
        }
        trace.dPreactivation.withUnsafeBufferPointer { da in
            gradients[bi].values.withUnsafeMutableBufferPointer { db in  // db_h (db_ih) += Σ_t da_t
                Kernels.addRowSums(T * B, GH, da.baseAddress!, db.baseAddress!)
            }
            gradients[wi].values.withUnsafeMutableBufferPointer { dWih in
                if k == 0 {  // dW_xh[:, x_t] += da_t: the one-hot gather's gradient is a scatter
                    inputs.withUnsafeBufferPointer { x in
                        Kernels.scatterAddColumns(T * B, GH, In, x.baseAddress!, da.baseAddress!, dWih.baseAddress!)
                    }
                } else {  // dW_xh += Σ_t da_tᵀ x_t, with x_t the layer below's h_t
                    below.withUnsafeBufferPointer { x in
                        Kernels.multiplyAddTransposedA(GH, In, T * B, da.baseAddress!, x.baseAddress! + B * H, dWih.baseAddress!)
                    }
                }
            }
            if k > 0 {  // dx_t = W_xhᵀ da_t, for the layer below
                parameters[wi].values.withUnsafeBufferPointer { Wih in
                    dInput.withUnsafeMutableBufferPointer { dx in
                        Kernels.multiplyAdd(T * B, In, GH, da.baseAddress!, Wih.baseAddress!, dx.baseAddress!)
                    }
                }
            }
        }
    }
}
