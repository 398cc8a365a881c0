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
