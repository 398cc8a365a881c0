// swift-format-ignore-file
// (The time loop reaches each array through one withUnsafe…Pointer closure, written as a flat
// ladder that reads as a single scope; the formatter would indent it ten levels deep.)
// The forward pass over B streams × T steps, keeping every intermediate value: the cache IS the
// trace the shell shows, and the backward pass (Model+Backward.swift) walks it in reverse.
//
// Legend: B streams, T steps, H hidden, V vocabulary, G gates (RNN 1, LSTM 4, GRU 3).
// Arrays are time-major: (T, B, ·) — the rows of one step are contiguous.
//
//   RNN   a_t = W_xh x_t + W_hh h_{t-1} + b_h                  h_t = tanh(a_t)
//   LSTM  [i f g o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh    i, f, o = σ(·), g = tanh(·)
//         c_t = f ⊙ c_{t-1} + i ⊙ g                            h_t = o ⊙ tanh(c_t)
//   GRU   r = σ(W_ir x + b_ir + W_hr h + b_hr)   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//         n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))        h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
//   then  y_t = W_hy h_t + b_y,   p_t = softmax(y_t),   loss_t = −ln p_t[target_t]
//   (layer k > 0 reads the h_t of layer k − 1 as its x_t; in training with dropout, m_t ⊙ h_t)

import Foundation

/// The hidden state carried between chunks: h (and c for the LSTM) of every layer, for B streams.
public struct RecurrentState: Sendable, Equatable {
    /// B, the number of streams.
    public var batchSize: Int
    /// h of each layer: (B, H).
    public var hidden: [[Float]]
    /// c of each layer (LSTM only; zeros otherwise): (B, H).
    public var cell: [[Float]]

    /// h_0 = 0 (and c_0 = 0) for every layer and stream.
    public static func zero(_ shape: ModelShape, batchSize: Int) -> RecurrentState {
        let layer = [Float](repeating: 0, count: batchSize * shape.hiddenSize)
        return RecurrentState(
            batchSize: batchSize, hidden: Array(repeating: layer, count: shape.layers),
            cell: Array(repeating: layer, count: shape.layers))
    }
}

/// Everything one layer computed at every step.
public struct LayerTrace: Sendable, Equatable {
    /// W_xh x_t, without bias: (T, B, G·H). For layer 0 a gathered column of W_xh.
    public var inputProjection: [Float] = []
    /// W_hh h_{t-1}, without bias: (T, B, G·H).
    public var recurrentProjection: [Float] = []
    /// a_t, the pre-activation of each gate, biases included: (T, B, G·H).
    /// For the GRU's n block: W_in x + b_in + r ⊙ (W_hn h + b_hn).
    public var preactivation: [Float] = []
    /// The gates after their nonlinearity (LSTM i f g o, GRU r z n; RNN: empty): (T, B, G·H).
    public var gates: [Float] = []
    /// h_0 … h_T: (T + 1, B, H); h_0 is the carried state.
    public var hidden: [Float] = []
    /// c_0 … c_T (LSTM; empty otherwise): (T + 1, B, H).
    public var cell: [Float] = []
    /// Dropout between layers (training only, layers k > 0): the mask m_t ∈ {0, 1/(1 − p)} that
    /// multiplied the layer below's h_t, laid out as `hidden` ((T + 1, B, H), row 0 unused); empty
    /// without dropout.
    public var dropoutMask: [Float] = []
    /// The input this layer read when dropout was on: m_t ⊙ h_t of the layer below ((T + 1, B, H)).
    public var droppedInput: [Float] = []
    /// Scratch: W_ihᵀ, then W_hhᵀ, packed for the products (`Kernels.pack`): (H, G·H). Not a result.
    var packedWeights: [Float] = []
}

/// The forward pass's record of a chunk: inputs, every layer's trace, logits, probabilities, losses.
public struct ForwardCache: Sendable, Equatable {
    /// The model's shape.
    public var shape: ModelShape
    /// B, the number of streams.
    public var batchSize: Int
    /// T, the number of steps.
    public var steps: Int
    /// x_t as vocabulary indices: (T, B).
    public var inputs: [Int]
    /// The targets (T, B), or empty when there are none (sampling).
    public var targets: [Int]
    /// One trace per layer, bottom first.
    public var layers: [LayerTrace]
    /// y_t: (T, B, V).
    public var logits: [Float]
    /// p_t = softmax(y_t): (T, B, V).
    public var probabilities: [Float]
    /// loss_t = −ln p_t[target]: (T, B); empty without targets.
    public var losses: [Float]

