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
