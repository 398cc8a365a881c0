// Settings say where they come from: `corpus`, `preset` and `model new` say in one line which
// settings they keep and which they change.

import CharRNN

extension Settings {
    /// The settings always named among those kept (when they are): the ones a learner sets most.
    static let provenanceKept = ["cell", "hidden", "layers", "lr", "optimizer", "clip", "seed"]

    /// `kept: cell rnn, lr 0.1, seed 42; changed by preset shakespeare: cell rnn → lstm, hidden 100 → 256`.
    /// Kept: the settings of ``provenanceKept`` that stay, and every other that stays with a value
    /// not the default (the learner's own); changed: every setting that differs. The memory budget
    /// is the machine's and is not named.
    static func provenance(from old: Settings, to new: Settings, by cause: String) -> String {
        let defaults = Settings()
        var kept: [String] = [], changed: [String] = []
        for spec in SettingSpec.all where spec.name != "memory-budget" {
            let before = spec.value(old), after = spec.value(new)
            if before != after {
                changed.append("\(spec.name) \(before) → \(after)")
            } else if provenanceKept.contains(spec.name) || after != spec.value(defaults) {
                kept.append("\(spec.name) \(after)")
            }
        }
        let keptText = "kept: " + (kept.isEmpty ? "nothing" : kept.joined(separator: ", "))
        guard !changed.isEmpty else { return keptText + "; \(cause) changes no setting" }
        return keptText + "; changed by \(cause): " + changed.joined(separator: ", ")
    }
}

// MARK: - Settings a checkpoint brings

extension Settings {
    /// Takes the model's cell and sizes (what `load` and a restored lesson workspace set).
    mutating func take(_ shape: ModelShape) {
        cell = shape.cell
        hiddenSize = shape.hiddenSize
        layers = shape.layers
    }

    /// Takes a trainer's learning rate, optimizer, clipping, batch and sequence length.
    mutating func take(_ configuration: TrainingConfiguration) {
        learningRate = configuration.learningRate
        optimizer = configuration.optimizer
        clipping = configuration.clipping
        batchSize = configuration.batchSize
        sequenceLength = configuration.sequenceLength
    }
}
