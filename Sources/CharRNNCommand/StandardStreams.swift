@preconcurrency import Glibc

/// Writing to standard output and standard error, flushed at once (samples stream character by
/// character). The executable's only printing helpers.
enum StandardStreams {
    static func write(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    static func line(_ text: String) { write(text + "\n") }

    static func error(_ text: String) {
        fputs(text + "\n", stderr)
        fflush(stderr)
    }
}

/// Formats a whole number with thousands separators: 27700 → "27,700".
func grouped(_ value: Double) -> String {
    let n = Int(value.rounded())
    let digits = String(abs(n))
    var result = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { result.append(",") }
        result.append(c)
    }
    return (n < 0 ? "-" : "") + result
}

/// A number in JSON (finite numbers only; others become null).
func jsonNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
