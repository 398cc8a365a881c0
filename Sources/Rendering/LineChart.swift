// A terminal line chart for loss curves: y-axis labels on the left, iterations along the
// bottom, one glyph (and colour) per series, a legend with each series' last value.
// Many points in one column are averaged; gaps between columns are bridged with `·`.

/// Plots named series of `(x, y)` points in `width × height` character cells, plus axes and legend.
///
///     4.16 ┤*
///          │ **o
///     2.08 ┤   ***·o·
///          │       *****o
///     0.00 ┤
///          └┬──────────────┬
///           0            1000
///           * training 1.234   o validation 1.456
///
/// `height` counts plot rows; `width` is the whole width including the labels. Series get the
/// glyphs `*` `o` `+` `x` `#` (and cyan, yellow, green, red, blue in colour); where points of two
/// series fall in one cell it shows `@` (magenta), and the legend says "@ both", so no curve hides
/// under another; a connecting dot never covers a point. Non-finite points are skipped. A single
/// point sits at the left; a flat series is centred in a range of ±10% around its value; no points
/// at all gives a note. `yLabel` (say `loss`) is written above the y axis and `xLabel` (say
/// `iteration`) at the end of the x axis; `yNumber` writes the y values (for a log scale: the
/// values plotted are logarithms, the labels their powers).
public func lineChart(
    series: [(name: String, points: [(x: Double, y: Double)])],
    width: Int = 72, height: Int = 12, style: Style, xLabel: String? = nil, yLabel: String? = nil,
    yNumber: ((Double, Int) -> String)? = nil
) -> String {
    let glyphs: [Character] = ["*", "o", "+", "x", "#"]
    let paints: [(String) -> String] = [style.cyan, style.yellow, style.green, style.red, style.blue]
    let both: Character = "@"
    let yText: (Double, Int) -> String = yNumber ?? { axisNumber($0, decimals: $1) }
    let cleaned = series.map { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
    let all = cleaned.flatMap { $0 }
    var entries = legendEntries(series: series, cleaned: cleaned, glyphs: glyphs, paints: paints, style: style, yText: yText)
    let legend = entries.joined(separator: "   ")
    // The y-range is that of what is drawn: with more points than columns, the means of the
    // points that share a column (estimated before the labels' width is known), so a few noisy
    // iterations do not leave rows empty.
    let estimatedColumns = Double(max(2, width - 8))
    let drawn: [Double] = {
        guard let low = all.map(\.x).min(), let high = all.map(\.x).max(), high > low else { return all.map(\.y) }
        return cleaned.flatMap { points -> [Double] in
            var sums = [Int: (total: Double, count: Int)]()
            for point in points {
                let c = Int(((point.x - low) / (high - low) * (estimatedColumns - 1)).rounded())
                let previous = sums[c] ?? (0, 0)
                sums[c] = (previous.total + point.y, previous.count + 1)
            }
            return sums.values.map { $0.total / Double($0.count) }
        }
    }()
    guard let xLow = all.map(\.x).min(), let xHigh = all.map(\.x).max(),
        var yLow = drawn.min(), var yHigh = drawn.max()
    else {
        return style.dim("(no points to plot yet)") + (legend.isEmpty ? "" : "\n" + legend)
    }
    if yHigh == yLow {  // flat: centre it
        let pad = yLow != 0 ? abs(yLow) * 0.1 : 1
        yLow -= pad
        yHigh += pad
    }
    let rows = max(2, height)

    // MARK: y-axis labels
    let rowStep = (yHigh - yLow) / Double(rows - 1)
    let yDecimals = decimalsFor(step: rowStep)
    let labelledRows = Set(
        rows >= 9
            ? [0, (rows - 1) / 4, (rows - 1) / 2, 3 * (rows - 1) / 4, rows - 1]
            : [0, (rows - 1) / 2, rows - 1])
    var yLabels: [Int: String] = [:]
    for row in labelledRows {
        yLabels[row] = yText(yHigh - Double(row) * rowStep, yDecimals)
    }
    let labelWidth = yLabels.values.map(displayWidth).max() ?? 0
    let plotWidth = max(2, width - labelWidth - 2)

    // MARK: Cells
    func column(_ x: Double) -> Int {
        xHigh > xLow ? Int(((x - xLow) / (xHigh - xLow) * Double(plotWidth - 1)).rounded()) : 0
    }
    func row(_ y: Double) -> Int {
        min(rows - 1, max(0, Int(((yHigh - y) / rowStep).rounded())))
    }
    // Each cell: the glyph, the series it belongs to, and whether it is a real point (vs a bridge).
    var grid = [[(glyph: Character, series: Int, isPoint: Bool)?]](
        repeating: Array(repeating: nil, count: plotWidth), count: rows)
    for (index, points) in cleaned.enumerated() {
        let glyph = glyphs[index % glyphs.count]
        // Average the points that fall in the same column.
        var sums = [Int: (total: Double, count: Int)]()
        for point in points {
            let c = column(point.x)
            let previous = sums[c] ?? (0, 0)
            sums[c] = (previous.total + point.y, previous.count + 1)
        }
        let columns = sums.keys.sorted()
        let means = columns.map { sums[$0]!.total / Double(sums[$0]!.count) }
        for (c, mean) in zip(columns, means) {
            // A cell holding another series' point shows both.
            if let cell = grid[row(mean)][c], cell.isPoint, cell.series != index {
                grid[row(mean)][c] = (both, -1, true)
            } else {
                grid[row(mean)][c] = (glyph, index, true)
            }
        }
        // Bridge the gap between neighbouring columns with interpolated dots.
        for pair in zip(zip(columns, means), zip(columns, means).dropFirst()) {
            let ((c1, y1), (c2, y2)) = pair
            guard c2 - c1 > 1 else { continue }
            for c in (c1 + 1)..<c2 {
                let y = y1 + (y2 - y1) * Double(c - c1) / Double(c2 - c1)
                let r = row(y)
                if grid[r][c]?.isPoint != true { grid[r][c] = ("·", index, false) }
            }
        }
    }

    // MARK: Lines
    var lines: [String] = []
    for r in 0..<rows {
        let label =
            yLabels[r].map { padded($0, to: labelWidth, alignment: .right) + " ┤" }
            ?? String(repeating: " ", count: labelWidth) + " │"
        let cells = grid[r].map { cell -> String in
            guard let cell else { return " " }
            return cell.series < 0 ? style.magenta(String(cell.glyph)) : paints[cell.series % paints.count](String(cell.glyph))
        }
        lines.append(trimmedRight(style.dim(label) + cells.joined()))
    }

    // MARK: x axis
    // Ticks at round values (0, 250, 500, …), about one every 14 columns.
    let integral = all.allSatisfy { $0.x == $0.x.rounded() }
    var tickValues = [xLow]
    var xDecimals = 0
    if xHigh > xLow {
        let wanted = max(2, min(6, plotWidth / 14 + 1))
        let step = niceStep((xHigh - xLow) / Double(wanted - 1), integral: integral)
        xDecimals = decimalsIn(step)
        tickValues = []
        var multiple = (xLow / step).rounded(.up)
        while multiple * step <= xHigh + step * 1e-9 {
            tickValues.append(multiple * step)
            multiple += 1
        }
    } else if !integral {
        xDecimals = 3
    }
    var axis = [Character](repeating: "─", count: plotWidth)
    var tickLine = [Character](repeating: " ", count: plotWidth)
    var freeFrom = 0  // first column of tickLine not yet taken
    for x in tickValues {
        let c = min(plotWidth - 1, max(0, column(x)))
        axis[c] = "┬"
        let text = Array(axisNumber(x, decimals: xDecimals))
        // Centre under the tick, inside the line, after the previous label.
        let start = min(max(c - text.count / 2, 0), max(0, plotWidth - text.count))
        guard start >= freeFrom, start + text.count <= tickLine.count else { continue }
        for (offset, character) in text.enumerated() { tickLine[start + offset] = character }
        freeFrom = start + text.count + 1
    }
    let indent = String(repeating: " ", count: labelWidth + 1)
    if let yLabel { lines.insert(style.dim(padded(yLabel, to: labelWidth + 2, alignment: .right)), at: 0) }
    lines.append(style.dim(indent + "└" + String(axis)))
    var ticks = trimmedRight(indent + " " + String(tickLine))
    if let xLabel {
        // At the end of the tick line when there is room, else right-aligned on a line of its own.
        let wanted = labelWidth + 2 + plotWidth
        if displayWidth(ticks) + 2 + displayWidth(xLabel) <= wanted {
            ticks = padded(ticks, to: wanted - displayWidth(xLabel)) + style.dim(xLabel)
        } else {
            ticks += "\n" + padded("", to: wanted - displayWidth(xLabel)) + style.dim(xLabel)
        }
    }
    lines.append(ticks)
    if grid.contains(where: { $0.contains { $0?.series == -1 } }) {
        entries.append(style.magenta(String(both)) + " both")
    }
    // The legend on one line when it fits, else one entry per line.
    let oneLine = indent + " " + entries.joined(separator: "   ")
    if !entries.isEmpty {
        lines += displayWidth(oneLine) <= width ? [oneLine] : entries.map { indent + " " + $0 }
    }
    return lines.joined(separator: "\n")
}

// MARK: - Helpers

/// `* training 1.234`, `o validation 1.456`: each series' glyph, name and last finite y.
private func legendEntries(
    series: [(name: String, points: [(x: Double, y: Double)])], cleaned: [[(x: Double, y: Double)]],
    glyphs: [Character], paints: [(String) -> String], style: Style, yText: (Double, Int) -> String
) -> [String] {
    series.indices.map { index in
        var entry =
            paints[index % paints.count](String(glyphs[index % glyphs.count])) + " " + series[index].name
        if let last = cleaned[index].last {
            entry += " " + yText(last.y, abs(last.y) >= 100 ? 1 : 3)
        }
        return entry
    }
}

/// The round step (1, 2, 2.5 or 5 times a power of ten) at or above `raw`; whole when `integral`.
func niceStep(_ raw: Double, integral: Bool) -> Double {
    guard raw.isFinite, raw > 0 else { return 1 }
    var power = 1.0
    while power * 10 <= raw { power *= 10 }
    while power > raw { power /= 10 }
    for multiplier in [1, 2, 2.5, 5, 10] {
        let step = multiplier * power
        if step >= raw, !integral || step == step.rounded() { return step }
    }
    return 10 * power
}

/// How many decimals `step` needs to be written exactly (up to 6): 250 -> 0, 0.25 -> 2.
func decimalsIn(_ step: Double) -> Int {
    var decimals = 0
    var scaled = step
    while decimals < 6, abs(scaled - scaled.rounded()) > 1e-9 * max(1, abs(scaled)) {
        scaled *= 10
        decimals += 1
    }
    return decimals
}

/// Decimals that show a difference of `step`, plus one: 0.46 -> 2, 5 -> 1, 120 -> 0.
func decimalsFor(step: Double) -> Int {
    guard step.isFinite, step > 0 else { return 2 }
    var decimals = 0
    var scaled = step
    while scaled < 1, decimals < 6 {
        scaled *= 10
        decimals += 1
    }
    return step >= 10 ? 0 : decimals + 1
}

/// `x` with `decimals` decimals and a `-` only when negative: `4.16`, `-0.5`, `1000`.
func axisNumber(_ x: Double, decimals: Int) -> String {
    guard let body = fixed(abs(x), decimals: decimals) else { return x < 0 ? "-big" : "big" }
    let text = decimals == 0 ? String(body.dropLast()) : body  // "1000." -> "1000"
    return (x < 0 && text.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + text
}
