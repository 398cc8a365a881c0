// swift-format-ignore-file
// (The time loop reaches each array through one withUnsafe…Pointer closure, written as a flat
// ladder that reads as a single scope; the formatter would indent it ten levels deep.)
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
    /// Scratch for one step: the projections, a, the gates, the new h and c: (G·H) or (H).
    private var inputProjection: [Float], recurrentProjection: [Float], preactivation: [Float], gates: [Float]
    private var hNext: [Float], cNext: [Float]
    /// y, the logits of the next character: (V).
    private(set) var logits: [Float]

    /// A stepper at h_0 = 0 (or at a given state).
    public init(model: Model, state: RecurrentState? = nil) {
        self.model = model
        self.state = state ?? .zero(model.shape, batchSize: 1)
        let H = model.shape.hiddenSize, GH = model.shape.cell.gateCount * H
        inputProjection = [Float](repeating: 0, count: GH)
        recurrentProjection = inputProjection
        preactivation = inputProjection
        gates = inputProjection
        hNext = [Float](repeating: 0, count: H)
        cNext = hNext
        logits = [Float](repeating: 0, count: model.shape.vocabularySize)
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
        precondition(state.batchSize == 1, "a Stepper steps one stream")
        for k in 0..<shape.layers {
            let (wi, wh, bi, bh) = model.layerIndices(k)
            let In = shape.inputSize(layer: k)
            let parameters = model.parameters
            parameters[wi].values.withUnsafeBufferPointer { Wih in
                inputProjection.withUnsafeMutableBufferPointer { ip in
                    if k == 0 {  // W_xh x: the column of the character
                        for q in 0..<GH { ip[q] = Wih[q * In + index] }
                    } else {  // W_ih h (the layer below's new h): (G·H, H) · (H)
                        ip.update(repeating: 0)
                        state.hidden[k - 1].withUnsafeBufferPointer { x in
                            Kernels.multiplyVectorTransposed(GH, In, x.baseAddress!, Wih.baseAddress!, ip.baseAddress!)
                        }
                    }
                }
            }
            parameters[wh].values.withUnsafeBufferPointer { Whh in
                recurrentProjection.withUnsafeMutableBufferPointer { rp in
                    rp.update(repeating: 0)
                    state.hidden[k].withUnsafeBufferPointer { h in  // W_hh h_{t-1}: (G·H, H) · (H)
                        Kernels.multiplyVectorTransposed(GH, H, h.baseAddress!, Whh.baseAddress!, rp.baseAddress!)
                    }
                }
            }
            let bhh = bh.map { parameters[$0].values } ?? []
            parameters[bi].values.withUnsafeBufferPointer { bih in
            bhh.withUnsafeBufferPointer { bhh in
            inputProjection.withUnsafeBufferPointer { ip in
            recurrentProjection.withUnsafeBufferPointer { rp in
            preactivation.withUnsafeMutableBufferPointer { a in
            gates.withUnsafeMutableBufferPointer { g in
            state.hidden[k].withUnsafeBufferPointer { hPrev in
            state.cell[k].withUnsafeBufferPointer { cPrev in
            hNext.withUnsafeMutableBufferPointer { hNext in
            cNext.withUnsafeMutableBufferPointer { cNext in
                let lstm = shape.cell == .lstm
                Model.cellStep(
                    shape.cell, B: 1, H: H, inputProjection: ip.baseAddress!, recurrentProjection: rp.baseAddress!,
                    bih: bih.baseAddress!, bhh: bhh.baseAddress, hPrev: hPrev.baseAddress!,
                    cPrev: lstm ? cPrev.baseAddress! : nil, preactivation: a.baseAddress!,
                    gates: shape.cell == .rnn ? nil : g.baseAddress!, hNext: hNext.baseAddress!,
                    cNext: lstm ? cNext.baseAddress! : nil)
            }}}}}}}}}}
            state.hidden[k].withUnsafeMutableBufferPointer { h in  // h_{t-1} ← h_t
                hNext.withUnsafeBufferPointer { h.baseAddress!.update(from: $0.baseAddress!, count: H) }
            }
            if shape.cell == .lstm {
                state.cell[k].withUnsafeMutableBufferPointer { c in
                    cNext.withUnsafeBufferPointer { c.baseAddress!.update(from: $0.baseAddress!, count: H) }
                }
            }
        }
        // y = W_hy h + b_y: (V, H) · (H)
        let (wy, by) = model.decoderIndices
        model.parameters[wy].values.withUnsafeBufferPointer { Why in
        model.parameters[by].values.withUnsafeBufferPointer { by in
        state.hidden[shape.layers - 1].withUnsafeBufferPointer { h in
        logits.withUnsafeMutableBufferPointer { y in
            y.baseAddress!.update(from: by.baseAddress!, count: V)
            Kernels.multiplyVectorTransposed(V, H, h.baseAddress!, Why.baseAddress!, y.baseAddress!)
        }}}}
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
