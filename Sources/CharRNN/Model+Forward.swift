// The forward pass over B streams × T steps, keeping every intermediate value: the cache IS the
// trace the shell shows, and the backward pass (Model+Backward.swift) walks it in reverse.
//
// Legend: B streams, T steps, H hidden, V vocabulary, G gates (RNN 1, LSTM 4, GRU 3).
// Arrays are time-major: (T, B, ·) — the rows of one step are contiguous. Steps count t = 1 … T
// (h_0 is the carried state); the loops reach the arrays through `LayerBuffers`' named views.
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
        let hasTargets = !cache.targets.isEmpty
        resize(&cache.losses, hasTargets ? T * B : 0)
        var outputs = [[Float]](repeating: [], count: 3)  // y, p and the losses, moved out of the cache to be written
        swap(&outputs[0], &cache.logits)
        swap(&outputs[1], &cache.probabilities)
        swap(&outputs[2], &cache.losses)
        defer {
            swap(&outputs[0], &cache.logits)
            swap(&outputs[1], &cache.probabilities)
            swap(&outputs[2], &cache.losses)
        }
        let top = cache.layers[shape.layers - 1].hidden
        cache.targets.withUnsafeBufferPointer { targets in
            borrow(reading: [parameters[wy].values, parameters[by].values, top], writing: &outputs) { read, write in
                let Why = read[0].baseAddress!, by = read[1].baseAddress!, h = read[2].baseAddress! + B * H  // h_1 … h_T
                let y = write[0].baseAddress!, p = write[1].baseAddress!, losses = hasTargets ? write[2].baseAddress : nil
                withUnsafeTemporaryAllocation(of: Float.self, capacity: H * V) { packed in
                    let P = packed.baseAddress!
                    Kernels.pack(H, V, Why, transposed: true, into: P)  // W_hyᵀ: (H, V), packed once for every row
                    // Each part of the T·B rows (one per core) in blocks of rows that stay in its cache
                    // from the product to the softmax.
                    let parts = Model.decoderParts(T * B, V: V, H: H)
                    Kernels.parallel(parts.count) { part in
                        var r0 = parts[part].0
                        while r0 < parts[part].1 {
                            let r1 = min(parts[part].1, r0 + Model.decoderBlock)
                            // y = h · W_hyᵀ: (r1 − r0, H) · (H, V) → (r1 − r0, V), written (not added)
                            Kernels.multiplyPacked(r1 - r0, V, H, h + r0 * H, rowStride: H, columnStride: 1, P, y + r0 * V)
                            for row in r0..<r1 {
                                // y += b_y; p = softmax(y), max-shifted;
                                // loss = −ln p[target] = ln Σ e^(y − max) − (y[target] − max)
                                let yr = y + row * V
                                let (maximum, sum) = Kernels.softmax(yr, adding: by, into: p + row * V, V)
                                if let losses { losses[row] = logf(sum) - (yr[targets[row]] - maximum) }
                            }
                            r0 = r1
                        }
                    }
                }
            }
        }
    }

    /// One layer over all T steps: the recurrence step by step, after the input projections of all
    /// steps at once (layers above the first; the first copies its column per step).
    private func forwardLayer(
        _ k: Int, _ trace: inout LayerTrace, inputs: [Int], below: [Float], state: RecurrentState,
        B: Int, T: Int
    ) {
        let H = shape.hiddenSize, GH = shape.cell.gateCount * H, In = shape.inputSize(layer: k)
        let cell = shape.cell
        trace.prepare(shape, B: B, T: T, h0: state.hidden[k], c0: state.cell[k])
        // Layer 0's W_xh x_t is a column of W_xh per character, copied per step from Wᵀ's rows
        // (V, G·H) just before the cell reads it; layers above multiply all steps at once.
        let columns = k == 0 ? In * GH : 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { transposed in
            trace.withBuffers(shape, B: B, T: T, reading: LayerWeights.arrays(of: self, layer: k) + [below]) { layer, read in
                let W = LayerWeights(read[0..<4])
                let Wt = k == 0 ? transposed.baseAddress! : nil
                if let Wt {
                    Kernels.transpose(GH, In, W.Wih, into: Wt)  // Wᵀ: (V, G·H)
                } else {
                    // W_xh x_t for all steps: (T·B, H) · W_ihᵀ → (T·B, G·H), x_t the layer below's h_1 … h_T
                    let x = read[4].baseAddress! + B * H
                    Kernels.pack(In, GH, W.Wih, transposed: true, into: layer.packedWeights)  // W_ihᵀ: (In, G·H)
                    Kernels.multiplyPacked(
                        T * B, GH, In, x, rowStride: In, columnStride: 1, layer.packedWeights,
                        layer.allInputProjections.baseAddress!)
                }
                // W_hhᵀ, packed once for the T steps: (H, G·H) — for the fused LSTM step, in panels
                // that pair the gates of the same units.
                let fused = Model.fusesLSTMStep(cell, hiddenSize: H)
                if fused {
                    Kernels.packGatePairs(H, H, W.Whh, into: layer.packedWeights)
                } else {
                    Kernels.pack(H, GH, W.Whh, transposed: true, into: layer.packedWeights)
                }
                // The streams are independent through the recurrence: each part of the batch (one per
                // core, `Model.batchParts`) runs all T steps on its own rows b0 ..< b1. A batch of one
                // part shares each step's units instead (`Model.splitsUnits`).
                let parts = Model.batchParts(B), splitsUnits = fused && Model.splitsUnits(B: B, H: H)
                inputs.withUnsafeBufferPointer { x in
                    Kernels.parallel(parts.count) { part in
                        let (b0, b1) = parts[part]
                        for t in 1..<(T + 1) {
                            if let Wt, !fused {  // W_xh x_t = Wᵀ[x_t]: the column of W_xh that x_t's one picks
                                for b in b0..<b1 {
                                    layer.inputProjection(t, from: b).update(from: Wt + x[(t - 1) * B + b] * GH, count: GH)
                                }
                            }
                            let recurrent = layer.recurrentProjection(t, from: b0)
                            let step = CellStep(
                                H: H, inputProjection: layer.inputProjection(t, from: b0), recurrentProjection: recurrent,
                                bih: W.bih, bhh: W.bhh, hPrev: layer.h(t - 1, from: b0), cPrev: layer.c(t - 1, from: b0),
                                a: layer.a(t, from: b0), gates: layer.gates(t, from: b0), h: layer.h(t, from: b0),
                                c: layer.c(t, from: b0))
                            if fused {  // the LSTM: the product and the equations tile by tile (CellMath.swift)
                                let columns = Wt.map { (UnsafePointer($0), x.baseAddress! + (t - 1) * B + b0) }
                                if splitsUnits {  // each core its half of the units, every row
                                    let blocks = H / Kernels.width, half = (blocks + 1) / 2
                                    Kernels.parallel(2) { part in
                                        Model.lstmStep(
                                            rows: b1 - b0, step, recurrent: recurrent, packedGatePairs: layer.packedWeights,
                                            columns: columns, units: part == 0 ? 0..<half : half..<blocks)
                                    }
                                } else {
                                    Model.lstmStep(
                                        rows: b1 - b0, step, recurrent: recurrent, packedGatePairs: layer.packedWeights,
                                        columns: columns)
                                }
                                continue
                            }
                            // W_hh h_{t-1}: (b1 − b0, H) · W_hhᵀ → (b1 − b0, G·H), written (not added)
                            Kernels.multiplyPacked(
                                b1 - b0, GH, H, layer.h(t - 1, from: b0), rowStride: H, columnStride: 1,
                                layer.packedWeights, recurrent)
                            // a_t, the gates, h_t (and c_t) from the projections and h_{t-1} (c_{t-1}): the
                            // cell's equations of the legend, in CellMath.swift
                            Model.cellStep(cell, rows: b1 - b0, step)
                        }
                    }
                }
            }
        }
    }
}

