import Foundation
import Testing

@testable import CharRNN

/// The speed work's kernels give the bits of the kernels they replace: the weight-gradient product
/// with its bias sums, the products that write C instead of adding to zeros, the transpose.
@Suite struct SpeedKernelTests {
    static func random(_ count: Int, _ generator: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(generator.nextUnitDouble() * 2 - 1) }
    }

    /// Aᵀ · B through copied strips and a row split equals the strided kernel bit for bit, and its
    /// sums equal `addRowSums` bit for bit — on shapes with 4-row and 1-row tiles, a column tail,
    /// several k blocks, and both a split and a serial product.
    @Test(arguments: [(1024, 256, 700), (65, 256, 300), (37, 97, 301), (13, 65, 33), (8, 40, 9), (3, 5, 7)])
    func weightGradientProductMatchesTheStridedKernelBitForBit(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M * 7 + N * 3 + K))
        let a = Self.random(K * M, &g), b = Self.random(K * N, &g), c0 = Self.random(M * N, &g)
        let s0 = Self.random(M, &g)
        var fast = c0, strided = c0, sums = s0, rowSums = s0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    sums.withUnsafeMutableBufferPointer { s in
                        Kernels.multiplyAddTransposedA(M, N, K, a.baseAddress!, b.baseAddress!, c.baseAddress!, sums: s.baseAddress!)
                    }
                }
                strided.withUnsafeMutableBufferPointer { c in
                    Kernels.multiplyAddRows(M, N, K, a.baseAddress!, rowStride: 1, columnStride: M, b.baseAddress!, c.baseAddress!)
                }
                rowSums.withUnsafeMutableBufferPointer { s in Kernels.addRowSums(K, M, a.baseAddress!, s.baseAddress!) }
            }
        }
        #expect(fast == strided)
        #expect(sums == rowSums)
        var plain = c0
        Kernels.Reference.multiplyAddTransposedA(M, N, K, a, b, &plain)
        #expect(maxAbsoluteDifference(fast, plain) < 1e-3)
    }

    /// `multiply` and `multiplyPacked` write C = A · B whatever C held (NaN here): the bits of
    /// `multiplyAdd` and `multiplyAddPacked` into zeros.
    @Test(arguments: [(32, 1024, 256), (16, 256, 1024), (2048 / 16, 256, 65), (5, 33, 300), (3, 40, 7), (1, 1, 1)])
    func productsThatWriteEqualProductsIntoZeros(M: Int, N: Int, K: Int) {
        var g = SplitMix64(seed: UInt64(M + N * 5 + K * 11))
        let a = Self.random(M * K, &g), b = Self.random(K * N, &g)
        var packed = [Float](repeating: 0, count: K * N)
        b.withUnsafeBufferPointer { b in
            packed.withUnsafeMutableBufferPointer { p in Kernels.pack(K, N, b.baseAddress!, transposed: false, into: p.baseAddress!) }
        }
        var written = [Float](repeating: .nan, count: M * N), added = [Float](repeating: 0, count: M * N)
        var writtenPacked = written, addedPacked = added
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                written.withUnsafeMutableBufferPointer { Kernels.multiply(M, N, K, a.baseAddress!, b.baseAddress!, $0.baseAddress!) }
                added.withUnsafeMutableBufferPointer { Kernels.multiplyAdd(M, N, K, a.baseAddress!, b.baseAddress!, $0.baseAddress!) }
            }
            packed.withUnsafeBufferPointer { p in
                writtenPacked.withUnsafeMutableBufferPointer {
                    Kernels.multiplyPacked(M, N, K, a.baseAddress!, rowStride: K, columnStride: 1, p.baseAddress!, $0.baseAddress!)
                }
                addedPacked.withUnsafeMutableBufferPointer {
                    Kernels.multiplyAddPacked(M, N, K, a.baseAddress!, rowStride: K, columnStride: 1, p.baseAddress!, $0.baseAddress!)
                }
            }
        }
        #expect(written == added)
        #expect(writtenPacked == addedPacked)
        #expect(written == writtenPacked)
    }

    @Test func transposeSwapsRowsAndColumns() {
        var g = SplitMix64(seed: 9)
        let M = 37, N = 65
        let a = Self.random(M * N, &g)
        var t = [Float](repeating: .nan, count: M * N)
        a.withUnsafeBufferPointer { a in t.withUnsafeMutableBufferPointer { Kernels.transpose(M, N, a.baseAddress!, into: $0.baseAddress!) } }
        #expect((0..<M).allSatisfy { m in (0..<N).allSatisfy { n in t[n * M + m] == a[m * N + n] } })
    }

    /// The ceiling `charrnn bench --ceiling` prints is a positive, finite rate.
    @Test func matrixProductCeilingIsMeasured() {
        let gigaflops = Benchmark.matrixProductGigaflops(size: 96, repeats: 1)
        #expect(gigaflops > 0 && gigaflops.isFinite)
    }
}
