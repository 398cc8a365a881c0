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
    /// `Kernels.squareRoot` (within 1 ulp of the scalar one). Large models are updated by both
    /// cores, in pieces (`pieces`): an entry's arithmetic does not depend on the piece it is in.
    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor], learningRate lr: Float) {
        step = step < Int.max ? step + 1 : Int.max  // a counter read from a file must not trap
        let n = parameters.count, firstCount = first.count
        var arrays = parameters.map(\.values) + first + second  // moved out to be written in place, back below
        for i in parameters.indices { parameters[i].values = [] }
        first = []
        second = []
        defer {
            for i in 0..<n { parameters[i].values = arrays[i] }
            first = Array(arrays[n..<(n + firstCount)])
            second = Array(arrays[(n + firstCount)...])
        }
        let optimizer = self
        borrow(reading: gradients.map(\.values), writing: &arrays) { g, state in
            withUnsafeTemporaryAllocation(of: UnsafeBufferPointer<Float>.self, capacity: state.count) { old in
                for i in state.indices { old.initializeElement(at: i, to: UnsafeBufferPointer(state[i])) }
                _ = optimizer.apply(gradients: g, current: ReadPointers(old), next: state, learningRate: lr)
            }
        }
    }

    /// One update written into `next` instead of over the old values: the new weights, then the new
    /// `first` and `second` state, into `next.arrays` (sized here), the old values left as they were.
    /// Returns whether every new weight is finite; the caller then swaps the new values in
    /// (`TrainingSpare.swap`) or leaves the model as it was — no copy of the model either way.
    func update(
        _ parameters: [Tensor], gradients: [Tensor], learningRate lr: Float, into next: inout TrainingSpare
    ) -> Bool {
        let current = parameters.map(\.values) + first + second
        next.size(like: current)
        var optimizer = self
        optimizer.step = step < Int.max ? step + 1 : Int.max  // the step the new state records
        next.step = optimizer.step
        let n = gradients.count
        return borrow(reading: gradients.map(\.values) + current, writing: &next.arrays) { read, write in
            optimizer.apply(
                gradients: ReadPointers(rebasing: read[0..<n]), current: ReadPointers(rebasing: read[n...]), next: write,
                learningRate: lr)
        }
    }

    /// Entries per piece of `apply`'s split (a multiple of 16): a piece's weights, gradients and
    /// state (4 × 32 KB) stay in the core's L2 while it is updated.
    static let pieceSize = 8192

    /// The rule on every tensor, reading `current` (the weights, then `first`'s arrays, then
    /// `second`'s) and writing the same list `next` (which may be `current` itself: in place). By both
    /// cores in pieces when the model has 2¹⁶ entries or more. Returns whether every new weight is finite.
    private func apply(
        gradients g: ReadPointers, current: ReadPointers, next: WritePointers,
        learningRate lr: Float
    ) -> Bool {
        let n = g.count
        // (tensor, first entry, end) of each piece; the first entries are multiples of 16
        var pieces: [(Int, Int, Int)] = []
        var total = 0
        for i in 0..<n {
            let count = g[i].count
            total += count
            var j = 0
            repeat {
                pieces.append((i, j, min(count, j + Optimizer.pieceSize)))
                j += Optimizer.pieceSize
            } while j < count
        }
        let split = total >= 1 << 16
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: pieces.count) { finite in
            func run(_ piece: Int) {
                let (i, j0, j1) = pieces[piece]
                let hasFirst = kind != .sgd, hasSecond = kind == .adam
                finite[piece] = applyRule(
                    j0, j1, count: g[i].count, g: g[i].baseAddress, p: current[i].baseAddress, pOut: next[i].baseAddress,
                    m: hasFirst ? current[n + i].baseAddress : nil, mOut: hasFirst ? next[n + i].baseAddress : nil,
                    v: hasSecond ? current[2 * n + i].baseAddress : nil, vOut: hasSecond ? next[2 * n + i].baseAddress : nil,
                    learningRate: lr)
            }
            if split {
                Kernels.parallel(pieces.count, run)
            } else {
                for piece in pieces.indices { run(piece) }
            }
            return finite.prefix(pieces.count).allSatisfy { $0 }
        }
    }

    /// The rule on entries j0 ..< j1 of one tensor of `count` entries (j0 a multiple of 16): reads p, g
    /// and the state m (and v), writes the new ones to pOut, mOut, vOut (which may be p, m, v). Entries
    /// below the tensor's last multiple of 16 are computed 16 at a time, the rest one at a time.
    /// Returns whether every new weight of the range is finite.
    private func applyRule(
        _ j0: Int, _ j1: Int, count: Int, g: UnsafePointer<Float>?, p: UnsafePointer<Float>?,
        pOut: UnsafeMutablePointer<Float>?, m: UnsafePointer<Float>?, mOut: UnsafeMutablePointer<Float>?,
        v: UnsafePointer<Float>?, vOut: UnsafeMutablePointer<Float>?, learningRate lr: Float
    ) -> Bool {
        guard j0 < j1, let g, let p, let pOut else { return true }
        let correction1 = 1 - powf(Optimizer.beta1, Float(step))
        let correction2 = 1 - powf(Optimizer.beta2, Float(step))
        typealias V16 = Kernels.Vector
        let lrV = V16(repeating: lr), epsilon = V16(repeating: 1e-8)
        let vectorEnd = min(j1, count - count % Kernels.width)
        switch kind {
        case .sgd:
            forEachEntry(j0, j1, vectorEnd) { j in  // p −= lr · g
                Kernels.store(Kernels.load(p + j) - lrV * Kernels.load(g + j), pOut + j)
            } scalar: { j in
                pOut[j] = p[j] - lr * g[j]  // p −= lr · g
            }
        case .momentum:
            let v = m!, vOut = mOut!, mu = V16(repeating: Optimizer.momentum)
            forEachEntry(j0, j1, vectorEnd) { j in
                let vj = mu * Kernels.load(v + j) + Kernels.load(g + j)  // v = μ v + g
                Kernels.store(vj, vOut + j)
                Kernels.store(Kernels.load(p + j) - lrV * vj, pOut + j)  // p −= lr · v
            } scalar: { j in
                let vj = Optimizer.momentum * v[j] + g[j]  // v = μ v + g
                vOut[j] = vj
                pOut[j] = p[j] - lr * vj  // p −= lr · v
            }
        case .adagrad:
            let mem = m!, memOut = mOut!
            forEachEntry(j0, j1, vectorEnd) { j in
                let gj = Kernels.load(g + j)
                let mj = Kernels.load(mem + j) + gj * gj  // mem += g²
                Kernels.store(mj, memOut + j)
                // p −= lr · g / √(mem + 1e-8)
                Kernels.store(Kernels.load(p + j) - lrV * gj / Kernels.squareRoot(mj + epsilon), pOut + j)
            } scalar: { j in
                let mj = mem[j] + g[j] * g[j]  // mem += g²
                memOut[j] = mj
                pOut[j] = p[j] - lr * g[j] / (mj + 1e-8).squareRoot()  // p −= lr · g / √(mem + 1e-8)
            }
        case .rmsprop:
            let m = m!, mOut = mOut!, rho = Optimizer.rmspropDecay
            let rhoV = V16(repeating: rho), oneMinusRho = V16(repeating: 1 - rho)
            forEachEntry(j0, j1, vectorEnd) { j in
                let gj = Kernels.load(g + j)
                let mj = rhoV * Kernels.load(m + j) + oneMinusRho * gj * gj  // m = ρ m + (1 − ρ) g²
                Kernels.store(mj, mOut + j)
                // p −= lr · g / (√m + ε)
                Kernels.store(Kernels.load(p + j) - lrV * gj / (Kernels.squareRoot(mj) + epsilon), pOut + j)
            } scalar: { j in
                let mj = rho * m[j] + (1 - rho) * g[j] * g[j]  // m = ρ m + (1 − ρ) g²
                mOut[j] = mj
                pOut[j] = p[j] - lr * g[j] / (mj.squareRoot() + 1e-8)  // p −= lr · g / (√m + ε)
            }
        case .adam:
            let m = m!, mOut = mOut!, v = v!, vOut = vOut!
            let b1 = Optimizer.beta1, b2 = Optimizer.beta2
            let b1V = V16(repeating: b1), b2V = V16(repeating: b2)
            let oneMinusB1 = V16(repeating: 1 - b1), oneMinusB2 = V16(repeating: 1 - b2)
            let c1 = V16(repeating: correction1), c2 = V16(repeating: correction2)
            forEachEntry(j0, j1, vectorEnd) { j in
                let gj = Kernels.load(g + j)
                let mj = b1V * Kernels.load(m + j) + oneMinusB1 * gj  // m = β1 m + (1 − β1) g
                let vj = b2V * Kernels.load(v + j) + oneMinusB2 * gj * gj  // v = β2 v + (1 − β2) g²
                Kernels.store(mj, mOut + j)
                Kernels.store(vj, vOut + j)
                let mHat = mj / c1, vHat = vj / c2
                // p −= lr · m̂ / (√v̂ + ε)
                Kernels.store(Kernels.load(p + j) - lrV * mHat / (Kernels.squareRoot(vHat) + epsilon), pOut + j)
            } scalar: { j in
                let mj = b1 * m[j] + (1 - b1) * g[j]  // m = β1 m + (1 − β1) g
                let vj = b2 * v[j] + (1 - b2) * g[j] * g[j]  // v = β2 v + (1 − β2) g²
                mOut[j] = mj
                vOut[j] = vj
                let mHat = mj / correction1, vHat = vj / correction2
                pOut[j] = p[j] - lr * mHat / (vHat.squareRoot() + 1e-8)  // p −= lr · m̂ / (√v̂ + ε)
            }
        }
        return Kernels.allFinite(UnsafeBufferPointer(start: pOut + j0, count: j1 - j0))
    }
}

