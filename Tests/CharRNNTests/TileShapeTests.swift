import Testing

@testable import CharRNN

/// The products' two tile shapes (`Kernels.TileShape`: 8 × 32 for AVX-512, 6 × 16 halves for
/// machines with 16 registers of 256 bits) cover the same rows and give the same bits: a model
/// trained on one machine resumes bit for bit on the other. The host's shape is also checked
/// against the plain kernels in KernelTests; here each shape is run explicitly.
@Suite struct TileShapeTests {
    static func random(_ count: Int, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUnitDouble() * 2 - 1) }
    }

    /// The tiles of rows m0 ..< m1, as (first row, rows).
    static func tiles(_ m0: Int, _ m1: Int, _ M: Int, _ shape: Kernels.TileShape) -> [(Int, Int)] {
        var tiles: [(Int, Int)] = []
        Kernels.forEachRowTile(m0, m1, M, shape) { m, r in tiles.append((m, r)) }
        return tiles
    }

    /// Every row once, in order; the last M mod 4 rows single in both shapes and no other row
    /// single; the wide shape's tiles 8 and 4 rows, the narrow shape's 6 and 4 — also for the
    /// chunks of whole 8-row groups the weight-gradient product shares out.
    @Test func rowTilesCoverEveryRowOnceAndKeepTheSingleRows() {
        for M in 0...70 {
            var chunks = [(0, M)]
            if M > 16 { chunks = [(0, 16), (16, M)] }
            for shape in Kernels.TileShape.allCases {
                var covered: [Int] = []
                var sizes: Set<Int> = []
                for (m0, m1) in chunks {
                    for (m, r) in Self.tiles(m0, m1, M, shape) {
                        covered += Array(m..<(m + r))
                        sizes.insert(r)
                        #expect((r == 1) == (m >= M & ~3), "M = \(M), \(shape): row \(m) in a tile of \(r)")
                    }
                }
                #expect(covered == Array(0..<M), "M = \(M), \(shape)")
                let allowed: Set<Int> = shape == .wide ? [8, 4, 1] : [6, 4, 1]
                #expect(sizes.isSubset(of: allowed), "M = \(M), \(shape): tiles \(sizes.sorted())")
            }
        }
        // the narrow shape uses 6-row tiles where it can: 32 rows as 6 6 6 6 4 4, 16 as 6 6 4
        #expect(Self.tiles(0, 32, 32, .narrow).map(\.1) == [6, 6, 6, 6, 4, 4])
        #expect(Self.tiles(0, 16, 16, .narrow).map(\.1) == [6, 6, 4])
        #expect(Self.tiles(0, 19, 19, .narrow).map(\.1) == [6, 6, 4, 1, 1, 1])
    }

    /// C (+)= A · B (A read through strides, both ways; B in place or packed; writing or adding)
    /// and C += Aᵀ · B with the bias sums: the same bits in both shapes, for row counts that give
    /// every tile, k past a block of `kBlock`, and columns past a whole panel.
    /// 203 rows pass two blocks of `Kernels.rowBlock` and end in single rows.
    @Test(arguments: [
        (1, 32, 5), (4, 64, 9), (6, 32, 17), (8, 70, 33), (13, 96, 300), (16, 256, 64), (32, 64, 40), (37, 33, 260),
        (203, 40, 270),
    ])
    func bothShapesGiveTheSameBits(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 10_000 + N * 100 + K))
        let a = Self.random(M * K, &g), b = Self.random(K * N, &g), c0 = Self.random(M * N, &g)
        let at = Self.random(K * M, &g), sums0 = Self.random(M, &g)

        func product(_ shape: Kernels.TileShape, transposedA: Bool, packed: Bool, accumulate: Bool) -> [Float] {
            var c = c0, P = [Float](repeating: 0, count: K * N)
            let A = transposedA ? at : a
            A.withUnsafeBufferPointer { A in
                b.withUnsafeBufferPointer { B in
                    P.withUnsafeMutableBufferPointer { P in
                        c.withUnsafeMutableBufferPointer { C in
                            if packed { Kernels.pack(K, N, B.baseAddress!, transposed: false, into: P.baseAddress!) }
                            Kernels.multiplyAddPanel(
                                M, 0, N, N, K, A.baseAddress!, transposedA ? 1 : K, transposedA ? M : 1,
                                packed ? UnsafePointer(P.baseAddress!) : B.baseAddress!, packed: packed, C.baseAddress!,
                                accumulate: accumulate, shape: shape)
                        }
                    }
                }
            }
            return c
        }
        for transposedA in [false, true] {
            for packed in [false, true] {
                for accumulate in [false, true] {
                    let wide = product(.wide, transposedA: transposedA, packed: packed, accumulate: accumulate)
                    let narrow = product(.narrow, transposedA: transposedA, packed: packed, accumulate: accumulate)
                    #expect(
                        wide.map(\.bitPattern) == narrow.map(\.bitPattern),
                        "M \(M) N \(N) K \(K), Aᵀ \(transposedA), packed \(packed), accumulate \(accumulate)")
                    if !transposedA && accumulate {  // and right: against plain sums, to rounding
                        var plain = c0
                        Kernels.Reference.multiplyAdd(M, N, K, a, b, &plain)
                        #expect(maxAbsoluteDifference(narrow, plain) < 1e-4, "M \(M) N \(N) K \(K)")
                    }
                }
            }
        }

        func weightGradient(_ shape: Kernels.TileShape) -> (c: [Float], sums: [Float]) {
            var c = c0, sums = sums0
            at.withUnsafeBufferPointer { A in
                b.withUnsafeBufferPointer { B in
                    c.withUnsafeMutableBufferPointer { C in
                        sums.withUnsafeMutableBufferPointer { S in
                            Kernels.multiplyAddTransposedA(
                                M, N, K, A.baseAddress!, B.baseAddress!, C.baseAddress!, sums: S.baseAddress!, shape: shape)
                        }
                    }
                }
            }
            return (c, sums)
        }
        let wide = weightGradient(.wide), narrow = weightGradient(.narrow)
        #expect(wide.c.map(\.bitPattern) == narrow.c.map(\.bitPattern), "Aᵀ · B, M \(M) N \(N) K \(K)")
        #expect(wide.sums.map(\.bitPattern) == narrow.sums.map(\.bitPattern), "the bias sums, M \(M)")
        // and right: against plain sums, to rounding
        var plain = c0
        Kernels.Reference.multiplyAddTransposedA(M, N, K, at, b, &plain)
        #expect(maxAbsoluteDifference(narrow.c, plain) < 1e-4)
    }

    /// Copying A's rows tile by tile (`Kernels.copyRowTiles`, when two panels or more pass over them)
    /// changes no bit, nor does the narrow shape's order that then does a panel half by half over
    /// every row tile (with the lines of C prefetched): the whole product against the same product a
    /// panel at a time (too few panels to copy), in both shapes, A in rows or transposed, past two
    /// row blocks and a k block, with single-row tiles and a column tail.
    @Test(arguments: [(203, 160, 270), (16, 128, 64), (37, 200, 33)])
    func copyingATilesChangesNoBit(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 7 + N * 3 + K))
        let a = Self.random(M * K, &g), b = Self.random(K * N, &g), c0 = Self.random(M * N, &g)
        for shape in Kernels.TileShape.allCases {
            for transposedA in [false, true] {
                func product(panelAtATime: Bool) -> [Float] {
                    var c = c0
                    a.withUnsafeBufferPointer { A in
                        b.withUnsafeBufferPointer { B in
                            c.withUnsafeMutableBufferPointer { C in
                                let (rs, cs) = transposedA ? (1, M) : (K, 1)
                                let ranges = panelAtATime ? stride(from: 0, to: N, by: 32).map { ($0, min(N, $0 + 32)) } : [(0, N)]
                                for (n0, n1) in ranges {
                                    Kernels.multiplyAddPanel(
                                        M, n0, n1, N, K, A.baseAddress!, rs, cs, B.baseAddress!, packed: false, C.baseAddress!,
                                        shape: shape)
                                }
                            }
                        }
                    }
                    return c
                }
                let copied = product(panelAtATime: false), inPlace = product(panelAtATime: true)
                #expect(copied.map(\.bitPattern) == inPlace.map(\.bitPattern), "\(shape), Aᵀ \(transposedA), M \(M) N \(N) K \(K)")
                var plain = c0  // and right, to rounding
                if !transposedA { Kernels.Reference.multiplyAdd(M, N, K, a, b, &plain) }
                #expect(transposedA || maxAbsoluteDifference(copied, plain) < 1e-4)
            }
        }
    }

    /// The check has teeth: a tile that sums even and odd k apart (the single rows' order) where the
    /// 6-row tile sums k in order gives other bits — so the test above would see a shape that
    /// regrouped the sums.
    @Test func aDifferentOrderOfSummationChangesTheBits() {
        let K = 300
        var g = SplitMix64(seed: 11)
        let a = Self.random(K, &g), b = Self.random(K * 32, &g)
        var inOrder = [Float](repeating: 0, count: 32), evenOdd = [Float](repeating: 0, count: 32)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                inOrder.withUnsafeMutableBufferPointer { c in
                    Kernels.tile4x16(K, a.baseAddress!, 0, 1, b.baseAddress!, 32, c.baseAddress!, 0, false)
                    Kernels.tile4x16(K, a.baseAddress!, 0, 1, b.baseAddress! + 16, 32, c.baseAddress! + 16, 0, false)
                }
                evenOdd.withUnsafeMutableBufferPointer { c in
                    Kernels.tile1x32(K, a.baseAddress!, 1, b.baseAddress!, 32, c.baseAddress!, false)
                }
            }
        }
        #expect(maxAbsoluteDifference(inOrder, evenOdd) < 1e-4)  // the same sums…
        #expect(inOrder.map(\.bitPattern) != evenOdd.map(\.bitPattern))  // …not the same bits
    }
}
