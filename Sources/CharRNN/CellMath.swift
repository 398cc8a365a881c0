// Each cell's equations, forward and backward, written once: the same generic code runs on 16 hidden
// units at a time (`SIMD16<Float>` lanes) and on the units left over one at a time (`Float`), so the
// vector loop and its scalar tail cannot drift apart. The passes (Model+Forward.swift,
// Model+Backward.swift) and the sampler call `Model.cellStep` and `Model.cellBackwardStep` once per step.
//
// Legend: B rows (streams), H hidden, G gates; a step's arrays are (B, G·H) with the gates side by side
// (LSTM i f g o, GRU r z n) or (B, H). `b` is a row, `j` the first of the units a lane type covers.
//
// The lanes give the same numbers as the hand-written loops they replace: `Float` lanes use libm
// (`expf`, `tanhf`), vector lanes `Kernels.exp`-based σ and tanh, each in the same order of operations.

import Foundation

/// A type holding one hidden unit (`Float`) or sixteen (`SIMD16<Float>`), with what the cells need.
protocol Lanes {
    /// How many units one value holds.
    static var count: Int { get }
    /// The units at p, p + 1, ….
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Writes the units to p, p + 1, ….
    func store(_ p: UnsafeMutablePointer<Float>)
    /// 1 in every lane.
    static var one: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    /// σ(x) = 1 / (1 + e^{−x}).
    static func sigmoid(_ x: Self) -> Self
    /// tanh(x).
    static func tanh(_ x: Self) -> Self
}

extension Float: Lanes {
    @inline(__always) static var count: Int { 1 }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Float { p.pointee }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { p.pointee = self }
    @inline(__always) static var one: Float { 1 }
    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanhf(x) }
}

extension SIMD16: Lanes where Scalar == Float {
    @inline(__always) static var count: Int { 16 }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { Kernels.load(p) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { Kernels.store(self, p) }
    @inline(__always) static var one: Self { Self(repeating: 1) }
    @inline(__always) static func sigmoid(_ x: Self) -> Self { Kernels.sigmoid(x) }
    @inline(__always) static func tanh(_ x: Self) -> Self { Kernels.tanh(x) }
}

/// What one step of one layer reads and writes in the forward pass, for rows 0 ..< B (each pointer
/// at row 0 of its array). `c…` only for the LSTM, `gates` not for the RNN, `bhh` not for the RNN.
struct CellStep {
    var H: Int
    /// W_ih x_t and W_hh h_{t-1}, without biases: (B, G·H).
    var inputProjection: UnsafePointer<Float>, recurrentProjection: UnsafePointer<Float>
    /// b_ih (b_h for the RNN) and b_hh: (G·H).
    var bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>?
    /// h_{t-1} and c_{t-1}: (B, H).
    var hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?
    /// Written: a_t and the gates (B, G·H), h_t and c_t (B, H).
    var a: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>?
    var h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>?
}

/// What one step of one layer reads and writes in the backward pass, for rows 0 ..< B.
struct CellGradientStep {
    var H: Int
    /// The forward values of step t: the gates (B, G·H), h_{t-1}, h_t, c_{t-1}, c_t (B, H), and for the
    /// GRU W_hh h_{t-1} (B, G·H) and b_hh.
    var gates: UnsafePointer<Float>?, hPrev: UnsafePointer<Float>, h: UnsafePointer<Float>
    var cPrev: UnsafePointer<Float>?, c: UnsafePointer<Float>?
    var recurrentProjection: UnsafePointer<Float>, bhh: UnsafePointer<Float>?
    /// The LSTM's f_{t+1} comes with the next step's gates and dc_{t+1} (nil at t = T).
    var gatesNext: UnsafePointer<Float>?, dcNext: UnsafePointer<Float>?
    /// dh_t, the whole gradient reaching h_t: (B, H).
    var dh: UnsafePointer<Float>
    /// Written: da_t (B, G·H), the recurrent side's gradient (B, G·H), dc_t (B, H; LSTM). The RNN's and
    /// the LSTM's recurrent side is da itself: with `dRecurrent` nil it is not written a second time.
    var da: UnsafeMutablePointer<Float>, dRecurrent: UnsafeMutablePointer<Float>?, dc: UnsafeMutablePointer<Float>?
}

/// One cell's equations for the units j ..< j + L.count of row b.
protocol CellEquations {
    static func forward<L: Lanes>(_ lanes: L.Type, _ s: CellStep, row b: Int, unit j: Int)
    static func backward<L: Lanes>(_ lanes: L.Type, _ s: CellGradientStep, row b: Int, unit j: Int)
}

/// RNN: a_t = W_xh x_t + W_hh h_{t-1} + b_h, h_t = tanh(a_t).
enum RNNEquations: CellEquations {
    @inline(__always)
    static func forward<L: Lanes>(_: L.Type, _ s: CellStep, row b: Int, unit j: Int) {
        let i = b * s.H + j
        let a = L.load(s.inputProjection + i) + L.load(s.recurrentProjection + i) + L.load(s.bih + j)  // a_t
        a.store(s.a + i)
        L.tanh(a).store(s.h + i)  // h_t = tanh(a_t)
    }

