// The few operations the reference model is written with: a matrix of Float, W x, Wᵀ d, d xᵀ,
// sums of vectors, softmax. Plain loops over [Float], for reading; the fast engine's kernels
// (Kernels.swift) do the same work many times faster.
//
// Legend: H hidden, V vocabulary, G gates (RNN 1, LSTM 4, GRU 3), In the input size of a layer.

import Foundation

/// A row-major matrix of `Float`: the reference's only container besides `[Float]`.
struct ReferenceMatrix: Equatable {
    /// The number of rows (the output size of W x).
    let rows: Int
    /// The number of columns (the input size of W x).
    let columns: Int
    /// The entries, row after row: W[i, j] is `values[i * columns + j]`.
    var values: [Float]

    /// A rows × columns matrix of zeros.
    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        values = [Float](repeating: 0, count: rows * columns)
    }

    /// The matrix of a model's tensor of shape (rows, columns).
    init(_ tensor: Tensor) {
        rows = tensor.shape[0]
        columns = tensor.shape[1]
        values = tensor.values
    }

    /// W[i, j].
    subscript(i: Int, j: Int) -> Float {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }
}

/// W x: (rows, columns) · (columns) → (rows).
func matmul(_ W: ReferenceMatrix, _ x: [Float]) -> [Float] {
    var y = [Float](repeating: 0, count: W.rows)
    for i in 0..<W.rows {
        for j in 0..<W.columns { y[i] += W[i, j] * x[j] }
    }
    return y
}

/// Wᵀ d: the gradient that flows back through W x to x. (rows, columns)ᵀ · (rows) → (columns).
func matmulTransposed(_ W: ReferenceMatrix, _ d: [Float]) -> [Float] {
    var x = [Float](repeating: 0, count: W.columns)
    for i in 0..<W.rows {
        for j in 0..<W.columns { x[j] += W[i, j] * d[i] }
    }
    return x
}

/// dW += d xᵀ: the gradient of W in W x, for the gradient d at the output and the input x.
func addOuterProduct(_ dW: inout ReferenceMatrix, _ d: [Float], _ x: [Float]) {
    for i in 0..<dW.rows {
        for j in 0..<dW.columns { dW[i, j] += d[i] * x[j] }
    }
}

/// The elementwise sum of vectors of one length.
func add(_ vectors: [Float]...) -> [Float] {
    var sum = [Float](repeating: 0, count: vectors[0].count)
    for v in vectors {
        for j in sum.indices { sum[j] += v[j] }
    }
    return sum
}

/// total += d, elementwise (a gradient summed over steps and streams).
func accumulate(_ total: inout [Float], _ d: [Float]) {
    for j in total.indices { total[j] += d[j] }
}

/// Gate block `gate` of a stacked vector (G·H) → (H): LSTM 0 i, 1 f, 2 g, 3 o; GRU 0 r, 1 z, 2 n.
func block(_ v: [Float], _ gate: Int, _ H: Int) -> [Float] {
    Array(v[(gate * H)..<((gate + 1) * H)])
}

/// The one-hot vector of `index` among `count`: 1 at `index`, 0 elsewhere.
func onehot(_ index: Int, _ count: Int) -> [Float] {
    var x = [Float](repeating: 0, count: count)
    x[index] = 1
    return x
}

/// σ(x) = 1 / (1 + e^{−x}), elementwise.
func sigmoid(_ v: [Float]) -> [Float] { v.map { 1 / (1 + expf(-$0)) } }

/// tanh, elementwise.
func tanh(_ v: [Float]) -> [Float] { v.map { tanhf($0) } }

/// softmax(y)[k] = exp(y[k]) / Σ_j exp(y[j]), computed as exp(y[k] − max y) / Σ_j exp(y[j] − max y)
/// (the same value; the shift keeps exp from overflowing).
func softmax(_ y: [Float]) -> [Float] {
    let maximum = y.max()!
    let e = y.map { expf($0 - maximum) }
    let sum = e.reduce(0, +)
    return e.map { $0 / sum }
}

/// The vector (H) whose entry j is `entry(j)`: an elementwise equation, written for one unit j.
func elementwise(_ count: Int, _ entry: (Int) -> Float) -> [Float] {
    (0..<count).map(entry)
}
