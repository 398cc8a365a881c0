// The weight-gradient product C (M, N) += Aᵀ · B, A stored (K, M), B (K, N): a sum of K outer
// products, K = T·B rows (every step of every stream). The backward pass's largest products:
//   dW_hh += Σ_t da_tᵀ h_{t-1}   (M = G·H, N = H, K = T·B)      dW_hy += Σ_t dy_tᵀ h_t   (M = V)
// and, read on the way, the bias gradient db += Σ_t da_t (`sums`).
//
// It is `multiplyAddPanel` (Kernels+Products.swift) with A read through strides (element (m, k) at
// A[k·M + m]: rs = 1, cs = M), so the same micro-kernels, blocks and order of summation as every
// other product — the same bits as `multiplyAddRows` with those strides:
// - each block of A's rows (k in a block of `kBlock`) is copied once into tiles of r columns side by
//   side (`copyStrip`: 8 adjacent floats of each of A's rows at a time), which every panel of B
//   then reads; each panel stays in cache while every row tile of the block passes;
// - the rows of C are split over both cores (B, packed once, is shared), so each core reads only
//   its half of A — the largest operand (T·B × G·H);
// - the copy also adds A's columns into `sums`, k in order: the bias gradient at no extra
//   pass over A, the same additions in the same order as `addRowSums`.

extension Kernels {
    /// C (M, N) += Aᵀ · B with A stored as (K, M) and B as (K, N): a sum of K outer products.
    /// The weight gradients: dW_hh += da_tᵀ · h_{t-1}, dW_hy += dyᵀ · h. With `sums` (M), also
    /// sums[m] += Σ_k A[k, m] in k order (the bias gradient; `addRowSums(K, M, A, sums)`'s bits).
    public static func multiplyAddTransposedA(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>,
        sums: UnsafeMutablePointer<Float>? = nil, shape: TileShape = .host
    ) {
        guard M > 0, K > 0 else { return }
        guard N > 0 else {
            if let sums { addRowSums(K, M, A, sums) }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: K * N) { packedB in
            let P = packedB.baseAddress!
            pack(K, N, B, transposed: false, into: P)  // B's 32-column panels, shared by every row of C
            // Rows of C in chunks of whole 8-row tiles: the rows past the last multiple of 4, single
            // rows in every chunking, all fall in the last chunk, so the tiles sum as one product's.
            let parallel = M * N * K >= parallelThreshold && M >= 16
            let rowsPerChunk = parallel ? ((M + parallelChunks - 1) / parallelChunks + 7) & ~7 : M
            Kernels.parallel((M + rowsPerChunk - 1) / rowsPerChunk) { chunk in
                let m0 = chunk * rowsPerChunk, m1 = min(M, m0 + rowsPerChunk)
                // C[m0 ..< m1, :] += (columns m0 ..< m1 of A)ᵀ · B: A's element (m, k) at A[k·M + m]
                multiplyAddPanel(
                    m1 - m0, 0, N, N, K, A + m0, 1, M, P, packed: true, C + m0 * N, sums: sums.map { $0 + m0 },
                    shape: shape)
            }
        }
    }

    /// strip[k·r + i] = a[k·M + i] for k < kc, i < r: r columns of A as a contiguous (kc, r) block;
    /// with `sums`, also sums[i] += a[k·M + i], k in order. `columnsAfter` is how many columns of A
    /// follow these r in each row (M − m − r).
    /// With 8 columns readable from here (r ≤ 8 ≤ r + columnsAfter), each k moves 8 floats at once:
    /// a row's 8 floats stored at strip[k·r] (the 8 − r past the tile are overwritten by the next k;
    /// the last k stores its r alone, so nothing is written past the block) and added into 8 lanes
    /// of sums, of which the first r are kept — in every lane the same additions in the same order
    /// as one at a time, so the same bits.
    static func copyStrip(
        _ kc: Int, _ r: Int, _ a: UnsafePointer<Float>, _ M: Int, columnsAfter: Int,
        into strip: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>?
    ) {
        typealias Eight = SIMD8<Float>
        if r + columnsAfter >= 8 && r <= 8 {
            let from = UnsafeRawPointer(a), to = UnsafeMutableRawPointer(strip)
            let rowBytes = M &* MemoryLayout<Float>.stride, tileBytes = r &* MemoryLayout<Float>.stride
            var total = Eight()
            if let sums { for i in 0..<r { total[i] = sums[i] } }
            for k in 0..<(kc - 1) {
                let row = from.loadUnaligned(fromByteOffset: k &* rowBytes, as: Eight.self)
                to.storeBytes(of: row, toByteOffset: k &* tileBytes, as: Eight.self)
                total += row
            }
            let last = from.loadUnaligned(fromByteOffset: (kc - 1) &* rowBytes, as: Eight.self)
            for i in 0..<r { strip[(kc - 1) &* r &+ i] = last[i] }
            total += last
            if let sums { for i in 0..<r { sums[i] = total[i] } }
            return
        }
        for k in 0..<kc {  // the last columns of A: one at a time
            for i in 0..<r {
                strip[k &* r &+ i] = a[k &* M &+ i]
                if let sums { sums[i] += a[k &* M &+ i] }
            }
        }
    }
}
