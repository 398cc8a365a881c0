// SettingRanges — the one table of what each hyper-parameter may be.
//
// The shell's `set` checks a value against these ranges, and a checkpoint's metadata is checked
// against the very same ones when it is read: a file cannot hand the trainer a batch, a sequence
// length or a learning rate that the learner could not have typed.

/// The allowed range of every hyper-parameter and training counter, shared by the shell's settings
/// and checkpoint reading.
public enum SettingRanges {
    /// lr: the step size of every update.
    public static let learningRate: ClosedRange<Double> = 1e-6...100
    /// H, the hidden size.
    public static let hiddenSize: ClosedRange<Int> = 1...1024
    /// T, the steps of truncated backpropagation per iteration.
    public static let sequenceLength: ClosedRange<Int> = 1...1000
    /// B, the number of parallel streams.
    public static let batchSize: ClosedRange<Int> = 1...256
    /// Stacked recurrent layers.
    public static let layers: ClosedRange<Int> = 1...3
    /// The learning-rate decay factor.
    public static let decay: ClosedRange<Double> = 0.001...1
    /// Iterations between learning-rate decays (0: never).
    public static let decayEvery: ClosedRange<Int> = 0...100_000_000
    /// p of dropout between stacked layers.
    public static let dropout: ClosedRange<Double> = 0...0.9
    /// C of clipping, by value or by norm.
    public static let clipping: ClosedRange<Double> = 1e-6...1e6
    /// The sampling temperature.
    public static let temperature: ClosedRange<Double> = 0...10
    /// Sampling among the k most likely characters (0: all).
    public static let topK: ClosedRange<Int> = 0...10_000
    /// Training counters (iteration, optimizer step, epochs, cursor position): 0 to 2^40, far more
    /// than any run reaches, and far enough from Int.max that `counter + T + 1` can never overflow.
    public static let counter: ClosedRange<Int> = 0...(1 << 40)
    /// V, the vocabulary size a checkpoint may have (every Unicode scalar, with room for clusters).
    public static let vocabularySize: ClosedRange<Int> = 1...2_000_000
}
