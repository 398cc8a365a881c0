// Gradient flow: how much of the loss at one step reaches the hidden states before it.
//
// Legend: T the final step, H hidden, t = 1 … T (the lecture's 1-based steps; arrays keep step t
// at index t − 1). L_T = −ln p_T[target_T] is the loss at step T alone, over the first T
// characters from h_0 = 0 (c_0 = 0).
//
//   RNN   ∂L_T/∂h_T     = W_hyᵀ dy_T
//         ∂L_T/∂h_{t−1} = W_hhᵀ ((1 − h_t²) ⊙ ∂L_T/∂h_t) = J_tᵀ ∂L_T/∂h_t,  J_t = diag(1 − h_t²) W_hh
//         so ‖∂L_T/∂h_t‖ ≤ ‖∂L_T/∂h_T‖ · Π_{k=t+1…T} ‖J_k‖, and ‖J_k‖ ≤ σ_max(W_hh):
//         below 1 the gradient vanishes geometrically with distance.
//   LSTM  ∂L_T/∂c_{t−1} = f_t ⊙ ∂L_T/∂c_t + (the path through h_{t−1}):  with f ≈ 1 the cell path
//         carries the gradient back almost unchanged.
//
// The numbers come from the engine's own backward pass, run over a cache whose loss weights are
// onehot(T) (`Model.backward(_:stepWeights:)`): dh_t in its trace is then exactly ∂L_T/∂h_t.

import Foundation

/// ‖∂L_T/∂h_t‖ (and for the LSTM ‖∂L_T/∂c_t‖) for every step t ≤ T, per layer and per unit, with
/// the per-step factors that multiply the gradient on its way back.
public struct GradientFlow: Sendable, Equatable {
    /// The kind of cell.
    public let cell: CellKind
    /// T, the final step; L_T is its loss.
    public let steps: Int
    /// H, the hidden size.
    public let hiddenSize: Int
    /// L_T = −ln p_T[target_T], in nats.
    public let loss: Float
    /// ∂L_T/∂h_t per layer: (T, H), row t − 1 for step t.
    public let hiddenGradients: [[Float]]
    /// ∂L_T/∂c_t per layer (LSTM; empty otherwise): (T, H), row t − 1 for step t.
    public let cellGradients: [[Float]]
    /// RNN: ‖diag(1 − h_t²) W_hh‖ (spectral norm, by power iteration) per layer, index t − 1 for
    /// step t — the most the step from h_t back to h_{t−1} can multiply the gradient's norm by.
    /// Empty for other cells or when not asked for.
    public let stepFactors: [[Float]]
    /// LSTM: the mean forget gate f_t over the units, per layer, index t − 1 — the factor on the
    /// cell path (∂c_t/∂c_{t−1} = f_t). Empty for other cells.
    public let forgetGateMeans: [[Float]]
    /// LSTM: the forget gates f_t unit by unit, per layer: (T, H), row t − 1 for step t. Empty for
    /// other cells.
    public let forgetGates: [[Float]]

    /// Runs `model` over `indices[0..<T]` from h_0 = 0 and backpropagates the loss at step T alone
    /// (its target is `indices[T]`).
    /// - Parameters:
    ///   - steps: T; nil for the whole text (`indices.count − 1`); at most `indices.count − 1`.
    ///   - stepFactors: whether to compute the RNN's per-step factors (a power iteration per step).
    public init(model: Model, indices: [Int], steps: Int? = nil, stepFactors: Bool = true) {
        let T = min(steps ?? (indices.count - 1), indices.count - 1)
        precondition(T >= 1, "gradient flow needs at least two characters")
        let H = model.shape.hiddenSize, GH = model.shape.cell.gateCount * H, L = model.shape.layers
        let cache = model.forward(
            inputs: Array(indices[0..<T]), targets: Array(indices[1...T]), batchSize: 1,
            from: .zero(model.shape, batchSize: 1))
        var weights = [Float](repeating: 0, count: T)
        weights[T - 1] = 1  // L_T alone
        let (_, trace) = model.backward(cache, stepWeights: weights)

        self.cell = model.shape.cell
        self.steps = T
        self.hiddenSize = H
        self.loss = cache.losses[T - 1]
        self.hiddenGradients = trace.layers.map(\.dHidden)  // dh_t = ∂L_T/∂h_t, (T, 1, H)
        self.cellGradients = model.shape.cell == .lstm ? trace.layers.map(\.dCell) : []  // dc_t = ∂L_T/∂c_t
        if model.shape.cell == .rnn && stepFactors {
            self.stepFactors = (0..<L).map { k in
                let Whh = model.parameters[model.layerIndices(k).weightHH].values  // (H, H)
                let hidden = cache.layers[k].hidden  // h_0 … h_T: (T + 1, H)
                var start: [Float]? = nil  // warm start: neighbouring steps have similar J_t
                return (1...T).map { t in
                    // J_t = diag(1 − h_t²) W_hh: row i of W_hh scaled by 1 − h_t,i²
                    var J = Whh
                    for i in 0..<H {
                        let h = hidden[t * H + i], scale = 1 - h * h
                        for j in 0..<H { J[i * H + j] *= scale }
                    }
                    let result = PowerIteration.largestSingularValue(J, rows: H, columns: H, start: start)
                    start = result.vector
                    return result.value
                }
            }
        } else {
            self.stepFactors = []
        }
        if model.shape.cell == .lstm {
            // f_t = the second quarter of each step's gates: (T, 4H) rows, i f g o
            self.forgetGates = (0..<L).map { k in
                let gates = cache.layers[k].gates
                return (0..<T).flatMap { t in gates[(t * GH + H)..<(t * GH + 2 * H)] }
            }
            self.forgetGateMeans = forgetGates.map { f in
                (0..<T).map { t in f[(t * H)..<((t + 1) * H)].reduce(0, +) / Float(H) }
            }
        } else {
            self.forgetGates = []
            self.forgetGateMeans = []
        }
    }

