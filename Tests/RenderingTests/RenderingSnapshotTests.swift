// Every renderer in plain and colour, on values a learner meets in the lessons: the "hello"
// model (vocabulary h, e, l, o; 3 hidden units), a 100-unit hidden state, loss curves.

import Rendering
import Testing

@Suite("Rendering snapshots")
struct RenderingSnapshotTests {
    let hello = ["h", "e", "l", "o"]

    @Test func numbers() {
        let samples: [Float] = [
            0, 0.123, -1.25, 0.0004, -0.0004, 9.9996, 12.345, -123.45, 1234.5, 98765, 1.5e9, -2e-7, .nan,
            .infinity, -.infinity,
        ]
        let lines = samples.map { "[" + formatNumber($0) + "]  [" + formatNumber($0, digits: 1) + "]" }
        expectSnapshot(lines.joined(separator: "\n"), named: "numbers")
    }

    @Test func vectors() {
        let long = fixtureValues(count: 100, seed: 7)
        for (style, suffix) in bothStyles {
            let text = [
                renderVector(name: "h_t", values: [0.285, -0.342, 0.158], style: style),
                renderVector(name: "p_t", values: [0.05, 0.612, 0.201, 0.137], labels: hello, style: style),
                renderVector(name: "dh_next", values: [-0.0004, 0.75, -1], style: style),
                renderVector(name: "h_t", values: long, style: style, width: 60),
                renderVector(name: "h_t", values: long, style: style, width: 60, maxLines: 3),
                renderVector(
                    name: "p_t", values: [0.2, 0.1, 0.3, 0.25, 0.15], labels: ["a", "\n", " ", "한", "z"],
                    style: style, width: 40),
                renderVector(name: "x_t", values: [], style: style),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "vector-\(suffix)")
        }
    }

    @Test func matrices() {
        // W_xh of the hello model: (H, V) = (3, 4), columns labelled by the vocabulary.
        let wxh: [Float] = [
            0.012, -0.031, 0.004, 0.027, -0.019, 0.008, 0.033, -0.002, 0.021, 0.015, -0.026, 0.009,
        ]
        let whh = fixtureValues(count: 8 * 30, seed: 3)
        let wide = fixtureValues(count: 4 * 120, seed: 5)
        for (style, suffix) in bothStyles {
            let text = [
                renderMatrix(
                    name: "W_xh", rows: 3, columns: 4, values: wxh, columnLabels: hello, style: style),
                renderMatrix(name: "W_hh", rows: 8, columns: 30, values: whh, style: style, width: 60),
                renderMatrix(
                    name: "W_hy", rows: 4, columns: 120, values: wide, rowLabels: hello, style: style,
                    width: 60),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "matrix-\(suffix)")
        }
    }

    @Test func heatRows() {
        var values = fixtureValues(count: 64, seed: 11)
        values[10] = .nan
        values[11] = 3  // clamps to +1
        for (style, suffix) in bothStyles {
            let text = [
                "h_t  " + heatRow(values: values, style: style),
                "ramp " + heatRow(values: (0...20).map { Float($0 - 10) / 10 }, style: style),
                tintLegend(style: style),
            ].joined(separator: "\n")
            expectSnapshot(text, named: "heatrow-\(suffix)")
        }
    }

