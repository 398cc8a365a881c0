// A distribution over the vocabulary as horizontal bars: which character the model expects
// next, and how much probability it gave the one that actually came (the target). The bar is
// proportional to p on an absolute scale (a full bar is p = 1), with eighth-block precision.

/// One line per label: the label, a bar proportional to its probability, the number, the target marked.
///
///     l  ██████████████████▍             0.612  ◀ target
///     e  ██████                          0.201
///
/// Labels are made visible (`↵`, `␣`). With `top: k`, only the `k` most probable labels are
/// shown, largest first, plus the target if it is not among them, and a last line sums up the
/// rest (`… 62 more, total 0.087`). Without `top`, labels keep their order. In colour the
/// target's bar is green and the others cyan; in plain mode the `◀ target` marker carries it.
public func probabilityBars(
    labels: [String], probabilities: [Float], target: Int? = nil, top: Int? = nil,
    style: Style, width: Int = 80, digits: Int = 3
) -> String {
    let count = min(labels.count, probabilities.count)
    var order = Array(0..<count)
    var hidden: [Int] = []
    if let top {
        order.sort { a, b in
            let pa = probabilities[a].isNaN ? -1 : probabilities[a]
            let pb = probabilities[b].isNaN ? -1 : probabilities[b]
            return pa != pb ? pa > pb : a < b
        }
        let kept = Array(order.prefix(max(0, top)))
        hidden = Array(order.dropFirst(max(0, top)))
        order = kept
        if let target, target < count, !order.contains(target) {
            order.append(target)
            hidden.removeAll { $0 == target }
        }
    }

    let texts = labels.prefix(count).map(visible)
    let labelWidth = order.map { displayWidth(texts[$0]) }.max() ?? 0
    let marker = "◀ target"
    let barWidth = max(10, width - labelWidth - 2 - 1 - (digits + 3) - 2 - displayWidth(marker))
    var lines: [String] = []
    for index in order {
        let isTarget = index == target
        let p = probabilities[index]
        let bar = blockBar(fraction: Double(p), width: barWidth)
        var line = isTarget ? style.bold(texts[index]) : texts[index]
        line = padded(line, to: labelWidth) + "  "
        line += padded(isTarget ? style.green(bar) : style.cyan(bar), to: barWidth)
        line += " " + formatNumber(p, digits: digits)
        if isTarget { line += "  " + style.bold(style.green(marker)) }
        lines.append(trimmedRight(line))
    }
    if !hidden.isEmpty {
        let rest = hidden.reduce(Float(0)) { $0 + (probabilities[$1].isNaN ? 0 : probabilities[$1]) }
        lines.append(style.dim("… \(hidden.count) more, total " + trimmedNumber(rest, digits: digits)))
    }
    return lines.joined(separator: "\n")
}

// MARK: - Bars

/// Left-aligned blocks filling `fraction` (clamped to [0, 1]) of `width` cells, to an eighth of a cell.
///
/// Returns only the filled part (`████▍`); callers pad it.
func blockBar(fraction: Double, width: Int) -> String {
    guard fraction.isFinite, fraction > 0, width > 0 else { return "" }
    let eighths = Int((min(1, fraction) * Double(width) * 8).rounded())
    let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var bar = String(repeating: "█", count: eighths / 8)
    if eighths % 8 > 0 { bar.append(partials[eighths % 8 - 1]) }
    return bar
}
