// The GRU cell, for reading: one time step forward, and directly below it the same step
// backward, each equation in a comment right above the line that computes it. Gate order r, z, n,
// as PyTorch's nn.GRU stores them: rows 0..<H of W_ih, W_hh, b_ih, b_hh are the reset gate r,
// H..<2H the update gate z, 2H..<3H the candidate n. The two biases stay apart because b_hn sits
// inside r ⊙ (W_hn h_{t-1} + b_hn).
//
// Legend: H hidden, In the input size (V for layer 0, H above). Shapes in parentheses.
// The `// code:` lines mark what the shell's `code` command shows.

import Foundation

/// The GRU: h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.
enum ReferenceGRU {
    /// What step t keeps for its backward pass.
    struct Step: Equatable {
        /// x_t (In).
        var x: [Float]
        /// h_{t-1} (H).
        var hPrev: [Float]
        /// W_hh h_{t-1} + b_hh, the recurrent side of every gate (3H): its n block is needed again.
        var hiddenSide: [Float]
        /// The gates r, z = σ(·) and the candidate n = tanh(·) (H each).
        var r: [Float], z: [Float], n: [Float]
        /// h_t (H).
        var h: [Float]
    }

    /// One time step: reads x_t and h_{t-1}, gives h_t.
    static func forward(_ layer: ReferenceLayer, x: [Float], hPrev: [Float]) -> Step {
        let (Wih, Whh, bih, bhh, H) = (layer.Wxh, layer.Whh, layer.bih, layer.bhh, hPrev.count)
        // code: gru.forward
        // ax = W_ih x_t + b_ih                    input side          (3H)
        let ax = add(matmul(Wih, x), bih)
        // ah = W_hh h_{t-1} + b_hh                recurrent side      (3H)
        let ah = add(matmul(Whh, hPrev), bhh)
        // r = σ(ax_r + ah_r)                      reset gate          (H)
        let r = sigmoid(add(block(ax, 0, H), block(ah, 0, H)))
        // z = σ(ax_z + ah_z)                      update gate         (H)
        let z = sigmoid(add(block(ax, 1, H), block(ah, 1, H)))
        // n = tanh(ax_n + r ⊙ ah_n)               candidate           (H)
        let n = elementwise(H) { j in tanhf(ax[2 * H + j] + r[j] * ah[2 * H + j]) }
        // h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}                             (H)
        let h = elementwise(H) { j in (1 - z[j]) * n[j] + z[j] * hPrev[j] }
        // code: end
        return Step(x: x, hPrev: hPrev, hiddenSide: ah, r: r, z: z, n: n, h: h)
    }

    /// The same step backward: given dh_t (from the output or the layer above, plus dh_next), adds
    /// this step's share to `d` and returns dx_t (for the layer below) and dh_next (for step t − 1).
    static func backward(
        _ layer: ReferenceLayer, _ step: Step, dh: [Float], into d: inout ReferenceLayer
    ) -> (dx: [Float], dhNext: [Float]) {
        let (Wih, Whh, H) = (layer.Wxh, layer.Whh, dh.count)
        let (r, z, n, hPrev, ahn) = (step.r, step.z, step.n, step.hPrev, block(step.hiddenSide, 2, H))
        // code: gru.backward
        // dn = dh_t ⊙ (1 − z)                                         (H)
        let dn = elementwise(H) { j in dh[j] * (1 - z[j]) }
        // dz = dh_t ⊙ (h_{t-1} − n)                                   (H)
        let dz = elementwise(H) { j in dh[j] * (hPrev[j] - n[j]) }
        // da_n = dn ⊙ (1 − n²)                    back through tanh   (H)
        let dan = elementwise(H) { j in dn[j] * (1 - n[j] * n[j]) }
        // dr = da_n ⊙ ah_n                                            (H)
        let dr = elementwise(H) { j in dan[j] * ahn[j] }
        // da_r = dr ⊙ r (1 − r),  da_z = dz ⊙ z (1 − z)               (H each)
        let dar = elementwise(H) { j in dr[j] * r[j] * (1 - r[j]) }
        let daz = elementwise(H) { j in dz[j] * z[j] * (1 - z[j]) }
        // dax = [da_r da_z da_n]                  input side          (3H)
        let dax = dar + daz + dan
        // dah = [da_r da_z da_n ⊙ r]              recurrent side      (3H)
        let dah = dar + daz + elementwise(H) { j in dan[j] * r[j] }
        // dW_ih += dax x_tᵀ,  db_ih += dax                            (3H, In), (3H)
        addOuterProduct(&d.Wxh, dax, step.x)
        accumulate(&d.bih, dax)
        // dW_hh += dah h_{t-1}ᵀ,  db_hh += dah                        (3H, H), (3H)
        addOuterProduct(&d.Whh, dah, hPrev)
        accumulate(&d.bhh, dah)
        // dx_t = W_ihᵀ dax                        to the layer below  (In)
        let dx = matmulTransposed(Wih, dax)
        // dh_next = W_hhᵀ dah + dh_t ⊙ z          to step t − 1       (H)
        let dhNext = add(matmulTransposed(Whh, dah), elementwise(H) { j in dh[j] * z[j] })
        // code: end
        return (dx, dhNext)
    }
}
