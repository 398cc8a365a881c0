import CharRNN
import Foundation
import Rendering

extension Commands {
    struct Backward: ArgumentlessCommand {
        static let name = "backward"
        static let summary = "backpropagate through the stepped text (then walk it with backstep)"
        static let help = """
            Runs backpropagation through time over the steps taken so far (t = 1 … T, from h_0 = 0)
            for the summed loss Σ loss_t, and clips the gradients as the `clip` setting says.
            Then `backstep` shows, from the last step to the first, every quantity BPTT computes,
            and finally the summed gradients with the entries clipping changed marked.
            """

        func run(in session: Session) throws {
            try session.requireIdle()
            let cache = try session.requireSteps()
            let (gradients, trace) = session.model.backward(cache, lossScale: 1)
            var clipped = gradients
            let (norm, changed) = session.workspace.settings.clipping.apply(&clipped)
            session.stepping.backwardState = BackwardState(
                cache: cache, gradients: gradients, clipped: clipped, changed: changed, norm: norm, trace: trace,
                next: cache.steps)
            session.output.line(
                "backward over t = 1 … \(cache.steps): loss \(String(format: "%.4f", cache.totalLoss)) (summed), "
                    + "‖g‖ = \(String(format: "%.4f", norm)); "
                    + session.clippingSummary(session.stepping.backwardState!))
            session.output.note(
                "backstep walks it from t = \(cache.steps) back to t = 1; show grads shows the sums; update applies them")
        }
    }

    struct Backstep: ArgumentlessCommand {
        static let name = "backstep"
        static let summary = "show one step of BPTT, from the last step back to the first"
        static let help = """
            Each backstep shows one time step of the last backward pass, from t = T down to 1:
            dy_t = p_t − onehot(target), its contribution to dW_hy, dh_t = W_hyᵀ dy_t + dh_next,
            dh_raw_t = (1 − h_t²) ⊙ dh_t, the contributions to dW_xh, dW_hh, db_h, and the dh_next
            it passes back to step t − 1. After step 1, the summed gradients, with clipping marked.
            """

        func run(in session: Session) throws {
            guard var state = session.stepping.backwardState else { throw CommandError("nothing to walk: step, then backward") }
            if state.next == 0 {
                session.output.line(session.gradientsView(state, full: !session.compact))
                return
            }
            let products = session.model.backstepProducts(state, step: state.next - 1)
            session.output.line(session.backstepView(state, step: state.next, products: products))
            state.next -= 1
            if state.next == 0 {
                session.output.line()
                session.output.line(session.gradientsView(state, full: !session.compact))
            }
            session.stepping.backwardState = state
        }
    }

    struct Update: ArgumentlessCommand {
        static let name = "update"
        static let summary = "one optimizer step on the stepped text: each change, the optimizer state, the loss before and after"
        static let help = """
            Computes the gradients of the stepped text (as backward does), clips them, and applies one
            step of the optimizer (Adagrad: mem += g², p −= lr · g / √(mem + 1e-8)). Shows each
            parameter's change, the optimizer's state, and the loss of the stepped text before and after.
            """

        func run(in session: Session) throws {
            try session.requireIdle()
            let cache = try session.requireSteps()
            try session.applyUpdate(cache)
        }
    }

    struct GradCheck: ArgumentlessCommand {
        static let name = "gradcheck"
        static let summary = "check every gradient against finite differences"
        static let help = """
            Compares the backward pass with central differences (L(θ + ε) − L(θ − ε)) / 2ε on the
            stepped text (or the first seq characters), for up to 12 entries of every tensor, and
            prints each tensor's relative error. Below 1e-2 passes (float32 arithmetic).
            """

        func run(in session: Session) throws {
            let steps =
                session.stepping.position > 0
                ? session.stepping.position : min(session.workspace.settings.sequenceLength, session.maximumPosition)
            let indices = session.workspace.corpus.indices
            var generator = SplitMix64(seed: session.workspace.settings.seed)
            let results = GradientCheck.run(
                model: session.model, inputs: Array(indices[0..<steps]), targets: Array(indices[1...steps]), batchSize: 1,
                using: &generator)
            let style = session.style
            let rows = results.map { r in
                [
                    Tensor.mathName(of: r.name), String(r.checked), String(format: "%.2e", r.relativeError),
                    r.belowNoise ? style.dim("≈ 0: below float32 noise") : r.passed ? style.green("pass") : style.red("FAIL"),
                ]
            }
            session.output.line(
                "gradient check over \(steps) step\(steps == 1 ? "" : "s") (threshold \(GradientCheck.threshold)):")
            session.output.line(
                table(
                    headers: ["tensor", "entries", "relative error", "result"], rows: rows,
                    alignments: [.left, .right, .right, .left], style: style))
        }
    }
}

