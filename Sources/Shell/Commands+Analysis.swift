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

extension Commands {
    static let cells = Command(
        name: "cells", summary: "which hidden unit tracks a feature of the text (quote, if, comment, …)",
        usage: "cells [FEATURE] [--text FILE|corpus] [--top K] [--html FILE]",
        help: """
            Runs the model over a text from h_0 = 0, keeps every hidden unit's value after every
            character (h, and c for an LSTM), and ranks the units by how well they track FEATURE:
              quote    inside double quotes          if       inside an if (…) condition
              comment  inside /* */ or // comments   speech   first line of a speech (NAME:)
              column   position in the line          indent   indentation of the line
              depth    nesting of {} () []           /REGEX/  inside a match of the expression
            For an inside/outside feature the score is TPR + TNR − 1 of the unit's best threshold
            (0 is chance, 1 perfect; accuracy is (TPR + TNR) / 2); for a number it is |r|, the size
            of the correlation. Without FEATURE, the best unit of every built-in feature.
            The text is the validation part of the current corpus (its first 20000 characters);
            --text corpus reads the corpus from its start, --text FILE (or a corpus name) a file.
            --html FILE writes the best unit's tinted text as a page for a browser.
            Look at a unit with `cell N`.
            """,
        complete: { context, previous, word in
            if let option = previous.last, let values = analysisOptionValues(option, context: context, word: word) {
                return values
            }
            let options = ["--text", "--top", "--html"]
            if word.hasPrefix("-") { return options }
            // A feature is a word that is neither an option nor an option's value.
            let hasFeature = previous.indices.contains { i in
                !previous[i].hasPrefix("-") && (i == 0 || !analysisOptionsWithValues.contains(previous[i - 1]))
            }
            return hasFeature ? [] : TextFeature.builtIns.map(\.name) + options
        },
        run: { session, words in
            let usage = "cells [FEATURE] [--text FILE|corpus] [--top K] [--html FILE]"
            let arguments = try Arguments(words, options: ["text", "top", "html"])
            guard arguments.positional.count <= 1 else { throw CommandError.usage(usage) }
            let feature = try arguments.positional.first.map { name throws(CommandError) in try parseFeature(name) }
            let top =
                try arguments.options["top"].map { k throws(CommandError) in try parseInteger(k, "--top", in: 1...1000) } ?? 10
            let htmlPath = try arguments.options["html"].map { path throws(CommandError) in try checkedOutputPath(path) }
            if htmlPath != nil && feature == nil {
                throw CommandError(
                    "cells --html FILE needs a FEATURE (e.g. cells quote --html quote.html), or use cell N --html FILE")
            }
            let model = session.model
            let source = try session.analysisText(arguments.options["text"], model: model)
            if let feature {
                // Compute the feature first: a bad pattern or a too-rare feature needs no model run.
                let signal: [Float]
                do { signal = try feature.signal(for: source.characters) } catch { throw CommandError(String(describing: error)) }
                if let problem = searchProblem(signal, feature: feature) { throw CommandError(problem.description) }
                guard let recording = session.record(model, source.indices),
                    let scores = session.rank(recording, signal: signal, isIndicator: feature.isIndicator, top: top)
                else { return }
                session.output.line(
                    session.style.bold("cells \(feature.name)") + " — \(feature.summary) — over \(source.description); "
                        + session.unitsPhrase(model))
                session.output.line(cellScoreTable(scores, feature: feature, style: session.style))
                session.output.note(scoreExplanation(feature))
                if let best = scores.first {
                    if let htmlPath {
                        try writeTintedPage(
                            path: htmlPath, characters: source.characters, activations: shownActivations(recording, best.unit),
                            title:
                                "unit \(best.unit) — \(feature.name) (\(feature.summary)), score \(String(format: "%.3f", best.score)) — \(source.description)"
                        )
                        session.output.line("wrote \(htmlPath): unit \(best.unit) over \(source.characters.count) characters")
                    }
                    session.output.note("see it over the text: cell \(best.unit)" + source.option)
                }
            } else {
                guard let recording = session.record(model, source.indices) else { return }
                var rows: [[String]] = []
                for feature in TextFeature.builtIns {
                    let signal = (try? feature.signal(for: source.characters)) ?? []  // built-ins never throw
                    if let problem = searchProblem(signal, feature: feature) {
                        rows.append([feature.name, "—", "—", "", "", "", "", "not searched: " + shortReason(problem)])
                        continue
                    }
                    guard let best = session.rank(recording, signal: signal, isIndicator: feature.isIndicator, top: 1)?.first
                    else { return }
                    rows.append([feature.name] + scoreCells(best) + [feature.summary])
                }
                session.output.line(
                    session.style.bold("cells") + ": the best unit for every feature, over \(source.description); "
                        + session.unitsPhrase(model))
                session.output.line(
                    table(
                        headers: ["feature", "best", "score", "r", "sign", "threshold", "accuracy", "tracks"], rows: rows,
                        alignments: [.left, .left, .right, .right, .left, .right, .right, .left], style: session.style))
                session.output.note(
                    "score: TPR + TNR − 1 of the best threshold for inside/outside features, |r| for numbers; 0 is chance, 1 perfect"
                )
                session.output.note("more units for one feature: cells FEATURE; a unit over the text: cell N")
            }
        })