    /// An empty cache, to be filled by `Model.forward(…, into:)`.
    public init(shape: ModelShape) {
        self.shape = shape
        batchSize = 0
        steps = 0
        inputs = []
        targets = []
        layers = Array(repeating: LayerTrace(), count: shape.layers)
        logits = []
        probabilities = []
        losses = []
    }

    /// Σ loss_t over all steps and streams, in nats.
    public var totalLoss: Double { losses.reduce(0.0) { $0 + Double($1) } }

    /// The mean loss per character, in nats.
    public var meanLoss: Double { losses.isEmpty ? .nan : totalLoss / Double(losses.count) }

    /// The state after the last step: the next chunk starts from it.
    public var finalState: RecurrentState {
        let H = shape.hiddenSize, n = batchSize * H
        var state = RecurrentState.zero(shape, batchSize: batchSize)
        for k in 0..<shape.layers {
            state.hidden[k] = Array(layers[k].hidden[(steps * n)..<((steps + 1) * n)])
            if shape.cell == .lstm { state.cell[k] = Array(layers[k].cell[(steps * n)..<((steps + 1) * n)]) }
        }
        return state
    }

    /// Writes `finalState` into `state`, reusing its arrays when the sizes match.
    public func copyFinalState(into state: inout RecurrentState) {
        let H = shape.hiddenSize, n = batchSize * H
        guard state.batchSize == batchSize, state.hidden.count == shape.layers, state.cell.count == shape.layers,
            state.hidden.allSatisfy({ $0.count == n }), state.cell.allSatisfy({ $0.count == n })
        else {
            state = finalState
            return
        }
        for k in 0..<shape.layers {
            for i in 0..<n { state.hidden[k][i] = layers[k].hidden[steps * n + i] }
            if shape.cell == .lstm { for i in 0..<n { state.cell[k][i] = layers[k].cell[steps * n + i] } }
        }
    }

    /// The values of one step (0-based) and one stream of a (T, B, width) array.
    public func slice(_ array: [Float], step t: Int, stream b: Int = 0, width: Int) -> [Float] {
        let start = (t * batchSize + b) * width
        return Array(array[start..<(start + width)])
    }

    /// h_t of a layer after step t (0-based), i.e. row t + 1 of `hidden`.
    public func hidden(layer k: Int = 0, step t: Int, stream b: Int = 0) -> [Float] {
        let H = shape.hiddenSize, start = ((t + 1) * batchSize + b) * H
        return Array(layers[k].hidden[start..<(start + H)])
    }

    /// c_t of an LSTM layer after step t (0-based).
    public func cell(layer k: Int = 0, step t: Int, stream b: Int = 0) -> [Float] {
        let H = shape.hiddenSize, start = ((t + 1) * batchSize + b) * H
        return Array(layers[k].cell[start..<(start + H)])
    }
}

extension Model {
    /// Runs the model over B streams × T steps from `state`, keeping every intermediate value.
    /// - Parameters:
    ///   - inputs: (B, T) row-major vocabulary indices — stream b's characters are
    ///     `inputs[b*T ..< (b+1)*T]`, as `BatchCursor` gives them.
    ///   - targets: the same layout, or nil (no loss).
    public func forward(
        inputs: [Int], targets: [Int]?, batchSize: Int, from state: RecurrentState
    ) -> ForwardCache {
        var cache = ForwardCache(shape: shape)
        forward(inputs: inputs, targets: targets, batchSize: batchSize, from: state, into: &cache)
        return cache
    }

    /// `forward(inputs:targets:batchSize:from:)`, reusing the arrays of `cache` (no allocation
    /// once the sizes are stable).
    public func forward(
        inputs: [Int], targets: [Int]?, batchSize B: Int, from state: RecurrentState,
        into cache: inout ForwardCache
    ) {
        var none: Dropout? = nil
        forward(inputs: inputs, targets: targets, batchSize: B, from: state, into: &cache, dropout: &none)
    }

