// The matrix products: C += A · B, A · Bᵀ (and Aᵀ · B in Kernels+WeightGradient.swift), the
// products that write C instead, the packing of B into panels, the micro-kernels; and the
// sampler's matrix × vector product. Legend as in Kernels.swift.

import Foundation

extension Kernels {
    // MARK: - Products
    //
    // All three products are one register-blocked micro-kernel, C += A · B with B read as rows
    // (K, N): a tile of C of 8 rows × 32 columns (sixteen vectors) stays in registers while k runs,
    // each step loading two vectors of B's row k and broadcasting eight entries of A's column k:
    //   C[m, n..n+32] += A[m, k] · B[k, n..n+32]      for m in the tile's 8 rows, k = 0 ..< K
    // (sixteen independent fused multiply-adds per k hide the FMA latency; rows past a multiple of
    // 8 take a 4-row tile, then single rows). That tile is for 32 registers of 512 bits (AVX-512);
    // with 16 registers of 256 bits (AVX2) its sixteen accumulators would spill every step, so
    // there each panel is done as two halves of 16 columns in tiles of 6 rows (see "Tiles" below).
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

    /// Packs W_hhᵀ for the fused LSTM step (`Model.lstmStep`, CellMath.swift), W_hh stored (4·H, K)
    /// with the gates i f g o as blocks of H rows: 32-column panels as `pack`'s, each pairing two gates
    /// of the same 16 units — panel 2u holds, for every k, gate i's units 16u ..< 16u + 16 then gate f's,
    /// panel 2u + 1 gate g's then gate o's — so that one unit block's four gates are done together.
    /// H a multiple of 16; `destination` holds K·4·H floats. Large matrices are packed by both cores.
    static func packGatePairs(_ K: Int, _ H: Int, _ W: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        debugCheck(H % width == 0, "gate pairs need H a multiple of \(width)")
        let panels = 4 * H / (2 * width)
        let chunks = K * 4 * H >= 1 << 18 ? parallelChunks : 1
        let panelsPerChunk = (panels + chunks - 1) / chunks
        parallel(chunks) { chunk in
            for p in (chunk * panelsPerChunk)..<min(panels, (chunk + 1) * panelsPerChunk) {
                let u = p / 2, pair = p % 2  // units 16u ..< 16u + 16, gates 2·pair and 2·pair + 1
                let first = W + (2 * pair * H + width * u) * K, second = first + H * K  // their rows of W_hh
                let panel = destination + p * 2 * width * K
                for k in 0..<K {  // panel[k, j] = W_hh[row j, k]: written in order
                    let out = panel + k &* (2 * width)
                    for j in 0..<width {
                        out[j] = first[j &* K &+ k]
                        out[width + j] = second[j &* K &+ k]
                    }
                }
            }
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

    /// The block of rows of A the products keep in a core's L2 cache while every panel of B passes
    /// (96 rows × a block of k: 96 KB): a multiple of both shapes' tiles, 8 and 6 rows.
    static let rowBlock = 96

    /// Columns n0 ..< n1 of C (M, N) += A · B, blocked: for each block of k (the rows of B in use
    /// stay in cache), each block of `rowBlock` rows (A's slice stays in L2), each 32-column panel
    /// (in the narrow shape with A copied, each half of one), each row tile (`forEachRowTile`), its
    /// lines of C prefetched. B is (K, N) row-major, or packed. The blocks change only the order in
    /// which tiles are done, not any sum.
    /// With `accumulate: false` the first block of k writes C instead of adding to it. With `sums`
    /// (M), also sums[m] += Σ_k A[m, k], k in order (the weight gradient's bias sums, added as A's
    /// block is copied, or by `addSums` when it is not) — only in a call over all of C's columns,
    /// which adds each of A's entries once.
    static func multiplyAddPanel(
        _ M: Int, _ n0: Int, _ n1: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>,
        _ rs: Int, _ cs: Int, _ B: UnsafePointer<Float>, packed: Bool, _ C: UnsafeMutablePointer<Float>,
        accumulate: Bool = true, sums: UnsafeMutablePointer<Float>? = nil, shape: TileShape = .host
    ) {
        // A's block (rows m0 ..< m1, k0 ..< k0 + kc) is copied tile by tile into `tiles` when two
        // panels or more pass over it: a tile of r rows as (kc, r), its rows side by side for each k,
        // so the micro-kernel reads A at fixed offsets from one pointer (rows of A far apart cost a
        // register and an add each per k, and alias in the L1 cache). A copy: the same sums.
        let copiesA = n1 - n0 >= 2 * (2 * width) && M >= 4  // two 32-column panels or more, four rows or more
        let tiles = UnsafeMutablePointer<Float>.allocate(capacity: copiesA ? rowBlock * kBlock : 0)
        defer { tiles.deallocate() }
        debugCheck(sums == nil || (n0 == 0 && n1 == N), "the sums of A's rows need all of C's columns in one call")
        if let sums, !copiesA { addSums(M, K, A, rs, cs, into: sums) }
        var k0 = 0
        while k0 < K {
            let kc = min(kBlock, K - k0)
            let add = accumulate || k0 > 0
            let Ak = A + k0 * cs
            var m0 = 0
            while m0 < M {
                let m1 = M - m0 <= rowBlock ? M : m0 + rowBlock  // a multiple of 8, or the end
                if copiesA { copyRowTiles(m0, m1, M, shape, kc, Ak, rs, cs, into: tiles, sums: sums) }
                var n = n0
                while n < n1 {
                    let w = min(2 * width, n1 - n)
                    // Row k0 of this panel, and the distance between its rows.
                    let b = packed ? B + n * K + k0 * w : B + k0 * N + n
                    let ldb = packed ? w : N
                    if w == 2 * width {
                        if copiesA && shape == .narrow {
                            // Half by half: each 16-column half of the panel (kc × 16 floats, 16 KB
                            // at kc = 256) stays in L1 while every row tile of the block passes
                            // (a whole panel is the L1 cache's size). The same tiles in another order.
                            for half in 0..<2 {
                                forEachRowTile(m0, m1, M, shape) { m, r in
                                    let a = tiles + (m - m0) * kc, c = C + m * N + n
                                    if r > 1 {
                                        prefetchRows(c + half * width, r, columns: width, N)
                                        copiedHalfTile(r, kc, a, b + half * width, ldb, c + half * width, N, add)
                                    } else if half == 0 {  // a single row: both halves at once (`tile1x32`)
                                        copiedTile(r, shape, kc, a, b, ldb, c, N, add)
                                    }
                                }
                            }
                        } else if copiesA {
                            forEachRowTile(m0, m1, M, shape) { m, r in
                                prefetchRows(C + m * N + n, r, columns: 2 * width, N)
                                copiedTile(r, shape, kc, tiles + (m - m0) * kc, b, ldb, C + m * N + n, N, add)
                            }
                        } else {
                            forEachRowTile(m0, m1, M, shape) { m, r in
                                panelTile(r, shape, kc, Ak + m * rs, rs, cs, b, ldb, C + m * N + n, N, add)
                            }
                        }
                    } else {  // the last columns (fewer than 32): one row at a time, vector then scalar
                        for m in m0..<m1 { rowTail(kc, Ak + m * rs, cs, b, ldb, w, C + m * N + n, add) }
                    }
                    n += w
                }
                m0 = m1
            }
            k0 += kc
        }
    }

    /// The micro-kernel: C[8 rows, 32 columns] += Σ_k A[m, k] · B[k, 0..<32], sixteen accumulators
    /// (`add` false: C = Σ_k …, C not read — as every tile below). The tile's second 16 columns go to
    /// C[m, second ..< second + 16] (`second` 16: beside the first; the fused LSTM step puts another
    /// gate's block there, `Model.lstmStep` in CellMath.swift).
    @inline(__always)
    static func tile8x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool = true, second: Int = width
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
            update(r + second, v1, add)
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

    /// A 4-row tile: C[4 rows, 32 columns] += Σ_k A[m, k] · B[k, 0..<32], eight accumulators
    /// (`second` as in `tile8x32`).
    @inline(__always)
    static func tile4x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool = true, second: Int = width
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
        update(r0 + second, c01, add)
        update(r1, c10, add)
        update(r1 + second, c11, add)
        update(r2, c20, add)
        update(r2 + second, c21, add)
        update(r3, c30, add)
        update(r3 + second, c31, add)
    }

    /// One row of C, 32 columns: C[0..<32] += Σ_k A[k] · B[k, 0..<32], even and odd k in
    /// separate accumulators (four chains of fused multiply-adds instead of two; `second` as in `tile8x32`).
    @inline(__always)
    static func tile1x32(
        _ K: Int, _ a: UnsafePointer<Float>, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ add: Bool = true, second: Int = width
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
        update(c + second, c1 + d1, add)
    }

    // MARK: - Tiles
    //
    // Which tiles cover a panel's rows depends on the registers the machine has; the sums do not.
    // Every row of C but the last M mod 4 sums k in order in its own lanes, from zero, whatever tile
    // it falls in (and the last M mod 4 rows are single rows in every shape), so both shapes give
    // the same bits — `TileShapeTests` multiplies with each and compares.

    /// The products' register tiles.
    public enum TileShape: Sendable, CaseIterable {
        /// 8 rows × 32 columns: sixteen accumulators of 16 floats, for 32 registers of 512 bits
        /// (AVX-512).
        case wide
        /// A 32-column panel as two halves of 16 columns, each in tiles of 6 rows: twelve registers
        /// of accumulators where a 16-float vector takes two registers of 256 bits (AVX2, with 16
        /// registers) or four of 128 (NEON, with 32). The wide tile there needs 32 or 64 registers of
        /// accumulators and spills them to memory at every k (on a 2-core Zen 3 without AVX-512:
        /// 56 GFLOP/s for a 2048² product with the wide tile).
        case narrow

        /// The shape the engine was built for: wide where the build machine has AVX-512 (the engine
        /// is built with `-target-cpu native`; Package.swift sets `CHARRNN_AVX512` from the CPU's
        /// flags), narrow otherwise.
        public static let host: TileShape = {
            #if CHARRNN_AVX512
                return .wide
            #else
                return .narrow
            #endif
        }()
    }

    /// The row tiles of rows m0 ..< m1 of a product of M rows (m0 a multiple of 8, and m1 too unless
    /// it is M): `body(m, r)` for each tile of r rows, in order. The first M & ~3 rows sum k in
    /// order — wide: 8-row tiles, then a 4-row one; narrow: 6-row tiles, then none, one or two
    /// 4-row ones (their count is a multiple of 4) —; the last M mod 4 rows are single rows (r = 1),
    /// whose sums keep even and odd k apart (`tile1x32`).
    @inline(__always)
    static func forEachRowTile(_ m0: Int, _ m1: Int, _ M: Int, _ shape: TileShape, _ body: (Int, Int) -> Void) {
        var m = m0
        /// Tiles of r rows from m while they fit before `end`.
        @inline(__always) func tiles(of r: Int, until end: Int) {
            while m + r <= end {
                body(m, r)
                m += r
            }
        }
        let inOrder = max(m0, min(m1, M & ~3))  // the end of the rows that sum k in order
        switch shape {
        case .wide:
            tiles(of: 8, until: inOrder)
            tiles(of: 4, until: inOrder)  // fewer than 8 rows were left: at most one
        case .narrow:
            // 6-row tiles, then 4-row ones for what 6 does not divide: a remainder of 4 (one), or of
            // 2 (8 rows as two 4s: 8 = 6 + 2 would leave two rows without a tile).
            let count = inOrder - m, fours = count % 6 == 4 ? 1 : count % 6 == 2 ? 2 : 0
            tiles(of: 6, until: inOrder - 4 * fours)
            tiles(of: 4, until: inOrder)
        }
        tiles(of: 1, until: m1)
    }

    /// One row tile of a 32-column panel: C[r rows, 32 columns] (+)= Σ_k A[m, k] · B[k, 0 ..< 32],
    /// the second 16 columns at c + `second` (as in `tile8x32`), r and the shape from `forEachRowTile`.
    @inline(__always)
    static func panelTile(
        _ r: Int, _ shape: TileShape, _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool,
        second: Int = width
    ) {
        switch r {
        case 8: tile8x32(K, a, rs, cs, b, ldb, c, ldc, add, second: second)
        case 6:
            tile6x16(K, a, rs, cs, b, ldb, c, ldc, add)
            tile6x16(K, a, rs, cs, b + width, ldb, c + second, ldc, add)
        case 4 where shape == .wide: tile4x32(K, a, rs, cs, b, ldb, c, ldc, add, second: second)
        case 4:
            tile4x16(K, a, rs, cs, b, ldb, c, ldc, add)
            tile4x16(K, a, rs, cs, b + width, ldb, c + second, ldc, add)
        default: tile1x32(K, a, cs, b, ldb, c, add, second: second)
        }
    }

    /// Copies rows m0 ..< m1 of A (element (m, k) at A[m·rs + k·cs]), k < kc, tile by tile
    /// (`forEachRowTile`) into `destination`: the tile of r rows at m as a (kc, r) block at
    /// destination + (m − m0)·kc, its rows side by side for each k — what `copiedTile` reads. With
    /// `sums` (indexed by row, like A), also sums[m] += A[m, k] for these k, in order.
    /// A stored transposed (rs = 1: the weight gradient's Aᵀ, K rows of M) is copied by `copyStrip`,
    /// 8 floats a k; the rows of A (the LSTM step's h_{t-1}) one float at a time.
    @inline(__always)
    static func copyRowTiles(
        _ m0: Int, _ m1: Int, _ M: Int, _ shape: TileShape, _ kc: Int, _ A: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
        into destination: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>? = nil
    ) {
        forEachRowTile(m0, m1, M, shape) { m, r in
            let tile = destination + (m - m0) * kc
            if rs == 1 {  // A's r rows are r adjacent floats of each of its kc stored rows
                copyStrip(kc, r, A + m, cs, columnsAfter: M - m - r, into: tile, sums: sums.map { $0 + m })
                return
            }
            let rows = A + m * rs
            for k in 0..<kc {
                for i in 0..<r { tile[k &* r &+ i] = rows[i &* rs &+ k &* cs] }
            }
            if let sums { addSums(r, kc, rows, rs, cs, into: sums + m) }
        }
    }

    /// sums[m] += Σ_k A[m, k] for m < M, k < K, k in order (element (m, k) at A[m·rs + k·cs]).
    static func addSums(
        _ M: Int, _ K: Int, _ A: UnsafePointer<Float>, _ rs: Int, _ cs: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        for m in 0..<M {
            var total = sums[m]
            for k in 0..<K { total += A[m &* rs &+ k &* cs] }
            sums[m] = total
        }
    }

    /// `panelTile` for A's rows copied side by side (a tile of r rows as (K, r), `copyRowTiles`):
    /// the strides are constants, so the micro-kernel reads A at fixed offsets from one pointer.
    @inline(never)
    static func copiedTile(
        _ r: Int, _ shape: TileShape, _ K: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool, second: Int = width
    ) {
        switch r {
        case 8: tile8x32(K, a, 1, 8, b, ldb, c, ldc, add, second: second)
        case 6:
            tile6x16(K, a, 1, 6, b, ldb, c, ldc, add)
            tile6x16(K, a, 1, 6, b + width, ldb, c + second, ldc, add)
        case 4 where shape == .wide: tile4x32(K, a, 1, 4, b, ldb, c, ldc, add, second: second)
        case 4:
            tile4x16(K, a, 1, 4, b, ldb, c, ldc, add)
            tile4x16(K, a, 1, 4, b + width, ldb, c + second, ldc, add)
        default: tile1x32(K, a, 1, b, ldb, c, add, second: second)
        }
    }

    /// One half (16 columns) of the narrow shape's row tile of r = 6 or 4 rows, A's rows copied side by
    /// side as in `copiedTile`: C[r rows, 16 columns] (+)= Σ_k A[m, k] · B[k, 0 ..< 16].
    @inline(never)
    static func copiedHalfTile(
        _ r: Int, _ K: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool
    ) {
        if r == 6 {
            tile6x16(K, a, 1, 6, b, ldb, c, ldc, add)
        } else {
            debugCheck(r == 4, "the narrow shape's row tiles have 6, 4 or 1 rows")
            tile4x16(K, a, 1, 4, b, ldb, c, ldc, add)
        }
    }

    /// The narrow micro-kernel: C[6 rows, 16 columns] += Σ_k A[m, k] · B[k, 0..<16], six
    /// accumulators (twelve registers of 256 bits; `add` false: C = Σ_k …, C not read).
    @inline(__always)
    static func tile6x16(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        var pa = a, pb = b
        let a3 = a + 3 * rs
        var pa3 = a3
        for _ in 0..<K {
            let bk = load(pb)
            multiplyAccumulate(&c0, Vector(repeating: pa[0]), bk)
            multiplyAccumulate(&c1, Vector(repeating: pa[rs]), bk)
            multiplyAccumulate(&c2, Vector(repeating: pa[2 * rs]), bk)
            multiplyAccumulate(&c3, Vector(repeating: pa3[0]), bk)
            multiplyAccumulate(&c4, Vector(repeating: pa3[rs]), bk)
            multiplyAccumulate(&c5, Vector(repeating: pa3[2 * rs]), bk)
            pa += cs
            pa3 += cs
            pb += ldb
        }
        update(c, c0, add)
        update(c + ldc, c1, add)
        update(c + 2 * ldc, c2, add)
        update(c + 3 * ldc, c3, add)
        update(c + 4 * ldc, c4, add)
        update(c + 5 * ldc, c5, add)
    }

    /// C[4 rows, 16 columns] += Σ_k A[m, k] · B[k, 0..<16]: the narrow shape's 4-row tile.
    @inline(__always)
    static func tile4x16(
        _ K: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector()
        var pa = a, pb = b
        for _ in 0..<K {
            let bk = load(pb)
            multiplyAccumulate(&c0, Vector(repeating: pa[0]), bk)
            multiplyAccumulate(&c1, Vector(repeating: pa[rs]), bk)
            multiplyAccumulate(&c2, Vector(repeating: pa[2 * rs]), bk)
            multiplyAccumulate(&c3, Vector(repeating: pa[3 * rs]), bk)
            pa += cs
            pb += ldb
        }
        update(c, c0, add)
        update(c + ldc, c1, add)
        update(c + 2 * ldc, c2, add)
        update(c + 3 * ldc, c3, add)
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
}