    @inline(__always)
    static func backward<L: Lanes>(_: L.Type, _ s: CellGradientStep, row b: Int, unit j: Int) {
        let i = b * s.H + j
        let h = L.load(s.h + i)
        let da = (L.one - h * h) * L.load(s.dh + i)  // dh_raw = (1 − h²) ⊙ dh
        da.store(s.da + i)
        if let dRecurrent = s.dRecurrent { da.store(dRecurrent + i) }
    }
}

/// LSTM: [i f g o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh; c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
enum LSTMEquations: CellEquations {
    @inline(__always)
    static func forward<L: Lanes>(_: L.Type, _ s: CellStep, row b: Int, unit j: Int) {
        let H = s.H, row = b * 4 * H, bhh = s.bhh!, gates = s.gates!
        /// a of gate q (0 i, 1 f, 2 g, 3 o) = W_ih x + b_ih + W_hh h + b_hh.
        @inline(__always) func a(_ q: Int) -> L {
            let k = q * H + j
            return L.load(s.inputProjection + row + k) + L.load(s.bih + k) + L.load(s.recurrentProjection + row + k)
                + L.load(bhh + k)
        }
        let ai = a(0), af = a(1), ag = a(2), ao = a(3)
        ai.store(s.a + row + j)
        af.store(s.a + row + H + j)
        ag.store(s.a + row + 2 * H + j)
        ao.store(s.a + row + 3 * H + j)
        let i = L.sigmoid(ai)  // i = σ(a_i)
        let f = L.sigmoid(af)  // f = σ(a_f)
        let g = L.tanh(ag)  // g = tanh(a_g)
        let o = L.sigmoid(ao)  // o = σ(a_o)
        i.store(gates + row + j)
        f.store(gates + row + H + j)
        g.store(gates + row + 2 * H + j)
        o.store(gates + row + 3 * H + j)
        let c = f * L.load(s.cPrev! + b * H + j) + i * g  // c_t = f ⊙ c_{t-1} + i ⊙ g
        c.store(s.c! + b * H + j)
        (o * L.tanh(c)).store(s.h + b * H + j)  // h_t = o ⊙ tanh(c_t)
    }