    /// The forward pass of training with dropout between stacked layers (drawn from
    /// `dropout.generator`); the masks stay in the cache for the backward pass.
    public func forward(
        inputs: [Int], targets: [Int]?, batchSize B: Int, from state: RecurrentState,
        into cache: inout ForwardCache, dropout: inout Dropout?
    ) {
        precondition(B >= 1 && inputs.count % B == 0, "inputs must be (B, T)")
        let T = inputs.count / B, H = shape.hiddenSize, V = shape.vocabularySize
        cache.shape = shape
        cache.batchSize = B
        cache.steps = T
        // (B, T) → (T, B): one step's characters side by side.
        resize(&cache.inputs, T * B)
        for b in 0..<B { for t in 0..<T { cache.inputs[t * B + b] = inputs[b * T + t] } }
        if let targets {
            resize(&cache.targets, T * B)
            for b in 0..<B { for t in 0..<T { cache.targets[t * B + b] = targets[b * T + t] } }
        } else {
            cache.targets.removeAll(keepingCapacity: true)
        }
        if cache.layers.count != shape.layers { cache.layers = Array(repeating: LayerTrace(), count: shape.layers) }

        for k in 0..<shape.layers {
            var below: [Float] = k == 0 ? [] : cache.layers[k - 1].hidden
            if k > 0, let p = dropout?.probability, p > 0 {
                // Inverted dropout between layers: x_t = m_t ⊙ h_t (below), m_t ∈ {0, 1/(1 − p)}.
                let keep = 1 / (1 - p)
                resize(&cache.layers[k].dropoutMask, (T + 1) * B * H)
                for i in (B * H)..<((T + 1) * B * H) {
                    cache.layers[k].dropoutMask[i] = Float(dropout!.generator.nextUnitDouble()) < p ? 0 : keep
                    below[i] *= cache.layers[k].dropoutMask[i]
                }
                cache.layers[k].droppedInput = below
            } else {
                cache.layers[k].dropoutMask.removeAll(keepingCapacity: true)
                cache.layers[k].droppedInput.removeAll(keepingCapacity: true)
            }
            forwardLayer(k, &cache.layers[k], inputs: cache.inputs, below: below, state: state, B: B, T: T)
        }

        // y_t = W_hy h_t + b_y for every step and stream at once: (T·B, H) · W_hyᵀ → (T·B, V).
        let (wy, by) = decoderIndices
        resize(&cache.logits, T * B * V)
        resize(&cache.probabilities, T * B * V)
        let top = cache.layers[shape.layers - 1].hidden
        parameters[wy].values.withUnsafeBufferPointer { Why in
            parameters[by].values.withUnsafeBufferPointer { by in
                top.withUnsafeBufferPointer { h in
                    cache.logits.withUnsafeMutableBufferPointer { y in
                        for row in 0..<(T * B) { for v in 0..<V { y[row * V + v] = by[v] } }
                        Kernels.multiplyAddTransposedB(
                            T * B, V, H, h.baseAddress! + B * H, Why.baseAddress!, y.baseAddress!)
                    }
                }
            }
        }
        // p_t = softmax(y_t), max-shifted; loss_t = −ln p_t[target] = log Σ exp(y − max) − (y_target − max).
        let hasTargets = !cache.targets.isEmpty
        resize(&cache.losses, hasTargets ? T * B : 0)
        cache.logits.withUnsafeBufferPointer { y in
            cache.probabilities.withUnsafeMutableBufferPointer { p in
                for row in 0..<(T * B) {
                    let yr = y.baseAddress! + row * V, pr = p.baseAddress! + row * V
                    let maximum = Kernels.maximum(yr, V)
                    let sum = Kernels.exponentials(yr, minus: maximum, into: pr, V)  // p ∝ e^(y − max)
                    Kernels.scale(pr, by: 1 / sum, V)
                    if hasTargets {
                        cache.losses[row] = logf(sum) - (yr[cache.targets[row]] - maximum)
                    }
                }
            }
        }
    }

