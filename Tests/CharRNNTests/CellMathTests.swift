import Foundation
import Testing

@testable import CharRNN

/// The engine's cell equations (CellMath.swift) and its checked views of a layer's arrays
/// (LayerBuffers.swift): the 16-wide lanes agree with the one-unit lanes, the views point where the
/// shapes say, and `borrow` hands out every array's storage in order.
@Suite struct CellMathTests {
    /// H = 37: two 16-wide blocks and a tail of five units, so both lane types run in one row.
    static let H = 37, B = 3

    static func random(_ count: Int, _ generator: inout SplitMix64, scale: Double = 2) -> [Float] {
        (0..<count).map { _ in Float((generator.nextUnitDouble() * 2 - 1) * scale) }
    }

    /// The forward values of one random step of `cell` (B rows): a, gates, h, c after `Model.cellStep`.
    struct Forward {
        var ip: [Float], rp: [Float], bih: [Float], bhh: [Float], hPrev: [Float], cPrev: [Float]
        var a: [Float], gates: [Float], h: [Float], c: [Float]
    }

    static func forward(_ cell: CellKind, seed: UInt64) -> Forward {
        var g = SplitMix64(seed: seed)
        let GH = cell.gateCount * H
        var f = Forward(
            ip: random(B * GH, &g), rp: random(B * GH, &g), bih: random(GH, &g), bhh: random(GH, &g),
            hPrev: random(B * H, &g, scale: 1), cPrev: random(B * H, &g), a: [Float](repeating: 0, count: B * GH),
            gates: [Float](repeating: 0, count: B * GH), h: [Float](repeating: 0, count: B * H),
            c: [Float](repeating: 0, count: B * H))
        borrow(reading: [f.ip, f.rp, f.bih, f.bhh, f.hPrev, f.cPrev], writing: &f.outputs) { r, w in
            let step = CellStep(
                H: H, inputProjection: r[0].baseAddress!, recurrentProjection: r[1].baseAddress!, bih: r[2].baseAddress!,
                bhh: cell == .rnn ? nil : r[3].baseAddress!, hPrev: r[4].baseAddress!,
                cPrev: cell == .lstm ? r[5].baseAddress! : nil, a: w[0].baseAddress!,
                gates: cell == .rnn ? nil : w[1].baseAddress!, h: w[2].baseAddress!, c: cell == .lstm ? w[3].baseAddress! : nil)
            Model.cellStep(cell, rows: B, step)
        }
        return f
    }

