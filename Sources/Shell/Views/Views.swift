import CharRNN
import Foundation
import Rendering

// Rendering the engine's values for commands: labels, the step view, the backstep view.
// Legend: V vocabulary, H hidden, G gates; t is 1-based in everything the learner sees.

/// The width of the name column of the step and backstep views.
let nameColumn = 12

/// Above this vocabulary or hidden size, `step` shows the compact view.
let compactLimit = 16

extension Session {
    var style: Style { output.style }
    var width: Int { output.width }

    /// The visible labels of the vocabulary (`␣`, `↵`).
    var vocabularyLabels: [String] { model.vocabulary.labels }

    /// `'h'`, made visible.
    func quoted(_ index: Int) -> String { "'" + model.vocabulary.labels[index] + "'" }

    /// Whether `step` shows the compact view.
    var compact: Bool { model.shape.vocabularySize > compactLimit || model.shape.hiddenSize > compactLimit }

    /// A named vector, its name padded to the name column, with an optional note after it. Its
    /// numbers share one format (``formatRow(_:significant:)``); `columnWidth` lines up a group.
    func vector(
        _ name: String, _ values: [Float], labels: [String]? = nil, note: String = "", expanded: Bool = false,
        columnWidth: Int = 0
    ) -> String {
        var text = renderVector(
            name: padded(name, to: nameColumn - 2), values: values, labels: labels, style: style, width: width,
            digits: digits(for: values), maxLines: expanded ? 1000 : 1, rowFormat: true, minimumColumnWidth: columnWidth)
        if !note.isEmpty {
            let lastLineWidth = displayWidth(String(text.split(separator: "\n").last ?? ""))
            if lastLineWidth + 2 + displayWidth(note) <= width {
                text += "  " + style.dim(note)
            } else {
                text += "\n" + String(repeating: " ", count: nameColumn) + style.dim(note)
            }
        }
        return text
    }

    /// Decimals that let the largest value of a vector show two significant digits: 3 for
    /// values of 0.1 and more, up to 6 for the tiny numbers of a freshly initialised model.
    func digits(for values: [Float]) -> Int {
        let largest = values.lazy.filter(\.isFinite).map(abs).max() ?? 0
        guard largest > 0, largest < 0.1 else { return 3 }
        return min(6, 3 + Int((-log10(Double(largest))).rounded(.down)))
    }

    /// The widest number of `rows`, each in its own row format: the column width that lines a group up.
    func columnWidth(_ rows: [[Float]]) -> Int {
        rows.map { formatRow($0).first.map(displayWidth) ?? 0 }.max() ?? 0
    }

    /// A header of unit numbers (`0 1 2`) over rows of `count` hidden units, as wide as `columnWidth`,
    /// with `label` in the name column; empty when they would not fit on one line.
    func unitHeader(count: Int, columnWidth: Int, label: String = "unit") -> String {
        let cells = (0..<count).map { padded(String($0), to: columnWidth, alignment: .right) }
        let line = padded(label, to: nameColumn) + cells.joined(separator: " ")
        guard displayWidth(line) + 1 <= width else { return "" }
        return style.dim(line)
    }

    /// What the heat row's cells mean, in the current style: colours, or the plain ramp's characters.
    var heatKey: String { style.colorEnabled ? "−1 blue … +1 red" : "−1 = - . + # +1" }

    /// h as one heat cell per unit (a compact view of a long vector).
    func heat(_ name: String, _ values: [Float], note: String = "") -> String {
        let room = max(1, width - nameColumn - 1)
        let row = heatRow(values: Array(values.prefix(room)), style: style) + (values.count > room ? "…" : "")
        var text = style.bold(padded(name, to: nameColumn)) + row
        if !note.isEmpty {
            if nameColumn + displayWidth(row) + 2 + displayWidth(note) <= width {
                text += "  " + style.dim(note)
            } else {
                text += "\n" + String(repeating: " ", count: nameColumn) + style.dim(note)
            }
        }
        return text
    }

