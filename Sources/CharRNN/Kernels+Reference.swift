// The plain twins of the fast kernels: the obvious triple loops, on arrays, as the math reads.
// The tests compare each fast kernel against its twin on random shapes (odd sizes included).

import Foundation

extension Kernels {
    /// The plain reference twins of the kernels.
    public enum Reference {
        /// C (M, N) += A (M, K) · Bᵀ, B stored as (N, K).
        public static func multiplyAddTransposedB(_ M: Int, _ N: Int, _ K: Int, _ A: [Float], _ B: [Float], _ C: inout [Float]) {
            for m in 0..<M { for n in 0..<N { for k in 0..<K { C[m * N + n] += A[m * K + k] * B[n * K + k] } } }
        }
        /// C (M, N) += A (M, K) · B (K, N).
        public static func multiplyAdd(_ M: Int, _ N: Int, _ K: Int, _ A: [Float], _ B: [Float], _ C: inout [Float]) {
            for m in 0..<M { for n in 0..<N { for k in 0..<K { C[m * N + n] += A[m * K + k] * B[k * N + n] } } }
        }
        /// C (M, N) += Aᵀ · B, A stored as (K, M), B as (K, N).
        public static func multiplyAddTransposedA(_ M: Int, _ N: Int, _ K: Int, _ A: [Float], _ B: [Float], _ C: inout [Float]) {
            for m in 0..<M { for n in 0..<N { for k in 0..<K { C[m * N + n] += A[k * M + m] * B[k * N + n] } } }
        }
        /// σ(x) and tanh(x) with libm, one value at a time.
        public static func sigmoid(_ x: [Float]) -> [Float] { x.map { 1 / (1 + expf(-$0)) } }
        public static func tanh(_ x: [Float]) -> [Float] { x.map { tanhf($0) } }
        /// True when every value is finite.
        public static func allFinite(_ values: [Float]) -> Bool { values.allSatisfy(\.isFinite) }
        /// dW[:, index[m]] += D[m, :] for m in order, dW stored as (N, V).
        public static func scatterAddColumns(_ M: Int, _ N: Int, _ V: Int, _ index: [Int], _ D: [Float], _ dW: inout [Float]) {
            for m in 0..<M { for n in 0..<N { dW[n * V + index[m]] += D[m * N + n] } }
        }
        /// out[n] += Σ_m D[m, n], m in order.
        public static func addRowSums(_ M: Int, _ N: Int, _ D: [Float], _ out: inout [Float]) {
            for m in 0..<M { for n in 0..<N { out[n] += D[m * N + n] } }
        }
        /// C[m, :] += W[:, index[m]], W stored as (N, V).
        public static func addColumns(_ M: Int, _ N: Int, _ V: Int, _ index: [Int], _ W: [Float], _ C: inout [Float]) {
            for m in 0..<M { for n in 0..<N { C[m * N + n] += W[n * V + index[m]] } }
        }
    }
}
