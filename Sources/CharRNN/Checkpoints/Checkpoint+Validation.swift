// Checking a checkpoint's header before anything is made from it.
//
// A checkpoint may come from a stranger. `Checkpoint.Layout` reads the metadata and the tensors'
// shapes (never their values) and checks, in order: the format and its version, the vocabulary,
// the model's sizes against the tensors and against `SettingRanges`, every parameter tensor's
// presence and shape, then the training metadata — each number against the range the shell's
// `set` allows, the counters against 0…2^40 — and the training tensors' shapes. Only what passes
// is used to size an array, and every product of checked numbers fits easily in an Int.

import Foundation

extension Checkpoint {
    /// What a checkpoint's header promises, checked: the model's shape and vocabulary, and the
    /// training configuration and counters if it has training state. Built from shapes only.
    struct Layout {
        var vocabulary: Vocabulary
        var shape: ModelShape
        var training: TrainingPlan?

        /// The checked training metadata.
        struct TrainingPlan {
            var configuration: TrainingConfiguration
            var iteration: Int
            var optimizerStep: Int
            var cursorPosition: Int
            var cursorEpochs: Int
            var dropoutGeneratorState: UInt64?
            var generatorState: UInt64?
        }

        /// Checks `metadata` and the tensors' `shapes` (by name) of the file `source`.
        init(metadata meta: [String: String], shapes: [String: [Int]], source: String) throws(CheckpointError) {
            func fail(_ message: String) -> CheckpointError { .invalid(source: source, message) }
            func shown(_ text: String) -> String { MetadataText.shown(text, limit: 40) }

            // 1. The format and its version.
            if let format = meta["format"], format != "charrnn" {
                throw fail("metadata format is '\(shown(format))', expected 'charrnn'")
            }
            if let text = meta["format_version"] {
                guard let version = Int(text) else {
                    throw fail(
                        "format_version '\(shown(text))' is not a whole number (this charrnn understands \(Checkpoint.formatVersion))"
                    )
                }
                if version > Checkpoint.formatVersion {
                    throw fail("format_version \(version) is newer than this charrnn understands (\(Checkpoint.formatVersion))")
                }
                if version < 1 {
                    throw fail("format_version \(version) is not a version of this format (this charrnn understands 1)")
                }
            }

            // 2. The vocabulary: a JSON array of one-character strings, in index order.
            guard let vocabularyText = meta["vocabulary"] else {
                throw fail(
                    "no 'vocabulary' in the metadata: a JSON array of one-character strings in index order is required")
            }
            guard let json = try? JSONSerialization.jsonObject(with: Data(vocabularyText.utf8)) as? [String] else {
                throw fail("metadata 'vocabulary' is not a JSON array of strings")
            }
            guard SettingRanges.vocabularySize.contains(json.count) else {
                throw fail(
                    "the vocabulary has \(json.count) entries; \(SettingRanges.vocabularySize.lowerBound) to \(SettingRanges.vocabularySize.upperBound) are supported"
                )
            }
            var characters: [Character] = []
            characters.reserveCapacity(json.count)
            for entry in json {
                // One character: at most a few scalars (`count` of a huge string would be slow for nothing).
                guard entry.utf8.count <= 256, entry.count == 1, let c = entry.first else {
                    throw fail("vocabulary entry \"\(shown(entry))\" is not exactly one character")
                }
                characters.append(c)
            }
            // The unit its characters are (`unit`): without the key, graphemes for a charrnn file and
            // code points for one without `format` (PyTorch's `sorted(set(text))` is code points).
            let unit: TextUnit
            if let text = meta["unit"] {
                guard let known = TextUnit(rawValue: text) else {
                    throw fail("metadata unit '\(shown(text))' is not one of graphemes, codepoints, jamo")
                }
                unit = known
            } else {
                unit = meta["format"] == nil ? .codepoints : .graphemes
            }
            do { vocabulary = try Vocabulary(characters: characters, unit: unit) } catch {
                throw fail(MetadataText.shown(error.description, limit: 200))
            }
            let V = vocabulary.count

            // 3. The model's shape, from the tensors (and the metadata, which must agree).
            guard let whh = shapes["rnn.weight_hh_l0"], whh.count == 2, whh[1] > 0 else {
                throw fail("tensor rnn.weight_hh_l0 is missing or not a matrix")
            }
            let H = whh[1]
            guard SettingRanges.hiddenSize.contains(H) else {
                throw fail(
                    "hidden size \(H) (rnn.weight_hh_l0) is outside \(Self.text(SettingRanges.hiddenSize)), the range of the hidden setting"
                )
            }
            var layers = 0
            while layers <= SettingRanges.layers.upperBound, shapes["rnn.weight_ih_l\(layers)"] != nil { layers += 1 }
            guard SettingRanges.layers.contains(layers) else {
                let found = layers > SettingRanges.layers.upperBound ? "more than 3" : "\(layers)"
                throw fail("found \(found) layers (rnn.weight_ih_l*); 1 to 3 are supported")
            }
            let gates = whh[0] / H
            let cell: CellKind
            if let name = meta["cell"] {
                guard let c = CellKind(rawValue: name) else {
                    throw fail("unknown cell '\(shown(name))' (expected rnn, lstm or gru)")
                }
                cell = c
            } else {
                guard let c = CellKind.allCases.first(where: { $0.gateCount == gates }) else {
                    throw fail("rnn.weight_hh_l0 has \(whh[0]) rows for hidden size \(H): not an RNN, LSTM or GRU")
                }
                cell = c
            }
            for (key, value) in [("hidden_size", H), ("num_layers", layers), ("vocab_size", V)] {
                if let text = meta[key], Int(text) != value {
                    throw fail("metadata \(key) = \(shown(text)) but the tensors say \(value)")
                }
            }
            shape = ModelShape(cell: cell, vocabularySize: V, hiddenSize: H, layers: layers)

            // 4. Every parameter tensor, present with its shape (G·H ≤ 4096, V ≤ 2·10⁶: no overflow).
            let G = cell.gateCount
            var parameterShapes: [(name: String, shape: [Int])] = []
            for k in 0..<layers {
                parameterShapes.append(("rnn.weight_ih_l\(k)", [G * H, k == 0 ? V : H]))
                parameterShapes.append(("rnn.weight_hh_l\(k)", [G * H, H]))
                parameterShapes.append(("rnn.bias_ih_l\(k)", [G * H]))
                parameterShapes.append(("rnn.bias_hh_l\(k)", [G * H]))
            }
            parameterShapes.append(("decoder.weight", [V, H]))
            parameterShapes.append(("decoder.bias", [V]))
            for (name, expected) in parameterShapes {
                guard let actual = shapes[name] else {
                    if cell == .rnn, name.hasPrefix("rnn.bias_hh_l") { continue }  // optional: b_h = bias_ih
                    throw fail("tensor \(name) is missing")
                }
                guard actual == expected else { throw fail("tensor \(name) has shape \(actual), expected \(expected)") }
            }

            // 5. Training state: present when the metadata has an iteration.
            guard meta["iteration"] != nil else {
                training = nil
                return
            }
            func integer(_ key: String, _ range: ClosedRange<Int>, setting: String?) throws(CheckpointError) -> Int {
                guard let text = meta[key] else { throw fail("training metadata '\(key)' is missing") }
                guard let value = Int(text), range.contains(value) else {
                    throw fail(
                        "training metadata \(key) = \(shown(text)) is not a whole number in \(Self.text(range))"
                            + (setting.map { ", the range of the \($0) setting" } ?? ""))
                }
                return value
            }
            func real(_ key: String, _ range: ClosedRange<Double>, setting: String) throws(CheckpointError) -> Double {
                guard let text = meta[key] else { throw fail("training metadata '\(key)' is missing") }
                guard let value = Double(text), value.isFinite, range.contains(value) else {
                    throw fail(
                        "training metadata \(key) = \(shown(text)) is not a number in \(Self.text(range)), the range of the \(setting) setting"
                    )
                }
                return value
            }
            func unsigned(_ key: String) throws(CheckpointError) -> UInt64? {
                guard let text = meta[key] else { return nil }
                guard let value = UInt64(text) else {
                    throw fail("training metadata \(key) = \(shown(text)) is not an unsigned 64-bit integer")
                }
                return value
            }
            guard let optimizerName = meta["optimizer"], let kind = OptimizerKind(rawValue: optimizerName) else {
                throw fail(
                    "training metadata 'optimizer' is missing or unknown (expected "
                        + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let clipText = meta["clip"], let clipping = Clipping(parsing: clipText) else {
                throw fail("training metadata 'clip' is missing or malformed (none, value:C or norm:C)")
            }
            switch clipping {
            case .value(let c), .norm(let c):
                guard SettingRanges.clipping.contains(Double(c)) else {
                    throw fail(
                        "training metadata clip = \(shown(clipText)) is outside \(Self.text(SettingRanges.clipping)), the range of the clip setting"
                    )
                }
            case .none: break
            }
            let learningRate = try real("learning_rate", SettingRanges.learningRate, setting: "lr")
            let batchSize = try integer("batch_size", SettingRanges.batchSize, setting: "batch")
            let sequenceLength = try integer("seq_length", SettingRanges.sequenceLength, setting: "seq")
            let factor = try real("lr_decay_factor", SettingRanges.decay, setting: "decay")
            let every = try integer("lr_decay_every", SettingRanges.decayEvery, setting: "decay-every")
            let dropout = meta["dropout"] == nil ? 0 : try real("dropout", SettingRanges.dropout, setting: "dropout")
            let configuration = TrainingConfiguration(
                learningRate: learningRate, optimizer: kind, clipping: clipping, batchSize: batchSize,
                sequenceLength: sequenceLength, schedule: LearningRateSchedule(factor: factor, every: every),
                dropout: dropout)
            var plan = TrainingPlan(
                configuration: configuration,
                iteration: try integer("iteration", SettingRanges.counter, setting: nil),
                optimizerStep: try integer("optimizer_step", SettingRanges.counter, setting: nil),
                cursorPosition: try integer("cursor_position", SettingRanges.counter, setting: nil),
                cursorEpochs: try integer("cursor_epochs", SettingRanges.counter, setting: nil))
            plan.dropoutGeneratorState = try unsigned("dropout_generator_state")
            plan.generatorState = try unsigned("generator_state")

            // 6. The training tensors' shapes: the optimizer's state like its parameter, the carried state (B, H).
            let states = [(kind != .sgd, "first"), (kind == .adam, "second")]
            for (name, expected) in parameterShapes {
                if cell == .rnn, name.hasPrefix("rnn.bias_hh_l") { continue }
                let stateName = cell == .rnn && name.hasPrefix("rnn.bias_ih_l") ? "rnn.bias_l" + name.dropFirst(13) : name
                for (present, which) in states where present {
                    let key = "optimizer.\(which).\(stateName)"
                    guard let actual = shapes[key] else { throw fail("tensor \(key) is missing") }
                    guard actual == expected else { throw fail("tensor \(key) has shape \(actual), expected \(expected)") }
                }
            }
            for k in 0..<layers {
                for key in cell == .lstm ? ["state.h_l\(k)", "state.c_l\(k)"] : ["state.h_l\(k)"] {
                    guard let actual = shapes[key] else { throw fail("tensor \(key) is missing") }
                    guard actual == [batchSize, H] else {
                        throw fail("tensor \(key) has shape \(actual), expected \([batchSize, H])")
                    }
                }
            }
            training = plan
        }

        /// A range as `show settings` writes it: `1…256`, `1e-06…100`.
        static func text<T: Comparable & CustomStringConvertible>(_ range: ClosedRange<T>) -> String {
            func plain(_ value: T) -> String {
                if let x = value as? Double, x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
                if let n = value as? Int, n == 1 << 40 { return "2^40" }
                return value.description
            }
            return plain(range.lowerBound) + "…" + plain(range.upperBound)
        }
    }
}

/// Strings from files (checkpoint metadata, vocabulary entries in messages) made safe to print:
/// control characters cannot reach the terminal as themselves.
public enum MetadataText {
    /// Whether a scalar could change what a terminal shows or does: C0 and C1 controls, DEL, the
    /// line and paragraph separators, and the bidirectional overrides and isolates.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `text` with each control character written as a visible escape, `\u{1b}`.
    public static func neutralised(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// `neutralised(text)`, cut to `limit` characters with "…" when longer: a piece of a file in a message.
    public static func shown(_ text: String, limit: Int) -> String {
        let prefix = text.unicodeScalars.prefix(limit + 1)
        let cut = prefix.count > limit
        let kept = String(String.UnicodeScalarView(prefix.prefix(limit)))
        return neutralised(kept) + (cut ? "…" : "")
    }
}
