// The engine's unsafe memory access, in one checked place: pointers to several arrays in one scope
// (`borrow`), and named views of a layer's arrays (`LayerBuffers`, `LayerGradientBuffers`) that the
// forward and backward passes index by step: `h(t)`, `c(t)`, `gates(t)`, `a(t)`, `dh(t)` …
//
// Why this shape. The arrays stay the owners: `LayerTrace` and `LayerBackwardTrace` are public value
// types whose `[Float]` arrays the shell's views and the tests read, so their API does not change. Like
// llm.c's `malloc_and_point_activations`, one place turns "the layer's memory" into named pointers with
// shapes; like swift-collections' `_UnsafeDequeHandle`, the unsafe arithmetic lives inside one type whose
// every view checks its step, row and the array's size (in debug builds; release builds check nothing).
// A scope is still needed to reach an array's storage, but only one per pass: `borrow` takes the arrays
// as a list and recurses over it, instead of the caller nesting one `withUnsafe…Pointer` closure per
// array. The time loops then index views, never arrays: no bounds or copy-on-write checks per element.
//
// Steps are counted as the lecture counts them: t = 1 … T, with h_0 (and c_0) the carried state; an
// array of shape (T, B, ·) keeps step t in row t − 1, and one of shape (T + 1, B, ·) keeps h_t in row t.

/// Checks `condition` in debug builds (the engine is compiled with `-O` in every configuration, where
/// `assert` is compiled out; `DEBUG` is what tells a debug build apart).
@inline(__always)
func debugCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    #if DEBUG
        precondition(condition(), message())
    #endif
}

/// Pointers to the storage of several arrays, in order (see `borrow`).
typealias ReadPointers = UnsafeBufferPointer<UnsafeBufferPointer<Float>>
typealias WritePointers = UnsafeBufferPointer<UnsafeMutableBufferPointer<Float>>

/// Runs `body` with the storage of every array of `reading` (read only) and of `writing` (mutable),
/// in their orders: one scope for all of them. Arrays in `writing` should be held only there (move them
/// in with `swap`), or the first access copies them, as any write to a shared array does.
/// The pointer lists live on the stack, so a borrow allocates nothing (the sampler borrows per character).
func borrow<R>(reading: [[Float]], writing: inout [[Float]], _ body: (ReadPointers, WritePointers) -> R) -> R {
    withUnsafeTemporaryAllocation(of: UnsafeBufferPointer<Float>.self, capacity: reading.count) { read in
        withUnsafeTemporaryAllocation(of: UnsafeMutableBufferPointer<Float>.self, capacity: writing.count) { write in
            reading.withUnsafeBufferPointer { sources in
                writing.withUnsafeMutableBufferPointer { targets in
                    // Array i's scope encloses array i + 1's: a recursion instead of a ladder of closures.
                    func open(_ i: Int) -> R {
                        if i < sources.count {
                            return sources[i].withUnsafeBufferPointer { pointer in
                                read.initializeElement(at: i, to: pointer)
                                return open(i + 1)
                            }
                        }
                        if i - sources.count < targets.count {
                            return targets[i - sources.count].withUnsafeMutableBufferPointer { pointer in
                                write.initializeElement(at: i - sources.count, to: pointer)
                                return open(i + 1)
                            }
                        }
                        return body(ReadPointers(read), WritePointers(write))
                    }
                    return open(0)
                }
            }
        }
    }
}

/// `borrow(reading:writing:_:)` with nothing to write.
func borrow<R>(reading: [[Float]], _ body: (ReadPointers) -> R) -> R {
    var none: [[Float]] = []
    return borrow(reading: reading, writing: &none) { read, _ in body(read) }
}

/// `borrow(reading:writing:_:)` with one array to write: a block of memory with named parts.
func borrow<R>(
    reading: [[Float]], writing: inout [Float], _ body: (ReadPointers, UnsafeMutableBufferPointer<Float>) -> R
) -> R {
    writing.withUnsafeMutableBufferPointer { write in borrow(reading: reading) { read in body(read, write) } }
}