    /// Row and column labels of a parameter (or gradient) tensor: gates and units, characters.
    func labels(of tensor: Tensor) -> (rows: [String], columns: [String]) {
        let shape = model.shape, H = shape.hiddenSize
        let units: [String] = {
            guard shape.cell != .rnn else { return (0..<H).map(String.init) }
            return shape.cell.gateNames.flatMap { g in (0..<H).map { "\(g)\($0)" } }
        }()
        let name = tensor.name
        if name == "decoder.weight" { return (vocabularyLabels, (0..<H).map(String.init)) }
        if name == "decoder.bias" { return (vocabularyLabels, []) }
        if name.hasPrefix("rnn.weight_ih_l0") { return (units, vocabularyLabels) }
        if name.hasPrefix("rnn.weight") { return (units, (0..<H).map(String.init)) }
        return (units, [])
    }

    /// A parameter-shaped tensor as a matrix (heat map when large) or a labelled vector.
    func render(_ tensor: Tensor, name: String? = nil) -> String {
        let (rows, columns) = labels(of: tensor)
        let title = name ?? tensor.mathName
        if tensor.shape.count == 2 {
            return renderMatrix(
                name: title, rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.values,
                rowLabels: rows, columnLabels: columns, style: style, width: width, digits: digits(for: tensor.values),
                rowFormat: true)
        }
        return style.bold(title) + " (\(tensor.values.count))\n"
            + renderVector(
                name: "", values: tensor.values, labels: rows, style: style, width: width, digits: digits(for: tensor.values),
                maxLines: 1000, rowFormat: true)
    }

    // MARK: - The step view

