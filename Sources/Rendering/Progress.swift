// How far a job has come: a bar of eighth blocks, and a line that puts it beside the counts
// and whatever the job reports (the loss, characters per second).

/// A bar exactly `width` columns wide, `fraction` (clamped to [0, 1]) of it filled: `█████▌░░░░`.
///
/// In colour the filled part is green and the rest dim.
public func progressBar(fraction: Double, width: Int, style: Style) -> String {
    guard width > 0 else { return "" }
    let filled = blockBar(fraction: fraction.isFinite ? fraction : 0, width: width)
    let rest = String(repeating: "░", count: width - filled.count)
    return style.green(filled) + style.dim(rest)
}

/// A one-line progress report fitted to `width`: label, bar, count, percentage, detail.
///
///     training  ██████████████▍░░░░░░░░░░  600/1000   60%  loss 2.041
///
/// The bar takes the columns the rest leaves (at least 10).
public func progressLine(
    label: String, completed: Int, total: Int, detail: String = "", style: Style, width: Int = 80
) -> String {
    let fraction = total > 0 ? Double(min(max(completed, 0), total)) / Double(total) : 0
    let counts = "\(completed)/\(total)"
    let percent = padded("\(Int((fraction * 100).rounded(.down)))%", to: 4, alignment: .right)
    let tail = "  " + counts + "  " + percent + (detail.isEmpty ? "" : "  " + detail)
    let barWidth = max(10, width - displayWidth(label) - 2 - displayWidth(tail))
    return style.bold(label) + "  " + progressBar(fraction: fraction, width: barWidth, style: style) + tail
}

// MARK: - A progress line that always fits

/// A one-line progress report that never exceeds `width` display cells, for redrawing in place.
///
///     training  ██████████▌░░░░░░░  600/1000  loss 2.0410  val 2.1012  1500 chars/s  3.2s left  lr 0.1
///
/// `counts` is what was done of how much, in words (`600/1000`, `2 of 4 s budget`), and
/// `shortCounts` a shorter form for when all the optional fields are gone and it still does not
/// fit (`2/4 s`). `kept` fields (the iteration, the loss) stay as long as anything does;
/// `optional` fields are listed most wanted first and dropped from the end while the line is too
/// wide. The bar takes the columns that are
/// left, between `minimumBar` and `maximumBar`; when even the kept fields and the shortest bar do
/// not fit, the line is cut (``cut(_:to:marker:)``).
public func fittedProgressLine(
    label: String, fraction: Double, counts: String, shortCounts: String? = nil, kept: [String], optional: [String],
    style: Style, width: Int, minimumBar: Int = 8, maximumBar: Int = 40
) -> String {
    let fraction = fraction.isFinite ? min(max(fraction, 0), 1) : 0
    var optional = optional
    var counts = counts
    func tail() -> String { ([counts] + kept + optional).filter { !$0.isEmpty }.joined(separator: "  ") }
    let fixed = { displayWidth(label) + 2 + 2 + displayWidth(tail()) }
    while fixed() + minimumBar > width, !optional.isEmpty { optional.removeLast() }
    if fixed() + minimumBar > width, let shortCounts { counts = shortCounts }
    let barWidth = min(maximumBar, max(minimumBar, width - fixed()))
    let line = style.bold(label) + "  " + progressBar(fraction: fraction, width: barWidth, style: style) + "  " + tail()
    return cut(line, to: width)
}
