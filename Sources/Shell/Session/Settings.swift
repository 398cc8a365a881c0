import CharRNN
import Foundation

/// The learner's settings: everything `set` changes and `show settings` lists.
struct Settings: Equatable, Sendable {
    var learningRate = 0.1
    var optimizer = OptimizerKind.adagrad
    var clipping = Clipping.value(5)
    var hiddenSize = 3
    var sequenceLength = 4
    var batchSize = 1
    var temperature = 1.0
    /// 0: all characters.
    var topK = 0
    var seed: UInt64 = 42
    var initialization = Initialization.gaussian
    var cell = CellKind.rnn
    var layers = 1
    /// Iterations between samples during `train` (0: none).
    var sampleEvery = 0
    /// Iterations between validation losses during `train` (0: none).
    var validateEvery = 100
    /// Iterations at which `train` prints a sample, besides every `sampleEvery`.
    var sampleAt: [Int] = []
    /// The learning rate is multiplied by `decay` every `decayEvery` iterations (0: never).
    var decay = 1.0
    var decayEvery = 0
    /// p of dropout between stacked layers during training (0: none).
    var dropout = 0.0
    /// Iterations between checkpoints written during `train` (0: none), and where.
    var checkpointEvery = 0
    var checkpointFile = "checkpoint.safetensors"
    /// The most memory training may ask for, in bytes (nil: half of the physical memory).
    var memoryBudget: Double? = nil

    /// The memory budget in effect.
    var budget: MemoryBudget { memoryBudget.map(MemoryBudget.init(bytes:)) ?? .standard }

    /// The trainer's hyper-parameters.
    var training: TrainingConfiguration {
        TrainingConfiguration(
            learningRate: learningRate, optimizer: optimizer, clipping: clipping, batchSize: batchSize,
            sequenceLength: sequenceLength, schedule: LearningRateSchedule(factor: decay, every: decayEvery),
            dropout: dropout)
    }

    /// Whether `train` prints a sample after `iteration`.
    func samples(at iteration: Int) -> Bool {
        (sampleEvery > 0 && iteration % sampleEvery == 0) || sampleAt.contains(iteration)
    }

    /// How `sample` and `predict` draw by default.
    var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK > 0 ? topK : nil)
    }
}

/// What changing a setting does besides storing it.
enum SettingEffect: Equatable {
    /// Nothing else: sampling, reporting.
    case none
    /// The trainer's configuration changes; lr even during background training.
    case training
    /// A new optimizer state.
    case optimizer
    /// The batch cursor is rebuilt (the text is cut differently).
    case batching
    /// The model's shape changes: it is re-initialised.
    case reshape
    /// Takes effect at the next `model new` (and the seed also restarts the sampling generator).
    case nextModel
}

/// One setting: its name, type, range, documentation, effect, how to parse and show it.
struct SettingSpec: Sendable {
    let name: String
    /// The range or the choices, as shown in `show settings`.
    let range: String
    /// One line of documentation.
    let doc: String
    let effect: SettingEffect
    /// Values Tab offers (the choices of an enumeration; examples for numbers).
    let choices: [String]
    /// Parses a value into new settings; throws a one-line error for a bad value.
    let apply: @Sendable (String, inout Settings) throws(CommandError) -> Void
    /// The current value as text.
    let value: @Sendable (Settings) -> String

