// Sampling: the prediction at one step becomes the input of the next, so the model writes text of
// any length. p = softmax(y / temperature); top-k keeps the k most likely; argmax takes the most likely.

import Foundation

/// How characters are drawn from p_t.
public struct SamplingOptions: Sendable, Equatable {
    /// Divides the logits: below 1 sharper (→ 0 is argmax), above 1 flatter.
    public var temperature: Double
    /// Keep only the k most likely characters (nil: all).
    public var topK: Int?
    /// Always take the most likely character.
    public var argmax: Bool

    public init(temperature: Double = 1, topK: Int? = nil, argmax: Bool = false) {
        self.temperature = temperature
        self.topK = topK
        self.argmax = argmax
    }

    /// The distribution to draw from, given logits y: softmax(y / temperature), restricted to the
    /// top k and renormalised. With argmax or temperature 0, all mass on the largest logit.
    public func distribution(logits y: [Float]) -> [Double] {
        var p: [Double] = []
        distribution(logits: y, into: &p)
        return p
    }

    /// `distribution(logits:)` into `p`, reusing its storage (the sampler's per-character path
    /// allocates nothing without top-k).
    func distribution<Logits: RandomAccessCollection<Float>>(logits y: Logits, into p: inout [Double])
    where Logits.Index == Int {
        let V = y.count
        if p.count != V { p = [Double](repeating: 0, count: V) }
        var best = 0
        for v in 1..<V where y[v] > y[best] { best = v }
        if argmax || temperature <= 0 {
            for v in 0..<V { p[v] = 0 }
            p[best] = 1
            return
        }
        var threshold = -Float.infinity, limit = V  // top-k: y ≥ the k-th largest, the first k such
        if let k = topK, k > 0, k < V {
            threshold = y.sorted(by: >)[k - 1]
            limit = k
        }
        let maximum = Double(y[best])
        var kept = 0, sum = 0.0
        for v in 0..<V {
            if y[v] >= threshold && kept < limit {
                kept += 1
                p[v] = exp((Double(y[v]) - maximum) / temperature)  // p ∝ e^((y − max) / T)
            } else {
                p[v] = 0
            }
            sum += p[v]
        }
        for v in 0..<V { p[v] /= sum }
    }

    /// True when the draw is from the whole softmax(y / temperature) over V characters: no argmax,
    /// a temperature above 0 (and not so small that e^(−1/T) underflows a float), no top-k that
    /// keeps fewer than V. The sampler then draws with `Kernels.drawSoftmax`.
    func isPlainSoftmax(_ V: Int) -> Bool {
        !argmax && temperature >= 1e-3 && temperature.isFinite && (topK.map { $0 <= 0 || $0 >= V } ?? true)
    }

    /// Draws an index from a distribution with one uniform number.
    public static func draw(_ p: [Double], using generator: inout some RandomNumberGenerator) -> Int {
        let u = generator.nextUnitDouble()
        var cumulative = 0.0
        for (v, pv) in p.enumerated() {
            cumulative += pv
            if u < cumulative { return v }
        }
        return p.lastIndex { $0 > 0 } ?? 0
    }
}

/// A model stepping one character at a time with batch 1: the sampler's and `predict`'s engine.
///
/// The lean path: no cache, nothing kept but h (and c); each step is matrix × vector products on
/// the weights as stored (`Kernels.multiplyVectorTransposed`; the first layer's input column is a
/// row of a transposed copy of W_xh) and the same cell math as the batched forward pass
/// (`Model.cellStep`). Nothing grows however long it runs. Everything a step
/// writes lives in one block of memory with named parts (`Layout`), as llm.c keeps its activations:
/// a step borrows the weights and that block once.
public struct Stepper: Sendable {
    /// The model.
    public let model: Model
    /// The model's parameter arrays, in `parameters`' order, then W_xhᵀ of the first layer (V, G·H):
    /// the column x picks is one contiguous row of it (in W_xh it is G·H floats a row of V apart —
    /// at V = 1,500, a cache miss each). Taken once: a step borrows them all.
    private let weights: [[Float]]
    /// Where each layer's W_ih, W_hh, b_ih, b_hh and the decoder's W_hy, b_y are in `weights`.
    private let layerIndices: [(Int, Int, Int, Int?)], decoderIndices: (Int, Int)
    /// The parts of `memory`.
    private let layout: Layout
    /// One step's values: see `Layout`.
    private var memory: [Float]