    @inline(__always)
    static func backward<L: Lanes>(_: L.Type, _ s: CellGradientStep, row b: Int, unit j: Int) {
        let H = s.H, row = b * 4 * H, gates = s.gates!
        let i = L.load(gates + row + j), f = L.load(gates + row + H + j)
        let g = L.load(gates + row + 2 * H + j), o = L.load(gates + row + 3 * H + j)
        let tc = L.tanh(L.load(s.c! + b * H + j))
        let dh = L.load(s.dh + b * H + j)
        var dc = dh * o * (L.one - tc * tc)  // dc_t = dh ⊙ o ⊙ (1 − tanh² c_t)
        if let gatesNext = s.gatesNext {  //      + dc_{t+1} ⊙ f_{t+1}
            dc = dc + L.load(s.dcNext! + b * H + j) * L.load(gatesNext + row + H + j)
        }
        dc.store(s.dc! + b * H + j)
        let dai = dc * g * i * (L.one - i)  // da_i = dc ⊙ g ⊙ i(1 − i)
        let daf = dc * L.load(s.cPrev! + b * H + j) * f * (L.one - f)  // da_f = dc ⊙ c_{t-1} ⊙ f(1 − f)
        let dag = dc * i * (L.one - g * g)  // da_g = dc ⊙ i ⊙ (1 − g²)
        let dao = dh * tc * o * (L.one - o)  // da_o = dh ⊙ tanh c_t ⊙ o(1 − o)
        dai.store(s.da + row + j)
        daf.store(s.da + row + H + j)
        dag.store(s.da + row + 2 * H + j)
        dao.store(s.da + row + 3 * H + j)
        if let dRecurrent = s.dRecurrent {  // the same on the recurrent side, when it has its own array
            dai.store(dRecurrent + row + j)
            daf.store(dRecurrent + row + H + j)
            dag.store(dRecurrent + row + 2 * H + j)
            dao.store(dRecurrent + row + 3 * H + j)
        }
    }
}

/// GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(…), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.
enum GRUEquations: CellEquations {
    @inline(__always)
    static func forward<L: Lanes>(_: L.Type, _ s: CellStep, row b: Int, unit j: Int) {
        let H = s.H, row = b * 3 * H, bhh = s.bhh!, gates = s.gates!
        /// Gate q's input side W_i· x + b_i· and recurrent side W_h· h + (without b_h·).
        @inline(__always) func x(_ q: Int) -> L { L.load(s.inputProjection + row + q * H + j) + L.load(s.bih + q * H + j) }
        @inline(__always) func hh(_ q: Int) -> L { L.load(s.recurrentProjection + row + q * H + j) }
        let ar = x(0) + hh(0) + L.load(bhh + j)
        let az = x(1) + hh(1) + L.load(bhh + H + j)
        let r = L.sigmoid(ar), z = L.sigmoid(az)  // r, z = σ(·)
        let an = x(2) + r * (hh(2) + L.load(bhh + 2 * H + j))
        let n = L.tanh(an)  // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        ar.store(s.a + row + j)
        az.store(s.a + row + H + j)
        an.store(s.a + row + 2 * H + j)
        r.store(gates + row + j)
        z.store(gates + row + H + j)
        n.store(gates + row + 2 * H + j)
        ((L.one - z) * n + z * L.load(s.hPrev + b * H + j)).store(s.h + b * H + j)  // h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
    }

