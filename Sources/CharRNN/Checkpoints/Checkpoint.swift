// Checkpoints: a model (and, for training checkpoints, everything needed to resume exactly) in the
// safetensors format, under PyTorch's names and layouts, so that
//   model = nn.RNN(V, H, L) / nn.LSTM / nn.GRU ;  decoder = nn.Linear(H, V)
// load the `rnn.*` and `decoder.*` tensors as they are. The keys are documented in README.md.
//
//   rnn.weight_ih_l{k} (G·H, In)  rnn.weight_hh_l{k} (G·H, H)  rnn.bias_ih_l{k} (G·H)  rnn.bias_hh_l{k} (G·H)
//   decoder.weight (V, H)  decoder.bias (V)
// The vanilla RNN has one bias b_h: written as bias_ih = b_h, bias_hh = 0; read as b_h = bias_ih + bias_hh.
// Training checkpoints add: optimizer.first.<name>, optimizer.second.<name> (the optimizer's state
// tensors, shaped like <name>), state.h_l{k} and state.c_l{k} (the carried hidden state, (B, H)).

import Foundation

/// What a training checkpoint adds to the model: enough to continue bit for bit.
public struct TrainingState: Sendable, Equatable {
    /// The trainer: hyper-parameters, optimizer state, cursor, carried state, iteration.
    public var trainer: Trainer
    /// The generator's state (dropout, samples during training), if the caller keeps one.
    public var generator: SplitMix64?

    public init(trainer: Trainer, generator: SplitMix64?) {
        self.trainer = trainer
        self.generator = generator
    }
}

/// A model and, optionally, its training state; plus any extra metadata the caller stored.
public struct Checkpoint: Sendable, Equatable {
    /// The model.
    public var model: Model
    /// The training state (nil for a bare model, e.g. one written by PyTorch).
    public var training: TrainingState?
    /// Further string metadata (e.g. the shell's settings), kept as they are.
    public var extra: [String: String]

    public init(model: Model, training: TrainingState? = nil, extra: [String: String] = [:]) {
        self.model = model
        self.training = training
        self.extra = extra
    }

    /// The metadata keys this format defines (everything else is `extra`).
    static let reservedKeys: Set<String> = [
        "format", "format_version", "vocabulary", "cell", "hidden_size", "num_layers", "vocab_size",
        "learning_rate", "optimizer", "clip", "batch_size", "seq_length", "lr_decay_factor", "lr_decay_every",
        "iteration", "cursor_position", "cursor_epochs", "optimizer_step", "generator_state", "dropout",
        "dropout_generator_state", "unit",
    ]

    // MARK: - Writing

