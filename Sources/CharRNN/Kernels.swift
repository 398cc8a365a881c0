// The numeric kernels of the engine, by concern: this file holds what they share (the vector
// type, loads and stores, the two-core split); the products are in Kernels+Products.swift and
// Kernels+WeightGradient.swift, the one-hot gather and its gradient in Kernels+OneHot.swift, the
// nonlinearities and vector helpers in Kernels+Vectors.swift.
//
// Legend: matrices are row-major `Float`; M, N, K are the sizes of C (M, N) and of the summed
// dimension K. Every kernel has a plain twin in `Kernels+Reference.swift`, the tests' reference.
// Pointers, not arrays, so the time loop allocates nothing and checks no bounds.

import Foundation

/// The engine's fast kernels.
public enum Kernels {
    /// The SIMD width used by the kernels (16 floats: 512 bits; two registers with AVX2, four
    /// with NEON — the products' tiles are sized for the registers, `TileShape`).
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

    /// Asks the cache for the lines of r rows of C (columns 0 ..< columns, rows ldc apart) that a
    /// tile is about to add into, so that they arrive while its k loop runs rather than stall its
    /// last step (C is megabytes in the large products: out of L2, and out of L1 in all of them).
    /// A hint: it changes no value.
    @inline(__always)
    static func prefetchRows(_ c: UnsafePointer<Float>, _ r: Int, columns: Int, _ ldc: Int) {
        for i in 0..<r {
            let row = UnsafeRawPointer(c + i &* ldc)
            var offset = 0
            while offset < columns &* 4 {  // a line at a time, and the row's last byte's line
                llvmPrefetch(row + offset, 1, 3, 1)
                offset &+= 64
            }
            llvmPrefetch(row + (columns &* 4 &- 4), 1, 3, 1)
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
}

/// LLVM's prefetch instruction (`llvm.prefetch`: address, 1 for a write, locality 3 = keep in
/// every level, 1 = the data cache), which Swift has no spelling for: a cache hint, never a fault.
/// If a toolchain ever refuses it, an empty function in its place changes only the speed.
@_silgen_name("llvm.prefetch.p0")
func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cache: Int32)
