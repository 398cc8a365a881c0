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
        "dropout_generator_state",
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

    /// Writes the checkpoint atomically (a temporary file, then a rename).
    public func write(path: String) throws(CheckpointError) {
        do { try file().write(path: path) } catch { throw .file(error) }
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

    /// Reads and validates a checkpoint. Any problem is one error naming the file and the problem.
    public static func read(path: String) throws(CheckpointError) -> Checkpoint {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(path: path) } catch { throw .file(error) }
        return try Checkpoint(file: file, source: path)
    }

    /// Builds a checkpoint from a decoded safetensors file, validating every tensor and key.
    public init(file: SafetensorsFile, source: String) throws(CheckpointError) {
        func fail(_ message: String) -> CheckpointError { .invalid(source: source, message) }
        let meta = file.metadata
        if let format = meta["format"], format != "charrnn" { throw fail("metadata format is '\(format)', expected 'charrnn'") }
        // The vocabulary: a JSON array of one-character strings, in index order.
        guard let vocabularyText = meta["vocabulary"] else {
            throw fail("no 'vocabulary' in the metadata: a JSON array of one-character strings in index order is required")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(vocabularyText.utf8)) as? [String] else {
            throw fail("metadata 'vocabulary' is not a JSON array of strings")
        }
        var characters: [Character] = []
        for s in json {
            guard s.count == 1, let c = s.first else { throw fail("vocabulary entry \"\(s)\" is not exactly one character") }
            characters.append(c)
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(characters: characters) } catch { throw fail("\(error)") }

        // The shape, from the tensors (and the metadata, which must agree).
        guard let whh = file["rnn.weight_hh_l0"], whh.shape.count == 2, whh.shape[1] > 0 else {
            throw fail("tensor rnn.weight_hh_l0 is missing or not a matrix")
        }
        let H = whh.shape[1]
        var layers = 0
        while file["rnn.weight_ih_l\(layers)"] != nil { layers += 1 }
        guard (1...3).contains(layers) else { throw fail("found \(layers) layers (rnn.weight_ih_l*); 1 to 3 are supported") }
        let gates = whh.shape[0] / H
        let cell: CellKind
        if let name = meta["cell"] {
            guard let c = CellKind(rawValue: name) else { throw fail("unknown cell '\(name)' (expected rnn, lstm or gru)") }
            cell = c
        } else {
            guard let c = CellKind.allCases.first(where: { $0.gateCount == gates }) else {
                throw fail("rnn.weight_hh_l0 has \(whh.shape[0]) rows for hidden size \(H): not an RNN, LSTM or GRU")
            }
            cell = c
        }
        for (key, value) in [("hidden_size", H), ("num_layers", layers), ("vocab_size", vocabulary.count)] {
            if let text = meta[key], Int(text) != value {
                throw fail("metadata \(key) = \(text) but the tensors say \(value)")
            }
        }
        let shape = ModelShape(cell: cell, vocabularySize: vocabulary.count, hiddenSize: H, layers: layers)
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
        do { model = try Model(vocabulary: vocabulary, shape: shape, parameters: parameters) } catch { throw fail("\(error)") }
        self.model = model
        self.extra = meta.filter { !Checkpoint.reservedKeys.contains($0.key) }

        // Training state: present when the metadata has an iteration.
        guard let iterationText = meta["iteration"] else {
            training = nil
            return
        }
        func integer(_ key: String, minimum: Int = 0) throws(CheckpointError) -> Int {
            guard let text = meta[key], let value = Int(text), value >= minimum else {
                throw fail("training metadata '\(key)' is missing or not an integer ≥ \(minimum)")
            }
            return value
        }
        func real(_ key: String) throws(CheckpointError) -> Double {
            guard let text = meta[key], let value = Double(text), value.isFinite else {
                throw fail("training metadata '\(key)' is missing or not a number")
            }
            return value
        }
        guard Int(iterationText) != nil else { throw fail("training metadata 'iteration' is not an integer") }
        guard let optimizerName = meta["optimizer"], let kind = OptimizerKind(rawValue: optimizerName) else {
            throw fail("training metadata 'optimizer' is missing or unknown")
        }
        guard let clipText = meta["clip"], let clipping = Clipping(parsing: clipText) else {
            throw fail("training metadata 'clip' is missing or malformed (none, value:C or norm:C)")
        }
        let configuration = TrainingConfiguration(
            learningRate: try real("learning_rate"), optimizer: kind, clipping: clipping,
            batchSize: try integer("batch_size", minimum: 1), sequenceLength: try integer("seq_length", minimum: 1),
            schedule: LearningRateSchedule(factor: try real("lr_decay_factor"), every: try integer("lr_decay_every")),
            dropout: meta["dropout"] == nil ? 0 : try real("dropout"))
        guard (0..<1).contains(configuration.dropout) else { throw fail("training metadata 'dropout' must be in [0, 1)") }
        var optimizer = Optimizer(kind: kind, parameters: parameters)
        optimizer.step = try integer("optimizer_step")
        for i in optimizer.first.indices {
            optimizer.first[i] = try Checkpoint.tensor(
                file, "optimizer.first.\(parameters[i].name)", shape: parameters[i].shape, fail)
        }
        for i in optimizer.second.indices {
            optimizer.second[i] = try Checkpoint.tensor(
                file, "optimizer.second.\(parameters[i].name)", shape: parameters[i].shape, fail)
        }
        let B = configuration.batchSize
        var state = RecurrentState.zero(shape, batchSize: B)
        for k in 0..<layers {
            state.hidden[k] = try Checkpoint.tensor(file, "state.h_l\(k)", shape: [B, H], fail)
            if cell == .lstm { state.cell[k] = try Checkpoint.tensor(file, "state.c_l\(k)", shape: [B, H], fail) }
        }
        // The cursor's stream length depends on the text; the caller re-attaches it (`Trainer.resume`).
        var cursor = try? BatchCursor(
            count: B * (configuration.sequenceLength + 2), batchSize: B, sequenceLength: configuration.sequenceLength)
        cursor?.position = try integer("cursor_position")
        cursor?.epochs = try integer("cursor_epochs")
        var trainer = try? Trainer(
            model: model, configuration: configuration, trainingCount: B * (configuration.sequenceLength + 2))
        trainer?.optimizer = optimizer
        trainer?.state = state
        trainer?.iteration = try integer("iteration")
        if let text = meta["dropout_generator_state"] {
            guard let value = UInt64(text) else {
                throw fail("training metadata 'dropout_generator_state' is not an unsigned integer")
            }
            trainer?.generator = SplitMix64(seed: value)
        }
        if let cursor { trainer?.cursor = cursor }
        guard let trainer else { throw fail("training metadata describes an impossible batch") }
        var generator: SplitMix64? = nil
        if let text = meta["generator_state"] {
            guard let value = UInt64(text) else { throw fail("training metadata 'generator_state' is not an unsigned integer") }
            generator = SplitMix64(seed: value)
        }
        training = TrainingState(trainer: trainer, generator: generator)
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
