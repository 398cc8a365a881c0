// The numeric kernels of the engine: three matrix products and the one-hot gather.
//
// Legend: matrices are row-major `Float`; M, N, K are the sizes of C (M, N) and of the summed
// dimension K. Every kernel has a plain twin in `Kernels+Reference.swift`, the tests' reference.
// Pointers, not arrays, so the time loop allocates nothing and checks no bounds.

/// The engine's fast kernels.
public enum Kernels {
    /// The SIMD width used by the kernels (16 floats: 512 bits).
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Σ_i a[i]·b[i] over `count` floats.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = Vector(), s1 = Vector()
        var i = 0
        while i + 2 * width <= count {
            s0 += load(a + i) * load(b + i)  // `a += b * c`: vectorises without FMA (no addProduct)
            s1 += load(a + i + width) * load(b + i + width)
            i += 2 * width
        }
        if i + width <= count {
            s0 += load(a + i) * load(b + i)
            i += width
        }
        var sum = (s0 + s1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y[i] += alpha · x[i] over `count` floats.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        let a = Vector(repeating: alpha)
        var i = 0
        while i + width <= count {
            store(load(y + i) + a * load(x + i), y + i)
            i += width
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// C (M, N) += A (M, K) · Bᵀ with B stored as (N, K): each entry is a dot product of two rows.
    /// The forward products: a_t += h_{t-1} · W_hhᵀ, y = h · W_hyᵀ.
    public static func multiplyAddTransposedB(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        // Four rows of A at a time share each load of a row of B.
        var m = 0
        while m + 4 <= M {
            let a0 = A + m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K
            for n in 0..<N {
                let b = B + n * K
                var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
                var k = 0
                while k + width <= K {
                    let bv = load(b + k)
                    s0 += load(a0 + k) * bv
                    s1 += load(a1 + k) * bv
                    s2 += load(a2 + k) * bv
                    s3 += load(a3 + k) * bv
                    k += width
                }
                var r0 = s0.sum(), r1 = s1.sum(), r2 = s2.sum(), r3 = s3.sum()
                while k < K {
                    r0 += a0[k] * b[k]
                    r1 += a1[k] * b[k]
                    r2 += a2[k] * b[k]
                    r3 += a3[k] * b[k]
                    k += 1
                }
                C[m * N + n] += r0
                C[(m + 1) * N + n] += r1
                C[(m + 2) * N + n] += r2
                C[(m + 3) * N + n] += r3
            }
            m += 4
        }
        while m < M {
            for n in 0..<N { C[m * N + n] += dot(A + m * K, B + n * K, K) }
            m += 1
        }
    }

    /// C (M, N) += A (M, K) · B (K, N): rows of C accumulate scaled rows of B.
    /// The backward products: dh_{t-1} += da_t · W_hh, dh += dy · W_hy.
    public static func multiplyAdd(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        for m in 0..<M {
            let c = C + m * N
            for k in 0..<K {
                let alpha = A[m * K + k]
                if alpha != 0 { axpy(alpha, B + k * N, c, N) }
            }
        }
    }

    /// C (M, N) += Aᵀ · B with A stored as (K, M) and B as (K, N): a sum of K outer products.
    /// The weight gradients: dW_hh += da_tᵀ · h_{t-1}, dW_hy += dyᵀ · h.
    public static func multiplyAddTransposedA(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        for k in 0..<K {
            let b = B + k * N
            for m in 0..<M {
                let alpha = A[k * M + m]
                if alpha != 0 { axpy(alpha, b, C + m * N, N) }
            }
        }
    }

    /// C (M, N) += columns of W (N, V) picked by a one-hot input: C[m, :] += W[:, index[m]].
    /// This is W_xh · x_t when x_t is one-hot — a gather, never a matrix product.
    public static func addColumns(
        _ M: Int, _ N: Int, _ V: Int, _ index: UnsafePointer<Int>,
        _ W: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        for m in 0..<M {
            let column = index[m]
            let c = C + m * N
            for n in 0..<N { c[n] += W[n * V + column] }
        }
    }

    /// dW (N, V): column index[m] += row m of D (M, N). The gradient of the one-hot gather.
    public static func scatterAddColumns(
        _ M: Int, _ N: Int, _ V: Int, _ index: UnsafePointer<Int>,
        _ D: UnsafePointer<Float>, _ dW: UnsafeMutablePointer<Float>
    ) {
        for m in 0..<M {
            let column = index[m]
            let d = D + m * N
            for n in 0..<N { dW[n * V + column] += d[n] }
        }
    }

    /// out[n] += Σ_m D[m, n]: a bias gradient summed over the rows (streams, steps).
    public static func addRowSums(_ M: Int, _ N: Int, _ D: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        for m in 0..<M { axpy(1, D + m * N, out, N) }
    }
}