    static let cell = Command(
        name: "cell", summary: "the text tinted by one hidden unit: blue negative, red positive",
        usage: "cell N [--text FILE|corpus] [--from POS] [--chars K] [--html FILE]",
        help: """
            Runs the model over the text from h_0 = 0 and colours every character by unit N's value
            after reading it: blue for negative, white near zero, red for positive (the classic view
            of interpretable cells). Without colour a ramp line under each line says the same with
            = - . + #. N is 12 (h12 of layer 0), h12, c12 (an LSTM's cell state, drawn as tanh(c))
            or l1.h12 (a higher layer). One screen at a time: --from POS starts further in (the
            last line says where the next screen starts), --chars K shows K characters.
            The text is as for `cells` (the validation text by default). --html FILE writes the
            whole text (or the --from/--chars part) as a page for a browser.
            """,
        complete: { context, previous, word in
            if let option = previous.last, let values = analysisOptionValues(option, context: context, word: word) {
                return values
            }
            return word.hasPrefix("-") ? ["--text", "--from", "--chars", "--html"] : []
        },
        run: { session, words in
            let usage = "cell N [--text FILE|corpus] [--from POS] [--chars K] [--html FILE]"
            let arguments = try Arguments(words, options: ["text", "from", "chars", "html"])
            guard arguments.positional.count == 1 else { throw CommandError.usage(usage) }
            let model = session.model
            let unit = try parseUnit(arguments.positional[0], shape: model.shape)
            let from =
                try arguments.options["from"].map { p throws(CommandError) in try parseInteger(p, "--from", in: 0...100_000_000) }
                ?? 0
            let chars = try arguments.options["chars"].map { k throws(CommandError) in
                try parseInteger(k, "--chars", in: 1...1_000_000)
            }
            let htmlPath = try arguments.options["html"].map { path throws(CommandError) in try checkedOutputPath(path) }
            let source = try session.analysisText(arguments.options["text"], model: model)
            let count = source.characters.count
            guard from < count else {
                throw CommandError("--from must be below the text's \(count) characters, not \(from)")
            }
            let plain = !session.style.colorEnabled
            let width = min(session.width, 100)
            let shown =
                chars.map { min($0, count - from) }
                ?? screenful(source.characters, from: from, width: width, lines: plain ? 7 : 20)
            let end = htmlPath != nil && chars == nil ? count : from + shown
            // The unit's value at a character depends on everything before it: record from the start.
            guard let recording = session.record(model, Array(source.indices[0..<end])) else { return }
            let values = shownActivations(recording, unit)
            if let htmlPath {
                try writeTintedPage(
                    path: htmlPath, characters: Array(source.characters[from..<end]), activations: Array(values[from..<end]),
                    title: "unit \(unit) — \(source.description), characters \(from)…\(end - 1)")
                session.output.line("wrote \(htmlPath): unit \(unit) over characters \(from)…\(end - 1) of \(source.description)")
                return
            }
            session.output.line(
                session.style.bold("unit \(unit)") + " (\(session.unitPhrase(unit, model))) over \(source.description): "
                    + "characters \(from)…\(from + shown - 1) of \(count)")
            session.output.line(
                tintLegend(style: session.style) + (unit.kind == .cell ? session.style.dim("   (c drawn as tanh(c))") : ""))
            session.output.line(
                tintedText(
                    characters: Array(source.characters[from..<(from + shown)]),
                    activations: Array(values[from..<(from + shown)]),
                    style: session.style, width: width))
            if from + shown < count {
                session.output.note(
                    "more: cell \(unit) --from \(from + shown)" + source.option + (chars.map { " --chars \($0)" } ?? ""))
            } else {
                session.output.note("(end of the text)")
            }
        })