    /// The forward equations by hand, one unit at a time with libm, against the engine's cell step:
    /// the vector lanes agree with them to the vector σ/tanh's accuracy, the tail units exactly.
    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func forwardLanesMatchTheEquations(cell: CellKind) {
        let f = Self.forward(cell, seed: 7)
        let H = Self.H
        func σ(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
        var worst: Float = 0
        for b in 0..<Self.B {
            for j in 0..<H {
                let i = b * H + j, row = b * cell.gateCount * H
                func x(_ q: Int) -> Float { f.ip[row + q * H + j] + f.bih[q * H + j] }
                func hh(_ q: Int) -> Float { f.rp[row + q * H + j] + f.bhh[q * H + j] }
                func a(_ q: Int) -> Float { x(q) + f.rp[row + q * H + j] + f.bhh[q * H + j] }  // the engine's order
                let h: Float
                switch cell {
                case .rnn:
                    h = tanhf(f.ip[i] + f.rp[i] + f.bih[j])
                case .lstm:
                    let ig = σ(a(0)), fg = σ(a(1)), gg = tanhf(a(2)), og = σ(a(3))
                    let c = fg * f.cPrev[i] + ig * gg
                    #expect(abs(f.c[i] - c) <= 1e-5)
                    h = og * tanhf(c)
                case .gru:
                    let r = σ(a(0)), z = σ(a(1)), n = tanhf(x(2) + r * hh(2))
                    h = (1 - z) * n + z * f.hPrev[i]
                }
                if j >= 32 {  // the tail: Float lanes, libm, the same order of operations
                    #expect(f.h[i] == h, "unit \(j)")
                }
                worst = max(worst, abs(f.h[i] - h))
            }
        }
        #expect(worst <= 1e-5)
    }

    /// The backward step with vector lanes equals the same equations run one unit at a time with
    /// `Float` lanes: exactly for the RNN and the GRU (products only), and for the LSTM to the vector
    /// tanh's accuracy (its dc_t needs tanh c_t).
    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func backwardVectorLanesEqualOneUnitLanes(cell: CellKind) {
        let f = Self.forward(cell, seed: 11)
        let H = Self.H, B = Self.B, GH = cell.gateCount * H
        var g = SplitMix64(seed: 12)
        let dh = Self.random(B * H, &g), dcNext = Self.random(B * H, &g)
        let gatesNext = Self.random(B * GH, &g)
        func run(vector: Bool) -> [[Float]] {
            var outputs: [[Float]] = [
                [Float](repeating: 0, count: B * GH), [Float](repeating: 0, count: B * GH),
                [Float](repeating: 0, count: B * H),
            ]
            borrow(reading: [f.gates, f.hPrev, f.h, f.cPrev, f.c, f.rp, f.bhh, gatesNext, dcNext, dh], writing: &outputs) {
                r, w in
                let lstm = cell == .lstm
                let step = CellGradientStep(
                    H: H, gates: cell == .rnn ? nil : r[0].baseAddress!, hPrev: r[1].baseAddress!, h: r[2].baseAddress!,
                    cPrev: lstm ? r[3].baseAddress! : nil, c: lstm ? r[4].baseAddress! : nil,
                    recurrentProjection: r[5].baseAddress!, bhh: cell == .gru ? r[6].baseAddress! : nil,
                    gatesNext: lstm ? r[7].baseAddress! : nil, dcNext: lstm ? r[8].baseAddress! : nil, dh: r[9].baseAddress!,
                    da: w[0].baseAddress!, dRecurrent: w[1].baseAddress!, dc: lstm ? w[2].baseAddress! : nil)
                if vector {
                    Model.cellBackwardStep(cell, rows: B, step)
                } else {
                    for b in 0..<B {
                        for j in 0..<H {
                            switch cell {
                            case .rnn: RNNEquations.backward(Float.self, step, row: b, unit: j)
                            case .lstm: LSTMEquations.backward(Float.self, step, row: b, unit: j)
                            case .gru: GRUEquations.backward(Float.self, step, row: b, unit: j)
                            }
                        }
                    }
                }
            }
            return outputs
        }
        let fast = run(vector: true), plain = run(vector: false)
        #expect(fast[0].contains { $0 != 0 })
        for (x, y) in zip(fast, plain) {
            if cell == .lstm {
                #expect(maxAbsoluteDifference(x, y) <= 1e-5)
            } else {
                #expect(x == y)
            }
        }
        if cell == .gru {  // the recurrent side of n is da_n ⊙ r; the rest equals da
            for b in 0..<B {
                for j in 0..<H {
                    let row = b * GH
                    #expect(fast[1][row + j] == fast[0][row + j])
                    #expect(fast[1][row + 2 * H + j] == fast[0][row + 2 * H + j] * f.gates[row + j])
                }
            }
        }
    }

    /// The views point at the rows the shapes say: step t ∈ 1 … T in row t − 1 of a (T, B, ·)
    /// array, h_t in row t of the (T + 1, B, H) one; and what is written through them lands in the trace.
    @Test func viewsPointAtTheRowsOfTheirSteps() {
        let shape = ModelShape(cell: .lstm, vocabularySize: 5, hiddenSize: 3, layers: 1)
        let B = 2, T = 4, H = 3, GH = 12
        var trace = LayerTrace()
        let h0: [Float] = [1, 2, 3, 4, 5, 6]
        trace.prepare(shape, B: B, T: T, h0: h0, c0: [Float](repeating: 7, count: B * H))
        trace.withBuffers(shape, B: B, T: T, reading: []) { layer, _ in
            #expect(layer.h(0).pointee == 1)
            #expect(layer.h(0, from: 1).pointee == 4)
            #expect(layer.c(0, from: 1)!.pointee == 7)
            #expect(layer.h(3, from: 1) - layer.h(0) == (3 * B + 1) * H)
            #expect(layer.a(1) == layer.a(2) - B * GH)
            layer.a(2, from: 1).pointee = 42  // row (2 − 1)·B + 1 = 3
            layer.gates(4, from: 1)!.pointee = 43  // the last row, 7
            layer.h(4, from: 1)[H - 1] = 44  // the last element of h
        }
        #expect(trace.preactivation[3 * GH] == 42)
        #expect(trace.gates[7 * GH] == 43)
        #expect(trace.hidden.last == 44)
        #expect(Array(trace.hidden.prefix(B * H)) == h0)
    }

    /// An RNN layer has no gates and no c: its views say so rather than point anywhere.
    @Test func anRNNLayerHasNoGatesOrCell() {
        let shape = ModelShape(cell: .rnn, vocabularySize: 5, hiddenSize: 3, layers: 1)
        var trace = LayerTrace()
        trace.prepare(shape, B: 1, T: 2, h0: [0, 0, 0], c0: [0, 0, 0])
        trace.withBuffers(shape, B: 1, T: 2, reading: []) { layer, _ in
            #expect(layer.gates(1) == nil)
            #expect(layer.c(0) == nil)
        }
    }

    #if DEBUG
        /// In a debug build a view outside its steps stops the program instead of reading past the array.
        @Test func aStepOutsideOneToTStops() async {
            await #expect(processExitsWith: .failure) {
                let shape = ModelShape(cell: .rnn, vocabularySize: 5, hiddenSize: 3, layers: 1)
                var trace = LayerTrace()
                trace.prepare(shape, B: 1, T: 2, h0: [0, 0, 0], c0: [0, 0, 0])
                trace.withBuffers(shape, B: 1, T: 2, reading: []) { layer, _ in
                    _ = layer.a(3)  // steps are 1 … 2
                }
            }
        }
    #endif

    /// `borrow` hands out each array's storage in order; writes land in the arrays, and an array
    /// shared with a copy elsewhere is copied before it is written (the copy keeps its values).
    @Test func borrowGivesEveryArrayInOrder() {
        let a: [Float] = [1, 2], b: [Float] = [3]
        let kept: [Float] = [5, 6, 7]
        var writing: [[Float]] = [kept, [8]]
        let sum = borrow(reading: [a, b], writing: &writing) { read, write in
            #expect(read.count == 2 && write.count == 2)
            #expect(Array(read[0]) == a && Array(read[1]) == b)
            write[0][0] = 50
            write[1][0] = 80
            return read[0][1] + read[1][0]
        }
        #expect(sum == 5)
        #expect(writing == [[50, 6, 7], [80]])
        #expect(kept == [5, 6, 7])
        let none = borrow(reading: []) { read in read.count }
        #expect(none == 0)
    }
}

extension CellMathTests.Forward {
    /// a, the gates, h and c, as one list to borrow for writing.
    var outputs: [[Float]] {
        get { [a, gates, h, c] }
        set { (a, gates, h, c) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }
}
