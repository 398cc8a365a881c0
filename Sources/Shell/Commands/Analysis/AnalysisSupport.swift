import CharRNN
import Foundation
import Rendering

// MARK: - Parsing

/// The options of `cells` and `cell` that take a value.
let analysisOptionsWithValues: Set<String> = ["--text", "--top", "--html", "--from", "--chars"]

/// Completion after an option that takes a value: texts after --text, paths after --html, nothing
/// after a number; nil when `option` is not one of them.
func analysisOptionValues(_ option: String, context: CompletionContext, word: String) -> [String]? {
    switch option {
    case "--text": return ["corpus"] + context.corpora + context.paths(word)
    case "--html": return context.paths(word)
    case "--top", "--from", "--chars": return []
    default: return nil
    }
}

/// A feature by name, `/REGEX/`, or an error listing the names.
func parseFeature(_ name: String) throws(CommandError) -> TextFeature {
    if let feature = TextFeature(name: name) {
        if case .regex(let pattern) = feature {
            guard !pattern.isEmpty else { throw CommandError("an empty regular expression // matches nothing: write /PATTERN/") }
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw CommandError(TextFeatureError.badPattern(pattern, reason: error.localizedDescription).description)
            }
        }
        return feature
    }
    let names = TextFeature.builtIns.map(\.name)
    let near = nearest(name, among: names)
    throw CommandError(
        "unknown feature '\(shown(name))'" + didYouMean(near) + " (features: \(names.joined(separator: ", ")), or /REGEX/)")
}

/// Why no unit can be fairly scored against this signal, before the model runs — the engine's own
/// rule and message (`CellSearchError`): too few characters inside or outside, or a constant.
func searchProblem(_ signal: [Float], feature: TextFeature) -> CellSearchError? {
    if feature.isIndicator {
        let inside = signal.filter { $0 > 0.5 }.count, outside = signal.count - inside
        if min(inside, outside) < CellSearch.minimumExamples {
            return .tooFewExamples(feature: feature, inside: inside, outside: outside, minimum: CellSearch.minimumExamples)
        }
    } else if signal.isEmpty || signal.allSatisfy({ $0 == signal[0] }) {
        return .constantFeature(feature)
    }
    return nil
}

/// A unit of the model (`12`, `h12`, `c12`, `l1.h12`), or an error saying which units there are.
func parseUnit(_ text: String, shape: ModelShape) throws(CommandError) -> UnitID {
    guard let unit = UnitID(parsing: text) else {
        throw CommandError("'\(shown(text))' is not a unit: write 12, h12, c12 (LSTM cell state) or l1.h12 (layer 1)")
    }
    let H = shape.hiddenSize
    let range =
        "h0…h\(H - 1)" + (shape.cell == .lstm ? " and c0…c\(H - 1)" : "")
        + (shape.layers > 1 ? " in layers 0…\(shape.layers - 1) (l1.h0 …)" : "")
    if unit.kind == .cell && shape.cell != .lstm {
        throw CommandError("unit \(unit): only an LSTM has a cell state c; this \(shape.cell.rawValue) has \(range)")
    }
    guard unit.layer < shape.layers, unit.index < H else {
        throw CommandError("no unit \(unit): the model (\(shape.cell.rawValue), H = \(H)) has \(range)")
    }
    return unit
}

/// A path a command may write: not empty, not a directory.
func checkedOutputPath(_ path: String) throws(CommandError) -> String {
    guard !path.isEmpty else { throw CommandError("--html needs a file name") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CommandError("--html \(shown(path)) is a directory: give a file name")
    }
    return path
}

// MARK: - Views

/// A unit's values as the tinted view draws them: h as it is (tanh keeps it in [−1, 1]); c, which
/// is not bounded, through tanh so that it fits the same scale.
func shownActivations(_ recording: UnitRecording, _ unit: UnitID) -> [Float] {
    let values = recording.values[unit] ?? []
    return unit.kind == .cell ? values.map { Foundation.tanh($0) } : values
}

/// Writes the tinted page for a browser, all at once.
func writeTintedPage(path: String, characters: [Character], activations: [Float], title: String) throws(CommandError) {
    let page = tintedHTML(characters: characters, activations: activations, title: title)
    do { try AtomicFile.write(Array(page.utf8), to: path) } catch {
        throw CommandError("could not write \(shown(path)): \(String(describing: error))")
    }
}

/// How many characters from `start` fill `lines` lines of `width` columns (newlines and wrapping
/// counted as `tintedText` counts them); at least one.
func screenful(_ characters: [Character], from start: Int, width: Int, lines: Int) -> Int {
    var used = 0, line = 1, index = start
    while index < characters.count {
        let w = displayWidth(visible(characters[index]))
        if used + w > width && used > 0 {
            line += 1
            used = 0
        }
        if line > lines { break }
        used += w
        index += 1
        if characters[index - 1].isNewline {
            line += 1
            used = 0
            if line > lines { break }
        }
    }
    return max(1, index - start)
}

