import CharRNN

/// What training has done and is doing: the loss of every iteration so far and the background
/// job, if one runs. One part of the ``Session``.
struct TrainingRecord {
    /// The loss of every training iteration so far.
    var history: [LossPoint] = []
    /// Training in the background, if any.
    var job: TrainingJob?
    /// The learning rates that blew up, for the guard's advice (`GuardMemory.swift`).
    var guardMemory = GuardMemory()
}

/// One point of the loss history: the training loss of an iteration and, when it was measured,
/// the validation loss (nats per character).
struct LossPoint: Sendable, Equatable {
    var iteration: Int
    var loss: Double
    var validation: Double?
}