    /// The parts of a stepper's memory, as offsets: the projections, a and the gates (G·H each), the
    /// new h and c (H each), y (V), then h and c of every layer (H each): the recurrent state.
    private struct Layout: Sendable {
        let inputProjection: Int, recurrentProjection: Int, preactivation: Int, gates: Int
        let hNext: Int, cNext: Int, logits: Int, state: Int, H: Int, V: Int, layers: Int, count: Int

        init(_ shape: ModelShape) {
            H = shape.hiddenSize
            V = shape.vocabularySize
            layers = shape.layers
            let GH = shape.cell.gateCount * H
            (inputProjection, recurrentProjection, preactivation, gates) = (0, GH, 2 * GH, 3 * GH)
            (hNext, cNext, logits, state) = (4 * GH, 4 * GH + H, 4 * GH + 2 * H, 4 * GH + 2 * H + V)
            count = state + 2 * layers * H
        }

        /// Where h (k) and c (k) of layer k start.
        func h(_ k: Int) -> Int { state + 2 * k * H }
        func c(_ k: Int) -> Int { state + (2 * k + 1) * H }
    }

    /// The hidden state after the characters fed so far (kept in `memory`; read and written as a copy).
    public var state: RecurrentState {
        get {
            var state = RecurrentState.zero(model.shape, batchSize: 1)
            for k in 0..<layout.layers {
                state.hidden[k] = Array(memory[layout.h(k)..<(layout.h(k) + layout.H)])
                state.cell[k] = Array(memory[layout.c(k)..<(layout.c(k) + layout.H)])
            }
            return state
        }
        set {
            precondition(newValue.batchSize == 1 && newValue.hidden.count == layout.layers, "a Stepper steps one stream")
            for k in 0..<layout.layers {
                precondition(newValue.hidden[k].count == layout.H, "h of each layer must be (1, H)")
                memory.replaceSubrange(layout.h(k)..<(layout.h(k) + layout.H), with: newValue.hidden[k])
                if model.shape.cell == .lstm {
                    precondition(newValue.cell[k].count == layout.H, "c of each layer must be (1, H)")
                    memory.replaceSubrange(layout.c(k)..<(layout.c(k) + layout.H), with: newValue.cell[k])
                }
            }
        }
    }

    /// y, the logits of the next character: (V).
    var logits: [Float] { Array(memory[layout.logits..<(layout.logits + layout.V)]) }

    /// A stepper at h_0 = 0 (or at a given state).
    public init(model: Model, state: RecurrentState? = nil) {
        self.model = model
        let parameters = model.parameters.map(\.values)
        layerIndices = (0..<model.shape.layers).map { model.layerIndices($0) }
        decoderIndices = model.decoderIndices
        layout = Layout(model.shape)
        memory = [Float](repeating: 0, count: layout.count)
        let GH = model.shape.cell.gateCount * model.shape.hiddenSize, V = model.shape.vocabularySize
        var columns = [Float](repeating: 0, count: GH * V)
        parameters[layerIndices[0].0].withUnsafeBufferPointer { Wih in
            columns.withUnsafeMutableBufferPointer { Kernels.transpose(GH, V, Wih.baseAddress!, into: $0.baseAddress!) }
        }
        weights = parameters + [columns]
        if let state { self.state = state }
    }

    /// Feeds one character (by index) and returns the logits y of the next character.
    public mutating func feed(_ index: Int) -> [Float] {
        advance(index)
        return logits
    }

