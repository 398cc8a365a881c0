// Cell search: which hidden unit tracks a feature of the text? Every unit of a recording (h of
// every layer, and c for the LSTM) is scored against the feature's signal, and the best are kept.
//
// Legend: T characters, x_t a unit's value after character t, s_t the feature's value.
//
//   correlation   r = Σ (x − x̄)(s − s̄) / √(Σ (x − x̄)² · Σ (s − s̄)²)         (Pearson)
//   indicators    predict "inside" where sign · x_t > sign · θ; over every θ between two
//                 recorded values and both signs, keep the best balanced accuracy
//                 BA = (TPR + TNR) / 2 — the mean of the accuracy inside and outside, so a
//                 unit that is always "outside" scores 0.5 however rare the inside is.
//   score         indicators: informedness J = 2·BA − 1 = TPR + TNR − 1 (0 chance, 1 perfect);
//                 numbers: |r|. Both lie in [0, 1], and units are ranked by it.
//
// Balanced accuracy has one blind spot: when one side has only a handful of characters (a text
// that is all comment but its first `/`), some random unit separates them perfectly. So a
// search over a text with fewer than `minimumExamples` characters inside or outside is refused
// with a reason, rather than answered with a meaningless 1.

import Foundation

/// How well one unit tracks a feature.
public struct CellScore: Sendable, Equatable {
    /// The unit: layer, h or c, index.
    public var unit: UnitID
    /// What units are ranked by, in [0, 1]: for an indicator feature the informedness
    /// 2·balancedAccuracy − 1 of the best threshold (0 is chance, 1 perfect), otherwise |r|.
    public var score: Float
    /// Pearson's r between the unit and the feature (signed).
    public var correlation: Float
    /// +1 if the unit is high where the feature is (inside / larger), −1 if it is low there.
    public var sign: Int
    /// For an indicator: the best balanced accuracy, (TPR + TNR) / 2, in [0.5, 1].
    public var balancedAccuracy: Float?
    /// For an indicator: the threshold θ; the unit says "inside" where sign · value > sign · θ.
    public var threshold: Float?
}

/// Ranks the hidden units of a recording by how well they track a feature of the text.
public enum CellSearch {
    /// The fewest characters an indicator needs on each side (inside and outside) to be searched.
    public static let minimumExamples = 10

    /// The `top` units of `recording` that best track `feature`, best first.
    /// - Throws: `CellSearchError` for a regular expression that does not compile, an indicator
    ///   with fewer than `minimumExamples` characters inside or outside, or a constant feature.
    public static func rank(
        _ recording: HiddenStateRecording, feature: TextFeature, top: Int = 10
    ) throws(CellSearchError) -> [CellScore] {
        let signal: [Float]
        do {
            signal = try feature.signal(for: recording.characters)
        } catch {
            throw .feature(error)
        }
        try check(signal, feature: feature)
        return rank(recording, signal: signal, isIndicator: feature.isIndicator, top: top)
    }

    /// Refuses a signal no unit can be fairly judged against.
    static func check(_ signal: [Float], feature: TextFeature) throws(CellSearchError) {
        if feature.isIndicator {
            let inside = signal.filter { $0 > 0.5 }.count, outside = signal.count - inside
            if min(inside, outside) < minimumExamples {
                throw .tooFewExamples(feature: feature, inside: inside, outside: outside, minimum: minimumExamples)
            }
        } else if let first = signal.first, signal.allSatisfy({ $0 == first }) {
            throw .constantFeature(feature)
        } else if signal.isEmpty {
            throw .constantFeature(feature)
        }
    }

    /// The `top` units of `recording` that best track a signal of T values (0/1 if `isIndicator`).
    public static func rank(
        _ recording: HiddenStateRecording, signal: [Float], isIndicator: Bool, top: Int = 10
    ) -> [CellScore] {
        rank(
            units: recording.units.map { ($0, recording.values(of: $0)) }, signal: signal,
            isIndicator: isIndicator, top: top)
    }

    /// The `top` of the given units (each with T values) that best track `signal`: the scoring
    /// without a model, e.g. for hand-set hidden states.
    public static func rank(
        units: [(unit: UnitID, values: [Float])], signal: [Float], isIndicator: Bool, top: Int = 10
    ) -> [CellScore] {
        let scores = units.map { score($0.unit, values: $0.values, signal: signal, isIndicator: isIndicator) }
        // Best first; ties in unit order, so the ranking is reproducible.
        let sorted = scores.enumerated().sorted {
            $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }
        return sorted.prefix(max(0, top)).map(\.element)
    }

