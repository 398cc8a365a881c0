// The one diverging scale every signed view shares: heat maps, heat rows, tinted text (terminal
// and HTML). A value in [-1, 1] (a tanh activation, or an entry divided by the largest magnitude)
// goes from blue (negative) through white (zero) to red (positive). Without colour the same value
// becomes one character of a five-step ramp, so plain output keeps the sign and the strength.

/// The shared blue–white–red scale and its plain-text ramp.
enum SignedScale {
    /// Plain ramp from strong negative to strong positive: `=` `-` `.` `+` `#`.
    static let ramp: [Character] = ["=", "-", ".", "+", "#"]

    /// Shown for a value that is not a number (NaN), in every mode.
    static let notANumber: Character = "?"

    /// Magnitudes below this read as "about zero"; at or above `strong` as saturated.
    static let weak: Float = 0.2
    static let strong: Float = 0.6

    /// The value clamped to [-1, 1]; `nil` for NaN (infinities clamp to ±1).
    static func clamped(_ value: Float) -> Float? {
        if value.isNaN { return nil }
        return min(1, max(-1, value))
    }

    /// Index into `ramp`: 0 strong negative … 2 about zero … 4 strong positive.
    static func rampIndex(_ value: Float) -> Int {
        let magnitude = abs(value)
        let step = magnitude < weak ? 0 : (magnitude < strong ? 1 : 2)
        return value < 0 ? 2 - step : 2 + step
    }

    /// The plain-text character for a value (`?` for NaN).
    static func rampCharacter(_ value: Float) -> Character {
        guard let v = clamped(value) else { return notANumber }
        return ramp[rampIndex(v)]
    }

    /// Red, green, blue in 0...255: white at 0, pure red at +1, pure blue at -1.
    static func rgb(_ value: Float) -> (red: Int, green: Int, blue: Int) {
        let v = clamped(value) ?? 0
        let fade = Int((255 * (1 - abs(v))).rounded())  // the two channels that fade out
        return v >= 0 ? (255, fade, fade) : (fade, fade, 255)
    }

    /// Whether text on this background reads better in white than in black.
    static func wantsLightText(_ value: Float) -> Bool {
        guard let v = clamped(value) else { return false }
        return abs(v) >= strong
    }
}