extension Session {
    /// `update`: one optimizer step on the stepped text, shown parameter by parameter.
    func applyUpdate(_ cache: ForwardCache) throws(CommandError) {
        var (gradients, _) = workspace.trainer.model.backward(cache, lossScale: 1)
        let (norm, changed) = workspace.settings.clipping.apply(&gradients)
        var newTrainer = workspace.trainer
        let lr = workspace.settings.learningRate
        newTrainer.optimizer.update(&newTrainer.model.parameters, gradients: gradients, learningRate: Float(lr))
        guard norm.isFinite, newTrainer.model.parameters.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
            throw CommandError(
                "the update made the weights NaN or infinite; nothing was changed — lower the learning rate (set lr \(formatPlain(lr / 10)))"
                    + (workspace.settings.clipping == .none ? " and turn clipping on (set clip 5)" : ""))
        }
        let before = cache.totalLoss
        let old = workspace.trainer
        workspace.trainer = newTrainer
        modelChanged()
        let after = stepping.stepCache?.totalLoss ?? .nan
        if stepping.stepCache != nil { report(.updated(lossBefore: before, lossAfter: after, steps: stepping.position)) }
        let compactView = compact
        let kind = newTrainer.optimizer.kind
        let rule: String = {
            switch kind {
            case .sgd: return "p −= lr · g"
            case .momentum: return "v = 0.9 v + g;  p −= lr · v"
            case .adagrad: return "mem += g²;  p −= lr · g / √(mem + 1e-8)"
            case .rmsprop: return "m = 0.95 m + 0.05 g²;  p −= lr · g / (√m + 1e-8)"
            case .adam: return "m, v moments;  p −= lr · m̂ / (√v̂ + 1e-8)"
            }
        }()
        let clippedCount = changed.reduce(0) { $0 + $1.count }
        output.line(
            style.bold("update") + " (\(kind.rawValue), lr \(formatPlain(lr))): \(rule)"
                + "   ‖g‖ = \(String(format: "%.4f", norm))"
                + (clippedCount > 0
                    ? ", \(clippedCount) of \(gradients.reduce(0) { $0 + $1.values.count }) entries clipped" : ""))
        let names = newTrainer.optimizer.stateNames
        for (i, p) in newTrainer.model.parameters.enumerated() {
            let delta = zip(p.values, old.model.parameters[i].values).map { $0 - $1 }
            let deltaTensor = Tensor(name: p.name, shape: p.shape, values: delta)
            if compactView && p.values.count > 64 {
                let largest = delta.map(abs).max() ?? 0
                let mean = delta.reduce(0) { $0 + abs($1) } / Float(max(1, delta.count))
                output.line(
                    padded(p.mathName, to: 6)
                        + "  change: largest |Δ| \(formatNumber(largest, digits: 4)), mean |Δ| \(formatNumber(mean, digits: 4))"
                        + (names.first.map { n in
                            let state = newTrainer.optimizer.first[i]
                            return ", mean \(n) \(formatNumber(state.reduce(0, +) / Float(max(1, state.count)), digits: 4))"
                        } ?? ""))
            } else {
                output.line(render(deltaTensor, name: "Δ\(p.mathName)"))
                if let first = names.first, i < newTrainer.optimizer.first.count {
                    output.line(
                        render(
                            Tensor(name: p.name, shape: p.shape, values: newTrainer.optimizer.first[i]),
                            name: "\(first) of \(p.mathName)"))
                }
            }
        }
        output.line(
            "loss of the \(cache.steps) stepped character\(cache.steps == 1 ? "" : "s"): before \(String(format: "%.4f", before)), after \(String(format: "%.4f", after))"
                + (after < before ? " (lower)" : after > before ? " (higher)" : ""))
    }
}
