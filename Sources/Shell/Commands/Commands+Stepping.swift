import CharRNN
import Foundation
import Rendering

// MARK: - step, trace, unstep, goto, reset

extension Commands {
    struct Step: ShellCommand {
        static let name = "step"
        static let summary = "advance N characters through the text, showing every number"
        static let help = """
            Reads the next character of the text (from h_0 = 0 at the start) and shows what the
            network computes at that time step t: the input character and its one-hot x_t, W_xh·x_t,
            W_hh·h_{t-1}, b_h, the pre-activation a_t, h_t = tanh(a_t), the logits y_t, the softmax
            p_t as bars with the target (the next character) marked, loss_t = −ln p_t[target] and
            the running loss. LSTM and GRU also show their gates. With a big vocabulary or hidden
            size the view is compact (h as a heat row, the top 5 probabilities); `show h`, `show p`
            expand it. N steps print N views (at most 10; the rest run silently).
            """
        static let arguments: [Argument] = [.positional("N", .integer(1...1_000_000), optional: true)]
        /// How many characters to read.
        let count: Int

        init(_ arguments: ParsedArguments) { count = arguments.integer("N") ?? 1 }

        func run(in session: Session) throws {
            try session.requireIdle()
            let start = session.stepping.position
            guard start < session.maximumPosition else {
                throw CommandError(
                    "t = \(start) is the end of the text "
                        + "(\(unitCount(session.workspace.corpus.indices.count, session.textUnit))): reset or goto to go back"
                )
            }
            let end = min(start + count, session.maximumPosition)
            let cache = session.forward(steps: end)
            session.stepping.position = end
            session.stepping.stepCache = cache
            session.stepping.backwardState = nil
            let shownFrom = max(start, end - 10)
            if shownFrom > start { session.output.note("(steps \(start + 1)…\(shownFrom) ran without being shown)") }
            let biases = session.model.layerBiases
            for t in shownFrom..<end {
                session.output.line(session.stepView(cache, step: t, biases: biases))
                if t + 1 < end { session.output.line() }
            }
            if start + count > end { session.output.note("stopped at the end of the text (t = \(end))") }
        }
    }

    struct Trace: ArgumentlessCommand {
        static let name = "trace"
        static let summary = "one row per step so far: input, target, prediction, p(target), loss"

        func run(in session: Session) throws {
            let cache = try session.requireSteps()
            session.output.line(session.traceTable(cache))
        }
    }

    /// `unstep [N]`; `back N` (and `back` outside a lesson) runs it too, see `Commands.back`.
    struct Unstep: ShellCommand {
        static let name = "unstep"
        static let summary = "move the step cursor back N steps (the hidden state goes back with them)"
        static let arguments: [Argument] = [.positional("N", .integer(1...1_000_000), optional: true)]
        static let usageHint = "(or back N)"
        /// How many steps to go back.
        let count: Int

        init(_ arguments: ParsedArguments) { count = arguments.integer("N") ?? 1 }

        /// Back `count` steps (what `back N` runs).
        init(count: Int) { self.count = count }

        func run(in session: Session) throws {
            try session.requireIdle()
            guard session.stepping.position > 0 else { throw CommandError("already at t = 0 (h_0 = 0): nothing to go back from") }
            try session.move(to: max(0, session.stepping.position - count))
        }
    }

    struct Goto: ShellCommand {
        static let name = "goto"
        static let summary = "move the cursor to step t (recomputing h from h_0 = 0)"
        static let arguments: [Argument] = [.positional("T")]
        /// The step as typed: its range is the text's length, known only to the session.
        let target: String

        init(_ arguments: ParsedArguments) { target = arguments.text("T") ?? "" }

        func run(in session: Session) throws {
            let t = try parseInteger(target, "T", in: 0...session.maximumPosition)
            try session.requireIdle()
            try session.move(to: t)
        }
    }

    struct Reset: ArgumentlessCommand {
        static let name = "reset"
        static let summary = "back to t = 0 with h_0 = 0"

        func run(in session: Session) throws {
            try session.requireIdle()
            try session.move(to: 0)
        }
    }
}

extension Session {
    /// The forward pass of the stepped text, or an error when nothing was stepped yet.
    func requireSteps() throws(CommandError) -> ForwardCache {
        guard stepping.position > 0, let stepCache = stepping.stepCache else {
            throw CommandError { $0(.noStepsYet) }
        }
        return stepCache
    }

