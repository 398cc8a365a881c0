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
    func distribution(logits y: [Float], into p: inout [Double]) {
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
/// the weights as stored (`Kernels.multiplyVectorTransposed`) and the same cell math as the
/// batched forward pass (`Model.cellStep`). Nothing grows however long it runs.
public struct Stepper: Sendable {
    /// The model.
    public let model: Model
    /// The hidden state after the characters fed so far.
    public var state: RecurrentState
    /// The model's parameter arrays, in `parameters`' order (taken once: a step borrows them all).
    private let weights: [[Float]]
    /// Where each layer's W_ih, W_hh, b_ih, b_hh and the decoder's W_hy, b_y are in `weights`.
    private let layerIndices: [(Int, Int, Int, Int?)], decoderIndices: (Int, Int)
    /// Scratch for one step, one array per `Slot`: the projections, a, the gates (G·H), the new h
    /// and c (H), y, the logits of the next character (V); during a step also each layer's h and c.
    private var scratch: [[Float]]

    /// The arrays of `scratch`.
    private enum Slot {
        static let inputProjection = 0, recurrentProjection = 1, preactivation = 2, gates = 3
        static let hNext = 4, cNext = 5, logits = 6
        /// Layer k's h_{t-1} and c_{t-1}, moved in from `state` for the step.
        static func h(_ k: Int) -> Int { 7 + 2 * k }
        static func c(_ k: Int) -> Int { 8 + 2 * k }
    }

    /// y, the logits of the next character: (V).
    var logits: [Float] { scratch[Slot.logits] }

    /// A stepper at h_0 = 0 (or at a given state).
    public init(model: Model, state: RecurrentState? = nil) {
        self.model = model
        self.state = state ?? .zero(model.shape, batchSize: 1)
        weights = model.parameters.map(\.values)
        layerIndices = (0..<model.shape.layers).map { model.layerIndices($0) }
        decoderIndices = model.decoderIndices
        let H = model.shape.hiddenSize, GH = model.shape.cell.gateCount * H
        let gates = [Float](repeating: 0, count: GH), units = [Float](repeating: 0, count: H)
        scratch = [gates, gates, gates, gates, units, units, [Float](repeating: 0, count: model.shape.vocabularySize)]
        scratch += Array(repeating: [], count: 2 * model.shape.layers)
    }

    /// Feeds one character (by index) and returns the logits y of the next character.
    public mutating func feed(_ index: Int) -> [Float] {
        advance(index)
        return logits
    }

    /// Feeds one character (by index); the logits y of the next character are then in `logits`
    /// (no copy of them is handed out, so the next step writes them in place).
    mutating func advance(_ index: Int) {
        let shape = model.shape, H = shape.hiddenSize, GH = shape.cell.gateCount * H, V = shape.vocabularySize
        let lstm = shape.cell == .lstm
        precondition(state.batchSize == 1, "a Stepper steps one stream")
        for k in 0..<shape.layers {  // the state moves into the scratch for the step, and back after it
            swap(&state.hidden[k], &scratch[Slot.h(k)])
            swap(&state.cell[k], &scratch[Slot.c(k)])
        }
        defer {
            for k in 0..<shape.layers {
                swap(&state.hidden[k], &scratch[Slot.h(k)])
                swap(&state.cell[k], &scratch[Slot.c(k)])
            }
        }
        let layerIndices = layerIndices, (wy, by) = decoderIndices
        borrow(reading: weights, writing: &scratch) { parameters, scratch in
            func pointer(_ slot: Int) -> UnsafeMutablePointer<Float> { scratch[slot].baseAddress! }
            let ip = pointer(Slot.inputProjection), rp = pointer(Slot.recurrentProjection)
            for k in 0..<shape.layers {
                let (wi, wh, bi, bh) = layerIndices[k]
                let Wih = parameters[wi].baseAddress!, Whh = parameters[wh].baseAddress!
                let In = shape.inputSize(layer: k), h = pointer(Slot.h(k)), c = lstm ? pointer(Slot.c(k)) : nil
                if k == 0 {  // W_xh x: the column of the character
                    for q in 0..<GH { ip[q] = Wih[q * In + index] }
                } else {  // W_ih h (the layer below's new h): (G·H, H) · (H)
                    ip.update(repeating: 0, count: GH)
                    Kernels.multiplyVectorTransposed(GH, In, pointer(Slot.h(k - 1)), Wih, ip)
                }
                rp.update(repeating: 0, count: GH)
                Kernels.multiplyVectorTransposed(GH, H, h, Whh, rp)  // W_hh h_{t-1}: (G·H, H) · (H)
                let step = CellStep(
                    H: H, inputProjection: ip, recurrentProjection: rp, bih: parameters[bi].baseAddress!,
                    bhh: bh.map { parameters[$0].baseAddress! }, hPrev: h, cPrev: c,
                    a: pointer(Slot.preactivation), gates: shape.cell == .rnn ? nil : pointer(Slot.gates),
                    h: pointer(Slot.hNext), c: lstm ? pointer(Slot.cNext) : nil)
                Model.cellStep(shape.cell, rows: 1, step)
                h.update(from: pointer(Slot.hNext), count: H)  // h_{t-1} ← h_t
                c?.update(from: pointer(Slot.cNext), count: H)
            }
            // y = W_hy h + b_y: (V, H) · (H)
            let y = pointer(Slot.logits)
            y.update(from: parameters[by].baseAddress!, count: V)
            Kernels.multiplyVectorTransposed(V, H, pointer(Slot.h(shape.layers - 1)), parameters[wy].baseAddress!, y)
        }
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
        var stepper = Stepper(model: self)
        for i in indices { stepper.advance(i) }
        var text = ""
        var p: [Double] = []
        for _ in 0..<length {
            options.distribution(logits: stepper.logits, into: &p)
            let next = SamplingOptions.draw(p, using: &generator)
            let character = vocabulary.characters[next]
            text.append(character)
            if !onCharacter(character) { break }
            stepper.advance(next)
        }
        return text
    }
}
