// min-char-rnn's training loop over the reference model, for reading: take the next T
// characters, run forward and backward from the carried state, clip, one Adagrad update, carry
// the state on. The fast engine's `Trainer` with `optimizer: .adagrad` must follow it number for
// number (Tests/CharRNNTests/TrainingTests.swift).
//
// Legend: T steps (the sequence length). The `// code:` lines mark what `code train` shows.

/// Training the reference as min-char-rnn does: Adagrad, gradients clipped to [−5, 5], truncated
/// BPTT over chunks of T characters with the hidden state carried from chunk to chunk.
struct ReferenceTraining {
    /// The model being trained.
    var model: ReferenceModel
    /// Adagrad's memory: the sum of every g² so far, one entry per parameter.
    var memory: ReferenceModel
    /// The state the next chunk starts from.
    var hprev: ReferenceState
    /// Where the next chunk starts in the text.
    var p = 0
    /// T, the characters per chunk.
    let sequenceLength: Int
    /// lr, the learning rate.
    let learningRate: Float

    /// Starts training `model` from h_0 = 0 at the start of the text.
    init(model: ReferenceModel, sequenceLength: Int, learningRate: Float) {
        self.model = model
        memory = .zero(model.shape)
        hprev = .zero(model.shape)
        self.sequenceLength = sequenceLength
        self.learningRate = learningRate
    }

    /// One iteration on the next chunk of `data` (vocabulary indices); returns its summed loss.
    mutating func iterate(on data: [Int]) -> Float {
        let T = sequenceLength, lr = learningRate
        // code: train
        // past the end of the text: back to its start, and to h_0 = 0
        if p + T + 1 >= data.count {
            p = 0
            hprev = .zero(model.shape)
        }
        // the inputs are T characters, the targets the same shifted by one
        let inputs = Array(data[p..<(p + T)])
        let targets = Array(data[(p + 1)..<(p + T + 1)])
        // forward from the carried state, then backpropagation through time
        let pass = model.forward(inputs: inputs, targets: targets, from: hprev)
        var d = ReferenceModel.zero(model.shape)
        model.backward(pass, into: &d)
        // Adagrad, g clipped to [−5, 5]: mem += g²;  p −= lr · g / √(mem + 1e-8)
        var parameters = model.tensors, mem = memory.tensors
        for (i, gradient) in d.tensors.enumerated() {
            for j in gradient.values.indices {
                let g = min(max(gradient.values[j], -5), 5)
                mem[i].values[j] += g * g
                let m = mem[i].values[j]
                parameters[i].values[j] -= lr * g / (m + 1e-8).squareRoot()
            }
        }
        model = ReferenceModel(shape: model.shape, tensors: parameters)
        memory = ReferenceModel(shape: model.shape, tensors: mem)
        // the next chunk starts where this one ended, from its last hidden state
        hprev = pass.state
        p += T
        // code: end
        return pass.loss
    }
}
