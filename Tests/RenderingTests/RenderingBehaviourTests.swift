// Behaviour the snapshots could hide: properties that must hold whatever the exact layout.

@testable import Rendering
import Testing

@Suite("Rendering behaviour")
struct RenderingBehaviourTests {
    @Test func displayWidthCountsWideAndZeroWidth() {
        #expect(displayWidth("한국") == 4)
        #expect(displayWidth("hello") == 5)
        #expect(displayWidth("漢字abc") == 7)
        #expect(displayWidth("e\u{301}") == 1)  // e + combining acute
        #expect(displayWidth("\u{1B}[1mbold\u{1B}[0m") == 4)
        #expect(displayWidth(Style.color.tinted("안", by: 0.5)) == 2)
        #expect(padded("한", to: 4) == "한  ")
        #expect(truncated("한국어 텍스트", to: 5) == "한국…")
    }

    @Test func numbersHaveFixedWidthAndReadableNonFinite() {
        #expect(formatNumber(0.123) == " 0.123")
        #expect(formatNumber(-1.25) == "-1.250")
        #expect(formatNumber(Float.nan) == "   nan")
        #expect(formatNumber(Float.infinity) == "   inf")
        #expect(formatNumber(-Float.infinity) == "  -inf")
        for x: Float in [0, 1e-9, -3.2, 12.34, -123.4, 9999.9, 1e6, -3e12, 2e38] {
            #expect(formatNumber(x).count == 6, "\(x) -> \(formatNumber(x))")
        }
    }

    @Test func plainModeHasNoEscapes() {
        let plain = Style.plain
        let outputs = [
            renderVector(name: "h_t", values: [0.5, -0.5], style: plain),
            renderMatrix(
                name: "W_hh", rows: 2, columns: 200, values: Array(repeating: 0.3, count: 400), style: plain),
            heatRow(values: [-1, 0, 1], style: plain),
            probabilityBars(labels: ["a", "b"], probabilities: [0.3, 0.7], target: 0, style: plain),
            lineChart(series: [("loss", [(x: 0, y: 1), (x: 1, y: 0.5)])], style: plain),
            progressBar(fraction: 0.5, width: 10, style: plain),
            table(headers: ["a"], rows: [["1"]], style: plain),
            tintedText(characters: Array("ab"), activations: [0.9, -0.9], style: plain),
            tintLegend(style: plain),
        ]
        for output in outputs {
            #expect(!output.contains("\u{1B}"), "\(output)")
        }
        #expect(Style.color.bold("x").contains("\u{1B}["))
    }

    @Test func barsAreProportionalAndTargetIsMarked() {
        let text = probabilityBars(
            labels: ["h", "e", "l", "o"], probabilities: [0.1, 0.2, 0.4, 0.3], target: 3, style: .plain,
            width: 80)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        func blocks(_ line: String) -> Int { line.filter { $0 == "█" }.count }
        #expect(blocks(lines[2]) == 2 * blocks(lines[1]))
        #expect(blocks(lines[1]) == 2 * blocks(lines[0]))
        #expect(lines[3].hasSuffix("◀ target"))
        #expect(lines.filter { $0.contains("target") }.count == 1)
    }

    @Test func topKeepsTheLargestAndAddsTheTarget() {
        let text = probabilityBars(
            labels: ["a", "b", "c", "d", "e"], probabilities: [0.05, 0.4, 0.3, 0.2, 0.05], target: 0, top: 2,
            style: .plain)
        let firstCharacters = text.split(separator: "\n").map { $0.first! }
        #expect(firstCharacters == ["b", "c", "a", "…"])
        #expect(text.contains("… 2 more, total 0.250"))
    }

    @Test func matrixTooWideBecomesAHeatMap() {
        let small = renderMatrix(
            name: "W_xh", rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6], style: .plain)
        #expect(small.contains(" 6.000"))
        #expect(!small.contains("heat map"))
        let wide = renderMatrix(
            name: "W_hh", rows: 2, columns: 50, values: (0..<100).map { Float($0 - 50) / 50 }, style: .plain,
            width: 60)
        #expect(wide.contains("heat map"))
        #expect(!wide.contains("0.500 "))
        #expect(
            wide.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 60 || $0.hasPrefix("scale") }
        )
    }

    @Test func vectorsFitTheWidth() {
        let values = (0..<100).map { Float($0) / 100 }
        for width in [30, 50, 80] {
            let text = renderVector(name: "h_t", values: values, style: .plain, width: width, maxLines: 2)
            for line in text.split(separator: "\n") {
                #expect(displayWidth(String(line)) <= width, "\(line)")
            }
            #expect(text.contains("more]"))
        }
        #expect(
            renderVector(name: "h_t", values: [0.285, -0.342, 0.158], style: .plain)
                == "h_t   [ 0.285 -0.342  0.158]")
    }

    @Test func heatRowHasOneCellPerValueAndKeepsTheSign() {
        #expect(heatRow(values: [-1, -0.3, 0, 0.3, 1, .nan], style: .plain) == "=-.+#?")
        #expect(heatRow(values: [-5, 5], style: .plain) == "=#")  // clamped
        #expect(displayWidth(heatRow(values: Array(repeating: 0.5, count: 128), style: .color)) == 128)
    }

    @Test func tintedTextShowsNewlinesAndRampsUnderEveryColumn() {
        let text = tintedText(characters: Array("a한\nb"), activations: [1, -1, 0, 0.3], style: .plain)
        #expect(text == "a한↵\n#==.\n\nb\n+")
        let html = tintedHTML(characters: Array("<&>"), activations: [0, 0, 0], title: "a<b")
        #expect(html.contains("&lt;") && html.contains("&amp;") && html.contains("<title>a&lt;b</title>"))
        #expect(!html.contains("<&>"))
    }

    @Test func chartsHandleEdgeCases() {
        #expect(lineChart(series: [], style: .plain).contains("no points"))
        let one = lineChart(series: [("loss", [(x: 5, y: 2)])], width: 30, height: 4, style: .plain)
        #expect(one.contains("*"))
        let flat = lineChart(
            series: [("loss", [(x: 0, y: 2), (x: 10, y: 2)])], width: 30, height: 5, style: .plain)
        #expect(flat.contains("2.00 ┤*"))
        let withNaN = lineChart(
            series: [("loss", [(x: 0, y: .nan), (x: 1, y: 3)])], width: 30, height: 4, style: .plain)
        #expect(withNaN.contains("*"))
        for line in lineChart(
            series: [("a", (0..<500).map { (x: Double($0), y: Double($0 % 7)) })], width: 50, height: 8,
            style: .plain
        )
        .split(separator: "\n") {
            #expect(displayWidth(String(line)) <= 50)
        }
    }

    @Test func tablesAlignNumbersRightAndCountWideCharacters() {
        let text = table(headers: ["name", "n"], rows: [["한국", "5"], ["ab", "123"]], style: .plain)
        #expect(text == "name    n\n────  ───\n한국    5\nab    123")
    }

    @Test func sparklineSpansTheRange() {
        #expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7] as [Float]) == "▁▂▃▄▅▆▇█")
        #expect(sparkline([2, 2] as [Float]) == "▄▄")
    }
}