    /// The checkpoint as a safetensors file.
    public func file() -> SafetensorsFile {
        let model = self.model
        var tensors: [SafetensorsTensor] = []
        for p in model.parameters {
            if model.shape.cell == .rnn, p.name.hasPrefix("rnn.bias_l") {
                let k = p.name.dropFirst("rnn.bias_l".count)
                tensors.append(.init(name: "rnn.bias_ih_l\(k)", shape: p.shape, values: p.values))
                tensors.append(
                    .init(name: "rnn.bias_hh_l\(k)", shape: p.shape, values: [Float](repeating: 0, count: p.values.count)))
            } else {
                tensors.append(.init(name: p.name, shape: p.shape, values: p.values))
            }
        }
        var metadata = extra
        metadata["format"] = "charrnn"
        metadata["format_version"] = "1"
        metadata["vocabulary"] = Checkpoint.vocabularyJSON(model.vocabulary)
        metadata["unit"] = model.vocabulary.unit.rawValue
        metadata["cell"] = model.shape.cell.rawValue
        metadata["hidden_size"] = String(model.shape.hiddenSize)
        metadata["num_layers"] = String(model.shape.layers)
        metadata["vocab_size"] = String(model.shape.vocabularySize)
        if let training {
            let trainer = training.trainer, c = trainer.configuration
            metadata["learning_rate"] = String(c.learningRate)
            metadata["optimizer"] = c.optimizer.rawValue
            metadata["clip"] = Checkpoint.clipText(c.clipping)
            metadata["batch_size"] = String(c.batchSize)
            metadata["seq_length"] = String(c.sequenceLength)
            metadata["lr_decay_factor"] = String(c.schedule.factor)
            metadata["lr_decay_every"] = String(c.schedule.every)
            metadata["dropout"] = String(c.dropout)
            metadata["dropout_generator_state"] = String(trainer.generator.state)
            metadata["iteration"] = String(trainer.iteration)
            metadata["cursor_position"] = String(trainer.cursor.position)
            metadata["cursor_epochs"] = String(trainer.cursor.epochs)
            metadata["optimizer_step"] = String(trainer.optimizer.step)
            if let g = training.generator { metadata["generator_state"] = String(g.state) }
            for (i, p) in model.parameters.enumerated() {
                if i < trainer.optimizer.first.count {
                    tensors.append(.init(name: "optimizer.first.\(p.name)", shape: p.shape, values: trainer.optimizer.first[i]))
                }
                if i < trainer.optimizer.second.count {
                    tensors.append(.init(name: "optimizer.second.\(p.name)", shape: p.shape, values: trainer.optimizer.second[i]))
                }
            }
            let B = trainer.state.batchSize, H = model.shape.hiddenSize
            for k in 0..<model.shape.layers {
                tensors.append(.init(name: "state.h_l\(k)", shape: [B, H], values: trainer.state.hidden[k]))
                if model.shape.cell == .lstm {
                    tensors.append(.init(name: "state.c_l\(k)", shape: [B, H], values: trainer.state.cell[k]))
                }
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Writes the checkpoint atomically (a temporary file, then a rename). An existing file that is
    /// not a checkpoint (not safetensors) is only replaced with `force`; see `checkWritable(path:force:)`.
    public func write(path: String, force: Bool = false) throws(CheckpointError) {
        do { try file().write(path: path, force: force) } catch { throw .file(error) }
    }

    /// Checks, without writing anything, that a checkpoint may be written to `path`: its directory
    /// exists and is writable; an existing `path` is a writable regular file, and (unless `force`) a
    /// checkpoint or empty. For `charrnn train --save PATH` and the like, to check before a long run.
    public static func checkWritable(path: String, force: Bool = false) throws(CheckpointError) {
        do { try SafetensorsFile.checkWritable(path: path, force: force) } catch { throw .file(error) }
    }

    static func vocabularyJSON(_ vocabulary: Vocabulary) -> String {
        let strings = vocabulary.characters.map { String($0) }
        let data = try! JSONSerialization.data(withJSONObject: strings, options: [])
        return String(decoding: data, as: UTF8.self)
    }

    static func clipText(_ clipping: Clipping) -> String {
        switch clipping {
        case .none: return "none"
        case .value(let c): return "value:\(c)"
        case .norm(let c): return "norm:\(c)"
        }
    }

    // MARK: - Reading

    /// The checkpoint format version this charrnn writes and understands.
    public static let formatVersion = 1

    /// Reads and validates a checkpoint. Any problem is one error naming the file and the problem.
    ///
    /// Validate before allocating, in this order: a regular file of at most `maximumFileSize` bytes
    /// (stat(2) refuses a FIFO, a device or a directory before anything is opened), the header length
    /// against the file's size, the header (bounded), every metadata number against `SettingRanges`,
    /// the tensors' names, shapes and dtypes as the header gives them, and only then the data. So no
    /// number from the file is used to read or allocate before it is checked, and a file over the
    /// limit costs nothing to refuse.
    public static func read(path: String, maximumFileSize: Int = SafetensorsFile.maximumFileSize)
        throws(CheckpointError) -> Checkpoint
    {
        let reader: SafetensorsReader
        do { reader = try SafetensorsReader(path: path, maximumFileSize: maximumFileSize) } catch { throw .file(error) }
        let shapes = Dictionary(reader.header.entries.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        _ = try Layout(metadata: reader.header.metadata, shapes: shapes, source: path)
        let file: SafetensorsFile
        // Only the tensors a checkpoint uses are read; others (a stranger's extras) are skipped unread.
        let used = ["rnn.", "decoder.", "optimizer.first.", "optimizer.second.", "state."]
        do { file = try reader.readFile { name in used.contains { name.hasPrefix($0) } } } catch { throw .file(error) }
        return try Checkpoint(file: file, source: path)
    }

    /// Builds a checkpoint from a decoded safetensors file, validating every tensor and key.
    ///
    /// The metadata and the tensors' shapes are checked first (`Layout`), so the model's arrays are
    /// only made once their sizes are known to match tensors that the file really holds.
    public init(file: SafetensorsFile, source: String) throws(CheckpointError) {
        func fail(_ message: String) -> CheckpointError { .invalid(source: source, message) }
        let shapes = Dictionary(file.tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        let layout = try Layout(metadata: file.metadata, shapes: shapes, source: source)
        let shape = layout.shape, cell = shape.cell, H = shape.hiddenSize
        var parameters = shape.emptyParameters()
        for i in parameters.indices {
            let name = parameters[i].name
            if cell == .rnn, name.hasPrefix("rnn.bias_l") {  // b_h = bias_ih + bias_hh
                let k = name.dropFirst("rnn.bias_l".count)
                let bih = try Checkpoint.tensor(file, "rnn.bias_ih_l\(k)", shape: parameters[i].shape, fail)
                let bhh =
                    file["rnn.bias_hh_l\(k)"] == nil
                    ? [Float](repeating: 0, count: bih.count)
                    : try Checkpoint.tensor(file, "rnn.bias_hh_l\(k)", shape: parameters[i].shape, fail)
                parameters[i].values = zip(bih, bhh).map { $0 + $1 }
            } else {
                parameters[i].values = try Checkpoint.tensor(file, name, shape: parameters[i].shape, fail)
            }
        }
        let model: Model
        do { model = try Model(vocabulary: layout.vocabulary, shape: shape, parameters: parameters) } catch {
            throw fail(MetadataText.shown("\(error)", limit: 200))
        }
        self.model = model
        // Strings from a stranger's file: keys with control characters are dropped, values neutralised.
        var extra: [String: String] = [:]
        for (key, value) in file.metadata where !Checkpoint.reservedKeys.contains(key) {
            guard MetadataText.neutralised(key) == key else { continue }
            extra[key] = MetadataText.neutralised(value)
        }
        self.extra = extra

        // Training state: present when the metadata has an iteration (its numbers are checked).
        guard let plan = layout.training else {
            training = nil
            return
        }
        let configuration = plan.configuration
        var optimizer = Optimizer(kind: configuration.optimizer, parameters: parameters)
        optimizer.step = plan.optimizerStep
        // Adagrad's and RMSprop's memory and Adam's v are sums or means of squares: a negative
        // entry is a damaged file (its first update would divide by the root of a negative number).
        let firstIsSquares = configuration.optimizer == .adagrad || configuration.optimizer == .rmsprop
        for i in optimizer.first.indices {
            let name = "optimizer.first.\(parameters[i].name)"
            optimizer.first[i] = try Checkpoint.tensor(file, name, shape: parameters[i].shape, fail)
            if firstIsSquares, optimizer.first[i].contains(where: { $0 < 0 }) {
                throw fail("tensor \(name) holds negative values (a sum of squares cannot be negative)")
            }
        }
        for i in optimizer.second.indices {
            let name = "optimizer.second.\(parameters[i].name)"
            optimizer.second[i] = try Checkpoint.tensor(file, name, shape: parameters[i].shape, fail)
            if optimizer.second[i].contains(where: { $0 < 0 }) {
                throw fail("tensor \(name) holds negative values (a mean of squares cannot be negative)")
            }
        }
        let B = configuration.batchSize
        var state = RecurrentState.zero(shape, batchSize: B)
        for k in 0..<shape.layers {
            state.hidden[k] = try Checkpoint.tensor(file, "state.h_l\(k)", shape: [B, H], fail)
            if cell == .lstm { state.cell[k] = try Checkpoint.tensor(file, "state.c_l\(k)", shape: [B, H], fail) }
        }
        // The cursor's stream length depends on the text; the caller re-attaches it (`Trainer.attach`).
        // B ≤ 256 and T ≤ 1000 were checked, so B · (T + 2) cannot overflow.
        var cursor = try? BatchCursor(
            count: B * (configuration.sequenceLength + 2), batchSize: B, sequenceLength: configuration.sequenceLength)
        cursor?.position = plan.cursorPosition
        cursor?.epochs = plan.cursorEpochs
        var trainer = try? Trainer(
            model: model, configuration: configuration, trainingCount: B * (configuration.sequenceLength + 2))
        trainer?.optimizer = optimizer
        trainer?.state = state
        trainer?.iteration = plan.iteration
        if let seed = plan.dropoutGeneratorState { trainer?.generator = SplitMix64(seed: seed) }
        if let cursor { trainer?.cursor = cursor }
        guard let trainer else { throw fail("training metadata describes an impossible batch") }
        training = TrainingState(trainer: trainer, generator: plan.generatorState.map { SplitMix64(seed: $0) })
    }

    /// A tensor's values, checked for presence, shape and finiteness.
    static func tensor(
        _ file: SafetensorsFile, _ name: String, shape: [Int], _ fail: (String) -> CheckpointError
    ) throws(CheckpointError) -> [Float] {
        guard let t = file[name] else { throw fail("tensor \(name) is missing") }
        guard t.shape == shape else { throw fail("tensor \(name) has shape \(t.shape), expected \(shape)") }
        guard t.values.allSatisfy(\.isFinite) else { throw fail("tensor \(name) holds NaN or infinite values") }
        return t.values
    }
}

extension Trainer {
    /// Re-attaches a trainer restored from a checkpoint to its text: the cursor's stream length
    /// depends on the text's length. Throws if the text is too short for the batch.
    ///
    /// The counters were checked at load (at most 2^40), so nothing here or in `BatchCursor.next`
    /// can overflow; a position past this text's streams (a checkpoint from a longer text) makes
    /// the next chunk start again at 0, as the end of an epoch does.
    public mutating func attach(trainingCount count: Int) throws(CorpusError) {
        var cursor = try BatchCursor(
            count: count, batchSize: configuration.batchSize, sequenceLength: configuration.sequenceLength)
        cursor.position = self.cursor.position
        cursor.epochs = self.cursor.epochs
        self.cursor = cursor
    }
}

/// What can go wrong reading or writing a checkpoint.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read or written, or is not valid safetensors.
    case file(SafetensorsError)
    /// The file is valid safetensors but not a valid charrnn model.
    case invalid(source: String, String)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .invalid(let source, let message): return "\(source): \(message)"
        }
    }
}

extension Clipping {
    /// Reads a clipping as people and checkpoints write it: `none` or `off`; `C` or `value:C`
    /// (each entry to ±C); `norm:C` (the global norm to C). C must be a positive finite number.
    public init?(parsing text: String) {
        let lower = text.lowercased()
        if lower == "none" || lower == "off" {
            self = .none
            return
        }
        let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
        let (kind, number) = parts.count == 2 ? (parts[0], parts[1]) : ("value", lower)
        guard let c = Float(number), c > 0, c.isFinite else { return nil }
        switch kind {
        case "value": self = .value(c)
        case "norm": self = .norm(c)
        default: return nil
        }
    }
}