    /// One layer over all T steps: the input projections at once, then the recurrence step by step.
    private func forwardLayer(
        _ k: Int, _ trace: inout LayerTrace, inputs: [Int], below: [Float], state: RecurrentState,
        B: Int, T: Int
    ) {
        let H = shape.hiddenSize, G = shape.cell.gateCount, GH = G * H, In = shape.inputSize(layer: k)
        let (wi, wh, bi, bh) = layerIndices(k)
        resize(&trace.inputProjection, T * B * GH)
        resize(&trace.recurrentProjection, T * B * GH)
        resize(&trace.preactivation, T * B * GH)
        resize(&trace.gates, shape.cell == .rnn ? 0 : T * B * GH)
        resize(&trace.hidden, (T + 1) * B * H)
        resize(&trace.cell, shape.cell == .lstm ? (T + 1) * B * H : 0)
        resize(&trace.packedWeights, H * GH)  // upper layers: In = H
        for i in 0..<(B * H) { trace.hidden[i] = state.hidden[k][i] }
        if shape.cell == .lstm { for i in 0..<(B * H) { trace.cell[i] = state.cell[k][i] } }

        let cell = shape.cell
        parameters[wi].values.withUnsafeBufferPointer { Wih in
        parameters[wh].values.withUnsafeBufferPointer { Whh in
        parameters[bi].values.withUnsafeBufferPointer { bih in
        (bh.map { parameters[$0].values } ?? []).withUnsafeBufferPointer { bhh in
        trace.inputProjection.withUnsafeMutableBufferPointer { ip in
        trace.recurrentProjection.withUnsafeMutableBufferPointer { rp in
        trace.preactivation.withUnsafeMutableBufferPointer { a in
        trace.gates.withUnsafeMutableBufferPointer { gates in
        trace.hidden.withUnsafeMutableBufferPointer { h in
        trace.cell.withUnsafeMutableBufferPointer { c in
        trace.packedWeights.withUnsafeMutableBufferPointer { packed in
            // W_xh x_t for all steps: layer 0 gathers one column per character; upper layers
            // multiply the layer below's h_1 … h_T: (T·B, H) · W_ihᵀ → (T·B, G·H).
            ip.update(repeating: 0)
            if k == 0 {
                inputs.withUnsafeBufferPointer { x in
                    Kernels.addColumns(T * B, GH, In, x.baseAddress!, Wih.baseAddress!, ip.baseAddress!)
                }
            } else {
                below.withUnsafeBufferPointer { x in
                    Kernels.pack(In, GH, Wih.baseAddress!, transposed: true, into: packed.baseAddress!)  // W_ihᵀ: (In, G·H)
                    Kernels.multiplyAddPacked(
                        T * B, GH, In, x.baseAddress! + B * H, rowStride: In, columnStride: 1, packed.baseAddress!,
                        ip.baseAddress!)
                }
            }
            // W_hhᵀ, packed once for the T steps: (H, G·H).
            Kernels.pack(H, GH, Whh.baseAddress!, transposed: true, into: packed.baseAddress!)
            // The streams are independent through the recurrence: each part of the batch (one per
            // core, `Model.batchParts`) runs all T steps on its own rows b0 ..< b1.
            let parts = Model.batchParts(B)
            Kernels.parallel(parts.count) { part in
                let (b0, b1) = parts[part]
                for t in 0..<T {
                    let hPrev = h.baseAddress! + (t * B + b0) * H, hNext = h.baseAddress! + ((t + 1) * B + b0) * H
                    let rpt = rp.baseAddress! + (t * B + b0) * GH, ipt = ip.baseAddress! + (t * B + b0) * GH
                    let at = a.baseAddress! + (t * B + b0) * GH
                    // W_hh h_{t-1}: (b1 − b0, H) · W_hhᵀ → (b1 − b0, G·H), into zeroed rows
                    rpt.update(repeating: 0, count: (b1 - b0) * GH)
                    Kernels.multiplyAddPacked(
                        b1 - b0, GH, H, hPrev, rowStride: H, columnStride: 1, packed.baseAddress!, rpt)
                    let cPrev = cell == .lstm ? c.baseAddress! + (t * B + b0) * H : nil
                    let cNext = cell == .lstm ? c.baseAddress! + ((t + 1) * B + b0) * H : nil
                    let gt = cell == .rnn ? nil : gates.baseAddress! + (t * B + b0) * GH
                    Model.cellStep(
                        cell, B: b1 - b0, H: H, inputProjection: ipt, recurrentProjection: rpt, bih: bih.baseAddress!,
                        bhh: bhh.baseAddress, hPrev: hPrev, cPrev: cPrev, preactivation: at, gates: gt, hNext: hNext,
                        cNext: cNext)
                }
            }
        }}}}}}}}}}}
    }
}