    /// The settings, in the order `show settings` lists them.
    static let all: [SettingSpec] = [
        SettingSpec(
            name: "lr", range: "1e-6…100", doc: "learning rate: the step size of every update",
            effect: .training, choices: ["0.1", "0.01", "0.001"],
            apply: { text, s throws(CommandError) in s.learningRate = try parseNumber(text, "lr", in: SettingRanges.learningRate) },
            value: { formatPlain($0.learningRate) }),
        SettingSpec(
            name: "optimizer", range: OptimizerKind.allCases.map(\.rawValue).joined(separator: " "),
            doc: "the update rule (changing it starts a fresh optimizer state)", effect: .optimizer,
            choices: OptimizerKind.allCases.map(\.rawValue),
            apply: { text, s throws(CommandError) in s.optimizer = try choice(text, "optimizer", OptimizerKind.self) },
            value: { $0.optimizer.rawValue }),
        SettingSpec(
            name: "clip", range: "C (by value), norm:C, none",
            doc: "gradient clipping: each entry to ±C, or the global norm to C",
            effect: .training, choices: ["5", "norm:5", "none"],
            apply: { text, s throws(CommandError) in s.clipping = try parseClipping(text) },
            value: { clippingText($0.clipping) }),
        SettingSpec(
            name: "hidden", range: "1…1024", doc: "H, the hidden size (reshapes the model)", effect: .reshape,
            choices: ["3", "32", "100", "128"],
            apply: { text, s throws(CommandError) in s.hiddenSize = try parseInteger(text, "hidden", in: SettingRanges.hiddenSize) },
            value: { String($0.hiddenSize) }),
        SettingSpec(
            name: "seq", range: "1…1000", doc: "T, the steps of truncated backpropagation per iteration",
            effect: .batching, choices: ["4", "25", "50", "100"],
            apply: { text, s throws(CommandError) in s.sequenceLength = try parseInteger(text, "seq", in: SettingRanges.sequenceLength) },
            value: { String($0.sequenceLength) }),
        SettingSpec(
            name: "batch", range: "1…256", doc: "B, the number of parallel streams per iteration", effect: .batching,
            choices: ["1", "16", "32"],
            apply: { text, s throws(CommandError) in s.batchSize = try parseInteger(text, "batch", in: SettingRanges.batchSize) },
            value: { String($0.batchSize) }),
        SettingSpec(
            name: "temperature", range: "0…10", doc: "divides the logits when sampling: below 1 sharper, 0 argmax",
            effect: .none, choices: ["0.5", "1", "1.5"],
            apply: { text, s throws(CommandError) in s.temperature = try parseNumber(text, "temperature", in: SettingRanges.temperature) },
            value: { formatPlain($0.temperature) }),
        SettingSpec(
            name: "topk", range: "0…10000", doc: "sample only among the k most likely characters (0: all)",
            effect: .none, choices: ["0", "5", "10"],
            apply: { text, s throws(CommandError) in s.topK = try parseInteger(text, "topk", in: SettingRanges.topK) },
            value: { String($0.topK) }),
        SettingSpec(
            name: "seed", range: "0…2^63", doc: "seeds new models and the sampling generator", effect: .nextModel,
            choices: ["42", "1", "7"],
            apply: { text, s throws(CommandError) in s.seed = UInt64(try parseInteger(text, "seed", in: 0...Int.max)) },
            value: { String($0.seed) }),
        SettingSpec(
            name: "init", range: Initialization.allCases.map(\.rawValue).joined(separator: " "),
            doc: "how `model new` draws weights: N(0, 0.01²), U(±0.08), or U(±1/√H)", effect: .nextModel,
            choices: Initialization.allCases.map(\.rawValue),
            apply: { text, s throws(CommandError) in s.initialization = try choice(text, "init", Initialization.self) },
            value: { $0.initialization.rawValue }),
        SettingSpec(
            name: "cell", range: CellKind.allCases.map(\.rawValue).joined(separator: " "),
            doc: "the recurrent cell (reshapes the model)", effect: .reshape, choices: CellKind.allCases.map(\.rawValue),
            apply: { text, s throws(CommandError) in s.cell = try choice(text, "cell", CellKind.self) },
            value: { $0.cell.rawValue }),
        SettingSpec(
            name: "layers", range: "1…3", doc: "stacked recurrent layers (reshapes the model)", effect: .reshape,
            choices: ["1", "2", "3"],
            apply: { text, s throws(CommandError) in s.layers = try parseInteger(text, "layers", in: SettingRanges.layers) },
            value: { String($0.layers) }),
        SettingSpec(
            name: "sample-every", range: "0…1000000", doc: "iterations between samples during train (0: none)",
            effect: .none, choices: ["0", "100", "1000"],
            apply: { text, s throws(CommandError) in s.sampleEvery = try parseInteger(text, "sample-every", in: 0...1_000_000) },
            value: { String($0.sampleEvery) }),
        SettingSpec(
            name: "val-every", range: "0…1000000", doc: "iterations between validation losses during train (0: none)",
            effect: .none, choices: ["0", "100", "1000"],
            apply: { text, s throws(CommandError) in s.validateEvery = try parseInteger(text, "val-every", in: 0...1_000_000) },
            value: { String($0.validateEvery) }),
        SettingSpec(
            name: "sample-at", range: "I,J,… or none", doc: "iterations after which train prints a sample",
            effect: .none, choices: ["100,300,500,700,1200,2000", "none"],
            apply: { text, s throws(CommandError) in s.sampleAt = try parseIterationList(text, "sample-at") },
            value: { $0.sampleAt.isEmpty ? "none" : $0.sampleAt.map(String.init).joined(separator: ",") }),
        SettingSpec(
            name: "decay", range: "0.001…1", doc: "the learning rate is multiplied by this every decay-every iterations",
            effect: .training, choices: ["1", "0.97", "0.5"],
            apply: { text, s throws(CommandError) in s.decay = try parseNumber(text, "decay", in: SettingRanges.decay) },
            value: { formatPlain($0.decay) }),
        SettingSpec(
            name: "decay-every", range: "0…100000000", doc: "iterations between learning-rate decays (0: never)",
            effect: .training, choices: ["0", "100", "1000"],
            apply: { text, s throws(CommandError) in s.decayEvery = try parseInteger(text, "decay-every", in: SettingRanges.decayEvery) },
            value: { String($0.decayEvery) }),
        SettingSpec(
            name: "dropout", range: "0…0.9", doc: "p of dropout between stacked layers while training (needs layers ≥ 2)",
            effect: .training, choices: ["0", "0.2", "0.5"],
            apply: { text, s throws(CommandError) in s.dropout = try parseNumber(text, "dropout", in: SettingRanges.dropout) },
            value: { formatPlain($0.dropout) }),
        SettingSpec(
            name: "checkpoint-every", range: "0…100000000", doc: "iterations between checkpoints during train (0: none)",
            effect: .none, choices: ["0", "500", "1000"],
            apply: { text, s throws(CommandError) in
                s.checkpointEvery = try parseInteger(text, "checkpoint-every", in: 0...100_000_000)
            },
            value: { String($0.checkpointEvery) }),
        SettingSpec(
            name: "checkpoint-file", range: "a path", doc: "where train writes checkpoints (atomically)",
            effect: .none, choices: ["checkpoint.safetensors"],
            apply: { text, s throws(CommandError) in
                guard !text.isEmpty, !text.hasSuffix("/") else {
                    throw CommandError("checkpoint-file must be a file path, not '\(shown(text))'")
                }
                s.checkpointFile = expandingHome(text)
            },
            value: { $0.checkpointFile }),
        SettingSpec(
            name: "memory-budget", range: "1MB…1000TB, auto",
            doc: "the most memory training may need (auto: half of the physical memory)", effect: .none,
            choices: ["auto", "2GB", "8GB"],
            apply: { text, s throws(CommandError) in s.memoryBudget = try parseMemoryBudget(text) },
            value: { $0.memoryBudget.map(MemoryBudget.format) ?? "auto" }),
    ]

