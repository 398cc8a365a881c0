import CharRNN
import Foundation
import Synchronization

/// What the divergence guard remembers across runs, so that its advice moves on: the learning rates
/// that blew up, per model (the text and the model's cell and sizes). Shared with the background
/// job's thread, hence the lock.
final class GuardMemory: Sendable {
    private let failed = Mutex<[String: [Double]]>([:])
    /// The latest checkpoint written in this session of each model whose loss was usable.
    private let goodCheckpoints = Mutex<[String: (path: String, iteration: Int, loss: Double)]>([:])

    /// Remembers a checkpoint just written of the model `key` (`save`, `checkpoint-every`), when its
    /// loss is usable (below 1.5 × ln V, where the guard calls weights broken).
    func checkpointWritten(path: String, iteration: Int, loss: Double?, vocabularySize: Int, key: String) {
        guard let loss, loss.isFinite, loss <= 1.5 * log(Double(max(vocabularySize, 2))) else { return }
        goodCheckpoints.withLock { $0[key] = (path, iteration, loss) }
    }

    /// What to type to start again from a usable model: the session's last good checkpoint of this
    /// model, if there is one, or `model new`.
    func startingAgain(key: String) -> String {
        guard let good = goodCheckpoints.withLock({ $0[key] }) else { return "`model new`" }
        return "`load \(good.path)` (your checkpoint at iteration \(good.iteration), loss "
            + "\(String(format: "%.3f", good.loss))) or `model new`"
    }

    /// The key of a model: the text it trains on and its cell and sizes (`shakespeare rnn 100×1`).
    static func key(corpus: String, shape: ModelShape) -> String {
        "\(corpus) \(shape.cell.rawValue) \(shape.hiddenSize)×\(shape.layers)"
    }

    /// The rates that blew up for the model `key`, in the order they did.
    func failedRates(for key: String) -> [Double] { failed.withLock { $0[key] ?? [] } }

    /// The guard's message for `stop` as the shell says it, advising below every rate that failed
    /// for this model before (and offering ``startingAgain(key:)`` when the restored weights are broken);
    /// then remembers this rate.
    func explain(_ stop: TrainingStop, key: String) -> String {
        let earlier = failedRates(for: key)
        failed.withLock { $0[key, default: []].append(stop.learningRate) }
        if case .nonFinite(let error) = stop, earlier.isEmpty { return "guard: \(error.description)" }
        return stop.explanation(
            settingLearningRate: { "set lr \($0)" }, turningClippingOn: "set clip 5", failedRates: earlier,
            startingAgain: startingAgain(key: key))
    }
}

extension Session {
    /// The key of the current model in ``GuardMemory``.
    var guardKey: String { GuardMemory.key(corpus: workspace.corpus.name, shape: workspace.trainer.model.shape) }

    /// The guard's message for `stop` in this session (see ``GuardMemory/explain(_:key:)``).
    func guardMessage(_ stop: TrainingStop) -> String { training.guardMemory.explain(stop, key: guardKey) }

    /// Tells the guard's memory about a checkpoint of the current model just written to `path`.
    func checkpointWritten(path: String, trainer: Trainer) {
        workspace.keptIteration = trainer.iteration  // what `quit` asks about starts after it
        training.guardMemory.checkpointWritten(
            path: path, iteration: trainer.iteration, loss: currentHistory.last { $0.iteration <= trainer.iteration }?.loss,
            vocabularySize: trainer.model.shape.vocabularySize, key: guardKey)
    }
}