/// score, r, sign, threshold, accuracy of one unit (after its name).
func scoreCells(_ score: CellScore) -> [String] {
    [
        score.unit.description, String(format: "%.3f", score.score), String(format: "%+.3f", score.correlation),
        score.sign > 0 ? "+" : "−",
        score.threshold.map { String(format: "%.3f", $0) } ?? "—",
        score.balancedAccuracy.map { String(format: "%.1f%%", 100 * $0) } ?? "—",
    ]
}

/// The ranking as a table: #, unit, score, r, sign, threshold, accuracy.
func cellScoreTable(_ scores: [CellScore], feature: TextFeature, style: Style) -> String {
    let rows = scores.enumerated().map { rank, score in [String(rank + 1)] + scoreCells(score) }
    return table(
        headers: ["#", "unit", "score", "r", "sign", "threshold", "accuracy"], rows: rows,
        alignments: [.right, .left, .right, .right, .left, .right, .right], style: style)
}

/// What the numbers of the table mean, for this feature.
func scoreExplanation(_ feature: TextFeature) -> String {
    if feature.isIndicator {
        return "score = TPR + TNR − 1 of the best threshold (0 chance, 1 perfect); accuracy = (TPR + TNR) / 2; "
            + "sign +: the unit is above the threshold inside, −: below; r: correlation with inside = 1"
    }
    return "score = |r|, the size of the correlation with the \(feature.summary); sign +: the unit grows with it"
}

/// `only 0 characters inside` — a cell search error in a few words, for a table cell.
func shortReason(_ error: CellSearchError) -> String {
    switch error {
    case .feature(let inner): return inner.description
    case .tooFewExamples(_, let inside, let outside, let minimum):
        return inside < outside
            ? "only \(inside) characters inside (needs \(minimum))" : "only \(outside) characters outside (needs \(minimum))"
    case .constantFeature: return "never changes in this text"
    }
}

/// `rnn: from t = 25 back to t = 1, ‖∂L/∂h‖ fell from 0.52 to 3.1e-20 (a factor of 6e-20)`.
func decaySentence(label: String, flow: GradientFlow) -> String {
    func sentence(_ name: String, _ norms: [Float]) -> String {
        guard let last = norms.last, let first = norms.first else { return "" }
        let ratio = last > 0 ? Double(first) / Double(last) : .nan
        let verb = ratio < 1 ? "fell" : ratio > 1 ? "grew" : "stayed"
        return
            "\(label): from t = \(flow.steps) back to t = 1, \(name) \(verb) from \(String(format: "%.3g", last)) to \(String(format: "%.3g", first))"
            + (ratio.isFinite ? " (× \(String(format: "%.3g", ratio)))" : "")
    }
    var text = sentence("‖∂L/∂h‖", flow.hiddenNorms())
    if flow.cell == .lstm { text += "\n" + sentence("‖∂L/∂c‖", flow.cellNorms()) }
    return text
}

/// `lstm: the cell path unit by unit, f_2 ⋯ f_50 = 0.0483 at c201 (its f_t 0.63–0.99), 0.00795 at
/// c4, 0.00321 at c198; 3.4e-24 at the median unit` — what the forget gates alone keep of each
/// unit's ∂L/∂c over the window (the mean f_t column hides the few units that keep). Nil for a
/// cell without a cell path, or a window of one step.
func cellPathSentence(label: String, flow: GradientFlow, shown: Int = 3) -> String? {
    let products = flow.forgetGateProducts()
    guard flow.steps >= 2, !products.isEmpty, let gates = flow.forgetGates.first else { return nil }
    let H = flow.hiddenSize, T = flow.steps
    let ranked = products.indices.sorted { products[$0] > products[$1] }
    let median = flow.medianForgetGateProduct()
    let top = ranked.prefix(shown).enumerated().map { position, j in
        let value = "\(String(format: "%.3g", products[j])) at c\(j)"
        guard position == 0 else { return value }
        let f = (1..<T).map { t in gates[t * H + j] }  // f_2 … f_T of unit j
        return value + " (its f_t \(String(format: "%.2f", f.min() ?? 0))–\(String(format: "%.2f", f.max() ?? 0)))"
    }
    return "\(label): the cell path unit by unit, \(T == 2 ? "f_2" : "f_2 ⋯ f_\(T)") = " + top.joined(separator: ", ")
        + "; \(String(format: "%.3g", median)) at the median unit"
}
