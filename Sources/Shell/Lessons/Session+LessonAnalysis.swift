import CharRNN
import Foundation

// The values the lessons on BPTT, cells, gradients and the LSTM show (`{{best unit quote}}`,
// `{{gradient ratio 25}}`, `{{eval loss}}`): the same analyses as `cells`, `gradflow` and
// `charrnn eval` (over the validation text), read from the learner's own model. They join `LessonTerm.all`,
// so `help lessons` lists them and a lesson that misspells one fails its demo.
//
// Legend: T steps (the gradient-flow window), H hidden.

extension LessonTerm {
    /// The analysis values, in the order `help lessons` lists them (after the others).
    static let analysisTerms: [LessonTerm] = [
        // Cell search, as `cells FEATURE` ranks the units.
        .value(
            "best unit FEATURE", .one,
            "the unit that best tracks FEATURE (quote, if, comment, …) over the text `cells` reads: c247"
        ) {
            session, arguments throws(LessonTermError) in
            try session.bestCell(arguments[0]).unit.description
        },
        .value("best score FEATURE", .one, "that unit's score as `cells FEATURE` gives it (0 chance, 1 perfect)") {
            session, arguments throws(LessonTermError) in
            String(format: "%.3f", try session.bestCell(arguments[0]).score)
        },
        .value(
            "best accuracy FEATURE", .one,
            "that unit's accuracy, (TPR + TNR) / 2 at its best threshold, in % (inside/outside features)"
        ) {
            session, arguments throws(LessonTermError) in
            guard let accuracy = try session.bestCell(arguments[0]).balancedAccuracy else {
                throw LessonTermError("\(arguments[0]) is a number, not inside/outside: it has no accuracy (use best score)")
            }
            return String(format: "%.1f%%", 100 * accuracy)
        },
        .value(
            "best inside FEATURE", .one, "whether that unit is high or low inside FEATURE (for a number: grows or falls with it)"
        ) {
            session, arguments throws(LessonTermError) in
            let score = try session.bestCell(arguments[0])
            if score.balancedAccuracy == nil { return score.sign > 0 ? "grows" : "falls" }
            return score.sign > 0 ? "high" : "low"
        },
        // The loss over the validation text, computed now.
        .value(
            "eval loss", .none,
            "the current model's validation loss, computed now: its mean loss per character over the held-out text read as one stream from h_0 = 0 (its first 10000 characters), as `train` measures `val loss`"
        ) {
            session, _ throws(LessonTermError) in
            lessonFixed(try session.validationLoss(of: session.model))
        },
        .value("eval loss of FILE", .one, "the same for the model in the checkpoint FILE") {
            session, arguments throws(LessonTermError) in
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint.read(path: arguments[0]) } catch { throw LessonTermError(String(describing: error)) }
            guard checkpoint.model.vocabulary == session.workspace.corpus.vocabulary else {
                throw LessonTermError("\(arguments[0]) was made for another vocabulary than \(session.workspace.corpus.name)'s")
            }
            return lessonFixed(try session.validationLoss(of: checkpoint.model))
        },
        // Where the lesson's files go.
        .value(
            "work folder", .none,
            "the lesson's work folder, where its commands write (`save FILE` in a lesson saves there): ~/.charrnn/lessons/NAME"
        ) {
            session, _ throws(LessonTermError) in
            guard let file = session.lessonContext.player?.lesson?.file else { throw LessonTermError("not in a lesson") }
            return session.lessonSandbox(for: file).workFolder
        },
        // Settings a lesson's arithmetic needs.
        .value("seq", .none, "T, the steps of truncated BPTT per iteration") { session, _ in
            String(session.workspace.settings.sequenceLength)
        },
        .value("batch", .none, "B, the streams per iteration") { session, _ in String(session.workspace.settings.batchSize) },
        .value("characters trained", .none, "iterations × B × T: the characters training has read (with the current B and T)") {
            session, _ in
            String(
                session.currentTrainer.iteration * session.workspace.settings.batchSize
                    * session.workspace.settings.sequenceLength)
        },
        // Gradient flow, as `gradflow --steps T` measures it.
        .value(
            "gradient ratio T", .one, "‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ of the model over the first T characters (gradflow --steps T)"
        ) {
            session, arguments throws(LessonTermError) in
            let norms = try session.gradientFlow(arguments[0]).hiddenNorms()
            return ratio(norms)
        },
        .value("cell gradient ratio T", .one, "‖∂L_T/∂c_1‖ / ‖∂L_T/∂c_T‖ of an LSTM: the same along the cell path") {
            session, arguments throws(LessonTermError) in
            let flow = try session.gradientFlow(arguments[0])
            guard flow.cell == .lstm else {
                throw LessonTermError("the model is an \(flow.cell.rawValue): only an LSTM has a cell path (set cell lstm)")
            }
            return ratio(flow.cellNorms())
        },
        .value(
            "lstm cell gradient ratio T", .one,
            "the same for the fresh LSTM that `gradflow --compare lstm` sets beside the model (f ≈ 0.95)"
        ) {
            session, arguments throws(LessonTermError) in
            let flow = try session.gradientFlow(arguments[0], model: session.comparisonLSTM())
            return ratio(flow.cellNorms())
        },
        .value("largest singular value", .none, "σ_max(W_hh): the most one multiplication by W_hh can stretch a vector") {
            session, _ in
            String(format: "%.4g", session.model.recurrentMatrixNorms().largestSingularValue)
        },
        // What a lesson says of the gradient's flow (for `check:` lines).
        .condition(
            "gradient ratio T above X", .many,
            "the value `gradient ratio T` is above X (the gradient grew from step T back to step 1 when X = 1); "
                + "`gradient ratio T below X`: below it"
        ) {
            session, arguments throws(LessonTermError) in
            guard arguments.count == 3, arguments[1] == "above" || arguments[1] == "below" else {
                throw LessonTermError("write: gradient ratio T above X, or gradient ratio T below X")
            }
            let bound = try lessonNumber(arguments[2], "X")
            let norms = try session.gradientFlow(arguments[0]).hiddenNorms()
            guard let first = norms.first, let last = norms.last, last > 0 else { return false }
            let ratio = Double(first) / Double(last)
            return arguments[1] == "above" ? ratio > bound : ratio < bound
        },
        // The LSTM's cell path unit by unit, as gradflow's last line shows it.
        .value(
            "largest forget product T", .one,
            "of the LSTM's units, the largest product of forget gates f_2 ⋯ f_T over the first T characters: "
                + "what the cell path alone keeps of that unit's ∂L_T/∂c_T (gradflow's last line)"
        ) {
            session, arguments throws(LessonTermError) in
            String(format: "%.3g", try session.forgetGateProduct("largest", over: arguments[0]))
        },
        .value("median forget product T", .one, "the same product for the median unit") {
            session, arguments throws(LessonTermError) in
            String(format: "%.3g", try session.forgetGateProduct("median", over: arguments[0]))
        },
        .condition(
            "largest forget product T above X", .many,
            "the value `largest forget product T` is above X; `largest forget product T below X`, "
                + "`median forget product T above X` and `… below X` likewise"
        ) {
            session, arguments throws(LessonTermError) in
            try session.forgetProductCondition(which: "largest", arguments)
        },
        .condition("median forget product T above X", .many, "see `largest forget product T above X`") {
            session, arguments throws(LessonTermError) in
            try session.forgetProductCondition(which: "median", arguments)
        },
    ]
}

