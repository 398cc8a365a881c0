import CharRNN

/// The shell's settings for the batch subcommands (`charrnn train`, `sample`, `eval`, `bench`):
/// each option's value is checked by the same definition as `set NAME VALUE` (one range, one
/// message), with the option's name in the message (`--lr must be from 1e-06 to 100, not 1e+30`).
public struct BatchSettings: Sendable {
    var settings = Settings()

    /// The shell's defaults.
    public init() {}

    /// Sets the setting `name` from `text` as `set` does; a bad value throws the setting's
    /// message with `--option` (default: `--name`) in place of the setting's name.
    public mutating func set(_ name: String, to text: String, option: String? = nil) throws(BatchOptionError) {
        let spec: SettingSpec
        do { spec = try SettingSpec.named(name) } catch { throw BatchOptionError(error.message) }
        do { try spec.apply(text, &settings) } catch {
            throw BatchOptionError(error.message, setting: name, option: option ?? name)
        }
    }

    /// `lr`.
    public var learningRate: Double { settings.learningRate }
    /// `optimizer`.
    public var optimizer: OptimizerKind { settings.optimizer }
    /// `clip`.
    public var clipping: Clipping { settings.clipping }
    /// `hidden`.
    public var hiddenSize: Int { settings.hiddenSize }
    /// `seq`.
    public var sequenceLength: Int { settings.sequenceLength }
    /// `batch`.
    public var batchSize: Int { settings.batchSize }
    /// `cell`.
    public var cell: CellKind { settings.cell }
    /// `layers`.
    public var layers: Int { settings.layers }
    /// `init`.
    public var initialization: Initialization { settings.initialization }
    /// `decay`.
    public var decay: Double { settings.decay }
    /// `decay-every`.
    public var decayEvery: Int { settings.decayEvery }
    /// `dropout`.
    public var dropout: Double { settings.dropout }
    /// `val-every`.
    public var validateEvery: Int { settings.validateEvery }
    /// `checkpoint-every`.
    public var checkpointEvery: Int { settings.checkpointEvery }
    /// `temperature`.
    public var temperature: Double { settings.temperature }
    /// `topk` (0: all characters).
    public var topK: Int { settings.topK }
    /// `memory-budget` (its default when not set: half of the physical memory).
    public var memoryBudget: MemoryBudget { settings.budget }

    /// A whole number for `--option` in `range`, with the shell's messages.
    public static func wholeNumber(_ text: String, option: String, in range: ClosedRange<Int>) throws(BatchOptionError) -> Int {
        do { return try parseInteger(text, "--" + option, in: range) } catch { throw BatchOptionError(error.message) }
    }

    /// A finite number for `--option` in `range`, with the shell's messages.
    public static func number(_ text: String, option: String, in range: ClosedRange<Double>) throws(BatchOptionError) -> Double {
        do { return try parseNumber(text, "--" + option, in: range) } catch { throw BatchOptionError(error.message) }
    }

    /// A count of iterations for `--option` (`train N` in the shell: 1 to 100000000):
    /// anything else is "--steps must be a positive whole number".
    public static func iterations(_ text: String, option: String) throws(BatchOptionError) -> Int {
        guard let value = Int(text), value >= 1 else {
            throw BatchOptionError("--\(option) must be a positive whole number, not '\(shown(text))'")
        }
        return try wholeNumber(text, option: option, in: TrainingLimits.iterations)
    }
}

/// The limits of one `train` (shell and batch alike).
public enum TrainingLimits {
    /// Iterations in one run.
    public static let iterations = 1...100_000_000
    /// A time budget in seconds.
    public static let seconds = 0.01...1_000_000.0
}

/// A batch option's value is out of its setting's range, or not a value of its kind.
public struct BatchOptionError: Error, Sendable, CustomStringConvertible {
    /// One line, naming the option.
    public let message: String

    /// `message` as it is.
    public init(_ message: String) { self.message = message }

    /// A setting's message with `--option` for the setting's name where it leads the message.
    init(_ message: String, setting: String, option: String) {
        if message.hasPrefix(setting + " ") {
            self.message = "--" + option + message.dropFirst(setting.count)
        } else {
            self.message = "--\(option): \(message)"
        }
    }

    public var description: String { message }
}
