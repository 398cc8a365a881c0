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
