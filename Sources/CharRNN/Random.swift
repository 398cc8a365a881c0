// Seeded randomness. Every function of the engine that draws takes a generator passed in
// (`using generator: inout some RandomNumberGenerator`), never the system's: the same seed gives
// the same model, the same batches and the same samples, byte for byte.

/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64), whose whole state is one
/// `UInt64` — so a checkpoint can store it and training resumes exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's entire state.
    public var state: UInt64

    /// Creates a generator from a seed; the same seed always gives the same sequence.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A draw from the standard normal distribution N(0, 1) (Box–Muller; one value per call).
    public mutating func nextGaussian() -> Double {
        let u1 = 1.0 - nextUnitDouble()  // (0, 1]: log is finite
        let u2 = nextUnitDouble()
        return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
    import Darwin
    @inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
