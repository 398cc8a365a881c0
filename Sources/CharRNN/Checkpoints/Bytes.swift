// Bytes — the little-endian integers and half-precision floats of the safetensors format.

/// Appends `value` as little-endian bytes.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// Reads a little-endian `T` at byte `offset` (no alignment needed).
@inline(__always)
func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
}

/// Converts IEEE 754 binary16 bits to Float, exactly (every half is a float).
///
/// A half has 1 sign bit, 5 exponent bits (bias 15) and 10 mantissa bits:
/// normal `(-1)^s · 2^(e-15) · 1.m`, subnormal (e = 0) `(-1)^s · 2^-24 · m`, e = 31 is inf/NaN.
func floatFromHalf(_ half: UInt16) -> Float {
    let sign = UInt32(half & 0x8000) << 16
    let exponent = UInt32(half >> 10) & 0x1F
    let mantissa = UInt32(half & 0x3FF)
    switch exponent {
    case 0:  // zero or subnormal: m · 2^-24
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    case 0x1F:  // infinity or NaN: keep the payload
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:  // rebias the exponent: 127 - 15 = 112
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// Orders strings by their UTF-8 bytes (Swift's `<` compares canonical Unicode, not bytes).
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
