import CharRNN
import Foundation
import Rendering

// `gradflow`: ‖∂L_T/∂h_t‖ for t = T … 1, RNN against LSTM (GradientFlow).

extension Commands {
    /// `gradflow [--steps T] [--compare lstm|FILE] [--all]`: ‖∂L_T/∂h_t‖ back from T, beside another model's if asked.
    struct GradFlow: ShellCommand {
        static let name = "gradflow"
        static let summary = "how far back the loss at step T reaches: ‖∂L_T/∂h_t‖ for t = T … 1"
        static let help = """
            Runs the model over the first T characters of the text from h_0 = 0 and backpropagates
            the loss at step T alone, L_T = −ln p_T[target]. Each step back multiplies the gradient
            by J_tᵀ, J_t = diag(1 − h_t²) W_hh, so ‖∂L_T/∂h_t‖ shrinks (or grows) with the distance
            T − t: shown as numbers and as bars on a log scale, with each step's factor ‖J_t‖ and
            σ_max(W_hh), the most one multiplication by W_hh can stretch a vector. T is the seq
            setting by default (at most the text). --compare lstm sets beside it a fresh LSTM of the
            same size with its forget-gate bias raised to 3 (f ≈ 0.95): its cell path
            ∂c_t/∂c_{t−1} = f_t keeps the gradient. --compare FILE compares a checkpoint's model
            (say, an LSTM you trained) instead. The table of factors shows its first and last
            steps; --all shows every step. For an LSTM the last line takes the forget gates unit by
            unit: the product f_2 ⋯ f_T of the units that keep most, and of the median unit.
            """
        static let arguments: [Argument] = [.option("steps", "T", .text), .option("compare", "lstm|FILE", .text), .flag("all")]
        /// The `--steps` word, checked against the text's length when the command runs.
        let steps: String?
        /// `lstm` or a checkpoint path, if given.
        let compare: String?
        /// Whether every step's factors are shown.
        let all: Bool

        init(_ arguments: ParsedArguments) {
            steps = arguments.text("steps")
            compare = arguments.text("compare")
            all = arguments.flag("all")
        }

        /// Options whenever the word is empty or starts with a dash, `lstm` and paths after `--compare`.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            if previous.last == "--compare" { return ["lstm"] + context.paths(word) }
            if previous.last == "--steps" { return [] }
            return word.hasPrefix("-") || word.isEmpty ? ["--steps", "--compare", "--all"] : []
        }

        func run(in session: Session) throws {
            let model = session.model
            // The text in the model's units (a jamo model takes 한 as three steps): T inputs and the target of step T.
            let corpus = session.workspace.corpus
            guard corpus.indices.count >= 2 else { throw CommandError("gradflow needs a text of at least two characters") }
            guard model.vocabulary == corpus.vocabulary else {
                throw CommandError("the model was made for another vocabulary than \(corpus.name)'s: corpus or load first")
            }
            let most = min(corpus.indices.count - 1, 500)
            let steps =
                try self.steps.map { s throws(CommandError) in try parseInteger(s, "--steps", in: 1...most) }
                ?? min(session.workspace.settings.sequenceLength, most)
            let indices = Array(corpus.indices.prefix(steps + 1))
            let text = String(String.UnicodeScalarView(indices.flatMap { model.vocabulary.characters[$0].unicodeScalars }))
            var comparison: (model: Model, label: String, about: String)? = nil
            if let compare {
                if compare == "lstm" {
                    guard model.shape.cell != .lstm else {
                        throw CommandError(
                            "the model is already an LSTM: --compare lstm sets an LSTM beside an RNN (set cell rnn), or compare a checkpoint: --compare FILE"
                        )
                    }
                    var generator = SplitMix64(seed: session.workspace.settings.seed)
                    let fresh = Model(
                        vocabulary: model.vocabulary, cell: .lstm, hiddenSize: model.shape.hiddenSize, layers: model.shape.layers,
                        initialization: session.workspace.settings.initialization, using: &generator)
                    comparison = (
                        fresh.withForgetBias(comparisonForgetBias), "lstm",
                        "a fresh, untrained LSTM (seed \(session.workspace.settings.seed)) with its forget-gate bias raised to "
                            + "\(formatPlain(Double(comparisonForgetBias))): f = σ(\(formatPlain(Double(comparisonForgetBias))) + …) ≈ "
                            + String(format: "%.2f", 1 / (1 + exp(-Double(comparisonForgetBias))))
                    )
                } else {
                    let checkpoint: Checkpoint
                    do { checkpoint = try Checkpoint.read(path: session.resolvedInputPath(compare)) } catch {
                        throw CommandError("--compare: \(String(describing: error)) (give lstm or a checkpoint file)")
                    }
                    guard checkpoint.model.vocabulary.unit == model.vocabulary.unit else {
                        throw CommandError(
                            "--compare \(compare): it reads \(Session.unitWord(checkpoint.model.vocabulary.unit)), "
                                + "the session's model \(Session.unitWord(model.vocabulary.unit)): the steps would not line up")
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
                    + "over the first \(unitCount(steps, model.vocabulary.unit)) of \(corpus.name) from h_0 = 0"
            )
            var series: [(name: String, values: [Double])] = []
            var flows: [(label: String, flow: GradientFlow)] = []
            let main: GradientFlow
            main = GradientFlow(model: model, indices: indices, steps: steps)
            let iteration = session.currentTrainer.iteration
            session.output.line(
                "  \(model.shape.cell.rawValue)  the session's model, H = \(model.shape.hiddenSize), "
                    + (iteration == 0 ? "not trained in this session" : "after \(iteration) iteration\(iteration == 1 ? "" : "s")")
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
                let compactRows = !all && steps > 6
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
            for (label, flow) in flows {
                if let sentence = cellPathSentence(label: label, flow: flow) { session.output.line(sentence) }
            }
        }
    }
}
