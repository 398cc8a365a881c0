// A series in one line of eighth-height blocks, for a loss history in a status line.

/// One block per value, `▁` at the minimum to `█` at the maximum: `▇▆▅▄▃▃▂▂▁`.
///
/// A flat series is all `▄`; a non-finite value is a blank; an empty series is empty.
public func sparkline<Value: BinaryFloatingPoint>(_ values: [Value]) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let finite = values.map { Double($0) }.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else {
        return String(repeating: " ", count: values.count)
    }
    return String(
        values.map { value -> Character in
            let x = Double(value)
            guard x.isFinite else { return " " }
            guard high > low else { return blocks[3] }
            return blocks[min(7, Int((x - low) / (high - low) * 8))]
        })
}
