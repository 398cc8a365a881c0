import Testing

@testable import CharRNN

/// Every fast kernel against its plain twin, on odd shapes that exercise the SIMD tails.
@Suite struct KernelTests {
    static func random(_ count: Int, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUnitDouble() * 2 - 1) }
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (4, 16, 16), (5, 33, 17), (9, 70, 130), (32, 64, 48)])
    func matrixProductsMatchReference(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 1000 + N * 10 + K))
        let a = Self.random(M * K, &g), b = Self.random(N * K, &g), bn = Self.random(K * N, &g)
        let at = Self.random(K * M, &g), c0 = Self.random(M * N, &g)

        var fast = c0, plain = c0
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in fast.withUnsafeMutableBufferPointer { c in
            Kernels.multiplyAddTransposedB(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!) } } }
        Kernels.Reference.multiplyAddTransposedB(M, N, K, a, b, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)

        fast = c0; plain = c0
        a.withUnsafeBufferPointer { a in bn.withUnsafeBufferPointer { b in fast.withUnsafeMutableBufferPointer { c in
            Kernels.multiplyAdd(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!) } } }
        Kernels.Reference.multiplyAdd(M, N, K, a, bn, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)

        fast = c0; plain = c0
        at.withUnsafeBufferPointer { a in bn.withUnsafeBufferPointer { b in fast.withUnsafeMutableBufferPointer { c in
            Kernels.multiplyAddTransposedA(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!) } } }
        Kernels.Reference.multiplyAddTransposedA(M, N, K, at, bn, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-4)
    }

    @Test func oneHotGatherIsTheColumnOfTheMatrix() {
        var g = SplitMix64(seed: 2)
        let N = 7, V = 5, M = 3
        let w = Self.random(N * V, &g)
        let index = [4, 0, 2]
        var fast = [Float](repeating: 0, count: M * N), plain = fast
        index.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in fast.withUnsafeMutableBufferPointer { c in
            Kernels.addColumns(M, N, V, x.baseAddress!, w.baseAddress!, c.baseAddress!) } } }
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
}
