// Functions on 16 lanes and on arrays of floats: e^x, σ, tanh, √x, the softmax's parts, the
// finiteness check. Legend as in Kernels.swift.

import Foundation

extension Kernels {
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
        scale(x, by: factor, into: x, count)
    }

    /// out[i] = x[i] · factor over `count` floats (out may be x).
    @inline(__always)
    static func scale(_ x: UnsafePointer<Float>, by factor: Float, into out: UnsafeMutablePointer<Float>, _ count: Int) {
        let f = Vector(repeating: factor)
        var i = 0
        while i + width <= count {
            store(load(x + i) * f, out + i)
            i += width
        }
        while i < count {
            out[i] = x[i] * factor
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
        values.withUnsafeBufferPointer { allFinite($0) }
    }

    /// `allFinite` on the floats of a buffer (the optimizer checks each piece it updates).
    static func allFinite(_ x: UnsafeBufferPointer<Float>) -> Bool {
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
