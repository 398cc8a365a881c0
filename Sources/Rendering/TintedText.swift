// The classic view of an interpretable cell (Karpathy, "The Unreasonable Effectiveness of
// Recurrent Neural Networks"): the text the model read, each character's background tinted by
// one hidden unit's activation at that step, blue for negative, red for positive. A unit that
// tracks quotes or line length shows up as bands of colour.

// MARK: - Terminal

/// Text with every character tinted by an activation in [-1, 1], wrapped to `width` columns.
///
/// `activations[i]` belongs to `characters[i]` (missing ones show as NaN: untinted, `?`).
/// A newline is shown as `↵` and then breaks the line; a tab as `⇥`. In colour each character
/// sits on its tint. In plain mode each text line is followed by a ramp line with one character
/// under each column (`=` strong negative, `-`, `.` about zero, `+`, `#` strong positive; wide
/// characters get two), and a blank line separates the pairs. `tintLegend(style:)` is the key.
public func tintedText(characters: [Character], activations: [Float], style: Style, width: Int = 80) -> String {
    let limit = max(1, width)
    var lines: [[(text: String, value: Float)]] = [[]]
    var used = 0
    for (index, character) in characters.enumerated() {
        let value = index < activations.count ? activations[index] : .nan
        let text = shownCharacter(character)
        let cellWidth = displayWidth(text)
        if used + cellWidth > limit, !lines[lines.count - 1].isEmpty {
            lines.append([])
            used = 0
        }
        lines[lines.count - 1].append((text, value))
        used += cellWidth
        if character == "\n" || character == "\r\n" {
            lines.append([])
            used = 0
        }
    }
    if lines.count > 1, lines[lines.count - 1].isEmpty { lines.removeLast() }

    if style.colorEnabled {
        return lines.map { cells in cells.map { style.tinted($0.text, by: $0.value) }.joined() }
            .joined(separator: "\n")
    }
    return lines.map { cells in
        let text = trimmedRight(cells.map(\.text).joined())
        let ramp = cells.map { cell in
            String(repeating: String(SignedScale.rampCharacter(cell.value)), count: displayWidth(cell.text))
        }.joined()
        return text + "\n" + ramp
    }.joined(separator: "\n\n")
}

/// The key to tinted text and heat rows: what the colours (or ramp characters) mean.
///
/// Colour: `activation -1` then eleven tinted cells from -1 to +1 then `+1`. Plain:
/// `activation = ≤-0.600  - ≤-0.200  . ≈0  + ≥0.200  # ≥0.600`.
public func tintLegend(style: Style) -> String {
    style.dim("activation") + " " + scaleLegend(1, style: style)
}

/// How a character of the text is drawn: `↵` for a newline, `⇥` for a tab, controls made visible.
func shownCharacter(_ character: Character) -> String {
    character == " " ? " " : visible(character)
}

// MARK: - HTML

/// A self-contained HTML page showing the same tinted text, for a browser or a report.
///
/// Inline CSS, no scripts or external files; text and title are HTML-escaped; hovering over a
/// character shows its activation. Colours are the same blue–white–red scale as the terminal's,
/// in full RGB.
public func tintedHTML(characters: [Character], activations: [Float], title: String) -> String {
    func swatch(_ value: Float) -> String {
        guard SignedScale.clamped(value) != nil else { return "" }
        let (red, green, blue) = SignedScale.rgb(value)
        let ink = SignedScale.wantsLightText(value) ? "color:#fff;" : ""
        return " style=\"background:rgb(\(red),\(green),\(blue));\(ink)\""
    }
    var body = ""
    for (index, character) in characters.enumerated() {
        let value = index < activations.count ? activations[index] : .nan
        let isNewline = character == "\n" || character == "\r\n"
        let hint = value.isNaN ? "nan" : trimmedNumber(value)
        body += "<span\(swatch(value)) title=\"\(hint)\"\(isNewline ? " class=\"newline\"" : "")>"
        body += htmlEscaped(shownCharacter(character)) + "</span>" + (isNewline ? "\n" : "")
    }
    let legend = (0...10).map { step -> String in
        let value = Float(step - 5) / 5
        return "<span\(swatch(value))>\(htmlEscaped(axisNumber(Double(value), decimals: 1)))</span>"
    }.joined(separator: "")
    let escapedTitle = htmlEscaped(title)
    return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escapedTitle)</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; background: #fff; }
        .legend span { display: inline-block; min-width: 2.5em; text-align: center; font-family: monospace; }
        .text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 15px; line-height: 1.6;
                white-space: pre-wrap; word-break: break-all; }
        .newline { opacity: 0.6; }
        </style>
        </head>
        <body>
        <h1>\(escapedTitle)</h1>
        <p class="legend">activation \(legend)</p>
        <div class="text">\(body)</div>
        </body>
        </html>

        """
}

/// `text` safe inside HTML elements and attribute values.
func htmlEscaped(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