/// Losses as lessons show them: 4 decimals.
private func lessonFixed(_ x: Double) -> String { String(format: "%.4f", x) }

/// `first / last` of a list of norms (t = 1 over t = T), in three significant digits.
private func ratio(_ norms: [Float]) -> String {
    guard let first = norms.first, let last = norms.last, last > 0 else { return "nan" }
    return String(format: "%.3g", Double(first) / Double(last))
}

// MARK: - Reading the session

extension Session {
    /// The best unit for a feature over the text `cells` reads by default, remembered for the
    /// same model and text (a lesson shows it several times); the recording is shared with
    /// `cells` and `cell` (see `Session.record`).
    func bestCell(_ name: String) throws(LessonTermError) -> CellScore {
        guard let feature = TextFeature(name: name), TextFeature.builtIns.contains(feature) else {
            throw LessonTermError(
                "unknown feature '\(name)' (features: \(TextFeature.builtIns.map(\.name).joined(separator: ", ")))")
        }
        let model = self.model
        let key = "\(workspace.corpus.name)|\(name)"
        if let memo = lessonContext.cellSearchMemo[key], memo.model == model { return memo.score }
        let source: AnalysisText
        do { source = try analysisText(nil, model: model) } catch { throw LessonTermError(error.message) }
        let signal: [Float]
        do { signal = try feature.signal(for: source.characters) } catch { throw LessonTermError(String(describing: error)) }
        if let problem = searchProblem(signal, feature: feature) { throw LessonTermError(problem.description) }
        guard let recording = record(model, source.indices),
            let best = rank(recording, signal: signal, isIndicator: feature.isIndicator, top: 1)?.first
        else { throw LessonTermError("the search was interrupted") }
        lessonContext.cellSearchMemo[key] = (model, best)
        return best
    }

