// The one-hot input's kernels: W_xh x_t is a column of W_xh (a gather, never a product), its
// gradient a scatter into columns; the transpose they use; the bias gradients' row sums.
// Legend as in Kernels.swift.

import Foundation

extension Kernels {
    /// C (M, N) += columns of W (N, V) picked by a one-hot input: C[m, :] += W[:, index[m]].
    /// This is W_xh · x_t when x_t is one-hot — a gather, never a matrix product. W is first
    /// transposed to Wᵀ (V, N) so that each column is a contiguous row; rows of C are split over
    /// both cores when there are many.
    public static func addColumns(
        _ M: Int, _ N: Int, _ V: Int, _ index: UnsafePointer<Int>,
        _ W: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        guard M > 0, N > 0 else { return }
        if M < 4 {  // a step or two (sampling, tiny batches): gather in place
            for m in 0..<M {
                let column = index[m]
                let c = C + m * N
                for n in 0..<N { c[n] += W[n * V + column] }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: V * N) { buffer in
            let Wt = buffer.baseAddress!  // Wᵀ: (V, N)
            transpose(N, V, W, into: Wt)
            let chunks = M * N >= 1 << 16 ? parallelChunks : 1, rowsPerChunk = (M + chunks - 1) / chunks
            parallel(chunks) { chunk in
                for m in (chunk * rowsPerChunk)..<min(M, (chunk + 1) * rowsPerChunk) {
                    axpy(1, Wt + index[m] * N, C + m * N, N)  // C[m, :] += Wᵀ[index[m], :]
                }
            }
        }
    }

    /// Aᵀ (N, M) from A (M, N): destination[n·M + m] = A[m·N + n]. The forward pass turns W_xh
    /// (G·H, V) into Wᵀ (V, G·H), whose rows are the columns a one-hot input picks.
    public static func transpose(
        _ M: Int, _ N: Int, _ A: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>
    ) {
        // Rows of the destination in order (sequential writes; A is read with a stride of N).
        for n in 0..<N { for m in 0..<M { destination[n &* M &+ m] = A[m &* N &+ n] } }
    }

    /// dW (N, V): column index[m] += row m of D (M, N), for m in order. The gradient of the
    /// one-hot gather. Accumulated in a transposed copy (V, N), where each column is a contiguous
    /// row (columns of it split over both cores when large), then written back: the same additions
    /// in the same order as the plain loop. Few rows against a large vocabulary (4·M < V: batch 1 at
    /// V = 1,500) take the plain loop itself: M·N scattered adds cost less than the two transposes' 2·V·N moves.
    public static func scatterAddColumns(
        _ M: Int, _ N: Int, _ V: Int, _ index: UnsafePointer<Int>,
        _ D: UnsafePointer<Float>, _ dW: UnsafeMutablePointer<Float>
    ) {
        guard M > 0, N > 0 else { return }
        if M < 4 || 4 * M < V {
            for m in 0..<M {
                let column = index[m]
                let d = D + m * N
                for n in 0..<N { dW[n * V + column] += d[n] }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: V * N) { buffer in
            let T = buffer.baseAddress!  // dWᵀ: (V, N)
            transpose(N, V, dW, into: T)
            let columnsPerChunk = ((N + parallelChunks - 1) / parallelChunks + width - 1) & ~(width - 1)
            let chunks = M * N >= 1 << 16 ? (N + columnsPerChunk - 1) / columnsPerChunk : 1
            let step = chunks == 1 ? N : columnsPerChunk
            parallel(chunks) { chunk in
                let n0 = chunk * step, n1 = min(N, n0 + step)
                for m in 0..<M { axpy(1, D + m * N + n0, T + index[m] * N + n0, n1 - n0) }  // dWᵀ[index[m], :] += D[m, :]
            }
            // Back, the long rows of T read in order (4 KB-strided reads or writes of N floats would
            // keep landing in one cache set).
            for v in 0..<V { for n in 0..<N { dW[n &* V &+ v] = T[v &* N &+ n] } }
        }
    }

    /// out[n] += Σ_m D[m, n]: a bias gradient summed over the rows (streams, steps), m in order;
    /// columns split over both cores when large (each column's sum is the same either way).
    public static func addRowSums(_ M: Int, _ N: Int, _ D: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let columnsPerChunk = ((N + parallelChunks - 1) / parallelChunks + width - 1) & ~(width - 1)
        let chunks = M * N >= 1 << 16 && N >= 2 * width ? (N + columnsPerChunk - 1) / columnsPerChunk : 1
        let step = chunks == 1 ? N : columnsPerChunk
        parallel(chunks) { chunk in
            let n0 = chunk * step, n1 = min(N, n0 + step)
            for m in 0..<M { axpy(1, D + m * N + n0, out + n0, n1 - n0) }
        }
    }
}