/// The parameters of one layer, as pointers: W_ih (G·H, In), W_hh (G·H, H), b_ih (G·H) and b_hh
/// (G·H; nil for the RNN, which has one bias).
struct LayerWeights {
    let Wih: UnsafePointer<Float>, Whh: UnsafePointer<Float>, bih: UnsafePointer<Float>
    let bhh: UnsafePointer<Float>?

    /// The arrays in the order W_ih, W_hh, b_ih, b_hh (the last empty for the RNN).
    static func arrays(of model: Model, layer k: Int) -> [[Float]] {
        let (wi, wh, bi, bh) = model.layerIndices(k)
        let p = model.parameters
        return [p[wi].values, p[wh].values, p[bi].values, bh.map { p[$0].values } ?? []]
    }

    /// The pointers of `arrays(of:layer:)`, borrowed.
    init(_ pointers: Slice<ReadPointers>) {
        debugCheck(pointers.count == 4, "LayerWeights needs W_ih, W_hh, b_ih, b_hh")
        let i = pointers.startIndex
        Wih = pointers[i].baseAddress!
        Whh = pointers[i + 1].baseAddress!
        bih = pointers[i + 2].baseAddress!
        bhh = pointers[i + 3].isEmpty ? nil : pointers[i + 3].baseAddress
    }
}

/// Named views of one layer's forward arrays (a `LayerTrace`) for B streams and T steps: pointers to
/// the rows of a step, from stream `b` on. Shapes: the projections, a and the gates (T, B, G·H);
/// h and c (T + 1, B, H); the packed weights (H, G·H).
struct LayerBuffers {
    let B: Int, T: Int, H: Int, GH: Int
    private let inputProjections: UnsafeMutableBufferPointer<Float>
    private let recurrentProjections: UnsafeMutableBufferPointer<Float>
    private let preactivations: UnsafeMutableBufferPointer<Float>
    private let gateValues: UnsafeMutableBufferPointer<Float>
    private let hiddenValues: UnsafeMutableBufferPointer<Float>
    private let cellValues: UnsafeMutableBufferPointer<Float>
    /// W_ihᵀ, then W_hhᵀ, packed for `Kernels.multiplyAddPacked`: (H, G·H).
    let packedWeights: UnsafeMutablePointer<Float>

    /// The views of `LayerTrace.arrays`' pointers, checked against the shapes.
    init(_ p: some RandomAccessCollection<UnsafeMutableBufferPointer<Float>>, B: Int, T: Int, H: Int, G: Int) {
        let p = Array(p)
        self.B = B
        self.T = T
        self.H = H
        GH = G * H
        debugCheck(p.count == 7, "LayerBuffers needs the seven arrays of a LayerTrace")
        (inputProjections, recurrentProjections, preactivations) = (p[0], p[1], p[2])
        (gateValues, hiddenValues, cellValues) = (p[3], p[4], p[5])
        packedWeights = p[6].baseAddress!
        debugCheck(p[0].count == T * B * GH && p[1].count == T * B * GH && p[2].count == T * B * GH, "projections: (T, B, G·H)")
        debugCheck(p[3].isEmpty || p[3].count == T * B * GH, "gates: (T, B, G·H) or none")
        debugCheck(p[4].count == (T + 1) * B * H, "h: (T + 1, B, H)")
        debugCheck(p[5].isEmpty || p[5].count == (T + 1) * B * H, "c: (T + 1, B, H) or none")
        debugCheck(p[6].count >= H * GH, "packed weights: (H, G·H)")
    }

    /// W_ih x_t for all steps: the (T·B, G·H) block.
    var allInputProjections: UnsafeMutableBufferPointer<Float> { inputProjections }
    /// h_0 … h_T: the (T + 1, B, H) block.
    var allHidden: UnsafeMutableBufferPointer<Float> { hiddenValues }