    /// The validation loss of `model` as `train` measures it (``Model/validationLoss(_:limit:)``, at
    /// most ``Session/validationLimit`` characters) over the held-out text (the whole text when it has none).
    func validationLoss(of model: Model) throws(LessonTermError) -> Double {
        let data = workspace.corpus.validation.count >= 2 ? workspace.corpus.validation : workspace.corpus.indices
        let loss = model.validationLoss(data, limit: Session.validationLimit)
        guard loss.isFinite else { throw LessonTermError("the text is too short for a validation loss") }
        return loss
    }

    /// The gradient flow of `gradflow --steps T` (the session's model unless another is given).
    func gradientFlow(_ text: String, model: Model? = nil) throws(LessonTermError) -> GradientFlow {
        let indices = workspace.corpus.indices  // in the model's units, as gradflow reads them
        let most = min(indices.count - 1, 500)
        guard let steps = Int(text), (1...max(1, most)).contains(steps) else {
            throw LessonTermError("T must be a whole number from 1 to \(most), not '\(text)'")
        }
        let model = model ?? self.model
        guard model.vocabulary == workspace.corpus.vocabulary else {
            throw LessonTermError("the model was made for another vocabulary than \(workspace.corpus.name)'s")
        }
        return GradientFlow(model: model, indices: Array(indices.prefix(steps + 1)), steps: steps, stepFactors: false)
    }

    /// The largest or the median (`which`) of the model's forget-gate products f_2 ⋯ f_T unit by
    /// unit over the first T characters (``GradientFlow/forgetGateProducts(layer:)``).
    func forgetGateProduct(_ which: String, over text: String) throws(LessonTermError) -> Double {
        let flow = try gradientFlow(text)
        guard flow.cell == .lstm else {
            throw LessonTermError("the model is an \(flow.cell.rawValue): only an LSTM has forget gates (set cell lstm)")
        }
        return which == "median" ? flow.medianForgetGateProduct() : flow.forgetGateProducts().max() ?? .nan
    }

    /// `largest|median forget product T above|below X`.
    func forgetProductCondition(which: String, _ arguments: [String]) throws(LessonTermError) -> Bool {
        guard arguments.count == 3, arguments[1] == "above" || arguments[1] == "below" else {
            throw LessonTermError("write: \(which) forget product T above X, or \(which) forget product T below X")
        }
        let bound = try lessonNumber(arguments[2], "X")
        let value = try forgetGateProduct(which, over: arguments[0])
        return arguments[1] == "above" ? value > bound : value < bound
    }

    /// The fresh LSTM `gradflow --compare lstm` sets beside the model: same vocabulary and size,
    /// the seed's weights, the forget-gate bias raised to ``comparisonForgetBias``.
    func comparisonLSTM() -> Model {
        var generator = SplitMix64(seed: workspace.settings.seed)
        let model = self.model
        return Model(
            vocabulary: model.vocabulary, cell: .lstm, hiddenSize: model.shape.hiddenSize, layers: model.shape.layers,
            initialization: workspace.settings.initialization, using: &generator
        ).withForgetBias(comparisonForgetBias)
    }
}