    /// Everything step t (0-based) of the stepped text computed, as `step` prints it; `biases`
    /// are the model's, per layer (``Model/layerBiases``).
    func stepView(_ cache: ForwardCache, step t: Int, biases: [LayerBiases], expanded: Bool = false) -> String {
        let shape = cache.shape, H = shape.hiddenSize, V = shape.vocabularySize, G = shape.cell.gateCount
        let n = t + 1
        let input = cache.inputs[t], target = cache.targets[t]
        let small = expanded || !compact
        var lines: [String] = []
        lines.append(
            style.bold("t = \(n)") + "   input \(quoted(input)) → target \(quoted(target))"
                + (model.vocabulary.unit == .jamo
                    ? style.dim(
                        "   text \"" + composedTail(cache.inputs[0...t], vocabulary: model.vocabulary, graphemes: 4) + "\"")
                    : ""))
        if small {
            var x = [Float](repeating: 0, count: V)
            x[input] = 1
            lines.append(vector("x_\(n)", x, labels: vocabularyLabels, note: "one-hot \(quoted(input))"))
        } else {
            lines.append(
                style.bold(padded("x_\(n)", to: nameColumn))
                    + "one-hot: 1 at \(quoted(input)) (index \(input) of \(V)), 0 elsewhere")
        }
        for k in 0..<shape.layers {
            let layer = cache.layers[k]
            let suffix = shape.layers > 1 ? " (layer \(k + 1))" : ""
            if shape.layers > 1 { lines.append(style.dim("layer \(k + 1)" + (k > 0 ? ": its x is the h of layer \(k)" : ""))) }
            let bi = biases[k].inputHidden, bh = biases[k].hiddenHidden
            let ip = cache.slice(layer.inputProjection, step: t, width: G * H)
            let rp = cache.slice(layer.recurrentProjection, step: t, width: G * H)
            let a = cache.slice(layer.preactivation, step: t, width: G * H)
            let h = cache.hidden(layer: k, step: t)
            // One column width for the rows of hidden units, under a header of unit numbers.
            let cw = columnWidth(
                [ip, rp, a, h, bi] + (bh.map { [$0] } ?? []))
            if small, shape.cell == .rnn {
                let header = unitHeader(count: H, columnWidth: cw, label: "hidden unit")
                if !header.isEmpty { lines.append(header) }
            }
            lines.append(
                vector("W_xh·x_\(n)", ip, note: k == 0 ? "column \(quoted(input)) of W_xh" + suffix : suffix, columnWidth: cw))
            lines.append(vector("W_hh·h_\(t)", rp, note: t == 0 ? "h_0 = 0" : "", columnWidth: cw))
            if let bh {
                lines.append(vector("b_ih", bi, columnWidth: cw))
                lines.append(vector("b_hh", bh, columnWidth: cw))
            } else {
                lines.append(vector("b_h", bi, columnWidth: cw))
            }
            switch shape.cell {
            case .rnn:
                lines.append(vector("a_\(n)", a, note: "= W_xh·x + W_hh·h + b_h", columnWidth: cw))
            case .lstm:
                lines.append(vector("a_\(n)", a, note: "[a_i a_f a_g a_o] = W_ih·x + b_ih + W_hh·h + b_hh", columnWidth: cw))
            case .gru:
                lines.append(
                    vector("a_\(n)", a, note: "[a_r a_z a_n], a_n = W_in·x + b_in + r ⊙ (W_hn·h + b_hn)", columnWidth: cw))
            }
            if shape.cell != .rnn {
                let gates = cache.slice(layer.gates, step: t, width: G * H)
                let notes: [String: String] = [
                    "i": "input gate σ(a_i)", "f": "forget gate σ(a_f)", "g": "candidate tanh(a_g)", "o": "output gate σ(a_o)",
                    "r": "reset gate σ(a_r)", "z": "update gate σ(a_z)", "n": "candidate tanh(a_n)",
                ]
                for (q, name) in shape.cell.gateNames.enumerated() {
                    let values = Array(gates[(q * H)..<((q + 1) * H)])
                    lines.append(
                        small
                            ? vector("\(name)_\(n)", values, note: notes[name] ?? "", columnWidth: cw)
                            : heat("\(name)_\(n)", values, note: notes[name] ?? ""))
                }
            }
            if shape.cell == .lstm {
                let c = cache.cell(layer: k, step: t)
                lines.append(vector("c_\(n)", c, note: "= f ⊙ c_\(t) + i ⊙ g", columnWidth: cw))
            }
            let hNote: String = {
                switch shape.cell {
                case .rnn: return "= tanh(a_\(n))"
                case .lstm: return "= o ⊙ tanh(c_\(n))"
                case .gru: return "= (1 − z) ⊙ n + z ⊙ h_\(t)"
                }
            }()
            lines.append(
                small
                    ? vector("h_\(n)", h, note: hNote, columnWidth: cw)
                    : heat("h_\(n)", h, note: hNote + " (\(H) unit\(H == 1 ? "" : "s"), " + heatKey + ")"))
        }
        let y = cache.slice(cache.logits, step: t, width: V)
        let p = cache.slice(cache.probabilities, step: t, width: V)
        lines.append(vector("y_\(n)", y, labels: small ? vocabularyLabels : nil, note: "= W_hy·h_\(n) + b_y"))
        lines.append(
            style.bold("p_\(n)") + style.dim(" = softmax(y_\(n))" + (small ? "" : ", the 5 most likely (show p \(n) for all)")))
        lines.append(
            probabilityBars(
                labels: vocabularyLabels, probabilities: p, target: target, top: small ? nil : 5, style: style, width: width))
        let loss = cache.losses[t]
        let running = cache.losses[0...t].reduce(0.0) { $0 + Double($1) }
        let lossText =
            style.bold("loss_\(n)") + " = −ln p_\(n)[\(vocabularyLabels[target])] = −ln \(String(format: "%.3f", p[target])) = "
            + String(format: "%.3f", loss)
        let runningText =
            "running loss " + String(format: "%.3f", running) + " (mean " + String(format: "%.3f", running / Double(n))
            + " over \(n) step\(n == 1 ? "" : "s"))"
        // Beside the loss when both fit, under it otherwise.
        let together = lossText + "    " + runningText
        lines.append(displayWidth(together) <= width ? together : lossText + "\n  " + runningText)
        return lines.joined(separator: "\n")
    }

    // MARK: - The backstep view