    static let gradflow = Command(
        name: "gradflow", summary: "how far back the loss at step T reaches: ‖∂L_T/∂h_t‖ for t = T … 1",
        usage: "gradflow [--steps T] [--compare lstm|FILE] [--all]",
        help: """
            Runs the model over the first T characters of the text from h_0 = 0 and backpropagates
            the loss at step T alone, L_T = −ln p_T[target]. Each step back multiplies the gradient
            by J_tᵀ, J_t = diag(1 − h_t²) W_hh, so ‖∂L_T/∂h_t‖ shrinks (or grows) with the distance
            T − t: shown as numbers and as bars on a log scale, with each step's factor ‖J_t‖ and
            σ_max(W_hh), the most one multiplication by W_hh can stretch a vector. T is the seq
            setting by default (at most the text). --compare lstm sets beside it a fresh LSTM of the
            same size with its forget-gate bias raised to 3 (f ≈ 0.95): its cell path
            ∂c_t/∂c_{t−1} = f_t keeps the gradient. --compare FILE compares a checkpoint's model
            (say, an LSTM you trained) instead. The table of factors shows its first and last
            steps; --all shows every step.
            """,
        complete: { context, previous, word in
            if previous.last == "--compare" { return ["lstm"] + context.paths(word) }
            if previous.last == "--steps" { return [] }
            return word.hasPrefix("-") || word.isEmpty ? ["--steps", "--compare", "--all"] : []
        },
        run: { session, words in
            let usage = "gradflow [--steps T] [--compare lstm|FILE] [--all]"
            let arguments = try Arguments(words, options: ["steps", "compare"], flags: ["all"])
            guard arguments.positional.isEmpty else { throw CommandError.usage(usage) }
            let model = session.model
            let characters = Array(session.corpus.text)
            guard characters.count >= 2 else { throw CommandError("gradflow needs a text of at least two characters") }
            let most = min(characters.count - 1, 500)
            let steps =
                try arguments.options["steps"].map { s throws(CommandError) in try parseInteger(s, "--steps", in: 1...most) }
                ?? min(session.settings.sequenceLength, most)
            let text = String(characters[0...steps])  // T inputs and the target of step T
            var comparison: (model: Model, label: String, about: String)? = nil
            if let compare = arguments.options["compare"] {
                if compare == "lstm" {
                    guard model.shape.cell != .lstm else {
                        throw CommandError(
                            "the model is already an LSTM: --compare lstm sets an LSTM beside an RNN (set cell rnn), or compare a checkpoint: --compare FILE"
                        )
                    }
                    var generator = SplitMix64(seed: session.settings.seed)
                    let fresh = Model(
                        vocabulary: model.vocabulary, cell: .lstm, hiddenSize: model.shape.hiddenSize, layers: model.shape.layers,
                        initialization: session.settings.initialization, using: &generator)
                    comparison = (
                        fresh.withForgetBias(comparisonForgetBias), "lstm",
                        "a fresh, untrained LSTM (seed \(session.settings.seed)) with its forget-gate bias raised to "
                            + "\(formatPlain(Double(comparisonForgetBias))): f = σ(\(formatPlain(Double(comparisonForgetBias))) + …) ≈ "
                            + String(format: "%.2f", 1 / (1 + exp(-Double(comparisonForgetBias))))
                    )
                } else {
                    let checkpoint: Checkpoint
                    do { checkpoint = try Checkpoint.read(path: compare) } catch {
                        throw CommandError("--compare: \(String(describing: error)) (give lstm or a checkpoint file)")
                    }
                    do { _ = try checkpoint.model.vocabulary.encode(text) } catch {
                        throw CommandError(
                            "--compare \(compare): its vocabulary does not cover the text: \(String(describing: error))")
                    }
                    let other = checkpoint.model
                    let iteration = checkpoint.training.map { ", trained \($0.trainer.iteration) iterations" } ?? ""
                    comparison = (
                        other, other.shape.cell.rawValue + "*",
                        "\(compare): \(other.shape.cell.rawValue) H = \(other.shape.hiddenSize)\(iteration)"
                    )
                }
            }
            session.output.line(
                session.style.bold("gradflow")
                    + ": ‖∂L_T/∂h_t‖ for t = \(steps) … 1, where L_T = −ln p_T[target] is the loss at T = \(steps) alone, "
                    + "over the first \(steps) character\(steps == 1 ? "" : "s") of \(session.corpus.name) from h_0 = 0")
            var series: [(name: String, values: [Double])] = []
            var flows: [(label: String, flow: GradientFlow)] = []
            let main: GradientFlow
            do { main = try GradientFlow(model: model, text: text, steps: steps) } catch {
                throw CommandError(String(describing: error))
            }
            let iteration = session.currentTrainer.iteration
            session.output.line(
                "  \(model.shape.cell.rawValue)  the session's model, H = \(model.shape.hiddenSize), "
                    + (iteration == 0 ? "untrained" : "after \(iteration) iterations")
                    + ": L_T = \(String(format: "%.4f", main.loss))" + session.recurrentNormsPhrase(model))
            flows.append((model.shape.cell.rawValue, main))
            if session.interrupted() { return }
            if let comparison {
                let other: GradientFlow
                do { other = try GradientFlow(model: comparison.model, text: text, steps: steps) } catch {
                    throw CommandError(String(describing: error))
                }
                session.output.line(
                    "  \(comparison.label)  \(comparison.about): L_T = \(String(format: "%.4f", other.loss))"
                        + session.recurrentNormsPhrase(comparison.model))
                flows.append((comparison.label, other))
            }
            for (label, flow) in flows {
                series.append(("\(label) ‖∂L/∂h_t‖", flow.hiddenNorms().reversed().map(Double.init)))
                if flow.cell == .lstm { series.append(("\(label) ‖∂L/∂c_t‖", flow.cellNorms().reversed().map(Double.init))) }
            }
            session.output.line()
            session.output.line(
                gradientFlowChart(
                    steps: Array((1...steps).reversed()), series: series, width: min(session.width, 100), style: session.style))
            // The factors: what one step back multiplies the gradient by.
            var headers = ["t"], columns: [[String]] = []
            for (label, flow) in flows {
                if let factors = flow.stepFactors.first, !factors.isEmpty {
                    headers.append("\(label) ‖diag(1−h_t²)W_hh‖")
                    columns.append(factors.reversed().map { String(format: "%.4g", $0) })
                }
                if let forget = flow.forgetGateMeans.first, !forget.isEmpty {
                    headers.append("\(label) mean f_t")
                    columns.append(forget.reversed().map { String(format: "%.4f", $0) })
                }
            }
            if !columns.isEmpty {
                session.output.line()
                var meaning: [String] = []
                if flows.contains(where: { !$0.flow.stepFactors.isEmpty }) {
                    meaning.append("one step back, from h_t to h_{t−1}, multiplies ‖∂L/∂h‖ by at most ‖diag(1−h_t²)W_hh‖")
                }
                if flows.contains(where: { !$0.flow.forgetGateMeans.isEmpty }) {
                    meaning.append("the LSTM's cell path multiplies ∂L/∂c by f_t (∂c_t/∂c_{t−1} = f_t)")
                }
                session.output.line("per-step factors: " + meaning.joined(separator: "; "))
                var rows = (0..<steps).map { row in [String(steps - row)] + columns.map { $0[row] } }
                // Compact by default: the first three and the last two steps (the factors change slowly).
                let compactRows = !arguments.flags.contains("all") && steps > 6
                if compactRows { rows = Array(rows.prefix(3)) + [["⋮"] + columns.map { _ in "⋮" }] + Array(rows.suffix(2)) }
                session.output.line(
                    indented(
                        table(
                            headers: headers, rows: rows, alignments: headers.map { _ in .right }, style: session.style)))
                if compactRows { session.output.note("  (\(steps - 5) steps left out: gradflow --all shows every step)") }
            }
            session.output.line()
            for (label, flow) in flows {
                session.output.line(decaySentence(label: label, flow: flow))
            }
        })