extension Model {
    /// The parts the batch is cut into for the recurrence, one per core: rows b0 ..< b1 of each
    /// step. Two parts from 16 streams (the first a multiple of 8 rows, the micro-kernel's tile),
    /// else one. A fixed function of B: the same cut, so the same results, on any machine.
    static func batchParts(_ B: Int) -> [(Int, Int)] {
        guard B >= 16 else { return [(0, B)] }
        let middle = (B / 2 + 7) & ~7
        return [(0, middle), (middle, B)]
    }

    /// One step of one layer's cell for B streams, given its two projections: the cell math of the
    /// legend, shared by the batched forward pass and the sampler's `Stepper` (one implementation).
    ///   ip = W_ih x_t (B, G·H), rp = W_hh h_{t-1} (B, G·H), both without biases
    ///   writes a_t (B, G·H), the gates (B, G·H; LSTM and GRU), h_t (B, H) and c_t (B, H; LSTM).
    /// `hNext` must not alias `hPrev` (the GRU reads h_{t-1} after writing h_t's neighbours).
    @inline(__always)
    static func cellStep(
        _ cell: CellKind, B: Int, H: Int, inputProjection ip: UnsafePointer<Float>,
        recurrentProjection rp: UnsafePointer<Float>, bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>?,
        hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?, preactivation at: UnsafeMutablePointer<Float>,
        gates gt: UnsafeMutablePointer<Float>?, hNext: UnsafeMutablePointer<Float>, cNext: UnsafeMutablePointer<Float>?
    ) {
        let GH = cell.gateCount * H
        typealias V16 = Kernels.Vector
        let w = Kernels.width
        switch cell {
        case .rnn:
            for b in 0..<B {
                var j = 0
                while j + w <= H {  // 16 units at a time: the same equations on vectors
                    let i = b * H + j
                    let a = Kernels.load(ip + i) + Kernels.load(rp + i) + Kernels.load(bih + j)  // a_t
                    Kernels.store(a, at + i)
                    Kernels.store(Kernels.tanh(a), hNext + i)  // h_t = tanh(a_t)
                    j += w
                }
                while j < H {
                    let i = b * H + j
                    at[i] = ip[i] + rp[i] + bih[j]  // a_t = W_xh x_t + W_hh h_{t-1} + b_h
                    hNext[i] = tanhf(at[i])  // h_t = tanh(a_t)
                    j += 1
                }
            }
        case .lstm:
            let gt = gt!, cPrev = cPrev!, cNext = cNext!, bhh = bhh!
            for b in 0..<B {
                let row = b * GH
                for q in 0..<GH { at[row + q] = ip[row + q] + bih[q] + rp[row + q] + bhh[q] }
                var j = 0
                while j + w <= H {  // 16 units at a time: the same equations on vectors
                    let ig = Kernels.sigmoid(Kernels.load(at + row + j))  // i = σ(a_i)
                    let fg = Kernels.sigmoid(Kernels.load(at + row + H + j))  // f = σ(a_f)
                    let gg = Kernels.tanh(Kernels.load(at + row + 2 * H + j))  // g = tanh(a_g)
                    let og = Kernels.sigmoid(Kernels.load(at + row + 3 * H + j))  // o = σ(a_o)
                    Kernels.store(ig, gt + row + j)
                    Kernels.store(fg, gt + row + H + j)
                    Kernels.store(gg, gt + row + 2 * H + j)
                    Kernels.store(og, gt + row + 3 * H + j)
                    let cj: V16 = fg * Kernels.load(cPrev + b * H + j) + ig * gg  // c_t = f ⊙ c_{t-1} + i ⊙ g
                    Kernels.store(cj, cNext + b * H + j)
                    Kernels.store(og * Kernels.tanh(cj), hNext + b * H + j)  // h_t = o ⊙ tanh(c_t)
                    j += w
                }
                while j < H {
                    let ig = sigmoid(at[row + j])  // i = σ(a_i)
                    let fg = sigmoid(at[row + H + j])  // f = σ(a_f)
                    let gg = tanhf(at[row + 2 * H + j])  // g = tanh(a_g)
                    let og = sigmoid(at[row + 3 * H + j])  // o = σ(a_o)
                    gt[row + j] = ig
                    gt[row + H + j] = fg
                    gt[row + 2 * H + j] = gg
                    gt[row + 3 * H + j] = og
                    let cj = fg * cPrev[b * H + j] + ig * gg  // c_t = f ⊙ c_{t-1} + i ⊙ g
                    cNext[b * H + j] = cj
                    hNext[b * H + j] = og * tanhf(cj)  // h_t = o ⊙ tanh(c_t)
                    j += 1
                }
            }
        case .gru:
            let gt = gt!, bhh = bhh!
            for b in 0..<B {
                let row = b * GH
                var j = 0
                while j + w <= H {  // 16 units at a time: the same equations on vectors
                    func load(_ p: UnsafePointer<Float>, _ gate: Int) -> V16 { Kernels.load(p + gate * H + j) }
                    let ar = load(ip + row, 0) + load(bih, 0) + load(rp + row, 0) + load(bhh, 0)
                    let az = load(ip + row, 1) + load(bih, 1) + load(rp + row, 1) + load(bhh, 1)
                    let r = Kernels.sigmoid(ar), z = Kernels.sigmoid(az)  // r, z = σ(·)
                    let an = load(ip + row, 2) + load(bih, 2) + r * (load(rp + row, 2) + load(bhh, 2))
                    let n = Kernels.tanh(an)  // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
                    Kernels.store(ar, at + row + j)
                    Kernels.store(az, at + row + H + j)
                    Kernels.store(an, at + row + 2 * H + j)
                    Kernels.store(r, gt + row + j)
                    Kernels.store(z, gt + row + H + j)
                    Kernels.store(n, gt + row + 2 * H + j)
                    // h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
                    Kernels.store((1 - z) * n + z * Kernels.load(hPrev + b * H + j), hNext + b * H + j)
                    j += w
                }
                while j < H {
                    defer { j += 1 }
                    let ar = ip[row + j] + bih[j] + rp[row + j] + bhh[j]
                    let az = ip[row + H + j] + bih[H + j] + rp[row + H + j] + bhh[H + j]
                    let r = sigmoid(ar), z = sigmoid(az)  // r, z = σ(·)
                    let an = ip[row + 2 * H + j] + bih[2 * H + j] + r * (rp[row + 2 * H + j] + bhh[2 * H + j])
                    let n = tanhf(an)  // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
                    at[row + j] = ar
                    at[row + H + j] = az
                    at[row + 2 * H + j] = an
                    gt[row + j] = r
                    gt[row + H + j] = z
                    gt[row + 2 * H + j] = n
                    hNext[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]  // h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
                }
            }
        }
    }
}

/// Dropout between stacked layers, for training: each input to a layer above the first is kept
/// with probability 1 − p and scaled by 1/(1 − p) (inverted dropout, as PyTorch's
/// `nn.LSTM(dropout: p)`); the first layer's one-hot input and the decoder's input are never dropped.
public struct Dropout: Sendable, Equatable {
    /// p, the probability of dropping an entry.
    public var probability: Float
    /// Where the masks are drawn from.
    public var generator: SplitMix64

    public init(probability: Float, generator: SplitMix64) {
        self.probability = probability
        self.generator = generator
    }
}

/// σ(x) = 1 / (1 + e^{−x}).
@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Makes `array` hold exactly `count` elements, keeping its storage when it can.
@inline(__always) func resize<T: Numeric>(_ array: inout [T], _ count: Int) {
    if array.count != count {
        if array.count > count {
            array.removeLast(array.count - count)
        } else {
            array.append(contentsOf: repeatElement(0, count: count - array.count))
        }
    }
}
