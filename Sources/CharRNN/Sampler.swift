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
        let V = y.count
        var best = 0
        for v in 1..<V where y[v] > y[best] { best = v }
        if argmax || temperature <= 0 {
            var p = [Double](repeating: 0, count: V)
            p[best] = 1
            return p
        }
        var allowed = [Bool](repeating: true, count: V)
        if let k = topK, k > 0, k < V {
            let threshold = y.sorted(by: >)[k - 1]
            var kept = 0
            for v in 0..<V {
                allowed[v] = y[v] >= threshold && kept < k
                if allowed[v] { kept += 1 }
            }
        }
        let maximum = Double(y[best])
        var p = (0..<V).map { allowed[$0] ? exp((Double(y[$0]) - maximum) / temperature) : 0 }
        let sum = p.reduce(0, +)
        for v in 0..<V { p[v] /= sum }
        return p
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
public struct Stepper: Sendable {
    /// The model.
    public let model: Model
    /// The hidden state after the characters fed so far.
    public var state: RecurrentState
    private var cache: ForwardCache

    /// A stepper at h_0 = 0 (or at a given state).
    public init(model: Model, state: RecurrentState? = nil) {
        self.model = model
        self.state = state ?? .zero(model.shape, batchSize: 1)
        self.cache = ForwardCache(shape: model.shape)
    }

    /// Feeds one character (by index) and returns the logits y of the next character.
    public mutating func feed(_ index: Int) -> [Float] {
        model.forward(inputs: [index], targets: nil, batchSize: 1, from: state, into: &cache)
        state = cache.finalState
        return cache.logits
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
        var logits: [Float] = []
        for i in indices { logits = stepper.feed(i) }
        var text = ""
        for _ in 0..<length {
            let next = SamplingOptions.draw(options.distribution(logits: logits), using: &generator)
            let character = vocabulary.characters[next]
            text.append(character)
            if !onCharacter(character) { break }
            logits = stepper.feed(next)
        }
        return text
    }
}
