import Foundation
import Testing

@testable import CharRNN

/// The batched LSTM's speed work keeps every bit: the fused LSTM step (the recurrent product with the
/// cell's equations in its epilogue, `Model.lstmStep`) against the product then the cell step; the
/// optimizer's update into spare arrays (both cores, in pieces) against the update in place; the
/// clipping pass in pieces against the plain serial sums.
@Suite struct LSTMSpeedTests {
    static func random(_ count: Int, _ generator: inout SplitMix64, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float((generator.nextUnitDouble() * 2 - 1) * scale) }
    }

    /// One LSTM step of M rows, H units: by `Kernels.multiplyPacked` then `Model.cellStep`, and by
    /// `Model.lstmStep` from the gate-paired panels — the same a, gates, c, h and W_hh h_{t-1}, bit for
    /// bit. M covers the 8-row, 6-row, 4-row and single-row tiles; H = 272 sums k in two blocks of
    /// `kBlock`; with `gather`, the first layer's input columns are copied inside the step. The fused
    /// step runs with each tile shape (`Kernels.TileShape`); the plain path with the host's.
    /// With `splitUnits`, the step is run as two calls on halves of the unit blocks, as the cores
    /// share it for a batch of one part (`Model.splitsUnits`).
    @Test(arguments: [(1, 16), (4, 48), (5, 32), (13, 64), (16, 272), (32, 32)], [
        (false, Kernels.TileShape.wide, false), (true, .wide, false), (false, .narrow, false), (true, .narrow, false),
        (true, .narrow, true), (false, .wide, true),
    ])
    func fusedStepEqualsProductThenCell(
        size: (Int, Int), variant: (gather: Bool, tiles: Kernels.TileShape, splitUnits: Bool)
    ) {
        let (M, H) = size, GH = 4 * H, V = 7, gather = variant.gather
        var g = SplitMix64(seed: UInt64(M * 1000 + H))
        let Whh = Self.random(GH * H, &g, scale: 0.2), hPrev = Self.random(M * H, &g), cPrev = Self.random(M * H, &g)
        let bih = Self.random(GH, &g), bhh = Self.random(GH, &g), Wt = Self.random(V * GH, &g)
        let x = (0..<M).map { ($0 * 5 + 3) % V }
        let ipGiven = gather ? (0..<(M * GH)).map { Wt[x[$0 / GH] * GH + $0 % GH] } : Self.random(M * GH, &g)

        /// The step's outputs: W_ih x (as copied), W_hh h_{t-1}, a, gates, h, c.
        func run(fused: Bool) -> [[Float]] {
            var outputs: [[Float]] = [
                fused && gather ? [Float](repeating: .nan, count: M * GH) : ipGiven,
                [Float](repeating: .nan, count: M * GH), [Float](repeating: .nan, count: M * GH),
                [Float](repeating: .nan, count: M * GH), [Float](repeating: .nan, count: M * H),
                [Float](repeating: .nan, count: M * H), [Float](repeating: 0, count: GH * H),
            ]
            borrow(reading: [Whh, hPrev, cPrev, bih, bhh, Wt], writing: &outputs) { r, w in
                let step = CellStep(
                    H: H, inputProjection: w[0].baseAddress!, recurrentProjection: w[1].baseAddress!, bih: r[3].baseAddress!,
                    bhh: r[4].baseAddress!, hPrev: r[1].baseAddress!, cPrev: r[2].baseAddress!, a: w[2].baseAddress!,
                    gates: w[3].baseAddress!, h: w[4].baseAddress!, c: w[5].baseAddress!)
                if fused {
                    Kernels.packGatePairs(H, H, r[0].baseAddress!, into: w[6].baseAddress!)
                    let blocks = H / Kernels.width, half = (blocks + 1) / 2
                    let calls = variant.splitUnits ? [0..<half, half..<blocks] : [0..<blocks]
                    x.withUnsafeBufferPointer { x in
                        for units in calls {
                            Model.lstmStep(
                                rows: M, step, recurrent: w[1].baseAddress!, packedGatePairs: w[6].baseAddress!,
                                columns: gather ? (r[5].baseAddress!, x.baseAddress!) : nil, units: units,
                                shape: variant.tiles)
                        }
                    }
                } else {
                    Kernels.pack(H, GH, r[0].baseAddress!, transposed: true, into: w[6].baseAddress!)
                    Kernels.multiplyPacked(
                        M, GH, H, r[1].baseAddress!, rowStride: H, columnStride: 1, w[6].baseAddress!, w[1].baseAddress!)
                    Model.cellStep(.lstm, rows: M, step)
                }
            }
            return Array(outputs[0..<6])
        }
        let plain = run(fused: false), fused = run(fused: true)
        let names = ["W_ih x", "W_hh h", "a", "gates", "h", "c"]
        for i in 0..<6 {
            #expect(
                plain[i].map(\.bitPattern) == fused[i].map(\.bitPattern), "\(names[i]) differs, M = \(M), H = \(H)")
        }
        // and the product is right: W_hh h_{t-1} by plain sums, to rounding
        var worst: Float = 0
        for m in 0..<M {
            for n in 0..<GH {
                var sum: Float = 0
                for k in 0..<H { sum += hPrev[m * H + k] * Whh[n * H + k] }
                worst = max(worst, abs(sum - fused[1][m * GH + n]))
            }
        }
        #expect(worst < 1e-4)
    }

    /// The cores share a step's units only when the batch is one part and the step is large enough
    /// to be worth a hand-off; from 16 streams each core keeps its own rows.
    @Test func unitsAreSharedForABatchOfOnePartOnly() {
        #expect(Model.splitsUnits(B: 8, H: 256) && Model.splitsUnits(B: 1, H: 256) && Model.splitsUnits(B: 4, H: 64))
        #expect(!Model.splitsUnits(B: 16, H: 256) && !Model.splitsUnits(B: 32, H: 512))
        #expect(!Model.splitsUnits(B: 1, H: 64) && !Model.splitsUnits(B: 8, H: 16))  // too small, one block
    }

    /// A model's parameters and gradients large enough (> 2¹⁶ entries) for the split over both cores,
    /// with tensors whose sizes are not multiples of 16 (scalar tails).
    static func parameters(_ generator: inout SplitMix64) -> (parameters: [Tensor], gradients: [Tensor]) {
        let sizes = [70_001, 1_037, 16, 5, 40_000]
        var parameters: [Tensor] = [], gradients: [Tensor] = []
        for (i, n) in sizes.enumerated() {
            var p = Tensor(name: "p\(i)", shape: [n]), d = Tensor(name: "p\(i)", shape: [n])
            p.values = random(n, &generator)
            d.values = random(n, &generator, scale: 8)
            parameters.append(p)
            gradients.append(d)
        }
        return (parameters, gradients)
    }

    /// Every rule, three updates: into the spare arrays then swapped in, and in place — the same
    /// weights, state and step, bit for bit.
    @Test(arguments: OptimizerKind.allCases)
    func updateIntoSpareEqualsUpdateInPlace(kind: OptimizerKind) {
        var g = SplitMix64(seed: 11)
        let (start, gradients) = Self.parameters(&g)
        var inPlace = Optimizer(kind: kind, parameters: start), spared = inPlace
        var a = start, b = start
        var spare = TrainingSpare()
        for _ in 0..<3 {
            inPlace.update(&a, gradients: gradients, learningRate: 0.01)
            #expect(spared.update(b, gradients: gradients, learningRate: 0.01, into: &spare))
            spare.swap(into: &b, &spared)
        }
        #expect(spared == inPlace)
        for i in a.indices { #expect(a[i].values.map(\.bitPattern) == b[i].values.map(\.bitPattern)) }
    }

    /// An update that makes a weight infinite reports it, and the model and optimizer it was read
    /// from are untouched (the trainer then drops the spare).
    @Test func nonFiniteUpdateIsReportedAndChangesNothing() {
        var g = SplitMix64(seed: 12)
        var (parameters, gradients) = Self.parameters(&g)
        parameters[4].values[39_999] = .greatestFiniteMagnitude
        gradients[4].values[39_999] = -1
        let optimizer = Optimizer(kind: .sgd, parameters: parameters)
        var spare = TrainingSpare()
        let before = parameters
        #expect(!optimizer.update(parameters, gradients: gradients, learningRate: Float.greatestFiniteMagnitude, into: &spare))
        #expect(parameters == before)
        #expect(optimizer.step == 0)
    }

    /// The clipping pass in pieces: ‖g‖ is the plain serial sum (floats over blocks of 256, then
    /// doubles in order), and value clipping changes the same entries as the plain loop.
    @Test(arguments: [Clipping.value(5), .norm(3), .none])
    func clippingInPiecesEqualsTheSerialSums(clipping: Clipping) {
        var g = SplitMix64(seed: 13)
        var (_, gradients) = Self.parameters(&g)
        if case .value = clipping { gradients[0].values[7] = .nan }  // NaN stays NaN and counts as changed
        var squares = 0.0
        for t in gradients {
            let x = t.values
            var j = 0
            while j + 256 <= x.count {
                var block = SIMD16<Float>()
                for u in 0..<16 {
                    var v = SIMD16<Float>()
                    for l in 0..<16 { v[l] = x[j + u * 16 + l] }
                    block += v * v
                }
                squares += Double(block.sum())
                j += 256
            }
            while j < x.count {
                squares += Double(x[j]) * Double(x[j])
                j += 1
            }
        }
        var expected = gradients
        var expectedChanged = 0
        switch clipping {
        case .value(let c):
            for i in expected.indices {
                for j in expected[i].values.indices {
                    let v = expected[i].values[j]
                    if v.isNaN || v > c || v < -c { expectedChanged += 1 }
                    if !v.isNaN { expected[i].values[j] = min(max(v, -c), c) }
                }
            }
        case .norm(let c):
            let scale = Float(Double(c) / squares.squareRoot())
            for i in expected.indices { for j in expected[i].values.indices { expected[i].values[j] *= scale } }
        case .none: break
        }
        let (norm, changed) = clipping.applyCounting(&gradients)
        #expect(norm.bitPattern == squares.squareRoot().bitPattern || (norm.isNaN && squares.isNaN))
        if case .norm = clipping { #expect(norm > 3) }  // so that clipping by norm scales
        if case .value = clipping { #expect(changed == expectedChanged) }
        for i in gradients.indices {
            #expect(gradients[i].values.map(\.bitPattern) == expected[i].values.map(\.bitPattern))
        }
    }
}
