import Testing
import Foundation

@testable import CharRNN

/// Every fast kernel against its plain twin, on odd shapes that exercise the SIMD tails.
@Suite struct KernelTests {
    static func random(_ count: Int, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUnitDouble() * 2 - 1) }
    }

    // Odd sizes exercise the tails (rows past an 8-row and a 4-row tile, columns past a 32-column
    // panel, k past a 256 block, odd k for the one-row kernel); the last four are large enough to
    // be split over both cores.
    @Test(arguments: [
        (1, 1, 1), (3, 5, 7), (4, 16, 16), (5, 33, 17), (9, 70, 130), (32, 64, 48), (7, 47, 300),
        (8, 32, 9), (13, 65, 33), (1, 100, 101), (2, 96, 3),
        (37, 97, 301), (32, 1024, 256), (13, 200, 40), (3, 1000, 100),
    ])
    func matrixProductsMatchReference(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 1000 + N * 10 + K))
        let a = Self.random(M * K, &g), b = Self.random(N * K, &g), bn = Self.random(K * N, &g)
        let at = Self.random(K * M, &g), c0 = Self.random(M * N, &g)

        var fast = c0, plain = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyAddTransposedB(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.multiplyAddTransposedB(M, N, K, a, b, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)

        fast = c0; plain = c0
        a.withUnsafeBufferPointer { a in
            bn.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyAdd(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.multiplyAdd(M, N, K, a, bn, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)

        fast = c0; plain = c0
        at.withUnsafeBufferPointer { a in
            bn.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyAddTransposedA(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.multiplyAddTransposedA(M, N, K, at, bn, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)
    }

    @Test func oneHotGatherIsTheColumnOfTheMatrix() {
        var g = SplitMix64(seed: 2)
        let N = 7, V = 5, M = 3
        let w = Self.random(N * V, &g)
        let index = [4, 0, 2]
        var fast = [Float](repeating: 0, count: M * N), plain = fast
        index.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.addColumns(M, N, V, x.baseAddress!, w.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.addColumns(M, N, V, index, w, &plain)
        #expect(fast == plain)
        // The same as a real one-hot matrix product W · x.
        for m in 0..<M {
            let x = (0..<V).map { Float($0 == index[m] ? 1 : 0) }
            var product = [Float](repeating: 0, count: N)
            Kernels.Reference.multiplyAddTransposedB(1, N, V, x, w, &product)
            #expect(Array(fast[(m * N)..<((m + 1) * N)]) == product)
        }
    }

    /// The gather, its scatter and the row sums (transposed buffers, rows or columns split over
    /// the cores when large) give exactly the plain loops' sums: the same additions in the same order.
    @Test(arguments: [(1, 7, 5), (3, 33, 4), (5, 17, 3), (64, 100, 65), (2048, 512, 65), (700, 33, 9)])
    func gatherScatterAndRowSumsEqualPlainLoops(M: Int, N: Int, V: Int) {
        var g = SplitMix64(seed: UInt64(M * 13 + N * 3 + V))
        let index = (0..<M).map { _ in Int(g.next() % UInt64(V)) }
        let w = Self.random(N * V, &g), d = Self.random(M * N, &g), c0 = Self.random(M * N, &g)
        var fast = c0, plain = c0
        index.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.addColumns(M, N, V, x.baseAddress!, w.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.addColumns(M, N, V, index, w, &plain)
        #expect(fast == plain)
        var dFast = w, dPlain = w
        index.withUnsafeBufferPointer { x in
            d.withUnsafeBufferPointer { d in
                dFast.withUnsafeMutableBufferPointer { dw in
                    Kernels.scatterAddColumns(M, N, V, x.baseAddress!, d.baseAddress!, dw.baseAddress!)
                }
            }
        }
        Kernels.Reference.scatterAddColumns(M, N, V, index, d, &dPlain)
        #expect(dFast == dPlain)
        var sFast = Array(c0[0..<N]), sPlain = sFast
        d.withUnsafeBufferPointer { d in
            sFast.withUnsafeMutableBufferPointer { o in
                Kernels.addRowSums(M, N, d.baseAddress!, o.baseAddress!)
            }
        }
        Kernels.Reference.addRowSums(M, N, d, &sPlain)
        #expect(sFast == sPlain)
    }

    @Test(arguments: [(1, 1), (5, 7), (13, 33), (256, 1024), (1000, 300)])
    func matrixVectorMatchesReference(N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(N * 7 + K))
        let a = Self.random(K, &g), b = Self.random(N * K, &g), c0 = Self.random(N, &g)
        var fast = c0, plain = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyVectorTransposed(N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        Kernels.Reference.multiplyAddTransposedB(1, N, K, a, b, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)
    }

    @Test(arguments: [(1, 1, 1), (4, 33, 5), (9, 100, 300), (32, 1024, 256)])
    func packedProductsMatchReference(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 31 + N * 7 + K))
        let a = Self.random(M * K, &g), b = Self.random(K * N, &g), bt = Self.random(N * K, &g)
        let c0 = Self.random(M * N, &g)
        for transposed in [false, true] {
            var packed = [Float](repeating: .nan, count: K * N)
            (transposed ? bt : b).withUnsafeBufferPointer { b in
                packed.withUnsafeMutableBufferPointer { p in
                    Kernels.pack(K, N, b.baseAddress!, transposed: transposed, into: p.baseAddress!)
                }
            }
            var fast = c0, plain = c0
            a.withUnsafeBufferPointer { a in
                packed.withUnsafeBufferPointer { p in
                    fast.withUnsafeMutableBufferPointer { c in
                        Kernels.multiplyAddPacked(
                            M, N, K, a.baseAddress!, rowStride: K, columnStride: 1, p.baseAddress!, c.baseAddress!)
                    }
                }
            }
            if transposed {
                Kernels.Reference.multiplyAddTransposedB(M, N, K, a, bt, &plain)
            } else {
                Kernels.Reference.multiplyAdd(M, N, K, a, b, &plain)
            }
            #expect(maxAbsoluteDifference(fast, plain) < 1e-4)
        }
    }

    /// The two-core split is a fixed partition of whole panels: the same bits as one core.
    @Test(arguments: [(32, 1024, 256), (13, 200, 40), (8, 97, 300), (3, 1000, 100)])
    func splitProductEqualsOneCoreBitForBit(M: Int, N: Int, K: Int) {
        #expect(M * N * K >= Kernels.parallelThreshold)
        var g = SplitMix64(seed: UInt64(M + N + K))
        let a = Self.random(M * K, &g), b = Self.random(K * N, &g), c0 = Self.random(M * N, &g)
        var split = c0, serial = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                split.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyAddRows(
                        M, N, K, a.baseAddress!, rowStride: K, columnStride: 1, b.baseAddress!, c.baseAddress!)
                }
                serial.withUnsafeMutableBufferPointer { c in  // every column on this thread, unpacked
                    Kernels.multiplyAddPanel(M, 0, N, N, K, a.baseAddress!, K, 1, b.baseAddress!, packed: false, c.baseAddress!)
                }
            }
        }
        #expect(split == serial)
        // The matrix × vector split (rows of B in chunks of whole 4-row groups), likewise.
        let x = Self.random(K, &g), bt = Self.random(N * K, &g)
        var vSplit = Array(c0[0..<N]), vSerial = vSplit
        x.withUnsafeBufferPointer { x in
            bt.withUnsafeBufferPointer { b in
                vSplit.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyVectorTransposed(N, K, x.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
                vSerial.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyVectorTransposedSerial(0, N, K, x.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        #expect(vSplit == vSerial)
    }

    /// Every chunk runs exactly once, also when several threads use the pool at the same time
    /// (one of them gets the helper, the others run their chunks alone).
    @Test func workerPoolRunsEveryChunkOnce() async {
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<4 {
                group.addTask {
                    var ok = true
                    for round in 0..<2_000 {
                        let chunks = 1 + (round + caller) % 9
                        var counts = [Int](repeating: 0, count: chunks)
                        counts.withUnsafeMutableBufferPointer { counts in
                            let pointer = counts.baseAddress!
                            WorkerPool.shared.run(chunks) { pointer[$0] += 1 }
                        }
                        ok = ok && counts.allSatisfy { $0 == 1 }
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func vectorSquareRootIsWithinAnUlp() {
        var g = SplitMix64(seed: 5)
        var x: [Float] = [0, 1, 2, 4, 1e-8, 1e-30, 1.2e-38, 3e38, .leastNormalMagnitude, .greatestFiniteMagnitude]
        for _ in 0..<20_000 { x.append(Float(pow(10, g.nextUnitDouble() * 70 - 37))) }
        while x.count % Kernels.width != 0 { x.append(1) }
        for i in stride(from: 0, to: x.count, by: Kernels.width) {
            let root = x.withUnsafeBufferPointer { Kernels.squareRoot(Kernels.load($0.baseAddress! + i)) }
            for l in 0..<Kernels.width {
                let exact = x[i + l].squareRoot()
                #expect(abs(root[l] - exact) <= exact.ulp, "√\(x[i + l]) = \(exact), got \(root[l])")
            }
        }
    }

    @Test func allFiniteMatchesReference() {
        for count in [0, 1, 15, 16, 17, 100] {
            for bad in [Float.nan, .infinity, -.infinity, 1] {
                for position in Set([0, count / 2, max(count - 1, 0)]) where count > 0 || bad == 1 {
                    var values = (0..<count).map { Float($0) - 50 }
                    if count > 0 { values[position] = bad }
                    #expect(Kernels.allFinite(values) == Kernels.Reference.allFinite(values), "\(count) \(bad) \(position)")
                }
            }
        }
    }

    @Test func vectorNonlinearitiesMatchLibm() {
        // Odd count (a tail lane), the range gates see, and the far ends where e^x saturates.
        let x = (0..<1001).map { Float($0 - 500) / 25 } + [-100, -88, 88, 100, 0, 1e-6, -1e-6]
        #expect(maxAbsoluteDifference(Kernels.sigmoid(x), Kernels.Reference.sigmoid(x)) < 1e-6)
        #expect(maxAbsoluteDifference(Kernels.tanh(x), Kernels.Reference.tanh(x)) < 1e-6)
    }
}
