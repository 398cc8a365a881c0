// Numbers in fixed-width columns, without Foundation: a sign column (blank or `-`), the integer
// part, and `digits` decimals, e.g. ` 0.123`, `-1.250`. Numbers too large for the width lose
// decimals first (` 12.35`), then the point (` 1235`), then switch to scientific notation (` 1e+05`).

/// A number in `digits + 3` columns: sign column, one integer digit, point, `digits` decimals.
///
/// ` 0.123`, `-1.250`, ` 12.35`, ` 1235`, `-1e+09`. Large numbers give up decimals, then the
/// point, then switch to scientific notation; only when `digits` is below 2 can a number be
/// wider than `digits + 3` (`-123` for `digits: 1`) rather than lose all its digits. Non-finite values are right-aligned: `   nan`,
/// `   inf`, `  -inf`. A negative value that rounds to zero keeps its sign (`-0.000`), so a tiny
/// negative gradient still reads as negative.
public func formatNumber(_ x: Float, digits: Int = 3) -> String {
    formatNumber(Double(x), digits: digits)
}

/// A `Double` in exactly `digits + 3` columns; see `formatNumber(_:digits:)` for `Float`.
public func formatNumber(_ x: Double, digits: Int = 3) -> String {
    let digits = max(0, digits)
    let width = digits + 3
    let sign = x < 0 ? "-" : " "
    if x.isNaN { return padded("nan", to: width, alignment: .right) }
    if x.isInfinite { return padded(sign.trimmingSpace + "inf", to: width, alignment: .right) }
    let magnitude = abs(x)
    // Fewer decimals for larger numbers, keeping the width; never a bare trailing point.
    for decimals in stride(from: digits, through: 1, by: -1) {
        if let body = fixed(magnitude, decimals: decimals), body.count <= width - 1 {
            return padded(sign + body, to: width, alignment: .right)
        }
    }
    // Then a whole number without the point, then scientific notation, then whichever is shorter.
    let whole = fixed(magnitude, decimals: 0).map { String($0.dropLast()) }
    if let whole, whole.count <= width - 1 { return padded(sign + whole, to: width, alignment: .right) }
    let exponential = scientific(magnitude, width: width - 1)
    guard let whole, exponential.count > width - 1, whole.count <= exponential.count else {
        return padded(sign + exponential, to: width, alignment: .right)
    }
    return sign + whole
}

/// `magnitude` (≥ 0) with `decimals` decimals, e.g. `1.250`; with 0 decimals the point stays
/// (`1235.`). `nil` when too large to print exactly.
func fixed(_ magnitude: Double, decimals: Int) -> String? {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (magnitude * scale).rounded()
    guard scaled < 1e15 else { return nil }
    var digitsText = String(Int64(scaled))
    if digitsText.count <= decimals {  // pad so there is an integer digit: 5 -> "0005" for 0.005
        digitsText = String(repeating: "0", count: decimals + 1 - digitsText.count) + digitsText
    }
    let split = digitsText.index(digitsText.endIndex, offsetBy: -decimals)
    return String(digitsText[..<split]) + "." + String(digitsText[split...])
}

/// `magnitude` (> 0) in scientific notation within `width` columns: `1.2e+04`, `5e-09`.
func scientific(_ magnitude: Double, width: Int) -> String {
    var exponent = 0
    var mantissa = magnitude
    while mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    while mantissa > 0, mantissa < 1 {
        mantissa *= 10
        exponent -= 1
    }
    // "e+04" takes 4 columns (Float exponents have at most two digits); the rest is "d" or "d.dd".
    let decimals = max(0, width - 4 - 2)
    var body = fixed(mantissa, decimals: decimals) ?? "?"
    if body.hasPrefix("10") {  // 9.96 rounded up to 10.0: carry into the exponent
        exponent += 1
        body = fixed(mantissa / 10, decimals: decimals) ?? "?"
    }
    if decimals == 0 { body.removeLast() }  // "1." -> "1"
    let exponentText = String(abs(exponent))
    return body + "e" + (exponent < 0 ? "-" : "+") + (exponentText.count < 2 ? "0" : "") + exponentText
}

extension String {
    /// The string without spaces (for the sign column of `inf`).
    fileprivate var trimmingSpace: String { filter { $0 != " " } }
}

// MARK: - One format per row

/// The values of one vector (or matrix row) in one format and one width, so brackets line up and
/// no non-zero value reads as zero:
///
/// - fixed decimals (at least 3 below 10), enough for `significant` digits of the largest magnitude
///   and one significant digit of the smallest non-zero one (`0.00882 -0.00670`, `1.000 0.250`);
/// - scientific notation for every entry when the non-zero magnitudes span more than three
///   decades, or reach 10⁶ or fall below 10⁻⁶ (`1.00e+00 -3.20e-05`).
///
/// Zero is ` 0.000…` without a sign (never `-0.000`); NaN and infinities read `nan`, `inf`, `-inf`.
public func formatRow(_ values: [Float], significant: Int = 3) -> [String] {
    let magnitudes = values.lazy.filter { $0.isFinite && $0 != 0 }.map { Double(abs($0)) }
    let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
    let exponential = largest > 0 && (largest / smallest > 1000 || largest >= 1e6 || largest < 1e-6)
    var decimals = 3
    if largest > 0, !exponential {
        let forLargest = significant - 1 - decade(largest)
        let forSmallest = -decade(smallest * 2)  // enough that the smallest rounds to at least one unit of the last place
        decimals = min(9, max(largest < 10 ? 3 : 0, forLargest, forSmallest))
    }
    let texts = values.map { value -> String in
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let magnitude = Double(abs(value))
        if magnitude == 0 {
            return " " + (fixed(0, decimals: decimals).map { decimals == 0 ? String($0.dropLast()) : $0 } ?? "0")
        }
        let sign = value < 0 ? "-" : " "
        if exponential { return sign + scientific(magnitude, width: 2 + significant + 3) }
        let body = fixed(magnitude, decimals: decimals) ?? scientific(magnitude, width: 2 + significant + 3)
        return sign + (decimals == 0 && body.hasSuffix(".") ? String(body.dropLast()) : body)
    }
    let width = texts.map(\.count).max() ?? 0
    return texts.map { padded($0, to: width, alignment: .right) }
}

/// ⌊log₁₀ x⌋ for x > 0, without Foundation: 0 for 1…9.99, −3 for 0.001…0.00999.
func decade(_ x: Double) -> Int {
    var exponent = 0, value = x
    while value >= 10 {
        value /= 10
        exponent += 1
    }
    while value > 0, value < 1 {
        value *= 10
        exponent -= 1
    }
    return exponent
}
