// A matrix as a labelled grid of numbers when it fits the width (W_xh of the hello model,
// 3×4), otherwise as a heat map with one character cell per entry (W_hh of a 100-unit model)
// and a legend that says what the cells mean.

/// A named `rows × columns` matrix: a grid of numbers if it fits in `width`, else a heat map.
///
/// `values` is row-major (`values[r * columns + c]`); missing entries show as NaN. Labels default
/// to indices and are made visible (`↵` for a newline). The heat map divides every entry by the
/// largest magnitude `m`, so the cells run from `-m` (blue, `=`) through 0 (white, `.`) to `+m`
/// (red, `#`); the last line gives the key with `m`, the minimum and the maximum. Columns that
/// do not fit even as a heat map are cut, and the title says how many are shown.
///
/// With `rowFormat`, the grid's numbers share one format (``formatRow(_:significant:)``: no non-zero
/// entry reads as zero, no `-0.000`, scientific when they span more than three decades) instead of
/// `digits` decimals for every entry.
public func renderMatrix(
    name: String, rows: Int, columns: Int, values: [Float],
    rowLabels: [String]? = nil, columnLabels: [String]? = nil,
    style: Style, width: Int = 80, digits: Int = 3, rowFormat: Bool = false
) -> String {
    let rowTexts = (0..<rows).map { row in
        visible(rowLabels.flatMap { row < $0.count ? $0[row] : nil } ?? String(row))
    }
    let columnTexts = (0..<columns).map { column in
        visible(columnLabels.flatMap { column < $0.count ? $0[column] : nil } ?? String(column))
    }
    func entry(_ row: Int, _ column: Int) -> Float {
        let index = row * columns + column
        return index < values.count ? values[index] : .nan
    }
    let finite = values.prefix(rows * columns).filter(\.isFinite)
    let magnitude = finite.map(abs).max() ?? 0
    let title = style.bold(name) + " (\(rows)×\(columns))"
    let rowLabelWidth = rowTexts.map(displayWidth).max() ?? 0
    // With `rowFormat`, the whole grid shares one format, so its columns line up too.
    let shared = rowFormat ? formatRow((0..<(rows * columns)).map { entry($0 / max(columns, 1), $0 % max(columns, 1)) }) : []
    let rowNumbers: [[String]] = (0..<rows).map { row in
        rowFormat
            ? Array(shared[(row * columns)..<((row + 1) * columns)])
            : (0..<columns).map { formatNumber(entry(row, $0), digits: digits) }
    }
    let numberWidth = rowNumbers.flatMap { $0.map(displayWidth) }.max() ?? (digits + 3)
    let cellWidth = max(numberWidth, columnTexts.map(displayWidth).max() ?? 0)
    let gridWidth = rowLabelWidth + 2 + columns * (cellWidth + 1) - 1

    // MARK: Grid of numbers
    if gridWidth <= width {
        var lines = [title]
        let header = columnTexts.map { padded($0, to: cellWidth, alignment: .right) }
        lines.append(
            trimmedRight(
                String(repeating: " ", count: rowLabelWidth + 2) + style.dim(header.joined(separator: " "))))
        for row in 0..<rows {
            let cells = (0..<columns).map { column in
                let value = entry(row, column)
                let text = padded(rowNumbers[row][column], to: cellWidth, alignment: .right)
                return style.signed(text, by: magnitude > 0 ? value / magnitude : 0)
            }
            lines.append(
                style.dim(padded(rowTexts[row], to: rowLabelWidth)) + "  " + cells.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Heat map
    let room = max(1, width - rowLabelWidth - 2)
    let shownColumns = columns <= room ? columns : max(1, room - 1)  // leave a column for "…"
    let cut = shownColumns < columns
    var lines = [
        title + "  heat map" + (cut ? ", first \(shownColumns) of \(columns) columns" : "")
    ]
    let header: String
    if columnTexts.allSatisfy({ displayWidth($0) == 1 }) {
        header = columnTexts.prefix(shownColumns).joined()
    } else {
        header = ruler(count: shownColumns)
    }
    lines.append(trimmedRight(String(repeating: " ", count: rowLabelWidth + 2) + style.dim(header)))
    let divisor = magnitude > 0 ? magnitude : 1
    for row in 0..<rows {
        let cells = (0..<shownColumns).map { style.heatCell(entry(row, $0) / divisor) }.joined()
        lines.append(style.dim(padded(rowTexts[row], to: rowLabelWidth)) + "  " + cells + (cut ? "…" : ""))
    }
    var key =
        "scale ±" + trimmedNumber(magnitude, digits: digits) + ": " + scaleLegend(magnitude, style: style)
    if let low = finite.min(), let high = finite.max() {
        key += "   min " + trimmedNumber(low, digits: digits) + ", max " + trimmedNumber(high, digits: digits)
    }
    lines.append(key)
    return lines.joined(separator: "\n")
}

// MARK: - Helpers

/// Column indices every ten columns (`0         10        20`), `count` columns wide.
func ruler(count: Int) -> String {
    var cells = [Character](repeating: " ", count: count)
    for start in stride(from: 0, to: count, by: 10) {
        let text = Array(String(start))
        guard start + text.count <= count else { break }
        for (offset, character) in text.enumerated() { cells[start + offset] = character }
    }
    return String(cells)
}

/// A number without the blank sign column: `0.523`, `-0.412`.
func trimmedNumber(_ x: Float, digits: Int = 3) -> String {
    var text = Substring(formatNumber(x, digits: digits))
    while text.first == " " { text.removeFirst() }
    return String(text)
}

/// The key of the signed scale for entries divided by `magnitude`.
///
/// Colour: `-m` then eleven cells from -1 to +1 then `+m`. Plain: each ramp character with the
/// range of values it stands for, e.g. `= ≤-0.314  - ≤-0.105  . ≈0  + ≥0.105  # ≥0.314`
/// (read outside in: the first that holds).
func scaleLegend(_ magnitude: Float, style: Style) -> String {
    let m = magnitude > 0 ? magnitude : 1
    if style.colorEnabled {
        let cells = (0...10).map { style.heatCell(Float($0 - 5) / 5) }.joined()
        return "-" + trimmedNumber(m) + " " + cells + " +" + trimmedNumber(m)
    }
    let weak = trimmedNumber(SignedScale.weak * m)
    let strong = trimmedNumber(SignedScale.strong * m)
    let ramp = SignedScale.ramp
    return [
        "\(ramp[0]) ≤-\(strong)", "\(ramp[1]) ≤-\(weak)", "\(ramp[2]) ≈0",
        "\(ramp[3]) ≥\(weak)", "\(ramp[4]) ≥\(strong)",
    ].joined(separator: "  ")
}
