import CharRNN
import Synchronization

/// What the divergence guard remembers across runs, so that its advice moves on: the learning rates
/// that blew up, per model (the text and the model's cell and sizes). Shared with the background
/// job's thread, hence the lock.
final class GuardMemory: Sendable {
    private let failed = Mutex<[String: [Double]]>([:])

    /// The key of a model: the text it trains on and its cell and sizes (`shakespeare rnn 100×1`).
    static func key(corpus: String, shape: ModelShape) -> String {
        "\(corpus) \(shape.cell.rawValue) \(shape.hiddenSize)×\(shape.layers)"
    }

    /// The rates that blew up for the model `key`, in the order they did.
    func failedRates(for key: String) -> [Double] { failed.withLock { $0[key] ?? [] } }

    /// The guard's message for `stop` as the shell says it, advising below every rate that failed
    /// for this model before (and offering `startingAgain` when the restored weights are broken);
    /// then remembers this rate.
    func explain(_ stop: TrainingStop, key: String, startingAgain: String) -> String {
        let earlier = failedRates(for: key)
        failed.withLock { $0[key, default: []].append(stop.learningRate) }
        if case .nonFinite(let error) = stop, earlier.isEmpty { return "guard: \(error.description)" }
        return stop.explanation(
            settingLearningRate: { "set lr \($0)" }, turningClippingOn: "set clip 5", failedRates: earlier,
            startingAgain: startingAgain)
    }
}

extension Session {
    /// The key of the current model in ``GuardMemory``.
    var guardKey: String { GuardMemory.key(corpus: workspace.corpus.name, shape: workspace.trainer.model.shape) }

    /// The guard's message for `stop` in this session (see ``GuardMemory/explain(_:key:startingAgain:)``).
    func guardMessage(_ stop: TrainingStop) -> String {
        training.guardMemory.explain(stop, key: guardKey, startingAgain: "`model new`")
    }
}