    @Test func bars() {
        let letters = (0..<26).map { String(UnicodeScalar(UInt8(97 + $0))) }
        var probabilities = fixtureValues(count: 26, seed: 2).map { ($0 + 1) * ($0 + 1) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        for (style, suffix) in bothStyles {
            let text = [
                probabilityBars(
                    labels: hello, probabilities: [0.05, 0.612, 0.201, 0.137], target: 1, style: style),
                probabilityBars(
                    labels: letters, probabilities: probabilities, target: 4, top: 5, style: style, width: 60),
                probabilityBars(
                    labels: ["\n", " ", "안"], probabilities: [1, 0, .nan], target: nil, style: style,
                    width: 40),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "bars-\(suffix)")
        }
    }

    @Test func sparklines() {
        let loss: [Float] = [4.16, 3.9, 3.5, 3.2, 2.9, 2.7, 2.6, 2.4, 2.35, 2.2, 2.1, 2.05]
        let text = [
            sparkline(loss), sparkline([1, 1, 1] as [Float]), sparkline([0, .nan, 1] as [Float]),
            sparkline((0..<16).map { Double($0) }), "[" + sparkline([Float]()) + "]",
        ].joined(separator: "\n")
        expectSnapshot(text, named: "sparkline")
    }

    @Test func charts() {
        // Training loss every 10 iterations, validation every 100: the shape of min-char-rnn's smooth loss.
        let training = (0...100).map { step -> (x: Double, y: Double) in
            let x = Double(step * 10)
            return (
                x, 1.3 + 2.86 / (1 + x / 150) + Double(fixtureValues(count: 1, seed: UInt64(step))[0]) * 0.08
            )
        }
        let validation = (0...10).map { step -> (x: Double, y: Double) in
            let x = Double(step * 100)
            return (x, 1.5 + 2.66 / (1 + x / 170))
        }
        for (style, suffix) in bothStyles {
            let text = [
                lineChart(
                    series: [("training", training), ("validation", validation)], width: 64, height: 12,
                    style: style),
                lineChart(series: [("training", [(x: 0, y: 4.159)])], width: 40, height: 5, style: style),
                lineChart(
                    series: [("flat", (0..<20).map { (x: Double($0), y: 2.0) })], width: 40, height: 5,
                    style: style),
                lineChart(
                    series: [("training", []), ("validation", [])], width: 40, height: 5, style: style),
                lineChart(
                    series: [("gradient", [(x: 0.5, y: -0.25), (x: 1.5, y: 0.75), (x: 2.5, y: 0.1)])],
                    width: 40, height: 6, style: style),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "chart-\(suffix)")
        }
    }

    @Test func progress() {
        for (style, suffix) in bothStyles {
            let text = [
                "[" + progressBar(fraction: 0, width: 20, style: style) + "]",
                "[" + progressBar(fraction: 0.456, width: 20, style: style) + "]",
                "[" + progressBar(fraction: 1, width: 20, style: style) + "]",
                progressLine(
                    label: "training", completed: 600, total: 1000, detail: "loss 2.041", style: style,
                    width: 70),
                progressLine(label: "sampling", completed: 0, total: 0, style: style, width: 50),
            ].joined(separator: "\n")
            expectSnapshot(text, named: "progress-\(suffix)")
        }
    }

    @Test func tables() {
        for (style, suffix) in bothStyles {
            let text = [
                table(
                    headers: ["setting", "value", "range", "meaning"],
                    rows: [
                        ["lr", "0.1", "0.0001…10", "learning rate"],
                        ["hidden", "100", "1…4096", "hidden units H"],
                        ["clip", "5", "", "clip gradients to ±5"],
                        ["corpus", "한국어", "", "text to train on"],
                    ], style: style),
                table(
                    headers: ["cell", "chars/s"], rows: [["rnn", "1,204,331"], ["lstm"]],
                    alignments: [.left, .right], style: style),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "table-\(suffix)")
        }
    }

    @Test func tinted() {
        // A "quote cell": negative outside quotes, positive inside, as in Karpathy's Figure.
        let text = Array("He said \"hi there\" and left.\n안녕 \"세계\"!\n\tdone")
        var inside = false
        let activations = text.map { character -> Float in
            if character == "\"" { inside.toggle(); return 0.1 }
            return inside ? 0.9 : -0.7 + (character == " " ? 0.5 : 0)
        }
        for (style, suffix) in bothStyles {
            let rendered = tintedText(characters: text, activations: activations, style: style, width: 20)
            expectSnapshot(rendered + "\n\n" + tintLegend(style: style), named: "tinted-\(suffix)")
        }
        expectSnapshot(
            tintedHTML(
                characters: Array("<b>\"hi\" & 안녕\n</b>"),
                activations: [-1, -0.5, 0, 0.5, 1, 0.3, -0.3, 0.05, 0.7, -0.9, 0.2, 0.4, 0.6, -0.2, 0.95],
                title: "cell 42 <quotes>"),
            named: "tinted-html")
    }
}
