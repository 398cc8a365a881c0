// How much memory training or a full backward pass will take, estimated from the sizes before
// anything is allocated, and the budget it must fit in.
//
// Legend: B streams, T steps, H hidden, V vocabulary, G gates (RNN 1, LSTM 4, GRU 3), L layers,
// P parameters, k optimizer state arrays per parameter (SGD 0, momentum/Adagrad/RMSProp 1, Adam 2).
// Everything is float32 (4 bytes) except the (B, T) index arrays (8 bytes).
//
//   weights           P · (1 + k)       the model and its optimizer state
//   copies            P · (1 + k) · 3   the spare the update writes into, the guard's previous start,
//                                       and the snapshot a checkpoint or a background job holds
//   gradients         P
//   forward cache     per layer: T·B·G·H · (3, or 4 with gates) + (T+1)·B·H · (1, 2 for LSTM, +2 with dropout)
//                     + H·G·H packed; then T·B·V · 2 (logits, probabilities)
//   backward trace    T·B·V (dy) + per layer T·B·G·H · 2 + T·B·H · (2, 3 for LSTM) + G·H·H packed; 2·T·B·H scratch
//   validation        the forward cache at B = 8, T = 100
//   the process       32 MB (the runtime, the text already loaded is not counted)
//
// Measured once (see the report of issue 9): LSTM 512 × 2, batch 64, seq 200, Adam on a 1 MB
// text: estimate and the peak resident size of `charrnn train` within a factor of 2.

import Foundation

/// Memory estimates in bytes, from the sizes alone.
public enum MemoryEstimate {
    /// Bytes of one float.
    static let float = 4.0
    /// What the process takes besides the arrays counted (runtime, code, small buffers).
    public static let baseline = 32e6

    /// Floats of the optimizer state per parameter.
    static func stateArrays(_ kind: OptimizerKind) -> Double {
        switch kind {
        case .sgd: return 0
        case .adam: return 2
        default: return 1
        }
    }

    /// P, the number of parameters of `shape`, without building the model (as a Double: no overflow).
    public static func parameterCount(_ shape: ModelShape) -> Double {
        let G = Double(shape.cell.gateCount), H = Double(shape.hiddenSize), V = Double(shape.vocabularySize)
        var count = 0.0
        for k in 0..<max(0, shape.layers) {
            let input = k == 0 ? V : H
            count += G * H * input + G * H * H + G * H * (shape.cell == .rnn ? 1 : 2)
        }
        return count + V * H + V
    }

    /// Bytes of a forward cache over B streams × T steps (`dropout`: the masks are kept too).
    public static func forwardCache(_ shape: ModelShape, batchSize: Int, steps: Int, dropout: Bool = false) -> Double {
        let B = Double(batchSize), T = Double(steps), H = Double(shape.hiddenSize), V = Double(shape.vocabularySize)
        let G = Double(shape.cell.gateCount), L = Double(max(0, shape.layers))
        let gateArrays = shape.cell == .rnn ? 3.0 : 4.0
        let stateArrays = (shape.cell == .lstm ? 2.0 : 1.0) + (dropout && shape.layers > 1 ? 2.0 : 0.0)
        let perLayer = T * B * G * H * gateArrays + (T + 1) * B * H * stateArrays + H * G * H
        return float * (L * perLayer + 2 * T * B * V + T * B) + 16 * T * B
    }

    /// Bytes of a backward trace over B streams × T steps.
    public static func backwardTrace(_ shape: ModelShape, batchSize: Int, steps: Int) -> Double {
        let B = Double(batchSize), T = Double(steps), H = Double(shape.hiddenSize), V = Double(shape.vocabularySize)
        let G = Double(shape.cell.gateCount), L = Double(max(0, shape.layers))
        let perLayer = 2 * T * B * G * H + T * B * H * (shape.cell == .lstm ? 3 : 2) + G * H * H
        return float * (T * B * V + L * perLayer + 2 * T * B * H)
    }

