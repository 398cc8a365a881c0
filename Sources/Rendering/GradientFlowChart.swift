// Gradient flow as horizontal bars on a log scale: one row per step t, one bar per series, so a
// gradient that shrinks by a constant factor per step back draws a straight slope, and a
// vanishing one (10⁻¹² after 30 steps) stays visible next to one that survives.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bars of `log10(value)` for each step: the `‖∂L_T/∂h_t‖` view of `gradflow`.
///
///        t  rnn ‖∂L/∂h_t‖            lstm ‖∂L/∂c_t‖
///       30  2.5e-01 ████████████████  3.0e-01 ████████████████▍
///       29  1.2e-01 ██████████████▉   2.9e-01 ████████████████▎
///        …
///        1  7.5e-10 ▏                 2.3e-01 ███████████████▋
///           log scale: a bar is empty at 1e-10, full at 1e+00
///
/// - Parameters:
///   - steps: the label of each row (e.g. t = T, T−1, …, 1).
///   - series: named values, one per row (their count must match `steps`); all series share one
///     scale, so bars compare across series.
///   - width: the whole width; the bars get what the labels and numbers leave.
/// Zero gives an empty bar and `0`; a non-finite value an empty bar and `nan`/`inf`. With no
/// positive value at all, a note replaces the scale line.
public func gradientFlowChart(
    steps: [Int], series: [(name: String, values: [Double])], width: Int = 72, style: Style
) -> String {
    precondition(series.allSatisfy { $0.values.count == steps.count }, "one value per step in every series")
    let paints: [(String) -> String] = [style.cyan, style.yellow, style.green, style.red, style.blue]
    let numberWidth = 7  // 2.5e-01
    let stepWidth = max(3, steps.map { String($0).count }.max() ?? 1)
    let count = max(1, series.count)
    let barWidth = max(4, (width - stepWidth - 2 - count * (numberWidth + 3)) / count)

    // The shared scale: whole decades from the smallest positive value to the largest.
    let positive = series.flatMap(\.values).filter { $0.isFinite && $0 > 0 }
    let low = positive.min().map { floor(log10($0)) } ?? 0
    var high = positive.max().map { ceil(log10($0)) } ?? 1
    if high <= low { high = low + 1 }

    var lines: [String] = []
    var header = padded("t", to: stepWidth, alignment: .right) + "  "
    for (s, item) in series.enumerated() {
        let name = truncated(item.name, to: numberWidth + 1 + barWidth)
        header += style.bold(name)
        if s + 1 < series.count { header += String(repeating: " ", count: numberWidth + 3 + barWidth - displayWidth(name)) }
    }
    lines.append(trimmedRight(header))
    for (row, step) in steps.enumerated() {
        var line = padded(String(step), to: stepWidth, alignment: .right) + "  "
        for (s, item) in series.enumerated() {
            let value = item.values[row]
            let bar = logBar(value, low: low, high: high, width: barWidth)
            line += flowNumber(value, width: numberWidth) + " " + paints[s % paints.count](bar)
            if s + 1 < series.count { line += String(repeating: " ", count: barWidth - bar.count + 2) }
        }
        lines.append(trimmedRight(line))
    }
    let indent = String(repeating: " ", count: stepWidth + 2)
    if positive.isEmpty {
        lines.append(indent + style.dim("(no nonzero gradient to plot)"))
    } else {
        let from = scientific(pow(10, low), width: 5), to = scientific(pow(10, high), width: 5)
        lines.append(indent + style.dim("log scale: a bar is empty at \(from), full at \(to)"))
    }
    return lines.joined(separator: "\n")
}

/// A bar of eighth blocks whose length is log10(value)'s place between `low` and `high` decades;
/// at least `▏` for any positive value, so a vanished gradient still shows it is not zero.
func logBar(_ value: Double, low: Double, high: Double, width: Int) -> String {
    guard value.isFinite, value > 0 else { return "" }
    let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
    let fraction = min(1, max(0, (log10(value) - low) / (high - low)))
    let total = max(1, Int((fraction * Double(width * 8)).rounded()))  // in eighths of a cell
    let full = total / 8, rest = total % 8
    return String(repeating: "█", count: full) + (rest > 0 ? String(eighths[rest - 1]) : "")
}

/// A gradient norm in `width` columns: `2.5e-01`, `0`, `nan`.
func flowNumber(_ value: Double, width: Int) -> String {
    if value.isNaN { return padded("nan", to: width, alignment: .right) }
    if value.isInfinite { return padded(value < 0 ? "-inf" : "inf", to: width, alignment: .right) }
    if value == 0 { return padded("0", to: width, alignment: .right) }
    let body = (value < 0 ? "-" : "") + scientific(abs(value), width: value < 0 ? width - 1 : width)
    return padded(body, to: width, alignment: .right)
}