    /// One unit's score against a signal of the same length.
    public static func score(_ unit: UnitID, values: [Float], signal: [Float], isIndicator: Bool) -> CellScore {
        precondition(values.count == signal.count, "\(values.count) values for a signal of \(signal.count)")
        let r = pearson(values, signal)
        let rSign = r < 0 ? -1 : 1
        guard isIndicator else {
            return CellScore(unit: unit, score: abs(r), correlation: r, sign: rSign)
        }
        guard let best = bestThreshold(values, inside: signal.map { $0 > 0.5 }) else {
            // All inside or all outside: no threshold can be judged.
            return CellScore(unit: unit, score: 0, correlation: r, sign: rSign, balancedAccuracy: 0.5, threshold: nil)
        }
        return CellScore(
            unit: unit, score: 2 * best.balancedAccuracy - 1, correlation: r, sign: best.sign,
            balancedAccuracy: best.balancedAccuracy, threshold: best.threshold)
    }

    // MARK: - Scores

    /// Pearson's r, in Double; 0 when either side is constant.
    static func pearson(_ x: [Float], _ s: [Float]) -> Float {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let xMean = x.reduce(0.0) { $0 + Double($1) } / n, sMean = s.reduce(0.0) { $0 + Double($1) } / n
        var xy = 0.0, xx = 0.0, ss = 0.0
        for (a, b) in zip(x, s) {
            let dx = Double(a) - xMean, ds = Double(b) - sMean
            xy += dx * ds  // Σ (x − x̄)(s − s̄)
            xx += dx * dx
            ss += ds * ds
        }
        guard xx > 0, ss > 0 else { return 0 }
        return Float(xy / (xx * ss).squareRoot())
    }

    /// The threshold and sign with the best balanced accuracy, by one sweep over the sorted values:
    /// with "inside where x > θ", moving θ past a value turns its positives into misses and its
    /// negatives into correct rejections. O(T log T).
    static func bestThreshold(
        _ x: [Float], inside: [Bool]
    ) -> (threshold: Float, sign: Int, balancedAccuracy: Float)? {
        let positives = inside.filter { $0 }.count, negatives = inside.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = x.indices.sorted { x[$0] < x[$1] }
        // θ below every value: everything predicted inside (TPR 1, TNR 0).
        var truePositives = positives, trueNegatives = 0
        var best = (threshold: x[order[0]] - 1, j: Float(0))  // J = TPR + TNR − 1 of "x > θ"
        var i = 0
        while i < order.count {
            let value = x[order[i]]
            while i < order.count && x[order[i]] == value {  // θ moves past every copy of this value
                if inside[order[i]] { truePositives -= 1 } else { trueNegatives += 1 }
                i += 1
            }
            let j = Float(truePositives) / Float(positives) + Float(trueNegatives) / Float(negatives) - 1
            let threshold = i < order.count ? (value + x[order[i]]) / 2 : value  // midway to the next value
            if abs(j) > abs(best.j) { best = (threshold, j) }
        }
        // J of "x < θ" is −J of "x > θ" (ignoring ties at θ itself), so the sign follows J's.
        return (best.threshold, best.j < 0 ? -1 : 1, (1 + abs(best.j)) / 2)
    }
}

/// Why a cell search could not be run.
public enum CellSearchError: Error, Equatable, CustomStringConvertible {
    /// The feature could not be computed (a bad regular expression).
    case feature(TextFeatureError)
    /// An indicator with too few characters on one side for a fair score.
    case tooFewExamples(feature: TextFeature, inside: Int, outside: Int, minimum: Int)
    /// A numeric feature that never changes over the text.
    case constantFeature(TextFeature)

    public var description: String {
        switch self {
        case .feature(let error):
            return error.description
        case .tooFewExamples(let feature, let inside, let outside, let minimum):
            return "\(feature.name): the text has \(inside) characters inside (\(feature.summary)) and \(outside) outside; "
                + "cell search needs at least \(minimum) of each — use a longer or different text"
        case .constantFeature(let feature):
            return "\(feature.name) (\(feature.summary)) never changes in this text; use a longer or different text"
        }
    }
}
