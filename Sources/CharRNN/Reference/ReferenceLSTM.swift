// The LSTM cell, for reading: one time step forward, and directly below it the same step
// backward, each equation in a comment right above the line that computes it. Gate order i, f,
// g, o, as PyTorch's nn.LSTM stores them: rows 0..<H of W_ih, W_hh, b_ih, b_hh are the input
// gate i, H..<2H the forget gate f, 2H..<3H the candidate g, 3H..<4H the output gate o.
//
// Legend: H hidden, In the input size (V for layer 0, H above). Shapes in parentheses.
// The `// code:` lines mark what the shell's `code` command shows.

import Foundation

/// The LSTM: c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
enum ReferenceLSTM {
    /// What step t keeps for its backward pass.
    struct Step: Equatable {
        /// x_t (In).
        var x: [Float]
        /// h_{t-1} and c_{t-1} (H each).
        var hPrev: [Float], cPrev: [Float]
        /// The gates i, f, o = σ(·) and the candidate g = tanh(·) (H each).
        var i: [Float], f: [Float], g: [Float], o: [Float]
        /// c_t and h_t (H each).
        var c: [Float], h: [Float]
    }

    /// One time step: reads x_t, h_{t-1} and c_{t-1}, gives h_t and c_t.
    static func forward(_ layer: ReferenceLayer, x: [Float], hPrev: [Float], cPrev: [Float]) -> Step {
        let (Wih, Whh, bih, bhh, H) = (layer.Wxh, layer.Whh, layer.bih, layer.bhh, hPrev.count)
        // code: lstm.forward
        // a = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh    [a_i a_f a_g a_o] (4H)
        let a = add(matmul(Wih, x), bih, matmul(Whh, hPrev), bhh)
        // i = σ(a_i)                              input gate          (H)
        let i = sigmoid(block(a, 0, H))
        // f = σ(a_f)                              forget gate         (H)
        let f = sigmoid(block(a, 1, H))
        // g = tanh(a_g)                           candidate           (H)
        let g = tanh(block(a, 2, H))
        // o = σ(a_o)                              output gate         (H)
        let o = sigmoid(block(a, 3, H))
        // c_t = f ⊙ c_{t-1} + i ⊙ g               the cell path       (H)
        let c = elementwise(H) { j in f[j] * cPrev[j] + i[j] * g[j] }
        // h_t = o ⊙ tanh(c_t)                                         (H)
        let h = elementwise(H) { j in o[j] * tanhf(c[j]) }
        // code: end
        return Step(x: x, hPrev: hPrev, cPrev: cPrev, i: i, f: f, g: g, o: o, c: c, h: h)
    }

    /// The same step backward: given dh_t (from the output or the layer above, plus dh_next) and
    /// dc_next (the gradient step t + 1 passed back to c_t), adds this step's share to `d` and
    /// returns dx_t, dh_next and dc_next for step t − 1.
    static func backward(
        _ layer: ReferenceLayer, _ step: Step, dh: [Float], dcNext: [Float], into d: inout ReferenceLayer
    ) -> (dx: [Float], dhNext: [Float], dcNext: [Float]) {
        let (Wih, Whh, H) = (layer.Wxh, layer.Whh, dh.count)
        let (i, f, g, o, c, cPrev) = (step.i, step.f, step.g, step.o, step.c, step.cPrev)
        // code: lstm.backward
        // tanh c_t                                                    (H)
        let tc = tanh(c)
        // dc_t = dh_t ⊙ o ⊙ (1 − tanh² c_t) + dc_next                 (H)
        let dc = elementwise(H) { j in dh[j] * o[j] * (1 - tc[j] * tc[j]) + dcNext[j] }
        // da_i = dc_t ⊙ g ⊙ i (1 − i)                                 (H)
        let dai = elementwise(H) { j in dc[j] * g[j] * i[j] * (1 - i[j]) }
        // da_f = dc_t ⊙ c_{t-1} ⊙ f (1 − f)                           (H)
        let daf = elementwise(H) { j in dc[j] * cPrev[j] * f[j] * (1 - f[j]) }
        // da_g = dc_t ⊙ i ⊙ (1 − g²)                                  (H)
        let dag = elementwise(H) { j in dc[j] * i[j] * (1 - g[j] * g[j]) }
        // da_o = dh_t ⊙ tanh c_t ⊙ o (1 − o)                          (H)
        let dao = elementwise(H) { j in dh[j] * tc[j] * o[j] * (1 - o[j]) }
        // da = [da_i da_f da_g da_o]                                  (4H)
        let da = dai + daf + dag + dao
        // dW_ih += da x_tᵀ,  dW_hh += da h_{t-1}ᵀ                     (4H, In), (4H, H)
        addOuterProduct(&d.Wxh, da, step.x)
        addOuterProduct(&d.Whh, da, step.hPrev)
        // db_ih += da,  db_hh += da                                   (4H)
        accumulate(&d.bih, da)
        accumulate(&d.bhh, da)
        // dx_t = W_ihᵀ da                         to the layer below  (In)
        let dx = matmulTransposed(Wih, da)
        // dh_next = W_hhᵀ da                      to step t − 1       (H)
        let dhNext = matmulTransposed(Whh, da)
        // dc_next = dc_t ⊙ f                      to step t − 1       (H)
        let dcPrev = elementwise(H) { j in dc[j] * f[j] }
        // code: end
        return (dx, dhNext, dcPrev)
    }
}
