import CharRNN

/// The step cursor: how far `step` has read the text, the forward pass over what it read, and
/// the last `backward` over it with how far `backstep` has walked. One part of the ``Session``.
struct StepCursor {
    /// t: how many characters `step` has read from the start of the text (h_0 = 0).
    var position = 0
    /// The forward pass over the first `position` characters (nil at t = 0).
    var stepCache: ForwardCache?
    /// The last `backward`.
    var backwardState: BackwardState?
}

/// What the last `backward` computed over the stepped text, and how far `backstep` has walked.
struct BackwardState {
    /// The forward pass it differentiates.
    var cache: ForwardCache
    /// The summed gradients before clipping.
    var gradients: [Tensor]
    /// The gradients after clipping.
    var clipped: [Tensor]
    /// Per tensor, the entries clipping changed.
    var changed: [[Int]]
    /// ‖g‖ before clipping.
    var norm: Double
    /// The per-step quantities.
    var trace: BackwardTrace
    /// The step `backstep` shows next (1-based); 0 when it has shown the summed gradients.
    var next: Int
}