    /// `init(model:indices:…)` over a text.
    /// - Throws: `VocabularyError` if the text has characters the model does not know.
    public init(model: Model, text: String, steps: Int? = nil, stepFactors: Bool = true) throws(VocabularyError) {
        self.init(model: model, indices: try model.vocabulary.encode(text), steps: steps, stepFactors: stepFactors)
    }

    /// LSTM: unit by unit, the product of the forget gates from step T back to step 1,
    /// Π_{t=2…T} f_t,j — what the cell path alone (∂c_t/∂c_{t−1} = f_t) keeps of ∂L_T/∂c_T,j by
    /// the time it reaches c_1. H values, in Double (fifty gates of 0.3 multiply to 1e−26).
    /// Empty for other cells.
    public func forgetGateProducts(layer k: Int = 0) -> [Double] {
        guard k < forgetGates.count else { return [] }
        let f = forgetGates[k], H = hiddenSize
        var products = [Double](repeating: 1, count: H)
        for t in 1..<steps {  // rows 1 … T − 1 hold f_2 … f_T
            for j in 0..<H { products[j] *= Double(f[t * H + j]) }
        }
        return products
    }

    /// The median unit's forget-gate product (``forgetGateProducts(layer:)``); nan for other cells.
    public func medianForgetGateProduct(layer k: Int = 0) -> Double {
        let sorted = forgetGateProducts(layer: k).sorted(), n = sorted.count
        guard n > 0 else { return .nan }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// ∂L_T/∂h_t of one layer at step t (1 … T): H values.
    public func hiddenGradient(layer k: Int = 0, step t: Int) -> [Float] {
        Array(hiddenGradients[k][((t - 1) * hiddenSize)..<(t * hiddenSize)])
    }

    /// ∂L_T/∂c_t of one LSTM layer at step t (1 … T): H values.
    public func cellGradient(layer k: Int = 0, step t: Int) -> [Float] {
        Array(cellGradients[k][((t - 1) * hiddenSize)..<(t * hiddenSize)])
    }

    /// ‖∂L_T/∂h_t‖ for t = 1 … T (index t − 1).
    public func hiddenNorms(layer k: Int = 0) -> [Float] {
        Self.rowNorms(hiddenGradients[k], width: hiddenSize)
    }

    /// ‖∂L_T/∂c_t‖ for t = 1 … T (index t − 1); empty unless the cell is an LSTM.
    public func cellNorms(layer k: Int = 0) -> [Float] {
        cellGradients.isEmpty ? [] : Self.rowNorms(cellGradients[k], width: hiddenSize)
    }

    /// ‖row‖ of each row, summed in Double: a vanishing gradient's squares underflow Float long
    /// before the gradient itself does.
    static func rowNorms(_ rows: [Float], width: Int) -> [Float] {
        stride(from: 0, to: rows.count, by: width).map { start in
            Float(rows[start..<(start + width)].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        }
    }
}

// MARK: - W_hh itself

/// The size of a layer's recurrent matrix W_hh: what repeated multiplication does to a vector.
public struct RecurrentMatrixNorms: Sendable, Equatable {
    /// σ_max(W_hh), the largest singular value (power iteration on W_hhᵀ W_hh): the most one
    /// multiplication can stretch a vector.
    public var largestSingularValue: Float
    /// An estimate of the spectral radius ρ(W_hh) = max |λ| (the mean growth rate of W_hh^k v
    /// over many k, which also settles when the top eigenvalues are a complex pair): the long-run
    /// factor per step. ρ ≤ σ_max. Nil when W_hh is not square (LSTM, GRU: G·H × H).
    public var spectralRadius: Float?
}

extension Model {
    /// σ_max and ρ of layer k's W_hh (for the LSTM and GRU, σ_max of the stacked (G·H, H) matrix).
    public func recurrentMatrixNorms(layer k: Int = 0) -> RecurrentMatrixNorms {
        let Whh = parameters[layerIndices(k).weightHH]  // (G·H, H)
        let rows = Whh.shape[0], columns = Whh.shape[1]
        return RecurrentMatrixNorms(
            largestSingularValue: PowerIteration.largestSingularValue(Whh.values, rows: rows, columns: columns).value,
            spectralRadius: rows == columns ? PowerIteration.spectralRadius(Whh.values, size: rows) : nil)
    }

    /// A copy of this LSTM with the forget-gate bias set to `value` in every layer (in b_ih;
    /// b_hh's forget block is zeroed so the sum is exactly `value`): f = σ(value + …) ≈ 1 for a
    /// large value, the usual trick that lets an untrained LSTM carry its gradient.
    /// Other cells are returned unchanged.
    public func withForgetBias(_ value: Float) -> Model {
        guard shape.cell == .lstm else { return self }
        var copy = self
        let H = shape.hiddenSize
        for k in 0..<shape.layers {
            let (_, _, bi, bh) = layerIndices(k)
            for j in H..<(2 * H) {  // the f block of i f g o
                copy.parameters[bi].values[j] = value
                if let bh { copy.parameters[bh].values[j] = 0 }
            }
        }
        return copy
    }
}

// MARK: - Power iteration

/// Largest singular value and spectral radius by power iteration, from a fixed start vector (so
/// results are reproducible without a generator).
enum PowerIteration {
    /// A fixed, generic start vector: unit norm, no special direction.
    static func startVector(_ n: Int) -> [Float] {
        var generator = SplitMix64(seed: 0x5EED)
        let v = (0..<n).map { _ in Float(generator.nextGaussian()) }
        return normalized(v).vector
    }

    static func normalized(_ v: [Float]) -> (vector: [Float], norm: Float) {
        let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? (v.map { $0 / norm }, norm) : (v, 0)
    }

    /// A v for A (m, n) row-major.
    static func multiply(_ A: [Float], _ v: [Float], rows m: Int, columns n: Int) -> [Float] {
        (0..<m).map { i in
            var sum: Float = 0
            for j in 0..<n { sum += A[i * n + j] * v[j] }
            return sum
        }
    }

    /// Aᵀ u for A (m, n) row-major.
    static func multiplyTransposed(_ A: [Float], _ u: [Float], rows m: Int, columns n: Int) -> [Float] {
        var w = [Float](repeating: 0, count: n)
        for i in 0..<m where u[i] != 0 { for j in 0..<n { w[j] += A[i * n + j] * u[i] } }
        return w
    }

    /// σ_max(A): v ← AᵀA v / ‖AᵀA v‖ until ‖A v‖ settles (relative change below `tolerance`);
    /// returns σ = ‖A v‖ and the right singular vector v (a warm start for a similar matrix).
    static func largestSingularValue(
        _ A: [Float], rows m: Int, columns n: Int, start: [Float]? = nil, iterations: Int = 200,
        tolerance: Float = 1e-6
    ) -> (value: Float, vector: [Float]) {
        var v = start.map { normalized($0).vector } ?? startVector(n)
        if v.allSatisfy({ $0 == 0 }) { v = startVector(n) }
        var sigma: Float = 0
        for _ in 0..<iterations {
            let u = multiply(A, v, rows: m, columns: n)  // A v
            let next = normalized(u).norm  // σ estimate ‖A v‖
            let (w, norm) = normalized(multiplyTransposed(A, u, rows: m, columns: n))  // AᵀA v
            if norm == 0 { return (0, v) }
            v = w
            if abs(next - sigma) <= tolerance * next { sigma = next; break }
            sigma = next
        }
        return (normalized(multiply(A, v, rows: m, columns: n)).norm, v)
    }

    /// An estimate of ρ(A) = max |λ| for square A: the geometric mean growth ‖A v_k‖ of the
    /// normalised iterates over the second half of `iterations` (Gelfand: ‖A^k v‖^{1/k} → ρ).
    static func spectralRadius(_ A: [Float], size n: Int, iterations: Int = 400) -> Float {
        var v = startVector(n)
        var logGrowth = 0.0, counted = 0
        for k in 0..<iterations {
            let (w, norm) = normalized(multiply(A, v, rows: n, columns: n))
            if norm == 0 { return 0 }  // nilpotent along this start
            if k >= iterations / 2 {
                logGrowth += log(Double(norm))
                counted += 1
            }
            v = w
        }
        return Float(exp(logGrowth / Double(counted)))
    }
}