/// Runs `vector(j)` for j = j0, j0 + 16, … below `vectorEnd`, then `scalar(j)` for the entries left below j1.
@inline(__always)
private func forEachEntry(_ j0: Int, _ j1: Int, _ vectorEnd: Int, vector: (Int) -> Void, scalar: (Int) -> Void) {
    var j = j0
    while j < vectorEnd {
        vector(j)
        j += Kernels.width
    }
    while j < j1 {
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
    /// entries clipping changed. ‖g‖ is summed in float over blocks of 256 entries, the blocks (and
    /// the entries past a tensor's last whole block) in double, in order.
    ///
    /// One pass over the gradients, by both cores in pieces of whole blocks when there are 2¹⁶
    /// entries or more: each piece sums its blocks (before clipping them, by value) into its slots
    /// of `blockSums`; the blocks are then added in double in their order, so ‖g‖ is the same
    /// whatever the split. Clipping by norm scales in a second pass, once ‖g‖ is known.
    @discardableResult
    public func applyCounting(_ gradients: inout [Tensor]) -> (norm: Double, changedCount: Int) {
        let block = 16 * Kernels.width
        var arrays = gradients.map(\.values)  // moved out to be written, back below
        for i in gradients.indices { gradients[i].values = [] }
        defer { for i in gradients.indices { gradients[i].values = arrays[i] } }
        // The entries past each tensor's last whole block, as they were before clipping.
        let tails = arrays.map { Array($0[($0.count - $0.count % block)...]) }
        var firstBlock: [Int] = []  // each tensor's first slot in blockSums
        var pieces: [(Int, Int, Int)] = []  // (tensor, first entry, end), the first a multiple of 256
        var blockCount = 0, total = 0
        for values in arrays {
            firstBlock.append(blockCount)
            blockCount += values.count / block
            total += values.count
            var j = 0
            while j < values.count {
                pieces.append((firstBlock.count - 1, j, min(values.count, j + Optimizer.pieceSize)))
                j += Optimizer.pieceSize
            }
        }
        let split = total >= 1 << 16
        var blockSums = [Float](repeating: 0, count: blockCount)
        var changed = [Int](repeating: 0, count: pieces.count)
        borrow(reading: [], writing: &arrays) { _, x in
            blockSums.withUnsafeMutableBufferPointer { sums in
                changed.withUnsafeMutableBufferPointer { changed in
                    func run(_ piece: Int) {
                        let (i, j0, j1) = pieces[piece]
                        changed[piece] = clipPiece(
                            x[i].baseAddress!, j0, j1, count: x[i].count, sums: sums.baseAddress! + firstBlock[i])
                    }
                    if split { Kernels.parallel(pieces.count, run) } else { for piece in pieces.indices { run(piece) } }
                }
            }
        }
        var squares = 0.0
        for i in arrays.indices {
            let blocks = arrays[i].count / block
            for b in 0..<blocks { squares += Double(blockSums[firstBlock[i] + b]) }  // Σ g² over each block of 256
            for v in tails[i] { squares += Double(v) * Double(v) }
        }
        let norm = squares.squareRoot()
        var changedCount = changed.reduce(0, +)
        if case .norm(let c) = self, norm > Double(c) {
            let scale = Float(Double(c) / norm)  // g ← g · c / ‖g‖
            borrow(reading: [], writing: &arrays) { _, x in
                func run(_ piece: Int) {
                    let (i, j0, j1) = pieces[piece]
                    for j in j0..<j1 { x[i][j] *= scale }
                }
                if split { Kernels.parallel(pieces.count, run) } else { for piece in pieces.indices { run(piece) } }
            }
            changedCount = total
        }
        return (norm, changedCount)
    }

    /// Entries j0 ..< j1 of one gradient of `count` entries (j0 a multiple of 256): writes the float
    /// sum of g² of each whole block of 256 into sums[block], then clips by value (vectors below the
    /// last multiple of 16, single entries after); returns how many entries clipping changed.
    private func clipPiece(
        _ x: UnsafeMutablePointer<Float>, _ j0: Int, _ j1: Int, count: Int, sums: UnsafeMutablePointer<Float>
    ) -> Int {
        typealias V16 = Kernels.Vector
        let w = Kernels.width, block = 16 * w
        var j = j0
        while j + block <= min(j1, count - count % block) {  // Σ g² over one block of 256: 16 vectors in float
            var sum = V16()
            for u in 0..<16 {
                let v = Kernels.load(x + j + u * w)
                sum += v * v
            }
            sums[j / block] = sum.sum()
            j += block
        }
        guard case .value(let c) = self else { return 0 }
        let upper = V16(repeating: c), lower = V16(repeating: -c)
        var changedLanes = SIMD16<Int32>()
        var changedCount = 0
        j = j0
        while j + w <= min(j1, count - count % w) {
            var v = Kernels.load(x + j)
            let high = v .> upper, low = v .< lower  // NaN is neither: it stays NaN…
            changedLanes &+= SIMD16<Int32>().replacing(with: 1, where: high .| low .| (v .!= v))  // …and counts
            v.replace(with: upper, where: high)  // clip to [−c, c]
            v.replace(with: lower, where: low)
            Kernels.store(v, x + j)
            j += w
        }
        changedCount += Int(changedLanes.wrappedSum())
        while j < j1 {
            let v = x[j]
            let clipped = min(max(v, -c), c)  // clip to [−c, c]
            if clipped != v || v.isNaN {
                x[j] = v.isNaN ? v : clipped
                changedCount += 1
            }
            j += 1
        }
        return changedCount
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