    /// Bytes training `shape` with `configuration` needs: weights, optimizer state and their
    /// copies, gradients, the forward cache and backward trace of one iteration, and a validation pass.
    public static func training(_ shape: ModelShape, configuration: TrainingConfiguration) -> Double {
        let P = parameterCount(shape), k = stateArrays(configuration.optimizer)
        let B = configuration.batchSize, T = configuration.sequenceLength
        let weights = float * P * (1 + k) * 4 + float * P
        return baseline + weights
            + forwardCache(shape, batchSize: B, steps: T, dropout: configuration.dropout > 0)
            + backwardTrace(shape, batchSize: B, steps: T)
            + forwardCache(shape, batchSize: 8, steps: 100)
    }

    /// Bytes of one full backward pass over `steps` characters as one sequence (`eval --gradients`):
    /// the model, its gradients (twice: as computed and as written), the whole forward cache and trace.
    public static func gradients(_ shape: ModelShape, steps: Int) -> Double {
        let P = parameterCount(shape)
        return baseline + float * P * 3 + forwardCache(shape, batchSize: 1, steps: steps)
            + backwardTrace(shape, batchSize: 1, steps: steps)
    }
}

extension MemoryEstimate {
    /// Bytes loading a text file of `bytes` bytes adds: the decoded text (its UTF-8 bytes) and the
    /// encoded indices (at most one index per byte, 2 bytes each for vocabularies up to 65,536 —
    /// 4 beyond, rare). The process baseline is counted by the training estimate, not here.
    /// Measured: a 200 MB English text peaked at 422 MB (2.1 × its size); this says 3 ×.
    public static func text(bytes: Int) -> Double {
        3 * Double(max(0, bytes))
    }
}

/// The most memory an operation may ask for; by default half of the machine's physical memory.
public struct MemoryBudget: Sendable, Equatable {
    /// The limit in bytes.
    public var bytes: Double

    /// A budget of `bytes`.
    public init(bytes: Double) { self.bytes = bytes }

    /// Half of the physical memory (`ProcessInfo.physicalMemory`).
    public static var standard: MemoryBudget { MemoryBudget(bytes: Double(ProcessInfo.processInfo.physicalMemory) / 2) }

    /// Throws when `estimate` bytes are over the budget; `what` names the operation ("training").
    public func check(_ estimate: Double, for what: String) throws(MemoryBudgetError) {
        guard estimate <= bytes else { throw MemoryBudgetError(what: what, estimate: estimate, limit: bytes) }
    }

    /// `31.2 GB`, `512.0 MB`, `64.0 kB` (powers of 1000).
    public static func format(_ bytes: Double) -> String {
        if bytes >= 1e12 { return String(format: "%.1f TB", bytes / 1e12) }
        if bytes >= 1e9 { return String(format: "%.1f GB", bytes / 1e9) }
        if bytes >= 1e6 { return String(format: "%.1f MB", bytes / 1e6) }
        return String(format: "%.1f kB", bytes / 1e3)
    }

    /// `12GB`, `500 MB`, `2e9` (bytes), `1.5 GB`: a number with an optional unit kB, MB, GB or TB
    /// (powers of 1000; case does not matter), or nil when the text is not one.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("tb", 1e12), ("gb", 1e9), ("mb", 1e6), ("kb", 1e3), ("b", 1)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value.isFinite else { return nil }
            return value * scale
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}

/// An operation would need more memory than the budget allows.
public struct MemoryBudgetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What would need it ("training", "eval --gradients").
    public var what: String
    /// The estimate in bytes.
    public var estimate: Double
    /// The budget in bytes.
    public var limit: Double

    public var description: String {
        "\(what) would need about \(MemoryBudget.format(estimate)); the memory budget is \(MemoryBudget.format(limit))"
            + " (set memory-budget or --memory-budget)"
    }
}