    /// Feeds one character (by index); the logits y of the next character are then in `memory`
    /// (`logits`, or `withLogits` without a copy).
    mutating func advance(_ index: Int) {
        let shape = model.shape, H = shape.hiddenSize, GH = shape.cell.gateCount * H, V = shape.vocabularySize
        let lstm = shape.cell == .lstm, layout = layout, layerIndices = layerIndices, (wy, by) = decoderIndices
        borrow(reading: weights, writing: &memory) { parameters, memory in
            func part(_ offset: Int) -> UnsafeMutablePointer<Float> { memory.baseAddress! + offset }
            let ip = part(layout.inputProjection), rp = part(layout.recurrentProjection)
            for k in 0..<shape.layers {
                let (wi, wh, bi, bh) = layerIndices[k]
                let Wih = parameters[wi].baseAddress!, Whh = parameters[wh].baseAddress!
                let In = shape.inputSize(layer: k), h = part(layout.h(k)), c = part(layout.c(k))
                if k == 0 {  // W_xh x: the column of the character, a row of W_xhᵀ
                    ip.update(from: parameters[parameters.count - 1].baseAddress! + index * GH, count: GH)
                } else {  // W_ih h (the layer below's new h): (G·H, H) · (H)
                    ip.update(repeating: 0, count: GH)
                    Kernels.multiplyVectorTransposed(GH, In, part(layout.h(k - 1)), Wih, ip)
                }
                rp.update(repeating: 0, count: GH)
                Kernels.multiplyVectorTransposed(GH, H, h, Whh, rp)  // W_hh h_{t-1}: (G·H, H) · (H)
                let step = CellStep(
                    H: H, inputProjection: ip, recurrentProjection: rp, bih: parameters[bi].baseAddress!,
                    bhh: bh.map { parameters[$0].baseAddress! }, hPrev: h, cPrev: lstm ? c : nil,
                    a: part(layout.preactivation), gates: shape.cell == .rnn ? nil : part(layout.gates),
                    h: part(layout.hNext), c: lstm ? part(layout.cNext) : nil)
                Model.cellStep(shape.cell, rows: 1, step)
                h.update(from: part(layout.hNext), count: H)  // h_{t-1} ← h_t
                if lstm { c.update(from: part(layout.cNext), count: H) }
            }
            // y = W_hy h + b_y: (V, H) · (H)
            let y = part(layout.logits)
            y.update(from: parameters[by].baseAddress!, count: V)
            Kernels.multiplyVectorTransposed(V, H, part(layout.h(shape.layers - 1)), parameters[wy].baseAddress!, y)
        }
    }

    /// Runs `body` with the logits y of the next character, without copying them.
    func withLogits<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        memory.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[layout.logits..<(layout.logits + layout.V)])) }
    }
}

extension Model {
    /// Writes `length` characters: the priming text warms the hidden state (an empty prime starts
    /// from the vocabulary's first character), then each drawn character is fed back in.
    /// `onCharacter` receives each character as it is drawn (return false to stop early).
    /// The same generator state gives the same text.
    public func sample(
        prime: String, length: Int, options: SamplingOptions = .init(),
        using generator: inout some RandomNumberGenerator,
        onCharacter: (Character) -> Bool = { _ in true }
    ) throws(VocabularyError) -> String {
        var indices = try vocabulary.encode(prime)
        if indices.isEmpty { indices = [0] }
        return sample(feeding: indices, from: nil, length: length, options: options, using: &generator, onCharacter: onCharacter)
    }

    /// Writes `length` characters after feeding `indices` (vocabulary indices, at least one)
    /// starting from `state` (batch 1; nil: h_0 = 0): how a sample continues a training stream
    /// from its carried state, fed the character the stream reads next.
    public func sample(
        feeding indices: [Int], from state: RecurrentState?, length: Int, options: SamplingOptions = .init(),
        using generator: inout some RandomNumberGenerator,
        onCharacter: (Character) -> Bool = { _ in true }
    ) -> String {
        precondition(!indices.isEmpty, "a sample starts by feeding at least one character")
        var stepper = Stepper(model: self, state: state)
        for i in indices { stepper.advance(i) }
        var text = ""
        var p: [Double] = []
        let V = vocabulary.count, softmaxOnly = options.isPlainSoftmax(V)
        var numerators = [Float](repeating: 0, count: softmaxOnly ? V : 0)  // e^((y − max) / T): (V)
        for _ in 0..<length {
            let next: Int
            if softmaxOnly {  // p = softmax(y / T) and the draw in one vectorised pass, in single precision
                let u = generator.nextUnitDouble()
                next = stepper.withLogits { y in
                    numerators.withUnsafeMutableBufferPointer { e in
                        Kernels.drawSoftmax(
                            y.baseAddress!, V, temperature: Float(options.temperature), uniform: u, scratch: e.baseAddress!)
                    }
                }
            } else {  // top-k or argmax: the distribution in double precision, then the draw
                stepper.withLogits { options.distribution(logits: $0, into: &p) }
                next = SamplingOptions.draw(p, using: &generator)
            }
            let character = vocabulary.characters[next]
            text.append(character)
            if !onCharacter(character) { break }
            stepper.advance(next)
        }
        return vocabulary.unit == .jamo ? Hangul.displayed(text) : text  // jamo shown as syllables
    }
}