    @inline(__always)
    static func backward<L: Lanes>(_: L.Type, _ s: CellGradientStep, row b: Int, unit j: Int) {
        let H = s.H, row = b * 3 * H, gates = s.gates!
        let r = L.load(gates + row + j), z = L.load(gates + row + H + j), n = L.load(gates + row + 2 * H + j)
        let dh = L.load(s.dh + b * H + j)
        let dan = dh * (L.one - z) * (L.one - n * n)  // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
        let hn = L.load(s.recurrentProjection + row + 2 * H + j) + L.load(s.bhh! + 2 * H + j)  // W_hn h_{t-1} + b_hn
        let dar = dan * hn * r * (L.one - r)  // da_r = da_n ⊙ hn ⊙ r(1 − r)
        let daz = dh * (L.load(s.hPrev + b * H + j) - n) * z * (L.one - z)  // da_z = dh ⊙ (h_{t-1} − n) ⊙ z(1 − z)
        dar.store(s.da + row + j)
        daz.store(s.da + row + H + j)
        dan.store(s.da + row + 2 * H + j)
        let dRecurrent = s.dRecurrent!  // the GRU's differs from da in the n block
        dar.store(dRecurrent + row + j)
        daz.store(dRecurrent + row + H + j)
        (dan * r).store(dRecurrent + row + 2 * H + j)  // the recurrent side of n sits inside r ⊙ (…)
    }
}

extension Model {
    /// One step of one layer's cell for rows 0 ..< B of `s`: writes a_t, the gates, h_t (and c_t).
    /// Shared by the batched forward pass and the sampler's `Stepper`. `s.h` must not alias `s.hPrev`.
    @inline(__always)
    static func cellStep(_ cell: CellKind, rows B: Int, _ s: CellStep) {
        switch cell {
        case .rnn: cellStep(RNNEquations.self, rows: B, s)
        case .lstm: cellStep(LSTMEquations.self, rows: B, s)
        case .gru: cellStep(GRUEquations.self, rows: B, s)
        }
    }

    @inline(__always)
    static func cellStep<C: CellEquations>(_: C.Type, rows B: Int, _ s: CellStep) {
        let w = Kernels.width
        for b in 0..<B {
            var j = 0
            while j + w <= s.H {  // 16 units at a time
                C.forward(Kernels.Vector.self, s, row: b, unit: j)
                j += w
            }
            while j < s.H {  // the rest one at a time, through the same equations
                C.forward(Float.self, s, row: b, unit: j)
                j += 1
            }
        }
    }

    /// Whether `lstmStep` can run a layer of H units (its unit blocks are whole vectors).
    static func fusesLSTMStep(_ cell: CellKind, hiddenSize H: Int) -> Bool {
        cell == .lstm && H % Kernels.width == 0 && H > 0
    }