    /// W_ih x_t (without bias), rows b ..< B of step t ∈ 1 … T.
    func inputProjection(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { step(inputProjections, t, b) }
    /// W_hh h_{t-1} (without bias), rows b ..< B of step t ∈ 1 … T.
    func recurrentProjection(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { step(recurrentProjections, t, b) }
    /// a_t, the gates' pre-activations, rows b ..< B of step t ∈ 1 … T.
    func a(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { step(preactivations, t, b) }
    /// The gates after their nonlinearity at step t ∈ 1 … T (nil for the RNN, which has none).
    func gates(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float>? {
        gateValues.isEmpty ? nil : step(gateValues, t, b)
    }
    /// h_t, rows b ..< B, t ∈ 0 … T (h_0 is the carried state).
    func h(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { state(hiddenValues, t, b) }
    /// c_t (LSTM; nil otherwise), rows b ..< B, t ∈ 0 … T.
    func c(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float>? {
        cellValues.isEmpty ? nil : state(cellValues, t, b)
    }

    /// Row (t − 1, b) of a (T, B, G·H) array.
    @inline(__always)
    private func step(_ values: UnsafeMutableBufferPointer<Float>, _ t: Int, _ b: Int) -> UnsafeMutablePointer<Float> {
        debugCheck(t >= 1 && t <= T && b >= 0 && b < B, "step \(t) of 1…\(T), stream \(b) of \(B)")
        return values.baseAddress! + ((t - 1) * B + b) * GH
    }

    /// Row (t, b) of a (T + 1, B, H) array.
    @inline(__always)
    private func state(_ values: UnsafeMutableBufferPointer<Float>, _ t: Int, _ b: Int) -> UnsafeMutablePointer<Float> {
        debugCheck(t >= 0 && t <= T && b >= 0 && b < B, "state \(t) of 0…\(T), stream \(b) of \(B)")
        return values.baseAddress! + (t * B + b) * H
    }
}

/// A trace whose arrays are moved out into a list and back (swapped, never copied), so that one
/// `borrow` lends them all at once: the trace stays their owner between passes.
protocol ExchangeableArrays {
    /// How many arrays ``exchangeArrays(with:)`` swaps.
    static var arrayCount: Int { get }
    /// Swaps the arrays with `arrays[0 ..< arrayCount]`, in the order the views expect.
    mutating func exchangeArrays(with arrays: inout [[Float]])
}

extension ExchangeableArrays {
    /// Runs `body` with mutable pointers to this trace's arrays and pointers to `reading`; the
    /// arrays are back in the trace when it returns.
    mutating func borrowingArrays<R>(reading: [[Float]], _ body: (ReadPointers, WritePointers) -> R) -> R {
        var arrays = [[Float]](repeating: [], count: Self.arrayCount)
        exchangeArrays(with: &arrays)
        defer { exchangeArrays(with: &arrays) }
        return borrow(reading: reading, writing: &arrays, body)
    }
}

extension LayerTrace: ExchangeableArrays {
    /// Sizes the arrays for B streams and T steps (keeping their storage when it fits) and sets
    /// h_0 (and c_0) to the carried state.
    mutating func prepare(_ shape: ModelShape, B: Int, T: Int, h0: [Float], c0: [Float]) {
        let H = shape.hiddenSize, GH = shape.cell.gateCount * H
        resize(&inputProjection, T * B * GH)
        resize(&recurrentProjection, T * B * GH)
        resize(&preactivation, T * B * GH)
        resize(&gates, shape.cell == .rnn ? 0 : T * B * GH)
        resize(&hidden, (T + 1) * B * H)
        resize(&cell, shape.cell == .lstm ? (T + 1) * B * H : 0)
        resize(&packedWeights, H * GH)  // upper layers: In = H
        for i in 0..<(B * H) { hidden[i] = h0[i] }
        if shape.cell == .lstm { for i in 0..<(B * H) { cell[i] = c0[i] } }
    }

    static let arrayCount = 7

    /// Swaps the seven arrays with `arrays[0 ..< 7]` (moves, not copies), in `LayerBuffers`' order.
    mutating func exchangeArrays(with arrays: inout [[Float]]) {
        swap(&inputProjection, &arrays[0])
        swap(&recurrentProjection, &arrays[1])
        swap(&preactivation, &arrays[2])
        swap(&gates, &arrays[3])
        swap(&hidden, &arrays[4])
        swap(&cell, &arrays[5])
        swap(&packedWeights, &arrays[6])
    }

    /// Runs `body` with mutable views of this trace (sized by `prepare`) and pointers to `reading`.
    mutating func withBuffers<R>(
        _ shape: ModelShape, B: Int, T: Int, reading: [[Float]],
        _ body: (LayerBuffers, ReadPointers) -> R
    ) -> R {
        borrowingArrays(reading: reading) { read, write in
            body(LayerBuffers(write, B: B, T: T, H: shape.hiddenSize, G: shape.cell.gateCount), read)
        }
    }

    /// The seven arrays in `LayerBuffers`' order, to read through `LayerBuffers.reading`.
    var arrays: [[Float]] {
        [inputProjection, recurrentProjection, preactivation, gates, hidden, cell, packedWeights]
    }
}

extension LayerBuffers {
    /// Views of a trace borrowed for reading (`borrow(reading: trace.arrays)`): the backward pass
    /// reads the forward values through the same views and never writes them.
    static func reading(
        _ p: Slice<ReadPointers>, B: Int, T: Int, H: Int, G: Int
    ) -> LayerBuffers {
        LayerBuffers(p.map { UnsafeMutableBufferPointer(mutating: $0) }, B: B, T: T, H: H, G: G)
    }
}

/// Named views of one layer's backward arrays (a `LayerBackwardTrace`) for B streams and T steps.
/// Shapes: dh, dh_next and dc (T, B, H); da and the recurrent side's gradient (T, B, G·H); the packed
/// W_hh (G·H, H).
struct LayerGradientBuffers {
    let B: Int, T: Int, H: Int, GH: Int
    private let dHidden: UnsafeMutableBufferPointer<Float>
    private let dPreactivation: UnsafeMutableBufferPointer<Float>
    private let dRecurrentValues: UnsafeMutableBufferPointer<Float>
    private let dHiddenNext: UnsafeMutableBufferPointer<Float>
    private let dCell: UnsafeMutableBufferPointer<Float>
    /// W_hh packed for `Kernels.multiplyAddPacked`: (G·H, H).
    let packedWeights: UnsafeMutablePointer<Float>

    init(_ p: some RandomAccessCollection<UnsafeMutableBufferPointer<Float>>, B: Int, T: Int, H: Int, G: Int) {
        let p = Array(p)
        self.B = B
        self.T = T
        self.H = H
        GH = G * H
        debugCheck(p.count == 6, "LayerGradientBuffers needs the six arrays of a LayerBackwardTrace")
        (dHidden, dPreactivation, dRecurrentValues, dHiddenNext, dCell) = (p[0], p[1], p[2], p[3], p[4])
        packedWeights = p[5].baseAddress!
        debugCheck(p[0].count == T * B * H && p[3].count == T * B * H, "dh, dh_next: (T, B, H)")
        debugCheck(p[1].count == T * B * GH && (p[2].isEmpty || p[2].count == T * B * GH), "da: (T, B, G·H)")
        debugCheck(p[4].isEmpty || p[4].count == T * B * H, "dc: (T, B, H) or none")
        debugCheck(p[5].count >= GH * H, "packed weights: (G·H, H)")
    }

    /// da_t for all steps: the (T·B, G·H) block (the input side's bias and weight gradients).
    var allDa: UnsafeMutableBufferPointer<Float> { dPreactivation }
    /// The recurrent side's gradient for all steps: the (T·B, G·H) block.
    var allDRecurrent: UnsafeMutableBufferPointer<Float> { dRecurrentValues }

    /// dh_t, the whole gradient reaching h_t, rows b ..< B of step t ∈ 1 … T.
    func dh(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { row(dHidden, t, b, H) }
    /// dh_next_t, what step t passes back to h_{t-1}, rows b ..< B of step t ∈ 1 … T.
    func dhNext(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { row(dHiddenNext, t, b, H) }
    /// dc_t (LSTM; nil otherwise), rows b ..< B of step t ∈ 1 … T.
    func dc(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float>? { dCell.isEmpty ? nil : row(dCell, t, b, H) }
    /// da_t, the gradient at the gates' pre-activations (input side), rows b ..< B of step t ∈ 1 … T.
    func da(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> { row(dPreactivation, t, b, GH) }
    /// The gradient at W_hh h_{t-1} + b_hh (da_t but for the GRU's n block), rows b ..< B of step t:
    /// da_t's rows themselves when the cell has no separate array (`ownDRecurrent` nil).
    func dRecurrent(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float> {
        row(dRecurrentValues.isEmpty ? dPreactivation : dRecurrentValues, t, b, GH)
    }
    /// The recurrent side's own rows of step t (the GRU's), or nil when they are da_t's (RNN, LSTM).
    func ownDRecurrent(_ t: Int, from b: Int = 0) -> UnsafeMutablePointer<Float>? {
        dRecurrentValues.isEmpty ? nil : row(dRecurrentValues, t, b, GH)
    }

    /// Row (t − 1, b) of a (T, B, width) array.
    @inline(__always)
    private func row(_ values: UnsafeMutableBufferPointer<Float>, _ t: Int, _ b: Int, _ width: Int)
        -> UnsafeMutablePointer<Float>
    {
        debugCheck(t >= 1 && t <= T && b >= 0 && b < B, "step \(t) of 1…\(T), stream \(b) of \(B)")
        return values.baseAddress! + ((t - 1) * B + b) * width
    }
}

extension LayerBackwardTrace: ExchangeableArrays {
    /// Sizes the arrays for B streams and T steps, keeping their storage when it fits.
    mutating func prepare(_ shape: ModelShape, B: Int, T: Int) {
        let H = shape.hiddenSize, GH = shape.cell.gateCount * H
        resize(&dHidden, T * B * H)
        // The RNN's and the LSTM's recurrent side is da itself: `dRecurrent` becomes dPreactivation's
        // array after the pass (shared, not copied); emptied here so that da's array is not shared
        // while it is written.
        if shape.cell == .gru { resize(&dRecurrent, T * B * GH) } else { dRecurrent = [] }
        resize(&dPreactivation, T * B * GH)
        resize(&dHiddenNext, T * B * H)
        resize(&dCell, shape.cell == .lstm ? T * B * H : 0)
        resize(&packedWeights, GH * H)
    }

    static let arrayCount = 6

    /// Swaps the six arrays with `arrays[0 ..< 6]` (moves, not copies), in `LayerGradientBuffers`' order.
    mutating func exchangeArrays(with arrays: inout [[Float]]) {
        swap(&dHidden, &arrays[0])
        swap(&dPreactivation, &arrays[1])
        swap(&dRecurrent, &arrays[2])
        swap(&dHiddenNext, &arrays[3])
        swap(&dCell, &arrays[4])
        swap(&packedWeights, &arrays[5])
    }

    /// Runs `body` with mutable views of this trace (sized by `prepare`) and pointers to `reading`.
    mutating func withBuffers<R>(
        _ shape: ModelShape, B: Int, T: Int, reading: [[Float]],
        _ body: (LayerGradientBuffers, ReadPointers) -> R
    ) -> R {
        borrowingArrays(reading: reading) { read, write in
            body(LayerGradientBuffers(write, B: B, T: T, H: shape.hiddenSize, G: shape.cell.gateCount), read)
        }
    }
}