extension Model {
    /// Rows of the output layer a part multiplies and normalises at a time: 64 rows of V logits
    /// (384 KB at V = 1,500) stay in the core's L2 cache from the product to the softmax.
    static let decoderBlock = 64

    /// The parts the output layer's T·B rows are cut into, one per core: two halves (the first a
    /// multiple of 8 rows, the micro-kernel's tile) when each holds a block of rows or more and the
    /// product (rows · V · H multiply-adds) is large enough to share; else one part, whose products
    /// split their columns over the cores instead (batch 1: 25 rows). A fixed function of the sizes:
    /// the same results on any machine.
    static func decoderParts(_ rows: Int, V: Int, H: Int) -> [(Int, Int)] {
        guard rows >= 2 * decoderBlock && rows * V * H >= Kernels.parallelThreshold else { return [(0, rows)] }
        let middle = (rows / 2 + 7) & ~7
        return [(0, middle), (middle, rows)]
    }

    /// Whether the fused LSTM step shares each step's units between the cores, every row on both,
    /// rather than leaving one core idle: when the batch is one part (fewer than 16 streams,
    /// `batchParts`) and a step's product (B·4H·H
    /// multiply-adds) is large enough to split. One hand-off a step; measured on 2 cores, batch
    /// 8 and 4 × 128, H = 256: 1.24× and 1.31× the training speed of one core's step. (From 16
    /// streams each core's own rows are faster: the same units split measured 0.95×.)
    /// A fixed function of the sizes; the arithmetic of a unit is the same either way.
    static func splitsUnits(B: Int, H: Int) -> Bool {
        batchParts(B).count == 1 && B * 4 * H * H >= Kernels.parallelThreshold && H >= 2 * Kernels.width
    }

    /// The parts the batch is cut into for the recurrence, one per core: rows b0 ..< b1 of each
    /// step. Two parts from 16 streams (the first a multiple of 8 rows, the micro-kernel's tile),
    /// else one. A fixed function of B: the same cut, so the same results, on any machine.
    static func batchParts(_ B: Int) -> [(Int, Int)] {
        guard B >= 16 else { return [(0, B)] }
        let middle = (B / 2 + 7) & ~7
        return [(0, middle), (middle, B)]
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
