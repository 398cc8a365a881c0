// Optimizers and gradient clipping. One moment per line, as the update rules are written:
//   SGD       p −= lr · g
//   momentum  v = μ v + g;                 p −= lr · v                      (μ = 0.9)
//   Adagrad   mem += g²;                   p −= lr · g / √(mem + 1e-8)      (min-char-rnn, exactly)
//   RMSProp   m = ρ m + (1 − ρ) g²;        p −= lr · g / (√m + 1e-8)        (char-rnn, ρ = 0.95)
//   Adam      m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²
//             p −= lr · m̂ / (√v̂ + 1e-8),  m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)   (β1 0.9, β2 0.999)

import Foundation

/// Which update rule.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case sgd, momentum, adagrad, rmsprop, adam
}

/// An optimizer: its rule and its state, one state tensor per parameter (Adagrad's memory,
/// momentum's velocity, Adam's moments), so that a checkpoint can store it and training resumes exactly.
public struct Optimizer: Sendable, Equatable {
    /// The update rule.
    public var kind: OptimizerKind
    /// The first state (momentum's v, Adagrad's mem, RMSProp's m, Adam's m); one per parameter.
    public var first: [[Float]]
    /// The second state (Adam's v); empty for the others.
    public var second: [[Float]]
    /// How many updates have been applied (Adam's t).
    public var step: Int

    /// Momentum's μ.
    public static let momentum: Float = 0.9
    /// RMSProp's decay ρ (char-rnn's `decay_rate`).
    public static let rmspropDecay: Float = 0.95
    /// Adam's β1 and β2.
    public static let beta1: Float = 0.9, beta2: Float = 0.999

    /// A fresh optimizer (all state zero) for the given parameters.
    public init(kind: OptimizerKind, parameters: [Tensor]) {
        self.kind = kind
        first = kind == .sgd ? [] : parameters.map { [Float](repeating: 0, count: $0.values.count) }
        second = kind == .adam ? parameters.map { [Float](repeating: 0, count: $0.values.count) } : []
        step = 0
    }

    /// The names of the state tensors, for display and checkpoints.
    public var stateNames: (first: String?, second: String?) {
        switch kind {
        case .sgd: return (nil, nil)
        case .momentum: return ("velocity", nil)
        case .adagrad: return ("memory", nil)
        case .rmsprop: return ("mean_square", nil)
        case .adam: return ("m", "v")
        }
    }

