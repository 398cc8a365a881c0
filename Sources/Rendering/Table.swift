// Aligned columns for settings, benchmarks, lesson lists: a header, a rule, the rows. Widths
// are display widths, so Korean cells line up.

/// Rows of strings under a header, in aligned columns separated by two spaces.
///
///     setting  value  range
///     ───────  ─────  ──────────
///     lr       0.100  0.0001…10
///
/// `alignments` gives one per column; without it, a column is right-aligned when every
/// non-empty cell below the header is a number, left-aligned otherwise. Short rows are padded
/// with empty cells. In colour the header is bold and the rule dim. Lines carry no trailing spaces.
public func table(
    headers: [String], rows: [[String]], alignments: [Alignment]? = nil, style: Style
) -> String {
    let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
    func cell(_ row: [String], _ column: Int) -> String { column < row.count ? row[column] : "" }
    let widths = (0..<columnCount).map { column in
        max(displayWidth(cell(headers, column)), rows.map { displayWidth(cell($0, column)) }.max() ?? 0)
    }
    let aligns = (0..<columnCount).map { column -> Alignment in
        if let alignments, column < alignments.count { return alignments[column] }
        let cells = rows.map { cell($0, column) }.filter { !$0.isEmpty }
        return !cells.isEmpty && cells.allSatisfy(looksNumeric) ? .right : .left
    }
    func line(_ cells: [String], decorate: (String) -> String = { $0 }) -> String {
        let parts = (0..<columnCount).map { column in
            padded(decorate(cell(cells, column)), to: widths[column], alignment: aligns[column])
        }
        return trimmedRight(parts.joined(separator: "  "))
    }
    var lines: [String] = []
    if !headers.isEmpty {
        lines.append(line(headers, decorate: style.bold))
        lines.append(line(widths.map { String(repeating: "─", count: $0) }, decorate: style.dim))
    }
    lines += rows.map { line($0) }
    return lines.joined(separator: "\n")
}

/// Whether `text` reads as a number: `12`, `-0.5`, `3e-4`, `1,024`, `45%`, `nan`, `inf`.
func looksNumeric(_ text: String) -> Bool {
    var body = Substring(text.filter { $0 != " " && $0 != "," && $0 != "_" })
    if body.last == "%" { body.removeLast() }
    return Double(body) != nil
}

// MARK: - Tables that fit

/// ``table(headers:rows:alignments:style:)`` fitted to `width` display cells.
///
/// A table that fits is returned as is. Otherwise its last column (meant for prose: "what it
/// does") is wrapped at spaces inside the columns the others leave, when that leaves at least
/// `minimumProse` cells; else the table is stacked: the other columns in a table, and under each
/// row its last cell, reflowed and indented four spaces (its header likewise, under the
/// others). Lines still too wide are cut with `›`.
public func table(
    headers: [String], rows: [[String]], alignments: [Alignment]? = nil, style: Style, width: Int,
    minimumProse: Int = 30
) -> String {
    let whole = table(headers: headers, rows: rows, alignments: alignments, style: style)
    let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
    guard columnCount >= 2, whole.split(separator: "\n").contains(where: { displayWidth(String($0)) > width }) else {
        return whole
    }
    func last(_ row: [String]) -> String { row.count == columnCount ? row[columnCount - 1] : "" }
    func front(_ row: [String]) -> [String] { Array(row.prefix(columnCount - 1)) }
    let frontAlignments = alignments.map { Array($0.prefix(columnCount - 1)) }
    let frontTable = table(headers: front(headers), rows: rows.map(front), alignments: frontAlignments, style: style)
    let frontLines = frontTable.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // The widest front line (without trailing spaces, as `table` writes them) plus the gap.
    let frontWidth = (frontLines.map(displayWidth).max() ?? 0) + 2
    let offset = headers.isEmpty ? 0 : 2
    if width - frontWidth >= minimumProse {
        let proseWidth = width - frontWidth
        let ruleWidth = min(proseWidth, ([headers.isEmpty ? "" : last(headers)] + rows.map(last)).map(displayWidth).max() ?? 0)
        var lines: [String] = []
        if !headers.isEmpty {
            lines.append(padded(frontLines[0], to: frontWidth) + style.bold(last(headers)))
            lines.append(padded(frontLines[1], to: frontWidth) + style.dim(String(repeating: "─", count: ruleWidth)))
        }
        let indent = String(repeating: " ", count: frontWidth)
        for (index, row) in rows.enumerated() {
            let wrapped = wrapWords(words(of: last(row)), firstIndent: "", hangingIndent: "", width: proseWidth)
            for (part, text) in wrapped.enumerated() {
                let head = part == 0 ? padded(frontLines[index + offset], to: frontWidth) : indent
                lines.append(trimmedRight(head + text))
            }
        }
        return lines.map { cut($0, to: width) }.joined(separator: "\n")
    }
    var lines: [String] = []
    if !headers.isEmpty {
        lines.append(frontLines[0])
        lines.append("    " + style.bold(last(headers)))
        lines.append(frontLines[1])
    }
    for (index, row) in rows.enumerated() {
        lines.append(frontLines[index + offset])
        let text = last(row)
        if !text.isEmpty {
            lines += wrapWords(words(of: text), firstIndent: "    ", hangingIndent: "    ", width: width)
        }
    }
    return lines.map { cut($0, to: width) }.joined(separator: "\n")
}
