import Testing

@testable import Rendering

/// Every line fits: reflowed prose, cut verbatim lines, tables that wrap or stack, lists that
/// elide, numbers in one format per row, a progress line that drops fields, a chart with both curves.
@Suite struct ScreenFitTests {
    /// The lines of `text`, escape codes removed.
    func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { withoutEscapes(String($0)) }
    }

    // MARK: - Prose

    @Test func reflowJoinsAParagraphAndWrapsAtSpaces() {
        let prose = """
            A character-level language model reads text one character at a time and, at every step,
            gives a probability to each character that could come next.
            """
        let text = reflow(prose, width: 40)
        for line in lines(text) { #expect(displayWidth(line) <= 40, "\(line)") }
        // No word split: the words are the same, in the same order.
        #expect(
            text.split(whereSeparator: { $0 == " " || $0 == "\n" }) == prose.split(whereSeparator: { $0 == " " || $0 == "\n" }))
        #expect(lines(text)[0] == "A character-level language model reads")
        #expect(lines(text)[1] == "text one character at a time and, at")
    }

    @Test func reflowKeepsVerbatimLinesAndCutsThemWithAMarker() {
        let prose = "Equation:\n\n    p_t = softmax(y_t),   p_t[k] = exp(y_t[k]) / Σ_j exp(y_t[j])\n\nafter."
        let text = reflow(prose, width: 30)
        let all = lines(text)
        #expect(all[2] == "    p_t = softmax(y_t),   p_t›")
        #expect(displayWidth(all[2]) == 30)
        #expect(all[4] == "after.")
        // Fenced lines are verbatim too, however short their indent.
        let fenced = reflow("```\nlet x = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8\n```", width: 20)
        #expect(lines(fenced)[1] == "let x = 1 + 2 + 3 +›")
    }

    @Test func reflowKeepsAHeadingOnItsOwnLine() {
        let text = reflow("# Hello, RNN\nThe lecture's first example.\n## A step\nIts text", width: 40)
        #expect(text == "# Hello, RNN\nThe lecture's first example.\n## A step\nIts text")
        #expect(reflow("#hashtag and\nmore", width: 40) == "#hashtag and more")  // not a heading: no space
    }

    /// A word as long as a lesson file may be is broken in one pass (each break used to copy and
    /// measure the rest of the word: 27 s for 200,000 characters in a release build).
    @Test func aVeryLongWordIsBrokenInLinearTime() {
        let word = String(repeating: "abcdefghij", count: 20_000)
        let clock = ContinuousClock()
        var text = ""
        let elapsed = clock.measure { text = reflow("see " + word + " end", width: 80) }
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines.joined() == "see" + word + "end")  // nothing lost: only the spaces between lines
        #expect(elapsed < .seconds(5), "\(elapsed)")
    }

    @Test func reflowKeepsAShortCommandInBackticksOnOneLine() {
        // Without the span, `set lr` would end the first line and 0.5` start the second.
        let text = reflow("Try a bigger learning rate (`set lr 0.5`) and see.", width: 34)
        #expect(text == "Try a bigger learning rate\n(`set lr 0.5`) and see.")
        // Two spans on one line, and a span over two source lines.
        #expect(reflow("Type `train\n100` or `step 1`.", width: 80) == "Type `train 100` or `step 1`.")
        // A span too long to keep whole, and a lone backtick, wrap as words.
        let long = reflow("See `a b c d e f g h i j k l m n o p q r s t` now", width: 20)
        #expect(long.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 20 })
        #expect(reflow("a ` b c d e f g h", width: 10) == "a ` b c d\ne f g h")
    }

    @Test func reflowHangsListItemsAndCountsWideCharacters() {
        let text = reflow("? How many training examples does the five-letter text give?", width: 30)
        #expect(lines(text) == ["? How many training examples", "  does the five-letter text", "  give?"])
        let korean = reflow("한국어 문장은 두 칸씩 차지합니다 그래서 일찍 줄을 바꿉니다", width: 16)
        for line in lines(korean) { #expect(displayWidth(line) <= 16, "\(line)") }
        #expect(lines(korean)[0] == "한국어 문장은 두")  // 6 + 1 + 6 + 1 + 2 = 16 cells
    }

    @Test func aWordLongerThanTheLineIsBrokenOnlyThen() {
        let text = reflow("see /a/very/long/path/that/does/not/fit here", width: 12)
        for line in lines(text) { #expect(displayWidth(line) <= 12, "\(line)") }
        #expect(lines(text).first == "see")
        #expect(lines(text).last == "here")
    }

    @Test func fitLinesWrapsProseUnderItsSecondColumnAndCutsTables() {
        let help = "  update     one optimizer step on the stepped text: each change, the optimizer state"
        let text = fitLines(help, width: 50)
        #expect(
            lines(text) == [
                "  update     one optimizer step on the stepped", "             text: each change, the optimizer",
                "             state",
            ])
        let row = "lr     0.1     1e-6…100     learning rate: the step size of every update"
        #expect(lines(fitLines(row, width: 40)) == ["lr     0.1     1e-6…100     learning ra›"])
        // A line that fits is untouched, trailing spaces and all.
        #expect(fitLines("short  ", width: 40) == "short  ")
    }

    @Test func cutKeepsEscapesAndResetsAfterTheCut() {
        let red = Style.color.red("abcdefghij")
        let text = cut(red, to: 5)
        #expect(withoutEscapes(text) == "abcd›")
        #expect(text.hasSuffix(Style.reset + "›"))
        #expect(cut("abc", to: 5) == "abc")
    }

    // MARK: - Tables and lists

    @Test func aWideTableWrapsItsLastColumnOrStacks() {
        let headers = ["setting", "value", "what it does"]
        let rows = [
            ["lr", "0.1", "learning rate: the step size of every update"],
            ["init", "gaussian", "how model new draws weights: N(0, 0.01²), U(±0.08), or U(±1/√H)"],
        ]
        let wide = table(headers: headers, rows: rows, style: .plain, width: 200)
        #expect(wide == table(headers: headers, rows: rows, style: .plain))
        let wrapped = table(headers: headers, rows: rows, style: .plain, width: 55)
        for line in lines(wrapped) { #expect(displayWidth(line) <= 55, "\(line)") }
        #expect(lines(wrapped)[2] == "lr       0.1       learning rate: the step size of")
        #expect(lines(wrapped)[3] == "                   every update")
        let stacked = table(headers: headers, rows: rows, style: .plain, width: 40)
        for line in lines(stacked) { #expect(displayWidth(line) <= 40, "\(line)") }
        #expect(
            lines(stacked).prefix(5) == [
                "setting  value", "    what it does", "───────  ────────", "lr       0.1", "    learning rate: the step size of",
            ])
    }

    @Test func aLongListLosesItsMiddleAndSaysHowMany() {
        let letters = (0..<80).map { String(UnicodeScalar(0xAC00 + $0 * 7)!) }  // Hangul: 2 cells each
        let text = elidedList(letters, width: 40)
        #expect(displayWidth(text) <= 40)
        let shown = text.split(separator: " ").filter { $0.count == 1 && $0 != "…" }.count
        #expect(text.contains("… \(80 - shown) more …"))
        #expect(text.hasPrefix(letters[0]) && text.hasSuffix(letters[79]))
        #expect(elidedList(["h", "e", "l", "o"], width: 40) == "h e l o")
    }

    // MARK: - Numbers

    @Test func aRowHasOneFormatNoNegativeZeroAndNoHiddenNonZero() {
        let row = formatRow([0.00882, -0.0067, 0, -0.00001])
        #expect(row == [" 0.00882", "-0.00670", " 0.00000", "-0.00001"])  // one format, the smallest still seen
        let spread = formatRow([0.00882, -0.0067, 0, -0.000001])
        #expect(Set(spread.map(\.count)).count == 1)
        #expect(spread.filter { $0.contains("e") }.count == 3)  // more than 3 decades apart: scientific (zero stays 0)
        let plain = formatRow([1, 0.25, -0.5, 0])
        #expect(plain == [" 1.000", " 0.250", "-0.500", " 0.000"])
        let small = formatRow([1.5e-9, 8.5e-10])
        #expect(small.allSatisfy { $0.trimmingSpaces != "0.000" && $0.contains("e-") })
        let negativeTiny = formatRow([0.5, -0.004])
        #expect(negativeTiny == [" 0.500", "-0.004"])
        #expect(formatRow([.nan, 1, -.infinity]).map(\.trimmingSpaces) == ["nan", "1.000", "-inf"])
    }

    // MARK: - Progress

    @Test(arguments: [60, 80, 200])
    func theProgressLineAlwaysFitsAndDropsFieldsInOrder(width: Int) {
        let optional = ["val 2.1012", "31250 chars/s", "3.2s left", "lr 0.002"]
        for style in [Style.plain, Style.color] {
            let line = fittedProgressLine(
                label: "training", fraction: 0.6, counts: "3 of 4 s budget", shortCounts: "3/4 s",
                kept: ["iteration 12345", "loss 2.0410"], optional: optional, style: style, width: width)
            let plain = withoutEscapes(line)
            #expect(displayWidth(plain) <= width, "\(plain)")
            #expect(plain.contains("iteration 12345") && plain.contains("loss 2.0410") && plain.contains("█"))
            // Fields are dropped from the end: whatever is shown is a prefix of the optional list.
            let shown = optional.filter { plain.contains($0) }
            #expect(shown == Array(optional.prefix(shown.count)))
            if width >= 200 { #expect(shown == optional && plain.contains("3 of 4 s budget")) }
            if width <= 60 { #expect(!plain.contains("lr 0.002")) }
        }
    }

    @Test func streamedTextIsBrokenBeforeTheLastColumnWithAMarker() {
        var wrap = StreamingWrap(width: 10)
        let text = "abcdefghijklmnop\nqr" .map { wrap.wrap(String($0), style: .plain) }.joined()
        #expect(text == "abcdefghi›\njklmnop\nqr")
        #expect(wrap.column == 2)
        var wide = StreamingWrap(width: 10)
        let korean = wide.wrap("한국어로쓴글", style: .plain)  // 2 cells each: 4 fit before the last column
        #expect(korean == "한국어로›\n쓴글")
    }

    // MARK: - Charts

    @Test func overlappingCurvesShowBothAndTheAxesAreLabelled() {
        let points = (0..<20).map { (x: Double($0), y: 5 - Double($0) * 0.2) }
        let chart = lineChart(
            series: [("training", points), ("validation", points)], width: 50, height: 8, style: .plain,
            xLabel: "iteration", yLabel: "loss")
        #expect(chart.contains("@"))
        #expect(chart.contains("@ both"))
        #expect(lines(chart)[0].trimmingSpaces == "loss")
        #expect(chart.contains("iteration"))
        for line in lines(chart) { #expect(displayWidth(line) <= 50, "\(line)") }
        let apart = lineChart(series: [("a", points), ("b", points.map { (x: $0.x, y: $0.y + 10) })], width: 50, style: .plain)
        #expect(!apart.contains("@"))
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