    /// Applies one update to `parameters` with the (already clipped) `gradients`.
    ///
    /// Each rule runs 16 entries at a time (`Kernels.Vector`) with a scalar tail: the same
    /// operations in the same order on each entry, the square root on vectors being
    /// `Kernels.squareRoot` (within 1 ulp of the scalar one).
    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor], learningRate lr: Float) {
        step = step < Int.max ? step + 1 : Int.max  // a counter read from a file must not trap
        let correction1 = 1 - powf(Optimizer.beta1, Float(step))
        let correction2 = 1 - powf(Optimizer.beta2, Float(step))
        typealias V16 = Kernels.Vector
        let lrV = V16(repeating: lr), epsilon = V16(repeating: 1e-8)
        for i in parameters.indices {
            gradients[i].values.withUnsafeBufferPointer { gBuffer in
                parameters[i].values.withUnsafeMutableBufferPointer { pBuffer in
                    let g = gBuffer.baseAddress!, p = pBuffer.baseAddress!, count = gBuffer.count
                    let vectorEnd = count - count % Kernels.width
                    switch kind {
                    case .sgd:
                        forEachEntry(count, vectorEnd) { j in  // p −= lr · g
                            Kernels.store(Kernels.load(p + j) - lrV * Kernels.load(g + j), p + j)
                        } scalar: { j in
                            p[j] -= lr * g[j]  // p −= lr · g
                        }
                    case .momentum:
                        first[i].withUnsafeMutableBufferPointer { vBuffer in
                            let v = vBuffer.baseAddress!, mu = V16(repeating: Optimizer.momentum)
                            forEachEntry(count, vectorEnd) { j in
                                let vj = mu * Kernels.load(v + j) + Kernels.load(g + j)  // v = μ v + g
                                Kernels.store(vj, v + j)
                                Kernels.store(Kernels.load(p + j) - lrV * vj, p + j)  // p −= lr · v
                            } scalar: { j in
                                v[j] = Optimizer.momentum * v[j] + g[j]  // v = μ v + g
                                p[j] -= lr * v[j]  // p −= lr · v
                            }
                        }
                    case .adagrad:
                        first[i].withUnsafeMutableBufferPointer { memBuffer in
                            let mem = memBuffer.baseAddress!
                            forEachEntry(count, vectorEnd) { j in
                                let gj = Kernels.load(g + j)
                                let mj = Kernels.load(mem + j) + gj * gj  // mem += g²
                                Kernels.store(mj, mem + j)
                                // p −= lr · g / √(mem + 1e-8)
                                Kernels.store(Kernels.load(p + j) - lrV * gj / Kernels.squareRoot(mj + epsilon), p + j)
                            } scalar: { j in
                                mem[j] += g[j] * g[j]  // mem += g²
                                p[j] -= lr * g[j] / (mem[j] + 1e-8).squareRoot()  // p −= lr · g / √(mem + 1e-8)
                            }
                        }
                    case .rmsprop:
                        first[i].withUnsafeMutableBufferPointer { mBuffer in
                            let m = mBuffer.baseAddress!, rho = Optimizer.rmspropDecay
                            let rhoV = V16(repeating: rho), oneMinusRho = V16(repeating: 1 - rho)
                            forEachEntry(count, vectorEnd) { j in
                                let gj = Kernels.load(g + j)
                                let mj = rhoV * Kernels.load(m + j) + oneMinusRho * gj * gj  // m = ρ m + (1 − ρ) g²
                                Kernels.store(mj, m + j)
                                // p −= lr · g / (√m + ε)
                                Kernels.store(Kernels.load(p + j) - lrV * gj / (Kernels.squareRoot(mj) + epsilon), p + j)
                            } scalar: { j in
                                m[j] = rho * m[j] + (1 - rho) * g[j] * g[j]  // m = ρ m + (1 − ρ) g²
                                p[j] -= lr * g[j] / (m[j].squareRoot() + 1e-8)  // p −= lr · g / (√m + ε)
                            }
                        }
                    case .adam:
                        first[i].withUnsafeMutableBufferPointer { mBuffer in
                            second[i].withUnsafeMutableBufferPointer { vBuffer in
                                let m = mBuffer.baseAddress!, v = vBuffer.baseAddress!
                                let b1 = Optimizer.beta1, b2 = Optimizer.beta2
                                let b1V = V16(repeating: b1), b2V = V16(repeating: b2)
                                let oneMinusB1 = V16(repeating: 1 - b1), oneMinusB2 = V16(repeating: 1 - b2)
                                let c1 = V16(repeating: correction1), c2 = V16(repeating: correction2)
                                forEachEntry(count, vectorEnd) { j in
                                    let gj = Kernels.load(g + j)
                                    let mj = b1V * Kernels.load(m + j) + oneMinusB1 * gj  // m = β1 m + (1 − β1) g
                                    let vj = b2V * Kernels.load(v + j) + oneMinusB2 * gj * gj  // v = β2 v + (1 − β2) g²
                                    Kernels.store(mj, m + j)
                                    Kernels.store(vj, v + j)
                                    let mHat = mj / c1, vHat = vj / c2
                                    // p −= lr · m̂ / (√v̂ + ε)
                                    Kernels.store(Kernels.load(p + j) - lrV * mHat / (Kernels.squareRoot(vHat) + epsilon), p + j)
                                } scalar: { j in
                                    m[j] = b1 * m[j] + (1 - b1) * g[j]  // m = β1 m + (1 − β1) g
                                    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]  // v = β2 v + (1 − β2) g²
                                    let mHat = m[j] / correction1, vHat = v[j] / correction2
                                    p[j] -= lr * mHat / (vHat.squareRoot() + 1e-8)  // p −= lr · m̂ / (√v̂ + ε)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Runs `vector(j)` for j = 0, 16, … below `vectorEnd`, then `scalar(j)` for the entries left.
@inline(__always)
private func forEachEntry(_ count: Int, _ vectorEnd: Int, vector: (Int) -> Void, scalar: (Int) -> Void) {
    var j = 0
    while j < vectorEnd {
        vector(j)
        j += Kernels.width
    }
    while j < count {
        scalar(j)
        j += 1
    }
}

/// How gradients are clipped before an update.
public enum Clipping: Sendable, Equatable, Codable {
    /// No clipping.
    case none
    /// Every entry clamped to [−c, c] (min-char-rnn and char-rnn: c = 5).
    case value(Float)
    /// All gradients scaled by c / ‖g‖ when their global norm ‖g‖ exceeds c.
    case norm(Float)

    /// Clips `gradients` in place. Returns the global norm before clipping and, per tensor, the
    /// flat indices of the entries clipping changed (the shell's view; training uses
    /// `applyCounting`, which collects no indices).
    @discardableResult
    public func apply(_ gradients: inout [Tensor]) -> (norm: Double, changed: [[Int]]) {
        var changed = Array(repeating: [Int](), count: gradients.count)
        for i in gradients.indices {
            for (j, x) in gradients[i].values.enumerated() {
                switch self {
                case .none: break
                case .value(let c): if x.isNaN || x > c || x < -c { changed[i].append(j) }
                case .norm: break
                }
            }
        }
        let (norm, _) = applyCounting(&gradients)
        if case .norm(let c) = self, norm > Double(c) {
            for i in gradients.indices { changed[i] = Array(gradients[i].values.indices) }
        }
        return (norm, changed)
    }

    /// Clips `gradients` in place. Returns the global norm ‖g‖ before clipping and how many
    /// entries clipping changed. ‖g‖ is summed in float over blocks of 256 entries, the blocks in
    /// double.
    @discardableResult
    public func applyCounting(_ gradients: inout [Tensor]) -> (norm: Double, changedCount: Int) {
        typealias V16 = Kernels.Vector
        let w = Kernels.width
        var squares = 0.0
        for g in gradients {
            g.values.withUnsafeBufferPointer { buffer in
                let x = buffer.baseAddress!, count = buffer.count
                var j = 0
                while j + 16 * w <= count {  // Σ g² over one block of 256: 16 vectors in float
                    var block = V16()
                    for u in 0..<16 {
                        let v = Kernels.load(x + j + u * w)
                        block += v * v
                    }
                    squares += Double(block.sum())
                    j += 16 * w
                }
                while j < count {
                    squares += Double(x[j]) * Double(x[j])
                    j += 1
                }
            }
        }
        let norm = squares.squareRoot()
        var changedCount = 0
        switch self {
        case .none: break
        case .value(let c):
            let upper = V16(repeating: c), lower = V16(repeating: -c)
            for i in gradients.indices {
                gradients[i].values.withUnsafeMutableBufferPointer { buffer in
                    let x = buffer.baseAddress!, count = buffer.count
                    var changedLanes = SIMD16<Int32>()
                    var j = 0
                    while j + w <= count {
                        var v = Kernels.load(x + j)
                        let high = v .> upper, low = v .< lower  // NaN is neither: it stays NaN…
                        changedLanes &+= SIMD16<Int32>().replacing(with: 1, where: high .| low .| (v .!= v))  // …and counts
                        v.replace(with: upper, where: high)  // clip to [−c, c]
                        v.replace(with: lower, where: low)
                        Kernels.store(v, x + j)
                        j += w
                    }
                    changedCount += Int(changedLanes.wrappedSum())
                    while j < count {
                        let v = x[j]
                        let clipped = min(max(v, -c), c)  // clip to [−c, c]
                        if clipped != v || v.isNaN {
                            x[j] = v.isNaN ? v : clipped
                            changedCount += 1
                        }
                        j += 1
                    }
                }
            }
        case .norm(let c):
            if norm > Double(c) {
                let scale = Float(Double(c) / norm)  // g ← g · c / ‖g‖
                for i in gradients.indices {
                    gradients[i].values.withUnsafeMutableBufferPointer { x in
                        for j in x.indices { x[j] *= scale }
                    }
                    changedCount += gradients[i].values.count
                }
            }
        }
        return (norm, changedCount)
    }
}

/// A learning-rate schedule: lr · factor^⌊iteration / every⌋ (char-rnn's decay), or constant.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    /// Multiply the rate by this…
    public var factor: Double
    /// …every this many iterations (0: never).
    public var every: Int

    /// A constant learning rate.
    public static let constant = LearningRateSchedule(factor: 1, every: 0)

    public init(factor: Double, every: Int) {
        self.factor = factor
        self.every = every
    }

    /// The rate at a given iteration (counted from 0).
    public func rate(_ base: Double, iteration: Int) -> Double {
        guard every > 0, factor != 1 else { return base }
        return base * pow(factor, Double(iteration / every))
    }
}

/// The learning rate's shape over one run's budget (its iterations, or its seconds), for
/// `charrnn train --warmup --anneal`: a linear warm-up from 0 over the first `warmup` of the budget,
/// then the full rate, annealed (linearly or along half a cosine) to `floor` × the rate at the
/// budget's end. A factor on the rate, from the share of the budget spent, p ∈ [0, 1]:
///
///   warm-up   f(p) = p / warmup                                   while p < warmup
///   constant  f(p) = 1
///   linear    f(p) = floor + (1 − floor) · (1 − q)                q = (p − warmup) / (1 − warmup)
///   cosine    f(p) = floor + (1 − floor) · (1 + cos(π q)) / 2
///
/// It multiplies the rate the trainer is given (after `LearningRateSchedule`), so a time budget
/// can shape it: the share spent is only known while the run goes, and is not saved.
public struct BudgetSchedule: Sendable, Equatable {
    /// How the rate falls after the warm-up.
    public enum Annealing: String, Sendable, CaseIterable {
        case constant, linear, cosine
    }

    /// The share of the budget spent warming up, in [0, 1).
    public var warmup: Double
    /// How the rate falls from the end of the warm-up to the end of the budget.
    public var annealing: Annealing
    /// The share of the rate left at the end, in [0, 1].
    public var floor: Double

    /// No warm-up, no annealing: the factor is always 1.
    public static let constant = BudgetSchedule(warmup: 0, annealing: .constant, floor: 1)

    public init(warmup: Double = 0, annealing: Annealing = .constant, floor: Double = 0) {
        self.warmup = warmup
        self.annealing = annealing
        self.floor = floor
    }

    /// The factor on the learning rate when `progress` of the budget is spent (clamped to [0, 1]).
    /// Never 0 during the warm-up's first iteration: the caller passes the share spent *after* the
    /// iteration it sets the rate for, or a small positive share.
    public func factor(progress: Double) -> Double {
        let p = min(max(progress, 0), 1)
        if p < warmup { return p / warmup }
        let q = warmup < 1 ? (p - warmup) / (1 - warmup) : 1
        switch annealing {
        case .constant: return 1
        case .linear: return floor + (1 - floor) * (1 - q)
        case .cosine: return floor + (1 - floor) * (1 + cos(Double.pi * q)) / 2
        }
    }
}