    static let toy = Command(
        name: "toy", summary: "the lecture's one-number RNN written out: h_t, the nested tanh, ∂h_T/∂h_t",
        usage: "toy [x1 x2 x3 …] [--whh W] [--wxh W] [--b B] [--h0 H] [--linear] [--clip C]",
        help: """
            The scalar RNN h_t = tanh(a_t), a_t = w_xh x_t + w_hh h_{t−1} + b, with the lecture's
            w_hh = 3, w_xh = 2, b = 1, h_0 = 0 and inputs 1 0 1 unless you give others: its unrolled
            formula (h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)), every a_t and
            h_t, and ∂h_T/∂h_t as the product of the factors w_hh·(1 − h_k²), each one printed.
            Since 1 − h² ≤ 1, a saturated tanh (|h| near 1) makes its factor small whatever w_hh
            is, and |w_hh| < 1 makes every factor small: the gradient vanishes. --linear drops the
            tanh (h_t = a_t): every factor is w_hh, and with |w_hh| > 1 the gradient explodes as
            w_hh^(T−t). --clip C shows each gradient clipped by value to [−C, C], as min-char-rnn
            clips at 5.
            """,
        complete: { _, previous, word in
            if let last = previous.last, ["--whh", "--wxh", "--b", "--h0", "--clip"].contains(last) { return [] }
            return word.hasPrefix("-") ? ["--whh", "--wxh", "--b", "--h0", "--linear", "--clip"] : []
        },
        run: { session, words in
            let arguments = try Arguments(words, options: ["whh", "wxh", "b", "h0", "clip"], flags: ["linear"])
            guard arguments.positional.count <= 30 else {
                throw CommandError("toy takes at most 30 inputs, not \(arguments.positional.count)")
            }
            let inputs = try arguments.positional.enumerated().map { i, x throws(CommandError) in
                try parseNumber(x, "x_\(i + 1)", in: -100...100)
            }
            func weight(_ name: String, _ what: String, _ value: Double) throws(CommandError) -> Double {
                try arguments.options[name].map { w throws(CommandError) in try parseNumber(w, what, in: -100...100) } ?? value
            }
            let rnn = ToyRNN(
                whh: try weight("whh", "--whh", 3), wxh: try weight("wxh", "--wxh", 2), b: try weight("b", "--b", 1),
                activation: arguments.flags.contains("linear") ? .identity : .tanh)
            let h0 = try weight("h0", "--h0", 0)
            let clip = try arguments.options["clip"].map { c throws(CommandError) in
                try parseNumber(c, "--clip", in: 0.000001...1_000_000)
            }
            let trace = rnn.run(inputs: inputs.isEmpty ? [1, 0, 1] : inputs, h0: h0)
            session.output.line(toyReport(trace, clip: clip, style: session.style))
        })
}

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
            count > limit ? " (its first \(limit) of \(count) characters)" : " (\(count) characters)"
        }
        guard let option else {
            let validation = corpus.validation
            if validation.count >= 2 {
                let indices = Array(validation.prefix(limit))
                return AnalysisText(
                    characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                    description: "the validation text of \(corpus.name)" + cut(validation.count), option: "")
            }
            let indices = Array(corpus.indices.prefix(limit))
            return AnalysisText(
                characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                description: "the text of \(corpus.name)" + cut(corpus.indices.count) + ", which has no validation part",
                option: "")
        }
        if option == "corpus" {
            let indices = Array(corpus.indices.prefix(limit))
            return AnalysisText(
                characters: indices.map { model.vocabulary.characters[$0] }, indices: indices,
                description: "the text of \(corpus.name)" + cut(corpus.indices.count), option: " --text corpus")
        }
        let text: String
        let name: String
        if option == "hello" {
            text = "hello"
            name = "hello"
        } else {
            let path = library.path(of: option) ?? option
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandError("--text: no file or corpus '\(shown(option))' (give corpus, a corpus name or a file)")
            }
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandError("--text: cannot read \(shown(option)) as UTF-8 text")
            }
            text = contents
            name = library.path(of: option) != nil ? option : URL(fileURLWithPath: path).lastPathComponent
        }
        let characters = Array(text.prefix(limit))
        guard characters.count >= 2 else { throw CommandError("--text \(shown(option)): the text is too short to analyse") }
        let indices: [Int]
        do { indices = try model.vocabulary.encode(String(characters)) } catch {
            throw CommandError(
                "--text \(shown(option)): \(error.description) (the model knows the characters of the text it was made for)")
        }
        return AnalysisText(
            characters: characters, indices: indices, description: "the text of \(name)" + cut(text.count),
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
            + ": \(perLayer * shape.layers) units (" + (shape.cell == .lstm ? "h and c" : "h") + ")"
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

// MARK: - The toy

/// A number of the toy as a person writes it: `3`, `0.995`, `−1.25`, `6.1e+11`.
func toyNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x == x.rounded() && abs(x) < 1e6 { return (x < 0 ? "−" : "") + String(Int(abs(x))) }
    // Four significant digits, more when they would round a non-integer to one (h = 0.99998, not 1).
    var digits = 4
    var text = String(format: "%.\(digits)g", abs(x))
    while digits < 10, let shown = Double(text), shown == shown.rounded(), shown != abs(x) {
        digits += 1
        text = String(format: "%.\(digits)g", abs(x))
    }
    return (x < 0 ? "−" : "") + text
}

