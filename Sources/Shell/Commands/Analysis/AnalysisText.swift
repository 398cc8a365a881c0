import CharRNN
import Foundation
import Rendering

// Inside the network: the commands over the engine's analyses (CharRNN/Analysis).
//
//   cells     which hidden unit tracks a feature of the text (CellSearch)
//   cell      the text tinted by one unit, the classic view (HiddenStateRecording)
//   gradflow  ‖∂L_T/∂h_t‖ for t = T … 1, RNN against LSTM (GradientFlow)
//   toy       the lecture's scalar RNN written out (ToyRNN)
//
// Legend: T steps, H hidden; t is 1-based in everything the learner sees. Nothing here changes
// the session: the commands read the model (the latest snapshot while training runs in the
// background) and the text, and write text (and, with --html, a file).

/// The most characters `cells` and `cell` read by default: enough for thousands of quotes and
/// `if`s, little enough to answer in a second or two.
let analysisCharacterLimit = 20_000

/// The forget-gate bias of the fresh LSTM `gradflow --compare lstm` sets beside the RNN:
/// f = σ(3) ≈ 0.95, so the cell path keeps most of the gradient at every step back.
let comparisonForgetBias: Float = 3

// MARK: - The text an analysis reads, and the units' values over it

/// Every unit's value after every character of a text (see `Session.record`).
struct UnitRecording {
    /// h of every layer, and c for the LSTM, in `UnitID` order.
    var units: [UnitID]
    /// T values per unit.
    var values: [UnitID: [Float]]
}

/// The characters an analysis runs over, with how to say (and ask for) them again.
struct AnalysisText {
    /// The characters, one per step.
    var characters: [Character]
    /// Their vocabulary indices under the model.
    var indices: [Int]
    /// `the validation text of c (its first 20000 of 100661 characters)`.
    var description: String
    /// The `--text` option that reads the same text again (empty for the default).
    var option: String
}

