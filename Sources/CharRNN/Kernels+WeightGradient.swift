// The weight-gradient product C (M, N) += Aᵀ · B, A stored (K, M), B (K, N): a sum of K outer
// products, K = T·B rows (every step of every stream). The backward pass's largest products:
//   dW_hh += Σ_t da_tᵀ h_{t-1}   (M = G·H, N = H, K = T·B)      dW_hy += Σ_t dy_tᵀ h_t   (M = V)
// and, read on the way, the bias gradient db += Σ_t da_t (`sums`).
//
// Same micro-kernels and the same order of summation as `multiplyAddRows` (k in blocks of
// `kBlock`, each block summed in registers then added to C; the row tiles of `forEachRowTile`),
// so the same bits — only the memory traffic differs:
// - A, whose columns the tiles read (element (m, k) at A[k·M + m]: 8 floats from each of kc rows,
//   4 KB apart for the LSTM's G·H = 1024), is read in place once, by the first panel's tile, which
//   copies it into a contiguous (kc, 8) strip that stays in L1 for every other panel;
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
            // Rows of C in chunks of whole 8-row tiles: the tiles are those of the serial kernel.
            let parallel = M * N * K >= parallelThreshold && M >= 16
            let rowsPerChunk = parallel ? ((M + parallelChunks - 1) / parallelChunks + 7) & ~7 : M
            Kernels.parallel((M + rowsPerChunk - 1) / rowsPerChunk) { chunk in
                let m0 = chunk * rowsPerChunk, m1 = min(M, m0 + rowsPerChunk)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: kBlock * 8) { strip in
                    multiplyAddTransposedARows(m0, m1, M, N, K, A, P, C, sums, strip: strip.baseAddress!, shape: shape)
                }
            }
        }
    }

    /// Rows m0 ..< m1 of `multiplyAddTransposedA` (m0 a multiple of 8), B packed. For each block
    /// of k, each row tile (`forEachRowTile`): A's strip of r rows is copied into `strip` (kc, r)
    /// (and added into `sums`) — with the wide shape by the first panel's 8-row tile as it reads A
    /// in place, its loads overlapping the arithmetic —, then every panel reads the copy from L1.
    static func multiplyAddTransposedARows(
        _ m0: Int, _ m1: Int, _ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, _ P: UnsafePointer<Float>,
        _ C: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>?, strip: UnsafeMutablePointer<Float>,
        shape: TileShape
    ) {
        var k0 = 0
        while k0 < K {
            let kc = min(kBlock, K - k0)
            let Ak = A + k0 * M
            forEachRowTile(m0, m1, M, shape) { m, r in  // the serial kernel's tiles
                var n = 0
                if r == 8 && N >= 2 * width {  // the first panel, copying A's strip as it goes
                    tile8x32(kc, Ak + m, 1, M, P + k0 * 2 * width, 2 * width, C + m * N, N, copy: strip, sums: sums.map { $0 + m })
                    n = 2 * width
                } else {
                    copyStrip(kc, r, Ak + m, M, columnsAfter: M - m - r, into: strip, sums: sums.map { $0 + m })
                }
                while n < N {
                    let w = min(2 * width, N - n)
                    let b = P + n * K + k0 * w  // row k0 of this panel; its rows are w apart
                    let c = C + m * N + n
                    if w == 2 * width {
                        prefetchRows(c, r, columns: w, N)
                        copiedTile(r, shape, kc, strip, b, w, c, N, true)
                    } else {  // the last columns (fewer than 32): one row at a time
                        for i in 0..<r { rowTail(kc, strip + i, r, b, w, w, c + i * N) }
                    }
                    n += w
                }
            }
            k0 += kc
        }
    }

    /// strip[k·r + i] = a[k·M + i] for k < kc, i < r: r columns of A as a contiguous (kc, r) block;
    /// with `sums`, also sums[i] += a[k·M + i], k in order. `columnsAfter` is how many columns of A
    /// follow these r in each row (M − m − r).
    /// With 8 columns readable from here (r ≤ 8 ≤ r + columnsAfter), each k moves 8 floats at once:
    /// a row's 8 floats stored at strip[k·r] (the 8 − r past the tile are overwritten by the next k,
    /// or left past the strip's kc·r; `strip` holds kBlock·8 floats) and added into 8 lanes of
    /// sums, of which the first r are kept — in every lane the same additions in the same order as
    /// one at a time, so the same bits.
    static func copyStrip(
        _ kc: Int, _ r: Int, _ a: UnsafePointer<Float>, _ M: Int, columnsAfter: Int,
        into strip: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>?
    ) {
        typealias Eight = SIMD8<Float>
        if r + columnsAfter >= 8 && r <= 8 {
            let from = UnsafeRawPointer(a), to = UnsafeMutableRawPointer(strip)
            let rowBytes = M &* MemoryLayout<Float>.stride, tileBytes = r &* MemoryLayout<Float>.stride
            if let sums {
                var total = Eight()
                for i in 0..<r { total[i] = sums[i] }
                for k in 0..<kc {
                    let row = from.loadUnaligned(fromByteOffset: k &* rowBytes, as: Eight.self)
                    to.storeBytes(of: row, toByteOffset: k &* tileBytes, as: Eight.self)
                    total += row
                }
                for i in 0..<r { sums[i] = total[i] }
            } else {
                for k in 0..<kc {
                    let row = from.loadUnaligned(fromByteOffset: k &* rowBytes, as: Eight.self)
                    to.storeBytes(of: row, toByteOffset: k &* tileBytes, as: Eight.self)
                }
            }
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
