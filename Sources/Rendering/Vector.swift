// One vector on one (or a few) lines: `h_t   [ 0.285 -0.342  0.158]`, optionally with a label
// above each number (`h e l o` for a distribution over the vocabulary), and a heat row for
// vectors too long to read as numbers (a hidden state of 100+ units).

// MARK: - Numbers

/// A named vector as a bracketed row of fixed-width numbers, fitted to `width` columns.
///
///     h_t   [ 0.285 -0.342  0.158]
///
/// With `labels` (one per value, made visible: `↵` for a newline) each number gets its label
/// right-aligned above it. Values that do not fit in `maxLines` lines are summarised as
/// `… 92 more`. With `rowFormat` every number of the row shares one format
/// (``formatRow(_:significant:)``) instead of `digits` decimals; `minimumColumnWidth` lines the
/// rows of a group up. The name is padded to 5 columns so `x_t`, `h_t`, `y_t`, `p_t` line up. In colour,
/// numbers are tinted by sign, in proportion to the largest magnitude in the vector.
public func renderVector(
    name: String, values: [Float], labels: [String]? = nil, style: Style,
    width: Int = 80, digits: Int = 3, maxLines: Int = 1, rowFormat: Bool = false, minimumColumnWidth: Int = 0
) -> String {
    let labelTexts = labels?.map(visible)
    // One format for the whole row (``formatRow(_:significant:)``), or `digits` decimals each.
    let texts = rowFormat ? formatRow(values) : values.map { formatNumber($0, digits: digits) }
    let numberWidth = texts.map(displayWidth).max() ?? (digits + 3)
    let columnWidth = max(numberWidth, minimumColumnWidth, labelTexts?.map(displayWidth).max() ?? 0)
    let head = padded(name, to: 5) + " ["
    let indent = displayWidth(head)
    let room = max(columnWidth, width - indent - 1)  // 1 for the closing "]"
    let perLine = max(1, (room + 1) / (columnWidth + 1))
    let lineCount = max(1, maxLines)

    // How many values fit, leaving room for "… N more" on the last line when some do not.
    var shown = values.count
    if values.count > perLine * lineCount {
        shown = perLine * lineCount
        while shown > 0 {
            let onLastLine = shown - perLine * (lineCount - 1)
            let more = "… \(values.count - shown) more"
            if onLastLine * (columnWidth + 1) + displayWidth(more) <= room { break }
            shown -= 1
        }
    }

    let scale = values.lazy.filter(\.isFinite).map(abs).max() ?? 0
    var lines: [String] = []
    var start = 0
    repeat {
        let end = min(shown, start + perLine)
        let isLast = end == shown
        if let labelTexts {
            let header = (start..<end).map { index in
                padded(index < labelTexts.count ? labelTexts[index] : "", to: columnWidth, alignment: .right)
            }
            lines.append(trimmedRight(String(repeating: " ", count: indent) + header.joined(separator: " ")))
        }
        let cells = (start..<end).map { index in
            let text = padded(texts[index], to: columnWidth, alignment: .right)
            return style.signed(text, by: scale > 0 ? values[index] / scale : 0)
        }
        var line = (start == 0 ? style.bold(head) : String(repeating: " ", count: indent))
        line += cells.joined(separator: " ")
        if isLast {
            if shown < values.count {
                line += (shown > 0 ? " " : "") + style.dim("… \(values.count - shown) more")
            }
            line += style.bold("]")
        }
        lines.append(line)
        start = end
    } while start < shown
    return lines.joined(separator: "\n")
}

// MARK: - Heat row

/// One character cell per value, scaled to [-1, 1] like a tanh output: a row you can scan by eye.
///
/// Each value is divided by `scale` (1 for tanh activations) and clamped. In colour a cell is a
/// blank on a blue (negative) to red (positive) background; in plain mode it is one character
/// of the ramp `=` `-` `.` `+` `#` (strong negative … about zero … strong positive); NaN is `?`.
/// See `tintLegend(style:)` for the key.
public func heatRow(values: [Float], style: Style, scale: Float = 1) -> String {
    let divisor = scale > 0 && scale.isFinite ? scale : 1
    return values.map { style.heatCell($0 / divisor) }.joined()
}

// MARK: - Helpers

/// `line` without trailing spaces, so snapshots and terminals agree.
func trimmedRight(_ line: String) -> String {
    var result = Substring(line)
    while result.last == " " { result.removeLast() }
    return String(result)
}