    /// What BPTT computes at step t (1-based) of the last backward pass; `products` are the
    /// step's sums the command computed (``Model/backstepProducts(_:step:)``).
    func backstepView(_ state: BackwardState, step n: Int, products: BackstepProducts) -> String {
        let cache = state.cache, trace = state.trace, shape = cache.shape
        let H = shape.hiddenSize, V = shape.vocabularySize, G = shape.cell.gateCount, T = cache.steps
        let t = n - 1
        let input = cache.inputs[t], target = cache.targets[t]
        let small = !compact
        var lines: [String] = []
        lines.append(
            style.bold("backstep t = \(n)") + "   input \(quoted(input)) → target \(quoted(target))"
                + style.dim("   (BPTT walks t = \(T) … 1)"))
        let dy = cache.slice(trace.dLogits, step: t, width: V)
        lines.append(
            vector("dy_\(n)", dy, labels: small ? vocabularyLabels : nil, note: "= p_\(n) − onehot(\(vocabularyLabels[target]))"))
        lines.append(style.dim("dW_hy += dy_\(n) h_\(n)ᵀ,  db_y += dy_\(n)"))
        lines.append(
            contribution(
                Tensor(name: "decoder.weight", shape: [V, H], values: products.outputWeightContribution),
                name: "dW_hy contribution of t = \(n)"))
        for k in stride(from: shape.layers - 1, through: 0, by: -1) {
            let layerTrace = trace.layers[k]
            let suffix = shape.layers > 1 ? " (layer \(k + 1))" : ""
            if shape.layers > 1 { lines.append(style.dim("layer \(k + 1)")) }
            let dh = cache.slice(layerTrace.dHidden, step: t, width: H)
            let dNextIn = t + 1 < T ? cache.slice(layerTrace.dHiddenNext, step: t + 1, width: H) : [Float](repeating: 0, count: H)
            // The gradient from above: W_hyᵀ dy_t for the top layer, W_xhᵀ da_t of the layer above otherwise.
            let fromAbove = products.fromAbove[k]
            let aboveName = k == shape.layers - 1 ? "W_hyᵀdy_\(n)" : "from above"
            let da = cache.slice(layerTrace.dPreactivation, step: t, width: G * H)
            let dNextOut = cache.slice(layerTrace.dHiddenNext, step: t, width: H)
            // One column width for the rows of hidden units, under a header of unit numbers.
            let cw = columnWidth([fromAbove, dNextIn, dh, da, dNextOut])
            if small, shape.cell == .rnn {
                let header = unitHeader(count: H, columnWidth: cw, label: "hidden unit")
                if !header.isEmpty { lines.append(header) }
            }
            lines.append(vector(aboveName, fromAbove, note: suffix, columnWidth: cw))
            lines.append(
                vector(
                    "dh_next", dNextIn, note: t + 1 < T ? "from step \(n + 1)" : "0: nothing comes back from after the last step",
                    columnWidth: cw)
            )
            lines.append(vector("dh_\(n)", dh, note: "= \(aboveName) + dh_next", columnWidth: cw))
            switch shape.cell {
            case .rnn:
                lines.append(vector("dh_raw_\(n)", da, note: "= (1 − h_\(n)²) ⊙ dh_\(n)", columnWidth: cw))
            case .lstm:
                let dc = cache.slice(layerTrace.dCell, step: t, width: H)
                lines.append(vector("dc_\(n)", dc, note: "= dh ⊙ o ⊙ (1 − tanh²c) + dc_\(n + 1) ⊙ f_\(n + 1)"))
                // The gate gradients, each H wide, in PyTorch's order: da_t = [da_i da_f da_g da_o].
                let gates = [
                    ("da_i", "= dc ⊙ g ⊙ i(1 − i)   input gate"), ("da_f", "= dc ⊙ c_\(n - 1) ⊙ f(1 − f)   forget gate"),
                    ("da_g", "= dc ⊙ i ⊙ (1 − g²)   candidate"), ("da_o", "= dh ⊙ tanh(c) ⊙ o(1 − o)   output gate"),
                ]
                lines.append(style.dim("da_\(n) = [da_i da_f da_g da_o]: the gradients of the gates' pre-activations"))
                for (q, (name, note)) in gates.enumerated() {
                    lines.append(vector(name, Array(da[(q * H)..<((q + 1) * H)]), note: note))
                }
            case .gru:
                // da_t = [da_r da_z da_n], each H wide (PyTorch's order).
                let gates = [("da_r", "reset gate"), ("da_z", "update gate"), ("da_n", "candidate")]
                lines.append(style.dim("da_\(n) = [da_r da_z da_n]: the gradients of the gates' pre-activations"))
                for (q, (name, note)) in gates.enumerated() {
                    lines.append(vector(name, Array(da[(q * H)..<((q + 1) * H)]), note: note))
                }
            }
            let rawName = shape.cell == .rnn ? "dh_raw_\(n)" : "da_\(n)"
            if k == 0 {
                lines.append(
                    vector(
                        "dW_xh[:,\(vocabularyLabels[input])]", da,
                        note: "+= \(rawName): x_\(n) is one-hot, so only column \(quoted(input)) changes", columnWidth: cw))
            } else {
                lines.append(style.dim("dW_xh\(suffix) += \(rawName) h_\(n)ᵀ of the layer below"))
            }
            lines.append(
                contribution(
                    Tensor(name: products.recurrentWeightNames[k], shape: [G * H, H], values: products.recurrentContribution[k]),
                    name: "dW_hh contribution of t = \(n) (\(rawName) h_\(t)ᵀ\(t == 0 ? " = 0, since h_0 = 0" : ""))"))
            lines.append(vector("db_h", da, note: "+= \(rawName)", columnWidth: cw))
            lines.append(
                vector(
                    "dh_next", dNextOut,
                    note: "= W_hhᵀ \(rawName) → " + (n > 1 ? "step \(n - 1)" : "h_0 (the chunk's start: BPTT stops here)"),
                    columnWidth: cw))
        }
        return lines.joined(separator: "\n")
    }

