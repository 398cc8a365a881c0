// The numeric kernels of the engine: three matrix products and the one-hot gather.
//
// Legend: matrices are row-major `Float`; M, N, K are the sizes of C (M, N) and of the summed
// dimension K. Every kernel has a plain twin in `Kernels+Reference.swift`, the tests' reference.
// Pointers, not arrays, so the time loop allocates nothing and checks no bounds.

import Foundation

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
            multiplyAccumulate(&s0, load(a + i), load(b + i))
            multiplyAccumulate(&s1, load(a + i + width), load(b + i + width))
            i += 2 * width
        }
        if i + width <= count {
            multiplyAccumulate(&s0, load(a + i), load(b + i))
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

    // MARK: - Products
    //
    // All three products are one register-blocked micro-kernel, C += A · B with B read as rows
    // (K, N): a tile of C of 8 rows × 32 columns (sixteen vectors) stays in registers while k runs,
    // each step loading two vectors of B's row k and broadcasting eight entries of A's column k:
    //   C[m, n..n+32] += A[m, k] · B[k, n..n+32]      for m in the tile's 8 rows, k = 0 ..< K
    // (sixteen independent fused multiply-adds per k hide the FMA latency; rows past a multiple of
    // 8 take a 4-row tile, then single rows).
    // A is read through strides (element (m, k) at A[m·rowStride + k·columnStride]), so A and Aᵀ
    // are the same kernel. B is first packed into 32-column panels read sequentially (`pack`);
    // Bᵀ (the forward products, B stored (N, K)) is transposed while packing — once per chunk for
    // W_hh, see `multiplyAddPacked`. Products large enough are split by
    // columns of C over both cores; small ones (the hello model, batch 1) stay on one.

    /// C (M, N) += A (M, K) · Bᵀ with B stored as (N, K): each entry is a dot product of two rows.
    /// The forward products: a_t += h_{t-1} · W_hhᵀ, y = h · W_hyᵀ.
    public static func multiplyAddTransposedB(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        if M < 4 {  // matrix × vector (sampling, batch 1): dot products on B's contiguous rows
            for m in 0..<M { multiplyVectorTransposed(N, K, A + m * K, B, C + m * N) }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: K * N) { P in
            // Each range of panels packs its own columns of Bᵀ (K, N), then multiplies them.
            split(M, N, K) { n0, n1 in
                packColumns(n0, n1, K, N, B, transposed: true, into: P.baseAddress!)
                multiplyAddPanel(M, n0, n1, N, K, A, K, 1, P.baseAddress!, packed: true, C)
            }
        }
    }

    /// C (M, N) += A (M, K) · B (K, N): rows of C accumulate scaled rows of B.
    /// The backward products: dh_{t-1} += da_t · W_hh, dh += dy · W_hy.
    public static func multiplyAdd(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        multiplyAddRows(M, N, K, A, rowStride: K, columnStride: 1, B, C)
    }

    /// C (M, N) = A (M, K) · B (K, N): `multiplyAdd` into a C whose old values are ignored (written,
    /// not read: no zeroing pass first; the same bits as `multiplyAdd` into zeros, but that the sign
    /// of a zero sum is its own). The backward products into fresh arrays: dh = dy · W_hy, dx = da · W_xh.
    public static func multiply(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        multiplyAddRows(M, N, K, A, rowStride: K, columnStride: 1, B, C, accumulate: false)
    }

    // C (M, N) += Aᵀ · B, the weight gradients: `multiplyAddTransposedA`, Kernels+WeightGradient.swift.

    /// c (N) += Bᵀ a: a (K) against each row of B (N, K), four rows at a time sharing a's loads.
    /// The sampler's matrix × vector product.
    public static func multiplyVectorTransposed(
        _ N: Int, _ K: Int, _ a: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        if N * K >= vectorParallelThreshold {  // a large layer: rows of B split over the cores
            // Chunks of whole 4-row groups, so every row is summed as in the serial kernel.
            let rowsPerChunk = (N / parallelChunks + 3) & ~3
            let chunks = (N + rowsPerChunk - 1) / rowsPerChunk
            parallel(chunks) { chunk in
                let n0 = chunk * rowsPerChunk, n1 = min(N, n0 + rowsPerChunk)
                if n0 < n1 { multiplyVectorTransposedSerial(n0, n1, K, a, B, c) }
            }
        } else {
            multiplyVectorTransposedSerial(0, N, K, a, B, c)
        }
    }

    static func multiplyVectorTransposedSerial(
        _ n0: Int, _ n1: Int, _ K: Int, _ a: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>
    ) {
        var n = n0
        while n + 4 <= n1 {
            let b0 = B + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K
            var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
            var k = 0
            while k + width <= K {
                let av = load(a + k)
                multiplyAccumulate(&s0, av, load(b0 + k))
                multiplyAccumulate(&s1, av, load(b1 + k))
                multiplyAccumulate(&s2, av, load(b2 + k))
                multiplyAccumulate(&s3, av, load(b3 + k))
                k += width
            }
            var r0 = s0.sum(), r1 = s1.sum(), r2 = s2.sum(), r3 = s3.sum()
            while k < K {
                r0 += a[k] * b0[k]
                r1 += a[k] * b1[k]
                r2 += a[k] * b2[k]
                r3 += a[k] * b3[k]
                k += 1
            }
            c[n] += r0
            c[n + 1] += r1
            c[n + 2] += r2
            c[n + 3] += r3
            n += 4
        }
        while n < n1 {
            c[n] += dot(a, B + n * K, K)
            n += 1
        }
    }

    /// Runs `body(0)`, …, `body(chunks − 1)` on both cores and returns when all are done
    /// (`WorkerPool`: a persistent helper thread, a fixed partition — the same result whichever
    /// thread runs a chunk). The chunks write disjoint parts of their output.
    @inline(__always)
    static func parallel(_ chunks: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(chunks, body)
    }

    /// How many chunks a split product is cut into: more than two, so that a late helper still
    /// takes a share and an early one is not left idle.
    static let parallelChunks = 4

    /// Multiply-adds (M·N·K) from which a product is split over both cores.
    static let parallelThreshold = 1 << 16
    /// Multiply-adds (N·K) from which a matrix × vector product is split over both cores: a
    /// matrix of 1 MB or more, which streams from L3 (below that it sits in one core's L2, and the
    /// few microseconds gained per character do not pay for a hand-off on a busy machine).
    static let vectorParallelThreshold = 1 << 18

    /// acc += a ⊙ b: a fused multiply-add where the target has FMA (`-D CHARRNN_FMA`, set with
    /// host tuning), else a multiply then an add — `addProduct` without FMA is a call per lane.
    @inline(__always)
    static func multiplyAccumulate(_ acc: inout Vector, _ a: Vector, _ b: Vector) {
        #if CHARRNN_FMA
            acc.addProduct(a, b)
        #else
            acc += a * b
        #endif
    }

    /// C (M, N) += A · B with A's element (m, k) at A[m·rowStride + k·columnStride] and B (K, N):
    /// the three products' common core. With four rows or more, B is first packed into panels
    /// (see `pack`); a row or three read B in place.
    /// `accumulate: false` writes C = A · B instead (C's old values are not read).
    static func multiplyAddRows(
        _ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
        _ B: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>, accumulate: Bool = true
    ) {
        guard M > 0, N > 0 else { return }
        guard K > 0 else {
            if !accumulate { C.update(repeating: 0, count: M * N) }  // an empty sum
            return
        }
        if M < 4 {
            split(M, N, K) { n0, n1 in
                multiplyAddPanel(M, n0, n1, N, K, A, rowStride, columnStride, B, packed: false, C, accumulate: accumulate)
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: K * N) { P in
            split(M, N, K) { n0, n1 in  // each range of panels packs its own columns, then multiplies
                packColumns(n0, n1, K, N, B, transposed: false, into: P.baseAddress!)
                multiplyAddPanel(
                    M, n0, n1, N, K, A, rowStride, columnStride, P.baseAddress!, packed: true, C, accumulate: accumulate)
            }
        }
    }

    /// C (M, N) += A · B with B already packed by `pack` (A read through strides as in
    /// `multiplyAddRows`). The recurrence packs W_hh once per chunk and multiplies it T times.
    public static func multiplyAddPacked(
        _ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
        _ P: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        guard M > 0, N > 0, K > 0 else { return }
        split(M, N, K) { n0, n1 in multiplyAddPanel(M, n0, n1, N, K, A, rowStride, columnStride, P, packed: true, C) }
    }

    /// C (M, N) = A · B with B packed: `multiplyAddPacked` into a C whose old values are ignored
    /// (see `multiply`). The recurrence's products into fresh rows: W_hh h_{t-1}, W_hhᵀ da_t.
    public static func multiplyPacked(
        _ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
        _ P: UnsafePointer<Float>, _ C: UnsafeMutablePointer<Float>
    ) {
        guard M > 0, N > 0 else { return }
        guard K > 0 else { return C.update(repeating: 0, count: M * N) }
        split(M, N, K) { n0, n1 in
            multiplyAddPanel(M, n0, n1, N, K, A, rowStride, columnStride, P, packed: true, C, accumulate: false)
        }
    }

    /// Packs B (K, N) — or, `transposed`, Bᵀ with B stored (N, K) — into column panels of 32: panel
    /// p holds columns 32p ..< 32p + 32 for every k as a contiguous (K, 32) block (the last panel
    /// is narrower), so the micro-kernel reads B sequentially. `destination` holds K·N floats.
    /// Large matrices (a megabyte or more) are packed by both cores, ranges of panels each.
    public static func pack(
        _ K: Int, _ N: Int, _ B: UnsafePointer<Float>, transposed: Bool, into destination: UnsafeMutablePointer<Float>
    ) {
        let panels = (N + 2 * width - 1) / (2 * width)
        guard K * N >= 1 << 18, panels >= 2 else {
            packColumns(0, N, K, N, B, transposed: transposed, into: destination)
            return
        }
        let columnsPerChunk = 2 * width * ((panels + parallelChunks - 1) / parallelChunks)
        parallel((N + columnsPerChunk - 1) / columnsPerChunk) { chunk in
            let n0 = chunk * columnsPerChunk
            packColumns(n0, min(N, n0 + columnsPerChunk), K, N, B, transposed: transposed, into: destination)
        }
    }

    /// The panels of columns n0 ..< n1 of `pack` (n0 a multiple of 32).
    static func packColumns(
        _ n0: Int, _ n1: Int, _ K: Int, _ N: Int, _ B: UnsafePointer<Float>, transposed: Bool,
        into destination: UnsafeMutablePointer<Float>
    ) {
        var n = n0
        while n < n1 {
            let w = min(2 * width, n1 - n)
            let panel = destination + n * K  // panels before this one hold n columns × K
            if transposed {  // panel[k, j] = B[n + j, k]: the panel written in order, from w rows of B
                let rows = B + n * K
                for k in 0..<K {
                    let out = panel + k &* w
                    for j in 0..<w { out[j] = rows[j &* K &+ k] }
                }
            } else {
                for k in 0..<K { (panel + k * w).update(from: B + k * N + n, count: w) }
            }
            n += w
        }
    }

    /// Calls `body(n0, n1)` for column ranges of C covering 0 ..< N: ranges of whole 32-column
    /// panels shared by the two cores when the product (M·N·K multiply-adds) is large enough, else
    /// one. A column's arithmetic does not depend on the range it falls in: the same result either way.
    @inline(__always)
    static func split(_ M: Int, _ N: Int, _ K: Int, _ body: (Int, Int) -> Void) {
        let panels = (N + 2 * width - 1) / (2 * width)
        if M * N * K >= parallelThreshold && panels >= 2 {
            let columnsPerChunk = 2 * width * ((panels + parallelChunks - 1) / parallelChunks)
            let chunks = (N + columnsPerChunk - 1) / columnsPerChunk
            parallel(chunks) { chunk in
                let n0 = chunk * columnsPerChunk, n1 = min(N, n0 + columnsPerChunk)
                if n0 < n1 { body(n0, n1) }
            }
        } else {
            body(0, N)
        }
    }

    /// The block of k every product sums in registers before adding to C: C += Σ_{k in block} …,
    /// block by block (the rows of B in use stay in cache). Part of the order of summation.
    static let kBlock = 256

    /// Columns n0 ..< n1 of C (M, N) += A · B, blocked: for each block of k (the rows of B in use
    /// stay in cache), each 32-column panel, each 4-row tile. B is (K, N) row-major, or packed.
    /// With `accumulate: false` the first block of k writes C instead of adding to it.
    static func multiplyAddPanel(
        _ M: Int, _ n0: Int, _ n1: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>,
        _ rs: Int, _ cs: Int, _ B: UnsafePointer<Float>, packed: Bool, _ C: UnsafeMutablePointer<Float>,
        accumulate: Bool = true
    ) {
        var k0 = 0
        while k0 < K {
            let kc = min(kBlock, K - k0)
            let add = accumulate || k0 > 0
            let Ak = A + k0 * cs
            var n = n0
            while n < n1 {
                let w = min(2 * width, n1 - n)
                // Row k0 of this panel, and the distance between its rows.
                let b = packed ? B + n * K + k0 * w : B + k0 * N + n
                let ldb = packed ? w : N
                if w == 2 * width {
                    var m = 0
                    while m + 8 <= M {
                        tile8x32(kc, Ak + m * rs, rs, cs, b, ldb, C + m * N + n, N, add)
                        m += 8
                    }
                    if m + 4 <= M {
                        tile4x32(kc, Ak + m * rs, rs, cs, b, ldb, C + m * N + n, N, add)
                        m += 4
                    }
                    while m < M {
                        tile1x32(kc, Ak + m * rs, cs, b, ldb, C + m * N + n, add)
                        m += 1
                    }
                } else {  // the last columns (fewer than 32): one row at a time, vector then scalar
                    for m in 0..<M { rowTail(kc, Ak + m * rs, cs, b, ldb, w, C + m * N + n, add) }
                }
                n += w
            }
            k0 += kc
        }
    }

    /// The micro-kernel: C[8 rows, 32 columns] += Σ_k A[m, k] · B[k, 0..<32], sixteen accumulators
    /// (`add` false: C = Σ_k …, C not read — as every tile below).
    @inline(__always)
    static func tile8x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool = true
    ) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        var c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector()
        var pa = a, pb = b
        let a4 = a + 4 * rs
        var pa4 = a4
        for _ in 0..<K {
            let b0 = load(pb), b1 = load(pb + width)
            var x = Vector(repeating: pa[0])
            multiplyAccumulate(&c00, x, b0)
            multiplyAccumulate(&c01, x, b1)
            x = Vector(repeating: pa[rs])
            multiplyAccumulate(&c10, x, b0)
            multiplyAccumulate(&c11, x, b1)
            x = Vector(repeating: pa[2 * rs])
            multiplyAccumulate(&c20, x, b0)
            multiplyAccumulate(&c21, x, b1)
            x = Vector(repeating: pa[3 * rs])
            multiplyAccumulate(&c30, x, b0)
            multiplyAccumulate(&c31, x, b1)
            x = Vector(repeating: pa4[0])
            multiplyAccumulate(&c40, x, b0)
            multiplyAccumulate(&c41, x, b1)
            x = Vector(repeating: pa4[rs])
            multiplyAccumulate(&c50, x, b0)
            multiplyAccumulate(&c51, x, b1)
            x = Vector(repeating: pa4[2 * rs])
            multiplyAccumulate(&c60, x, b0)
            multiplyAccumulate(&c61, x, b1)
            x = Vector(repeating: pa4[3 * rs])
            multiplyAccumulate(&c70, x, b0)
            multiplyAccumulate(&c71, x, b1)
            pa += cs
            pa4 += cs
            pb += ldb
        }
        @inline(__always) func write(_ v0: Vector, _ v1: Vector, _ r: UnsafeMutablePointer<Float>) {
            update(r, v0, add)
            update(r + width, v1, add)
        }
        write(c00, c01, c)
        write(c10, c11, c + ldc)
        write(c20, c21, c + 2 * ldc)
        write(c30, c31, c + 3 * ldc)
        write(c40, c41, c + 4 * ldc)
        write(c50, c51, c + 5 * ldc)
        write(c60, c61, c + 6 * ldc)
        write(c70, c71, c + 7 * ldc)
    }

    /// A 4-row tile: C[4 rows, 32 columns] += Σ_k A[m, k] · B[k, 0..<32], eight accumulators.
    @inline(__always)
    static func tile4x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool = true
    ) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var pa = a, pb = b
        for _ in 0..<K {
            let b0 = load(pb), b1 = load(pb + width)
            let a0 = Vector(repeating: pa[0]), a1 = Vector(repeating: pa[rs])
            multiplyAccumulate(&c00, a0, b0)
            multiplyAccumulate(&c01, a0, b1)
            multiplyAccumulate(&c10, a1, b0)
            multiplyAccumulate(&c11, a1, b1)
            let a2 = Vector(repeating: pa[2 * rs]), a3 = Vector(repeating: pa[3 * rs])
            multiplyAccumulate(&c20, a2, b0)
            multiplyAccumulate(&c21, a2, b1)
            multiplyAccumulate(&c30, a3, b0)
            multiplyAccumulate(&c31, a3, b1)
            pa += cs
            pb += ldb
        }
        let r0 = c, r1 = c + ldc, r2 = r1 + ldc, r3 = r2 + ldc
        update(r0, c00, add)
        update(r0 + width, c01, add)
        update(r1, c10, add)
        update(r1 + width, c11, add)
        update(r2, c20, add)
        update(r2 + width, c21, add)
        update(r3, c30, add)
        update(r3 + width, c31, add)
    }

    /// One row of C, 32 columns: C[0..<32] += Σ_k A[k] · B[k, 0..<32], even and odd k in
    /// separate accumulators (four chains of fused multiply-adds instead of two).
    @inline(__always)
    static func tile1x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ add: Bool = true
    ) {
        var c0 = Vector(), c1 = Vector(), d0 = Vector(), d1 = Vector()
        var pa = a, pb = b
        var k = 0
        while k + 2 <= K {
            let av = Vector(repeating: pa[0]), aw = Vector(repeating: pa[cs])
            multiplyAccumulate(&c0, av, load(pb))
            multiplyAccumulate(&c1, av, load(pb + width))
            multiplyAccumulate(&d0, aw, load(pb + ldb))
            multiplyAccumulate(&d1, aw, load(pb + ldb + width))
            pa += 2 * cs
            pb += 2 * ldb
            k += 2
        }
        if k < K {
            let av = Vector(repeating: pa[0])
            multiplyAccumulate(&c0, av, load(pb))
            multiplyAccumulate(&c1, av, load(pb + width))
        }
        update(c, c0 + d0, add)
        update(c + width, c1 + d1, add)
    }

    /// c[0 ..< 16] += v, or with `add` false c[0 ..< 16] = v: a tile's result into C.
    @inline(__always)
    static func update(_ c: UnsafeMutablePointer<Float>, _ v: Vector, _ add: Bool) {
        store(add ? load(c) + v : v, c)
    }

    /// The first w columns (fewer than 32) of one row of C += Σ_k A[k] · B[k, 0 ..< w].
    @inline(__always)
    static func rowTail(
        _ K: Int, _ a: UnsafePointer<Float>, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ w: Int,
        _ c: UnsafeMutablePointer<Float>, _ add: Bool = true
    ) {
        var n = 0
        if width <= w {
            var acc = Vector()
            for k in 0..<K { multiplyAccumulate(&acc, Vector(repeating: a[k * cs]), load(b + k * ldb)) }
            update(c, acc, add)
            n = width
        }
        while n < w {
            var s: Float = 0
            for k in 0..<K { s += a[k * cs] * b[k * ldb + n] }
            c[n] = add ? c[n] + s : s
            n += 1
        }
    }

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
    /// in the same order as the plain loop.
    public static func scatterAddColumns(
        _ M: Int, _ N: Int, _ V: Int, _ index: UnsafePointer<Int>,
        _ D: UnsafePointer<Float>, _ dW: UnsafeMutablePointer<Float>
    ) {
        guard M > 0, N > 0 else { return }
        if M < 4 {
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

    // MARK: - Nonlinearities on vectors

    /// e^x on 16 lanes (Cephes' expf: 2^n · e^r with n = round(x / ln 2), |r| ≤ ln 2 / 2, and a
    /// degree-6 polynomial for e^r): within 2 ulp of `expf` on [−87, 88]; clamped outside.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        var x = x  // clamped to [−87.3, 88.3] with lane selects (`clamped` is a call per lane)
        x.replace(with: Vector(repeating: -87.3), where: x .< Vector(repeating: -87.3))
        x.replace(with: Vector(repeating: 88.3), where: x .> Vector(repeating: 88.3))
        let magic = Vector(repeating: 12_582_912)  // 1.5 · 2²³: adding it rounds to an integer
        let t = x * Vector(repeating: 1.442_695_04) + magic
        let n = t - magic  // n = round(x · log₂e)
        var r = x - n * Vector(repeating: 0.693_359_375)  // r = x − n·ln 2, ln 2 in two parts
        r = r - n * Vector(repeating: -2.121_944_4e-4)
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + Vector(repeating: 1.398_199_95e-3)
        p = p * r + Vector(repeating: 8.333_451_9e-3)
        p = p * r + Vector(repeating: 4.166_579_59e-2)
        p = p * r + Vector(repeating: 1.666_666_55e-1)
        p = p * r + Vector(repeating: 5.000_000_1e-1)
        p = p * (r * r) + r + Vector(repeating: 1)  // e^r
        // 2^n from the bits of t: its low bits hold n; shift n + 127 into the exponent field.
        let integer = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }

    /// max_i x[i] over `count` ≥ 1 floats.
    static func maximum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var i = 0
        var result = -Float.infinity
        if count >= width {
            var m = load(x)
            i = width
            while i + width <= count {
                let v = load(x + i)
                m.replace(with: v, where: v .> m)
                i += width
            }
            result = m.max()
        }
        while i < count {
            result = max(result, x[i])
            i += 1
        }
        return result
    }

    /// out[i] = e^(x[i] − shift) over `count` floats; returns Σ out[i] (the softmax's numerators
    /// and denominator). Vector lanes use `exp` (within 2 ulp of `expf`), the tail `expf`.
    static func exponentials(
        _ x: UnsafePointer<Float>, minus shift: Float, into out: UnsafeMutablePointer<Float>, _ count: Int
    ) -> Float {
        let s = Vector(repeating: shift)
        var total = Vector()
        var i = 0
        while i + width <= count {
            let e = exp(load(x + i) - s)
            store(e, out + i)
            total += e
            i += width
        }
        var sum = total.sum()
        while i < count {
            out[i] = expf(x[i] - shift)
            sum += out[i]
            i += 1
        }
        return sum
    }

    /// x[i] ·= factor over `count` floats.
    static func scale(_ x: UnsafeMutablePointer<Float>, by factor: Float, _ count: Int) {
        let f = Vector(repeating: factor)
        var i = 0
        while i + width <= count {
            store(load(x + i) * f, x + i)
            i += width
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }

    /// √x on 16 lanes, x ≥ 0, for the optimizers. `SIMD.squareRoot()` (and `Float.squareRoot()`
    /// in a loop) compile to a libm call per lane on this platform, so: an estimate of 1/√x from
    /// the bits of x, three Newton steps r ← r (3/2 − x r²/2), √x = x r, and one Heron correction
    /// s ← s + r (x − s²)/2. Within 1 ulp of `squareRoot()` for normal x (tested); 0 gives 0. For
    /// subnormal x (below 1.2e-38) the result is only roughly √x — the optimizers add 1e-8 to it.
    @inline(__always)
    static func squareRoot(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        var r = unsafeBitCast(0x5F37_5A86 &- (bits &>> 1), to: Vector.self)  // ≈ 1/√x
        let half = 0.5 * x
        r = r * (1.5 - half * r * r)
        r = r * (1.5 - half * r * r)
        r = r * (1.5 - half * r * r)
        let s = x * r
        return s + 0.5 * r * (x - s * s)
    }

    /// σ(x) = 1 / (1 + e^{−x}) on 16 lanes.
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    /// tanh(x) = 2σ(2x) − 1 on 16 lanes (absolute error about 1e-7).
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector { 2 / (1 + exp(-2 * x)) - 1 }

    /// out[i] = σ(x[i]) and tanh(x[i]) over `count` floats (the vector forms, for the tests).
    static func sigmoid(_ x: [Float]) -> [Float] { apply(x, sigmoid) }
    static func tanh(_ x: [Float]) -> [Float] { apply(x, tanh) }
    static func apply(_ x: [Float], _ f: (Vector) -> Vector) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        var chunk = Vector()
        for i in stride(from: 0, to: x.count, by: width) {
            for l in 0..<width { chunk[l] = i + l < x.count ? x[i + l] : 0 }
            let y = f(chunk)
            for l in 0..<width where i + l < x.count { out[i + l] = y[l] }
        }
        return out
    }

    /// True when no value is NaN or infinite: x · 0 is 0 for every finite x and NaN otherwise,
    /// so one vector sum answers for all of them.
    public static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { x in
            let count = x.count
            guard let p = x.baseAddress else { return true }
            var acc = Vector()
            var i = 0
            while i + width <= count {
                acc += load(p + i) * 0
                i += width
            }
            var tail: Float = 0
            while i < count {
                tail += p[i] * 0
                i += 1
            }
            return (acc.sum() + tail) == 0
        }
    }

}
