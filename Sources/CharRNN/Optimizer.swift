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
    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor], learningRate lr: Float) {
        step += 1
        let correction1 = 1 - powf(Optimizer.beta1, Float(step))
        let correction2 = 1 - powf(Optimizer.beta2, Float(step))
        for i in parameters.indices {
            let g = gradients[i].values
            let count = g.count
            parameters[i].values.withUnsafeMutableBufferPointer { p in
                switch kind {
                case .sgd:
                    for j in 0..<count { p[j] -= lr * g[j] }  // p −= lr · g
                case .momentum:
                    first[i].withUnsafeMutableBufferPointer { v in
                        for j in 0..<count {
                            v[j] = Optimizer.momentum * v[j] + g[j]  // v = μ v + g
                            p[j] -= lr * v[j]  // p −= lr · v
                        }
                    }
                case .adagrad:
                    first[i].withUnsafeMutableBufferPointer { mem in
                        for j in 0..<count {
                            mem[j] += g[j] * g[j]  // mem += g²
                            p[j] -= lr * g[j] / (mem[j] + 1e-8).squareRoot()  // p −= lr · g / √(mem + 1e-8)
                        }
                    }
                case .rmsprop:
                    first[i].withUnsafeMutableBufferPointer { m in
                        let rho = Optimizer.rmspropDecay
                        for j in 0..<count {
                            m[j] = rho * m[j] + (1 - rho) * g[j] * g[j]  // m = ρ m + (1 − ρ) g²
                            p[j] -= lr * g[j] / (m[j].squareRoot() + 1e-8)  // p −= lr · g / (√m + ε)
                        }
                    }
                case .adam:
                    first[i].withUnsafeMutableBufferPointer { m in
                        second[i].withUnsafeMutableBufferPointer { v in
                            let b1 = Optimizer.beta1, b2 = Optimizer.beta2
                            for j in 0..<count {
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

/// How gradients are clipped before an update.
public enum Clipping: Sendable, Equatable, Codable {
    /// No clipping.
    case none
    /// Every entry clamped to [−c, c] (min-char-rnn and char-rnn: c = 5).
    case value(Float)
    /// All gradients scaled by c / ‖g‖ when their global norm ‖g‖ exceeds c.
    case norm(Float)

    /// Clips `gradients` in place. Returns the global norm before clipping and, per tensor, the
    /// flat indices of the entries clipping changed.
    @discardableResult
    public func apply(_ gradients: inout [Tensor]) -> (norm: Double, changed: [[Int]]) {
        var squares = 0.0
        for g in gradients { for x in g.values { squares += Double(x) * Double(x) } }
        let norm = squares.squareRoot()
        var changed = Array(repeating: [Int](), count: gradients.count)
        switch self {
        case .none: break
        case .value(let c):
            for i in gradients.indices {
                for j in gradients[i].values.indices {
                    let x = gradients[i].values[j]
                    let clipped = min(max(x, -c), c)  // clip to [−c, c]
                    if clipped != x || x.isNaN {
                        gradients[i].values[j] = x.isNaN ? x : clipped
                        changed[i].append(j)
                    }
                }
            }
        case .norm(let c):
            if norm > Double(c) {
                let scale = Float(Double(c) / norm)  // g ← g · c / ‖g‖
                for i in gradients.indices {
                    for j in gradients[i].values.indices { gradients[i].values[j] *= scale }
                    changed[i] = Array(gradients[i].values.indices)
                }
            }
        }
        return (norm, changed)
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