    /// What clipping did, in words: "5 of 40 entries were clipped to ±5", "none of 40 entries
    /// needed clipping to ±5", "the global norm 7.1 was scaled to 5", "no clipping".
    func clippingSummary(_ state: BackwardState) -> String {
        let total = state.gradients.reduce(0) { $0 + $1.values.count }
        let count = state.changed.reduce(0) { $0 + $1.count }
        let entries = "\(total) entr\(total == 1 ? "y" : "ies")"
        switch workspace.settings.clipping {
        case .none:
            return "no clipping"
        case .value(let c):
            let bound = "±" + formatPlain(Double(c))
            return count == 0
                ? "none of the \(entries) needed clipping to \(bound)"
                : "\(count) of \(entries) \(count == 1 ? "was" : "were") clipped to \(bound)"
        case .norm(let c):
            let bound = formatPlain(Double(c))
            return count == 0
                ? "the global norm \(String(format: "%.4g", state.norm)) is within \(bound): nothing clipped"
                : "the global norm \(String(format: "%.4g", state.norm)) was scaled down to \(bound)"
        }
    }

    /// A gradient contribution: the matrix when the model is small, one line with its size otherwise.
    func contribution(_ tensor: Tensor, name: String) -> String {
        guard compact else { return render(tensor, name: name) }
        let norm = tensor.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let largest = tensor.values.map(abs).max() ?? 0
        return style.bold(name)
            + " (\(tensor.shape.map(String.init).joined(separator: "×"))): ‖·‖ = \(String(format: "%.4g", norm)), "
            + "largest |entry| \(String(format: "%.4g", largest))" + style.dim("  (show grads for the sums)")
    }

    /// The summed (and clipped) gradients, with what clipping changed.
    /// With `full` false (a big model), one line per tensor instead of every entry.
    func gradientsView(_ state: BackwardState, full: Bool = true) -> String {
        var lines: [String] = [
            style.bold("gradients summed over t = 1 … \(state.cache.steps)")
                + style.dim("  (" + clippingSummary(state) + ")")
        ]
        if full {
            for g in state.clipped { lines.append(render(g, name: "d" + g.mathName)) }
        } else {
            let rows = state.clipped.enumerated().map { i, g in
                let norm = g.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                return [
                    "d" + g.mathName, g.shape.map(String.init).joined(separator: "×"), String(format: "%.4g", norm),
                    String(format: "%.4g", g.values.map(abs).max() ?? 0), String(state.changed[i].count),
                ]
            }
            lines.append(table(headers: ["gradient", "shape", "norm", "largest |entry|", "clipped"], rows: rows, style: style))
            lines.append(style.dim("show grads shows every entry"))
        }
        let count = state.changed.reduce(0) { $0 + $1.count }
        let norm = String(format: "%.4f", state.norm)
        if count == 0 {
            lines.append("clipping changed no entry (‖g‖ = \(norm))")
        } else {
            lines.append("clipping changed \(count) entr\(count == 1 ? "y" : "ies") (‖g‖ = \(norm) before clipping):")
            var shownEntries = 0
            for (i, entries) in state.changed.enumerated() {
                for j in entries where shownEntries < 12 {
                    let g = state.gradients[i], shape = g.shape
                    let position = shape.count == 2 ? "[\(j / shape[1]),\(j % shape[1])]" : "[\(j)]"
                    lines.append(
                        "  ◆ d\(g.mathName)\(position)  \(formatNumber(g.values[j]))  →  \(formatNumber(state.clipped[i].values[j]))"
                    )
                    shownEntries += 1
                }
            }
            if count > shownEntries { lines.append("  … \(count - shownEntries) more") }
        }
        return lines.joined(separator: "\n")
    }
}
