// The vanilla RNN cell, for reading: one time step forward, and directly below it the same step
// backward. Each equation of the lecture sits in a comment right above the line that computes it.
// ReferenceNetwork.swift runs the cell over layers, steps and streams; the fast engine
// (Model+Forward.swift, Model+Backward.swift) must give the same numbers
// (Tests/CharRNNTests/ReferenceModelTests.swift).
//
// Legend: H hidden, In the input size (V for layer 0, H above). Shapes in parentheses.
// The `// code:` lines mark what the shell's `code` command shows.

import Foundation

/// The vanilla RNN: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h).
enum ReferenceRNN {
    /// What step t keeps for its backward pass.
    struct Step: Equatable {
        /// x_t (In).
        var x: [Float]
        /// h_{t-1} (H).
        var hPrev: [Float]
        /// h_t (H).
        var h: [Float]
    }

    /// One time step: reads x_t and h_{t-1}, gives h_t.
    static func forward(_ layer: ReferenceLayer, x: [Float], hPrev: [Float]) -> Step {
        let (Wxh, Whh, bh) = (layer.Wxh, layer.Whh, layer.bh)  // (H, In), (H, H), (H)
        // code: rnn.forward
        // a_t = W_xh x_t + W_hh h_{t-1} + b_h                      (H)
        let a = add(matmul(Wxh, x), matmul(Whh, hPrev), bh)
        // h_t = tanh(a_t)                                          (H)
        let h = tanh(a)
        // code: end
        return Step(x: x, hPrev: hPrev, h: h)
    }

    /// The same step backward: given dh_t, the whole gradient reaching h_t (from the output or the
    /// layer above, plus dh_next from step t + 1), adds this step's share to the gradients `d` and
    /// returns dx_t (for the layer below) and dh_next (for step t − 1).
    static func backward(
        _ layer: ReferenceLayer, _ step: Step, dh: [Float], into d: inout ReferenceLayer
    ) -> (dx: [Float], dhNext: [Float]) {
        let (Wxh, Whh, h, H) = (layer.Wxh, layer.Whh, step.h, dh.count)
        // code: rnn.backward
        // dh_raw = (1 − h_t²) ⊙ dh_t          back through tanh   (H)
        let dhRaw = elementwise(H) { j in (1 - h[j] * h[j]) * dh[j] }
        // dW_xh += dh_raw x_tᵀ                                     (H, In)
        addOuterProduct(&d.Wxh, dhRaw, step.x)
        // dW_hh += dh_raw h_{t-1}ᵀ                                 (H, H)
        addOuterProduct(&d.Whh, dhRaw, step.hPrev)
        // db_h += dh_raw                                           (H)
        accumulate(&d.bh, dhRaw)
        // dx_t = W_xhᵀ dh_raw                 to the layer below  (In)
        let dx = matmulTransposed(Wxh, dhRaw)
        // dh_next = W_hhᵀ dh_raw              to step t − 1       (H)
        let dhNext = matmulTransposed(Whh, dhRaw)
        // code: end
        return (dx, dhNext)
    }
}
