// Named settings the lessons and `charrnn train --preset` share: one place, so a lesson's numbers
// and the command line's are the same.

/// A named set of model and training settings.
public struct Preset: Sendable, Equatable {
    /// The name (`hello`, `min-char-rnn`, `shakespeare`, `c`, `latex`).
    public var name: String
    /// One line on what it is for.
    public var summary: String
    /// The cell.
    public var cell: CellKind
    /// H, the hidden size.
    public var hiddenSize: Int
    /// L, the layers.
    public var layers: Int
    /// How weights are drawn.
    public var initialization: Initialization
    /// Optimizer, rate, clipping, B and T.
    public var training: TrainingConfiguration
    /// The vocabulary order for texts.
    public var order: Vocabulary.Order

    /// Every preset.
    public static let all: [Preset] = [
        Preset(
            name: "hello", summary: "the lecture's example: 'hello', H = 3, Adagrad 0.1, the whole word as one chunk",
            cell: .rnn, hiddenSize: 3, layers: 1, initialization: .gaussian,
            training: TrainingConfiguration(
                learningRate: 0.1, optimizer: .adagrad, clipping: .value(5), batchSize: 1, sequenceLength: 4),
            order: .firstAppearance),
        Preset(
            name: "min-char-rnn", summary: "min-char-rnn exactly: RNN H = 100, T = 25, Adagrad 0.1, clip ±5",
            cell: .rnn, hiddenSize: 100, layers: 1, initialization: .gaussian,
            training: TrainingConfiguration(
                learningRate: 0.1, optimizer: .adagrad, clipping: .value(5), batchSize: 1, sequenceLength: 25),
            order: .sorted),
        Preset(
            // Tuned for validation loss in 60 s on 2 cores (release build, seeds 42 and 7): 1.686 and
            // 1.672 nats/char on the held-out tenth; Adam 2e-3 with 32 × 64 reached 1.81.
            name: "shakespeare", summary: "Shakespeare in a minute: LSTM 256 × 1, Adam 6e-3, batch 16 × 128",
            cell: .lstm, hiddenSize: 256, layers: 1, initialization: .pytorch,
            training: TrainingConfiguration(
                learningRate: 6e-3, optimizer: .adam, clipping: .value(5), batchSize: 16, sequenceLength: 128),
            order: .sorted),
        Preset(
            name: "c", summary: "C code: LSTM 256 × 1, Adam 2e-3, batch 32 × 64",
            cell: .lstm, hiddenSize: 256, layers: 1, initialization: .pytorch,
            training: TrainingConfiguration(
                learningRate: 2e-3, optimizer: .adam, clipping: .value(5), batchSize: 32, sequenceLength: 64),
            order: .sorted),
        Preset(
            name: "latex", summary: "LaTeX: LSTM 256 × 1, Adam 2e-3, batch 32 × 64",
            cell: .lstm, hiddenSize: 256, layers: 1, initialization: .pytorch,
            training: TrainingConfiguration(
                learningRate: 2e-3, optimizer: .adam, clipping: .value(5), batchSize: 32, sequenceLength: 64),
            order: .sorted),
    ]

    /// The preset with the given name.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }
}