/// The toy written out: the recurrence, the unrolled formula, every a_t and h_t, every factor of
/// ∂h_T/∂h_t and their products, what saturation (or its absence) does, and clipping.
func toyReport(_ trace: ToyTrace, clip: Double?, style: Style) -> String {
    let rnn = trace.rnn, T = trace.steps
    let isTanh = rnn.activation == .tanh
    let w = toyNumber(rnn.whh), u = toyNumber(rnn.wxh), b = toyNumber(rnn.b)
    var lines: [String] = []
    lines.append(
        style.bold("the toy RNN") + ": one hidden number, "
            + (isTanh ? "h_t = tanh(a_t)" : "h_t = a_t (linear: no tanh)") + ", a_t = w_xh x_t + w_hh h_{t−1} + b")
    lines.append(
        "  w_hh = \(w), w_xh = \(u), b = \(b), h_0 = \(toyNumber(trace.h(0))); inputs x_1 … x_\(T) = "
            + trace.inputs.map(toyNumber).joined(separator: " "))
    lines.append("")
    lines.append(style.bold("unrolled"))
    lines.append("  " + trace.unrolled(step: T))
    let substituted = trace.unrolled(step: T, substitutingInputs: true)
    lines.append("  " + String(repeating: " ", count: "h_\(T)".count) + " = " + substituted.dropFirst("h_\(T) = ".count))
    lines.append("")
    lines.append(style.bold("forward") + ", t = 1 … \(T)")
    var rows: [[String]] = []
    for t in 1...T {
        let sum = "\(u)·\(toyNumber(trace.inputs[t - 1])) + \(w)·\(toyNumber(trace.h(t - 1))) + \(b)"
        var row = [String(t), toyNumber(trace.inputs[t - 1]), sum + " = " + toyNumber(trace.a(t))]
        if isTanh {
            row += [toyNumber(trace.h(t)), toyNumber(1 - trace.h(t) * trace.h(t))]
        } else {
            row += [toyNumber(trace.h(t))]
        }
        rows.append(row)
    }
    let forwardHeaders =
        ["t", "x_t", "a_t = w_xh·x_t + w_hh·h_{t−1} + b"] + (isTanh ? ["h_t = tanh(a_t)", "1 − h_t²"] : ["h_t = a_t"])
    lines.append(
        indented(table(headers: forwardHeaders, rows: rows, alignments: [.right, .right, .left, .right, .right], style: style)))
    lines.append("")
    let factorName = isTanh ? "w_hh·(1 − h_k²)" : "w_hh"
    lines.append(
        style.bold("backward")
            + ": ∂h_\(T)/∂h_t = Π_{k=t+1…\(T)} ∂h_k/∂h_{k−1}, one factor ∂h_k/∂h_{k−1} = \(factorName) per step back")
    var backRows: [[String]] = []
    let derivatives = trace.derivatives(to: T)
    for t in stride(from: T, through: 0, by: -1) {
        let factors = trace.factors(from: t, to: T)
        var written = factors.map { f in isTanh ? "\(w)·\(toyNumber(f.slope))" : w }
        if written.count > 6 {
            written = Array(written.prefix(4)) + ["… (\(written.count - 5) more)", written[written.count - 1]]
        }
        var row = [
            "∂h_\(T)/∂h_\(t)", factors.isEmpty ? "1 (nothing to carry)" : written.joined(separator: " × "),
            toyNumber(derivatives[t]),
        ]
        if let clip { row.append(toyNumber(ToyRNN.clip(derivatives[t], at: clip))) }
        backRows.append(row)
    }
    var backHeaders = ["", "factors (k = \(T) … t+1)", "product"]
    if let clip { backHeaders.append("clipped to ±\(toyNumber(clip))") }
    lines.append(indented(table(headers: backHeaders, rows: backRows, alignments: [.left, .left, .right, .right], style: style)))
    lines.append("")
    // What the numbers say.
    let all = trace.factors(from: 0, to: T)
    if isTanh {
        let saturated = all.filter(\.isSaturated).sorted { $0.step < $1.step }
        for f in saturated {
            lines.append(
                "h_\(f.step) = \(toyNumber(f.hidden)) is saturated: 1 − h² = \(toyNumber(f.slope)), so its factor is \(w)·\(toyNumber(f.slope)) = \(toyNumber(f.value)) —"
                    + " the tanh is flat there and passes almost no gradient back, whatever w_hh is")
        }
        if saturated.isEmpty {
            lines.append(
                "no h_k is saturated (all |h| < 0.95): each factor is |w_hh|·(1 − h²), at most |w_hh| = \(toyNumber(abs(rnn.whh)))"
            )
        }
    } else {
        lines.append("without the tanh nothing saturates: every factor is exactly w_hh = \(w), so ∂h_\(T)/∂h_t = \(w)^(\(T)−t)")
    }
    let total = derivatives[0]
    if abs(total) < 1 {
        lines.append(
            "∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient vanishes as it travels back; |w_hh| < 1 or a saturated tanh makes each factor small"
        )
    } else if abs(total) > 1 {
        lines.append("∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient explodes as it travels back, by |w_hh| > 1 at every step")
    } else {
        lines.append("∂h_\(T)/∂h_0 = \(toyNumber(total)): the gradient neither grows nor shrinks")
    }
    if let clip {
        lines.append(
            "clipping by value keeps each gradient in [−\(toyNumber(clip)), \(toyNumber(clip))]: the sign stays, the size is capped;"
                + " it stops an explosion, and does nothing for a gradient that vanished")
    }
    lines.append(
        style.dim("try: toy --whh 0.5 (vanishing), toy 1 0 1 0 1 0 --linear (exploding), toy --linear --clip 5 (clipping)"))
    return lines.joined(separator: "\n")
}

/// Every line of `text` indented by two spaces.
func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
}