    /// Moves the cursor to t and shows where it is.
    func move(to t: Int) throws(CommandError) {
        stepping.position = t
        modelChanged()
        if t == 0 {
            output.line("t = 0: h_0 = 0; the next step reads \(quoted(workspace.corpus.indices[0]))")
        } else {
            let cache = stepping.stepCache!
            // The last character is only a target: at t = maximumPosition there is no step after.
            let next =
                t < maximumPosition
                ? "the next step reads \(quoted(workspace.corpus.indices[t]))"
                : "its target \(quoted(workspace.corpus.indices[t])) ends the text "
                    + "(\(unitCount(workspace.corpus.indices.count, textUnit))): there is no step after it"
            output.line("t = \(t): the last input was \(quoted(cache.inputs[t - 1])), \(next)")
            output.line(vector("h_\(t)", cache.hidden(layer: model.shape.layers - 1, step: t - 1)))
        }
    }

    /// `trace`: one row per step.
    func traceTable(_ cache: ForwardCache) -> String {
        let V = cache.shape.vocabularySize
        var rows: [[String]] = []
        // Jamo: the text read so far, composed (whether 'ㄴ' ended a syllable or began one shows there).
        let jamo = model.vocabulary.unit == .jamo
        for t in 0..<cache.steps {
            let p = cache.slice(cache.probabilities, step: t, width: V)
            var best = 0
            for v in 1..<V where p[v] > p[best] { best = v }
            let target = cache.targets[t]
            rows.append(
                [String(t + 1), vocabularyLabels[cache.inputs[t]]]
                + (jamo ? [composedTail(cache.inputs[0...t], vocabulary: model.vocabulary, graphemes: 2)] : []) + [
                vocabularyLabels[target],
                vocabularyLabels[best] + (best == target ? " ✓" : ""), String(format: "%.3f", p[best]),
                String(format: "%.3f", p[target]), String(format: "%.3f", cache.losses[t]),
            ])
        }
        let total = cache.totalLoss
        return table(
            headers: ["t", "input"] + (jamo ? ["text"] : []) + ["target", "predicted", "p(pred)", "p(target)", "loss"],
            rows: rows, alignments: [.right, .left] + (jamo ? [.left] : []) + [.left, .left, .right, .right, .right],
            style: style)
            + "\n"
            + "total loss \(String(format: "%.3f", total)), mean \(String(format: "%.3f", total / Double(cache.steps))) per step"
    }
}

// MARK: - show

extension Commands {
    static let showWhat = ["settings", "x", "a", "h", "c", "y", "p", "loss", "grads", "optimizer"]

    /// `show WHAT [t]`: one value in full (a step's quantity, a tensor, the gradients, the optimizer, the settings).
    struct Show: ShellCommand {
        static let name = "show"
        static let summary = "show a value in full: settings, x a h c y p loss [t], a tensor, grads"
        static let help = """
            show x|a|h|c|y|p [t]   one quantity of step t (default: the last step), in full
            show loss [t]          the loss of step t, or every step's loss and the total
            show W_xh … b_y        a parameter as a labelled matrix (a heat map when large)
            show grads             the gradients of the last backward (after clipping)
            show optimizer         the optimizer's state (Adagrad's memory, Adam's moments)
            show settings          every setting with its range and meaning
            """
        static let usage = "show settings|x|a|h|c|y|p|loss [t]|W_xh|W_hh|b_h|W_hy|b_y|grads|optimizer"
        static let arguments: [Argument] = [.positional("WHAT"), .positional("t", optional: true)]
        /// What to show: a quantity, a tensor's name, `grads`, `optimizer` or `settings`.
        let what: String
        /// The step of a quantity, as typed (checked against the steps taken when it runs).
        let step: String?

        init(_ arguments: ParsedArguments) {
            what = arguments.text("WHAT") ?? ""
            step = arguments.text("t")
        }

        /// What can be shown, for the first word.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            previous.isEmpty ? showWhat + ["W_xh", "W_hh", "b_h", "W_hy", "b_y"] : []
        }