    /// The setting called `name`, or an error suggesting the nearest names.
    static func named(_ name: String) throws(CommandError) -> SettingSpec {
        if let spec = all.first(where: { $0.name == name }) { return spec }
        let near = nearest(name, among: all.map(\.name))
        throw CommandError { $0(.unknownSetting, shown(name), $0.didYouMean(near)) }
    }
}

/// One of an enumeration's raw values.
func choice<E: RawRepresentable & CaseIterable>(_ text: String, _ what: String, _ type: E.Type) throws(CommandError) -> E
where E.RawValue == String {
    if let value = E(rawValue: text.lowercased()) { return value }
    let names = E.allCases.map(\.rawValue)
    throw CommandError("\(what) must be one of \(names.joined(separator: ", ")), not '\(shown(text))'")
}

/// The most iterations `set sample-at` may list (each prints a sample during training).
let maximumIterationListCount = 100

/// `100,300,500` (sorted, repeats dropped), or `none`/`off`/`0` for no iterations.
func parseIterationList(_ text: String, _ what: String) throws(CommandError) -> [Int] {
    let lower = text.lowercased()
    if lower == "none" || lower == "off" || lower == "0" { return [] }
    // Counted before anything is split or kept: a checkpoint's setting may list millions.
    guard lower.utf8.count(where: { $0 == UInt8(ascii: ",") }) < maximumIterationListCount else {
        throw CommandError("\(what) lists at most \(maximumIterationListCount) iterations")
    }
    var result: [Int] = []
    for part in lower.split(separator: ",", omittingEmptySubsequences: false) {
        let word = part.trimmingCharacters(in: .whitespaces)
        guard let value = Int(word), (1...100_000_000).contains(value) else {
            throw CommandError(
                "\(what) must list iterations from 1 to 100000000 separated by commas (100,300,500), or none; not '\(shown(text))'"
            )
        }
        result.append(value)
    }
    return Array(Set(result)).sorted()
}

/// `5` (by value), `value:5`, `norm:5`, `none` or `off`.
func parseClipping(_ text: String) throws(CommandError) -> Clipping {
    let lower = text.lowercased()
    if lower == "none" || lower == "off" { return .none }
    let range = SettingRanges.clipping
    if lower.hasPrefix("norm:") {
        return .norm(Float(try parseNumber(String(lower.dropFirst(5)), "the clipping norm", in: range)))
    }
    let number = lower.hasPrefix("value:") ? String(lower.dropFirst(6)) : lower
    guard Double(number) != nil else {
        throw CommandError("clip must be a number (by value), norm:C, or none, not '\(shown(text))'")
    }
    return .value(Float(try parseNumber(number, "clip", in: range)))
}

/// `auto`, or bytes with an optional unit (`8GB`, `500MB`) from 1 MB to 1000 TB.
func parseMemoryBudget(_ text: String) throws(CommandError) -> Double? {
    if text.lowercased() == "auto" { return nil }
    guard let bytes = MemoryBudget.parse(text), (1e6...1e15).contains(bytes) else {
        throw CommandError("memory-budget must be auto or a size from 1MB to 1000TB (8GB, 500MB), not '\(shown(text))'")
    }
    return bytes
}

/// How `show settings` and checkpoints write a clipping.
func clippingText(_ clipping: Clipping) -> String {
    switch clipping {
    case .none: return "none"
    case .value(let c): return formatPlain(Double(c))
    case .norm(let c): return "norm:" + formatPlain(Double(c))
    }
}