extension Session {
    /// The text `--text` names: nil for the corpus's validation text (its start, or the whole
    /// text when there is no validation part), `corpus` for the corpus from its start, a corpus
    /// name or a file path for that file; at most `analysisCharacterLimit` characters.
    func analysisText(_ option: String?, model: Model) throws(CommandError) -> AnalysisText {
        let limit = analysisCharacterLimit
        func cut(_ count: Int) -> String {
            let units = Session.unitWord(model.vocabulary.unit)  // characters, or jamo: what a step reads
            return count > limit ? " (its first \(limit) of \(count) \(units))" : " (\(unitCount(count, model.vocabulary.unit)))"
        }
        guard let option else {
            let validation = workspace.corpus.validation
            if validation.count >= 2 {
                let indices = Array(validation.prefix(limit))
                return AnalysisText(
                    characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                    description: "the validation text of \(workspace.corpus.name)" + cut(validation.count), option: "")
            }
            let indices = Array(workspace.corpus.indices.prefix(limit))
            return AnalysisText(
                characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                description: "the text of \(workspace.corpus.name)" + cut(workspace.corpus.indices.count)
                    + ", which has no validation part",
                option: "")
        }
        if option == "corpus" {
            let indices = Array(workspace.corpus.indices.prefix(limit))
            return AnalysisText(
                characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                description: "the text of \(workspace.corpus.name)" + cut(workspace.corpus.indices.count),
                option: " --text corpus")
        }
        let text: String
        let name: String
        if option == "hello" {
            text = "hello"
            name = "hello"
        } else {
            let path = library.path(of: option) ?? expandingHome(option)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandError("--text: no file or corpus '\(shown(option))' (give corpus, a corpus name or a file)")
            }
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandError("--text: cannot read \(shown(option)) as UTF-8 text")
            }
            text = contents
            name = library.path(of: option) != nil ? option : URL(fileURLWithPath: path).lastPathComponent
        }
        // In the model's units (a jamo model reads 한 as three steps): a text of n graphemes has at least n units.
        let indices: [Int]
        do { indices = Array(try model.vocabulary.encode(String(text.prefix(limit))).prefix(limit)) } catch {
            throw CommandError(
                "--text \(shown(option)): \(error.description) (the model knows the characters of the text it was made for)")
        }
        guard indices.count >= 2 else { throw CommandError("--text \(shown(option)): the text is too short to analyse") }
        var total = 0
        model.vocabulary.unit.forEachUnit(of: text) { _ in total += 1 }
        return AnalysisText(
            characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
            description: "the text of \(name)" + cut(total),
            option: " --text \(option.contains(" ") ? "'\(option)'" : option)")
    }

    /// Every unit's value after every character, from h_0 = 0; nil (with a note) if Ctrl-C
    /// stopped it. The text is run a slice at a time with the state carried across (exactly as
    /// one pass would), and Ctrl-C is polled between slices. The last recording is kept: the same
    /// model over the same text, or over its start (`cells quote`, then `cells if`, then
    /// `cell N --from …`), is read from it instead of run again.
    func record(_ model: Model, _ indices: [Int], slice: Int = 2048) -> UnitRecording? {
        if let last = lessonContext.lastRecording, indices.count <= last.indices.count, last.model == model,
            last.indices.starts(with: indices)
        {
            if indices.count == last.indices.count { return last.recording }
            var prefix = UnitRecording(units: last.recording.units, values: [:])
            for unit in prefix.units { prefix.values[unit] = Array(last.recording.values[unit]![..<indices.count]) }
            return prefix
        }
        guard let recording = runRecording(model, indices, slice: slice) else { return nil }
        lessonContext.lastRecording = (model, indices, recording)
        return recording
    }

    /// `record` without the kept recording.
    private func runRecording(_ model: Model, _ indices: [Int], slice: Int) -> UnitRecording? {
        let shape = model.shape, H = shape.hiddenSize
        var state = RecurrentState.zero(shape, batchSize: 1)
        var recording = UnitRecording(units: [], values: [:])
        var start = 0
        while start < indices.count {
            if interrupted() {
                output.note("interrupted (Ctrl-C)")
                return nil
            }
            let end = min(indices.count, start + slice)
            let piece = HiddenStateRecording(model: model, indices: Array(indices[start..<end]), from: state, keepGates: false)
            if recording.units.isEmpty { recording.units = piece.units }
            for unit in recording.units { recording.values[unit, default: []] += piece.values(of: unit) }
            let last = (piece.steps - 1) * H  // the row of the slice's last character: the next slice starts from it
            for k in 0..<shape.layers {
                state.hidden[k] = Array(piece.hidden[k][last..<(last + H)])
                if shape.cell == .lstm { state.cell[k] = Array(piece.cell[k][last..<(last + H)]) }
            }
            start = end
        }
        return recording
    }

    /// The `top` units that best track `signal`, best first (ties in unit order, as
    /// `CellSearch.rank`); scored 64 units at a time, nil (with a note) if Ctrl-C stopped it.
    func rank(_ recording: UnitRecording, signal: [Float], isIndicator: Bool, top: Int) -> [CellScore]? {
        var scores: [CellScore] = []
        let units = recording.units
        for start in stride(from: 0, to: units.count, by: 64) {
            if interrupted() {
                output.note("interrupted (Ctrl-C)")
                return nil
            }
            let group = units[start..<min(units.count, start + 64)]
            scores += group.map { CellSearch.score($0, values: recording.values[$0]!, signal: signal, isIndicator: isIndicator) }
        }
        let sorted = scores.sorted { $0.score != $1.score ? $0.score > $1.score : $0.unit < $1.unit }
        return Array(sorted.prefix(top))
    }

    /// `rnn H = 100: 100 units (h)` / `lstm H = 256: 512 units (h and c)`.
    func unitsPhrase(_ model: Model) -> String {
        let shape = model.shape
        let perLayer = shape.cell == .lstm ? 2 * shape.hiddenSize : shape.hiddenSize
        return "\(shape.cell.rawValue) H = \(shape.hiddenSize)" + (shape.layers > 1 ? " × \(shape.layers) layers" : "")
            + ": \(perLayer * shape.layers) unit\(perLayer * shape.layers == 1 ? "" : "s") (" + (shape.cell == .lstm ? "h and c" : "h") + ")"
    }

    /// `hidden state h of layer 0` / `cell state c of an lstm`.
    func unitPhrase(_ unit: UnitID, _ model: Model) -> String {
        (unit.kind == .cell ? "cell state c" : "hidden state h") + " of \(model.shape.cell.rawValue) layer \(unit.layer)"
    }

    /// `; σ_max(W_hh) = 0.51, ρ(W_hh) ≈ 0.42`, or for a gated cell σ_max of its stacked W_hh.
    func recurrentNormsPhrase(_ model: Model) -> String {
        let norms = model.recurrentMatrixNorms()
        if let radius = norms.spectralRadius {
            return
                "; σ_max(W_hh) = \(String(format: "%.4g", norms.largestSingularValue)), ρ(W_hh) ≈ \(String(format: "%.4g", radius))"
        }
        return
            "; σ_max of its stacked W_hh (\(model.shape.cell.gateCount)H × H) = \(String(format: "%.4g", norms.largestSingularValue))"
    }
}
