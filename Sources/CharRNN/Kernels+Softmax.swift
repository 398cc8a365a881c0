// The softmax over rows of logits, vectorised: the output layer's p = softmax(y) with its loss, its
// gradient dy = (p − onehot) · scale, and the sampler's draw from p = softmax(y / temperature)
// without forming p. Legend as in Kernels.swift; V is the width of a row (the vocabulary).
//
//   p = softmax(y) = e^(y − max y) / Σ e^(y − max y)           loss = ln Σ e^(y − max y) − (y[target] − max y)
//   dy = ∂(scale · loss)/∂y = (p − onehot(target)) · scale
//   p[v] = e^((y[v] − max y) / T) / Σ_u e^((y[u] − max y) / T)      (max-shifted: no overflow)
//   draw: the first v with p[0] + … + p[v] > u, u uniform in [0, 1)
//         = the first v with e[0] + … + e[v] > u · Σ e                (no division by the sum)

import Foundation

extension Kernels {
    /// One row of the output layer: y += b, then p = softmax(y) = e^(y − max) / Σ e^(y − max)
    /// over `count` floats. Returns max y and Σ e^(y − max), from which the loss is
    /// −ln p[target] = ln Σ − (y[target] − max). The row stays in L1 through its three passes.
    @inline(__always)
    static func softmax(
        _ y: UnsafeMutablePointer<Float>, adding b: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>, _ count: Int
    ) -> (maximum: Float, sum: Float) {
        var i = 0
        var largest = Vector(repeating: -.infinity)
        while i + width <= count {  // y += b, and the running maximum
            let v = load(y + i) + load(b + i)
            store(v, y + i)
            largest.replace(with: v, where: v .> largest)
            i += width
        }
        var maximum = largest.max()
        while i < count {
            y[i] += b[i]
            maximum = max(maximum, y[i])
            i += 1
        }
        let sum = exponentials(y, minus: maximum, into: p, count)  // p ∝ e^(y − max)
        scale(p, by: 1 / sum, count)  // p = e^(y − max) / Σ
        return (maximum, sum)
    }

    /// dy = (p − onehot(target)) · scale over `count` floats: the gradient of scale · (−ln p[target])
    /// at the logits (dy may be p itself).
    @inline(__always)
    static func softmaxGradient(
        _ p: UnsafePointer<Float>, target: Int, scale s: Float, into dy: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        scale(p, by: s, into: dy, count)  // p · scale
        dy[target] -= s  // − onehot(target) · scale
    }

    /// Draws an index from softmax(y / temperature) with the uniform number `u` in [0, 1): the
    /// first v whose cumulative numerator e[0] + … + e[v] exceeds u · Σ e, where
    /// e[v] = e^((y[v] − max y) / temperature) (single precision, `exp`'s 16 lanes; e below e^−87 is
    /// taken as 0, as a `Double` would round it). `scratch` holds V floats (the numerators).
    /// The sampler's per-character softmax and draw (`SamplingOptions.draw`'s rule on the same p,
    /// to float rounding).
    static func drawSoftmax(
        _ y: UnsafePointer<Float>, _ V: Int, temperature: Float, uniform u: Double, scratch e: UnsafeMutablePointer<Float>
    ) -> Int {
        let shift = maximum(y, V), inverse = 1 / temperature
        let m = Vector(repeating: shift), t = Vector(repeating: inverse), floor = Vector(repeating: -87)
        var total = Vector()
        var i = 0
        while i + width <= V {  // e = e^((y − max) / T), Σ e in 16 lanes
            let x = (load(y + i) - m) * t
            var ev = exp(x)
            ev.replace(with: 0, where: x .< floor)
            store(ev, e + i)
            total += ev
            i += width
        }
        var sum = total.sum()
        while i < V {
            let x = (y[i] - shift) * inverse
            e[i] = x < -87 ? 0 : expf(x)
            sum += e[i]
            i += 1
        }
        // The first v with e[0] + … + e[v] > u · Σ e: whole vectors while their sum stays below.
        let target = Float(u) * sum
        var cumulative: Float = 0
        i = 0
        while i + width <= V {
            let block = load(e + i).sum()
            if cumulative + block > target { break }
            cumulative += block
            i += width
        }
        while i < V {
            cumulative += e[i]
            if cumulative > target { return i }
            i += 1
        }
        // u · Σ e reached past the last partial sum by rounding: the last index with e > 0.
        var v = V - 1
        while v > 0 && e[v] == 0 { v -= 1 }
        return v
    }
}