    /// One LSTM step for rows 0 ..< M with the cell's equations in the recurrent product's epilogue:
    ///   W_hh h_{t-1} (M, 4·H) = h_{t-1} (M, H) · W_hhᵀ, written to `recurrent` (= s.recurrentProjection)
    /// a tile at a time — the four gates of 16 units, from two panels of `Kernels.packGatePairs` (i f,
    /// then g o), × a row tile (`Kernels.forEachRowTile`) —, and as soon as a tile is done,
    /// `LSTMEquations.forward` for its rows and units, while its W_hh h_{t-1} is still in L1 (no second
    /// pass over the step). Units outside, rows inside: the two panels (K × 64 floats) are read from
    /// memory once a step and stay in cache for every row tile (W_hh, 1 MB at H = 256, 4 MB at 512,
    /// does not fit a core's L2).
    /// The same tiles, the same order of summation (k in blocks of `Kernels.kBlock`) and the same
    /// equations as `Kernels.multiplyPacked` then `cellStep`: the same bits.
    /// With `columns` (the first layer: Wᵀ (V, 4·H) and the step's characters x, one per row), the
    /// input projection W_xh x_t = Wᵀ[x_t] is copied into s.inputProjection just before the equations
    /// read it, four gates × 16 units at a time, rather than by a pass of its own.
    static func lstmStep(
        rows M: Int, _ s: CellStep, recurrent: UnsafeMutablePointer<Float>, packedGatePairs P: UnsafePointer<Float>,
        columns: (Wt: UnsafePointer<Float>, x: UnsafePointer<Int>)? = nil, units: Range<Int>? = nil,
        shape: Kernels.TileShape = .host
    ) {
        let H = s.H, GH = 4 * H, K = H, w = Kernels.width
        debugCheck(UnsafePointer(recurrent) == s.recurrentProjection, "the step's W_hh h_{t-1} is written to `recurrent`")
        // h_{t-1} copied tile by tile, its rows side by side for each k (`Kernels.copyRowTiles`): the
        // tiles read it at fixed offsets, for every unit block.
        let hTiles = UnsafeMutablePointer<Float>.allocate(capacity: M * K)
        defer { hTiles.deallocate() }
        Kernels.copyRowTiles(0, M, M, shape, K, s.hPrev, H, 1, into: hTiles)
        for u in units ?? 0..<(H / w) {  // units j = 16u ..< 16u + 16: their two panels stay in cache for every row
            Kernels.forEachRowTile(0, M, M, shape) { m, r in  // the product's tiles (`multiplyAddPanel`)
                // The lines this tile's rows and units will write, and read after the product, asked
                // for now (`Kernels.prefetchRows`): the step's arrays are fresh memory every step.
                for q in 0..<4 {
                    let k = m * GH + q * H + w * u
                    Kernels.prefetchRows(recurrent + k, r, columns: w, GH)
                    Kernels.prefetchRows(s.a + k, r, columns: w, GH)
                    if let gates = s.gates { Kernels.prefetchRows(gates + k, r, columns: w, GH) }
                    if columns == nil { Kernels.prefetchRows(s.inputProjection + k, r, columns: w, GH) }
                }
                Kernels.prefetchRows(s.h + m * H + w * u, r, columns: w, H)
                if let c = s.c { Kernels.prefetchRows(c + m * H + w * u, r, columns: w, H) }
                for pair in 0..<2 {  // gates i f, then g o: one 32-column panel each
                    let panel = P + (2 * u + pair) * 2 * w * K
                    let c = recurrent + m * GH + 2 * pair * H + w * u  // gate 2·pair's block; the other H further
                    var k0 = 0
                    while k0 < K {  // Σ_k h_{t-1}[m, k] · W_hh[gate unit, k], k in blocks
                        let kc = min(Kernels.kBlock, K - k0), add = k0 > 0
                        let a = hTiles + m * K + k0 * r, b = panel + k0 * 2 * w  // the tile's (K, r) block, from k0
                        Kernels.copiedTile(r, shape, kc, a, b, 2 * w, c, GH, add, second: H)
                        k0 += kc
                    }
                }
                if let columns {  // W_xh x_t for these rows and units: the columns of W_xh that x_t's one picks
                    let input = UnsafeMutablePointer(mutating: s.inputProjection)
                    for b in m..<(m + r) {
                        for q in 0..<4 {
                            let k = q * H + w * u
                            Kernels.store(Kernels.load(columns.Wt + columns.x[b] * GH + k), input + b * GH + k)
                        }
                    }
                }
                // a_t, the gates, c_t and h_t of these rows and units: the legend's equations
                for b in m..<(m + r) { LSTMEquations.forward(Kernels.Vector.self, s, row: b, unit: w * u) }
            }
        }
    }

    /// One step of one layer's backward pass for rows 0 ..< B of `s`: writes da_t, the recurrent
    /// side's gradient (and dc_t), given dh_t.
    @inline(__always)
    static func cellBackwardStep(_ cell: CellKind, rows B: Int, _ s: CellGradientStep) {
        switch cell {
        case .rnn: cellBackwardStep(RNNEquations.self, rows: B, s)
        case .lstm: cellBackwardStep(LSTMEquations.self, rows: B, s)
        case .gru: cellBackwardStep(GRUEquations.self, rows: B, s)
        }
    }

    @inline(__always)
    static func cellBackwardStep<C: CellEquations>(_: C.Type, rows B: Int, _ s: CellGradientStep) {
        let w = Kernels.width
        for b in 0..<B {
            var j = 0
            while j + w <= s.H {  // 16 units at a time
                C.backward(Kernels.Vector.self, s, row: b, unit: j)
                j += w
            }
            while j < s.H {  // the rest one at a time, through the same equations
                C.backward(Float.self, s, row: b, unit: j)
                j += 1
            }
        }
    }
}