        func run(in session: Session) throws {
            switch what {
            case "settings":
                guard step == nil else { throw CommandError.usage("show settings") }
                session.output.line(session.settingsTable())
            case "x", "a", "h", "c", "y", "p", "loss":
                session.output.line(try session.showStepQuantity(what, step))
            case "grads":
                guard step == nil else { throw CommandError.usage("show grads") }
                guard let state = session.stepping.backwardState else {
                    throw CommandError("no gradients yet: step, then backward")
                }
                session.output.line(session.gradientsView(state))
            case "optimizer":
                guard step == nil else { throw CommandError.usage("show optimizer") }
                session.output.line(session.optimizerView())
            default:
                guard step == nil else { throw CommandError.usage(Self.usage) }
                let model = session.model
                guard let tensor = model.tensor(named: what) else {
                    let names = showWhat + model.parameters.map(\.mathName)
                    throw CommandError("nothing called '\(shown(what))' to show" + didYouMean(nearest(what, among: names)))
                }
                session.output.line(session.render(tensor))
            }
        }
    }
}

extension Session {
    /// `show x|a|h|c|y|p|loss [t]`.
    func showStepQuantity(_ what: String, _ stepText: String?) throws(CommandError) -> String {
        let cache = try requireSteps()
        if what == "loss" && stepText == nil {
            let values = cache.losses
            return vector("loss", values, labels: (1...values.count).map(String.init), expanded: true)
                + "\ntotal \(String(format: "%.4f", cache.totalLoss)), mean \(String(format: "%.4f", cache.meanLoss)) per step"
        }
        let n = try stepText.map { s throws(CommandError) in try parseInteger(s, "t", in: 1...cache.steps) } ?? cache.steps
        let t = n - 1
        let shape = cache.shape, H = shape.hiddenSize, V = shape.vocabularySize, G = shape.cell.gateCount
        let top = cache.layers.count - 1
        switch what {
        case "x":
            var x = [Float](repeating: 0, count: V)
            x[cache.inputs[t]] = 1
            return vector("x_\(n)", x, labels: vocabularyLabels, note: "one-hot \(quoted(cache.inputs[t]))", expanded: true)
        case "a":
            return (0...top).map { k in
                vector(
                    "a_\(n)" + (top > 0 ? " l\(k + 1)" : ""), cache.slice(cache.layers[k].preactivation, step: t, width: G * H),
                    expanded: true)
            }.joined(separator: "\n")
        case "h":
            return (0...top).map { k in
                vector("h_\(n)" + (top > 0 ? " l\(k + 1)" : ""), cache.hidden(layer: k, step: t), expanded: true)
            }.joined(separator: "\n")
        case "c":
            guard shape.cell == .lstm else { throw CommandError("only an LSTM has a cell state c (set cell lstm)") }
            return (0...top).map { k in
                vector("c_\(n)" + (top > 0 ? " l\(k + 1)" : ""), cache.cell(layer: k, step: t), expanded: true)
            }.joined(separator: "\n")
        case "y":
            return vector("y_\(n)", cache.slice(cache.logits, step: t, width: V), labels: vocabularyLabels, expanded: true)
        case "p":
            return style.bold("p_\(n)") + style.dim(" = softmax(y_\(n)), target \(quoted(cache.targets[t]))") + "\n"
                + probabilityBars(
                    labels: vocabularyLabels, probabilities: cache.slice(cache.probabilities, step: t, width: V),
                    target: cache.targets[t], style: style, width: width)
        default:  // loss t
            let p = cache.probabilities[t * V + cache.targets[t]]
            return
                "loss_\(n) = −ln p_\(n)[\(vocabularyLabels[cache.targets[t]])] = −ln \(String(format: "%.4f", p)) = \(String(format: "%.4f", cache.losses[t]))"
        }
    }

    /// `show optimizer`: the state tensors, by parameter.
    func optimizerView() -> String {
        let trainer = currentTrainer, optimizer = trainer.optimizer
        let names = optimizer.stateNames
        var lines = [
            "\(style.bold("optimizer")) \(optimizer.kind.rawValue), \(optimizer.step) update\(optimizer.step == 1 ? "" : "s") so far"
        ]
        guard let first = names.first else {
            lines.append("plain SGD keeps no state: p −= lr · g")
            return lines.joined(separator: "\n")
        }
        for (i, p) in trainer.model.parameters.enumerated() {
            if i < optimizer.first.count {
                lines.append(
                    render(Tensor(name: p.name, shape: p.shape, values: optimizer.first[i]), name: "\(first) of \(p.mathName)"))
            }
            if let second = names.second, i < optimizer.second.count {
                lines.append(
                    render(Tensor(name: p.name, shape: p.shape, values: optimizer.second[i]), name: "\(second) of \(p.mathName)"))
            }
        }
        return lines.joined(separator: "\n")
    }
}
