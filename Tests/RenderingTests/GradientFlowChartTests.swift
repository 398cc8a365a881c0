// The gradient-flow chart: a snapshot in plain and colour of the view `gradflow --compare lstm`
// shows, and the properties the layout must keep (log-scaled bars, zero and non-finite values).

import Foundation
@testable import Rendering
import Testing

@Suite("Gradient-flow chart")
struct GradientFlowChartTests {
    /// An RNN whose gradient halves per step back, and an LSTM that keeps 99% per step, T = 12.
    static let steps = Array((1...12).reversed())
    static let rnn = steps.map { 0.25 * pow(0.5, Double(12 - $0)) }
    static let lstm = steps.map { 0.3 * pow(0.99, Double(12 - $0)) }

    @Test func snapshots() {
        for (style, suffix) in bothStyles {
            let text = [
                gradientFlowChart(
                    steps: Self.steps, series: [("rnn ‖∂L/∂h_t‖", Self.rnn), ("lstm ‖∂L/∂c_t‖", Self.lstm)],
                    width: 72, style: style),
                gradientFlowChart(steps: [3, 2, 1], series: [("h", [1.5, 0, .nan])], width: 40, style: style),
                gradientFlowChart(steps: [2, 1], series: [("h", [0, 0])], width: 40, style: style),
            ].joined(separator: "\n\n")
            expectSnapshot(text, named: "gradflow-\(suffix)")
        }
    }

    @Test func barsAreLogScaledAndShared() {
        // Each halving takes the same number of eighths: a straight slope on a log scale.
        let width = 40
        let lengths = Self.rnn.map { logBar($0, low: -4, high: 0, width: width) }.map { bar in
            bar.reduce(0) { $0 + ($1 == "█" ? 8 : ["▏", "▎", "▍", "▌", "▋", "▊", "▉"].firstIndex(of: $1)! + 1) }
        }
        let drops = zip(lengths, lengths.dropFirst()).map { $0 - $1 }
        #expect(drops.allSatisfy { abs($0 - drops[0]) <= 1 }, "\(drops)")
        #expect(logBar(1, low: -4, high: 0, width: width) == String(repeating: "█", count: width))
        #expect(logBar(1e-9, low: -4, high: 0, width: width) == "▏")  // below the scale, but not zero
        #expect(logBar(0, low: -4, high: 0, width: width) == "")
        #expect(flowNumber(0.000123, width: 7) == "1.2e-04")
        #expect(flowNumber(.nan, width: 7) == "    nan")
        let chart = gradientFlowChart(steps: [1], series: [("a", [1]), ("b", [1])], width: 60, style: .plain)
        #expect(chart.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 60 })
    }
}
