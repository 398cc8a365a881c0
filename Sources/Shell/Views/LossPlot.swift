import Foundation
import Rendering

// `plot loss`: the training and validation loss over iterations, sized to the terminal, with a
// y-range chosen from the data so that the first, untrained iterations do not squash the rest.

extension Session {
    /// The loss chart of `history`, `width` columns wide: the title, the chart with labelled axes,
    /// and a note when the first iterations were left out. With `logScale` the y axis is
    /// logarithmic; with `everything` no point is left out.
    func lossPlot(_ history: [LossPoint], width: Int, logScale: Bool, everything: Bool) -> String {
        var training = history.map { (x: Double($0.iteration), y: $0.loss) }.filter { $0.y.isFinite }
        var validation = history.compactMap { p in p.validation.map { (x: Double(p.iteration), y: $0) } }
            .filter { $0.y.isFinite }
        var lines = [style.bold("loss") + " (nats per character) over iterations" + (logScale ? ", log scale" : "")]
        if !everything, let cut = squashingPrefix(training: training, validation: validation) {
            let dropped = training.filter { $0.x <= cut }
            training.removeAll { $0.x <= cut }
            validation.removeAll { $0.x <= cut }
            let highest = dropped.map(\.y).max() ?? 0
            lines.append(
                style.dim(
                    "(iterations up to \(Int(cut)), loss up to \(String(format: "%.2f", highest)), are left out: "
                        + "they would squash the rest; plot loss --all shows them)"))
        }
        if logScale {
            training = training.filter { $0.y > 0 }.map { (x: $0.x, y: log10($0.y)) }
            validation = validation.filter { $0.y > 0 }.map { (x: $0.x, y: log10($0.y)) }
        }
        var series: [(name: String, points: [(x: Double, y: Double)])] = [("training", training)]
        if !validation.isEmpty { series.append(("validation", validation)) }
        let number: ((Double, Int) -> String)? =
            logScale ? { value, _ in String(format: "%.3g", pow(10, value)) } : nil
        lines.append(
            lineChart(
                series: series, width: max(30, min(width, 160)), height: 12, style: style, xLabel: "iteration",
                yLabel: "loss", yNumber: number))
        return lines.joined(separator: "\n")
    }

    /// The iteration up to which the first points would squash the chart, or nil: when the highest
    /// loss after the first 5% of the iterations is lower than the overall highest by more than a
    /// third of the whole range, those first iterations are left out.
    func squashingPrefix(training: [(x: Double, y: Double)], validation: [(x: Double, y: Double)]) -> Double? {
        let all = training + validation
        guard training.count >= 20, let low = all.map(\.y).min(), let high = all.map(\.y).max(),
            let first = training.first?.x, let last = training.last?.x, last > first, high > low
        else { return nil }
        let cut = first + (last - first) * 0.05
        let later = all.filter { $0.x > cut }
        guard later.count >= 10, let laterHigh = later.map(\.y).max() else { return nil }
        return high - laterHigh > (high - low) / 3 ? cut.rounded(.down) : nil
    }
}
