/// The arithmetic of Hangul syllables (The Unicode Standard, §3.12 "Conjoining Jamo Behavior").
///
/// Each of the 11,172 precomposed syllables U+AC00–U+D7A3 is a leading consonant L (19), a vowel
/// V (21) and an optional trailing consonant T (27, or none):
/// S = SBase + (LIndex × VCount + VIndex) × TCount + TIndex.
public enum Hangul {
    static let sBase: UInt32 = 0xAC00
    static let lBase: UInt32 = 0x1100
    static let vBase: UInt32 = 0x1161
    /// One before the first trailing consonant (U+11A8): TIndex 0 means "no trailing consonant".
    static let tBase: UInt32 = 0x11A7
    static let lCount: UInt32 = 19
    static let vCount: UInt32 = 21
    static let tCount: UInt32 = 28
    /// Syllables per leading consonant (VCount × TCount).
    static let nCount: UInt32 = vCount * tCount
    /// All precomposed syllables (LCount × NCount = 11,172).
    public static let syllableCount: Int = Int(lCount * nCount)

    /// Whether `scalar` is a precomposed Hangul syllable.
    public static func isSyllable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= sBase && scalar.value < sBase + UInt32(syllableCount)
    }

    /// The conjoining jamo of a precomposed syllable (leading consonant, vowel, trailing consonant
    /// or nil), or nil if `scalar` is not one.
    public static func decompose(_ scalar: Unicode.Scalar) -> (Unicode.Scalar, Unicode.Scalar, Unicode.Scalar?)? {
        guard isSyllable(scalar) else { return nil }
        let sIndex = scalar.value - sBase
        let l = Unicode.Scalar(lBase + sIndex / nCount)!
        let v = Unicode.Scalar(vBase + (sIndex % nCount) / tCount)!
        let tIndex = sIndex % tCount
        return (l, v, tIndex == 0 ? nil : Unicode.Scalar(tBase + tIndex)!)
    }

    /// `text` with every syllable decomposed into conjoining jamo; everything else unchanged.
    public static func decompose(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if let (l, v, t) = decompose(s) {
                scalars.append(l)
                scalars.append(v)
                if let t { scalars.append(t) }
            } else {
                scalars.append(s)
            }
        }
        return String(scalars)
    }

    /// `text` with every leading consonant + vowel (+ trailing consonant) of conjoining jamo composed
    /// into its precomposed syllable; everything else unchanged (a lone jamo stays as it is).
    public static func compose(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var last: UInt32?  // the value of the last scalar appended, while it may still compose
        for s in text.unicodeScalars {
            let value = s.value
            if let previous = last {
                // L + V → LV
                if previous >= lBase, previous < lBase + lCount, value >= vBase, value < vBase + vCount {
                    let syllable = sBase + ((previous - lBase) * vCount + (value - vBase)) * tCount
                    scalars.removeLast()
                    scalars.append(Unicode.Scalar(syllable)!)
                    last = syllable
                    continue
                }
                // LV + T → LVT
                if previous >= sBase, previous < sBase + UInt32(syllableCount), (previous - sBase) % tCount == 0,
                    value > tBase, value < tBase + tCount
                {
                    scalars.removeLast()
                    scalars.append(Unicode.Scalar(previous + (value - tBase))!)
                    last = nil
                    continue
                }
            }
            scalars.append(s)
            last = value
        }
        return String(scalars)
    }

    /// `text` as it is shown: composed (``compose(_:)``), and every jamo left on its own (a vowel
    /// with no consonant before it, say, which a terminal would draw as nothing or on top of its
    /// neighbour) replaced by its standalone letter (``standalone(_:)``).
    public static func displayed(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in compose(text).unicodeScalars { scalars.append(standalone(s) ?? s) }
        return String(scalars)
    }

    /// The compatibility jamo (U+3131–U+318E, which stand alone and are two columns wide) that
    /// shows a conjoining jamo on its own, as in a vocabulary list; nil for any other scalar.
    /// A leading and a trailing consonant show the same letter (ㄱ for both ᄀ and ᆨ).
    public static func standalone(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let value = scalar.value
        var compatibility: UInt32?
        if value >= lBase, value < lBase + lCount {
            compatibility = leading[Int(value - lBase)]
        } else if value >= vBase, value < vBase + vCount {
            compatibility = 0x314F + (value - vBase)  // ㅏ … ㅣ are in the same order
        } else if value > tBase, value < tBase + tCount {
            compatibility = trailing[Int(value - tBase - 1)]
        }
        return compatibility.flatMap(Unicode.Scalar.init)
    }

    /// ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ
    static let leading: [UInt32] = [
        0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141, 0x3142, 0x3143, 0x3145,
        0x3146, 0x3147, 0x3148, 0x3149, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E,
    ]
    /// ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ ㅎ
    static let trailing: [UInt32] = [
        0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136, 0x3137, 0x3139, 0x313A, 0x313B,
        0x313C, 0x313D, 0x313E, 0x313F, 0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146,
        0x3147, 0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E,
    ]
}

/// Composes jamo as they arrive one at a time (a sample streamed to the screen): a leading
/// consonant and a vowel are held back until the syllable is complete, then given out as one
/// block; a letter that cannot join one is given out as its standalone letter. What ``feed(_:)``
/// and ``finish()`` give, concatenated, is ``Hangul/displayed(_:)`` of everything fed.
public struct JamoComposer: Sendable {
    /// The leading consonant (and vowel) held back.
    var pending = String.UnicodeScalarView()

    public init() {}

    /// The text to show now, after `character` arrived (may be empty).
    public mutating func feed(_ character: Character) -> String {
        var shown = ""
        for s in character.unicodeScalars {
            let value = s.value
            let isLeading = value >= Hangul.lBase && value < Hangul.lBase + Hangul.lCount
            let isVowel = value >= Hangul.vBase && value < Hangul.vBase + Hangul.vCount
            let isTrailing = value > Hangul.tBase && value < Hangul.tBase + Hangul.tCount
            if pending.count == 1, isVowel {
                pending.append(s)
                continue
            }
            if pending.count == 2, isTrailing {
                pending.append(s)
                shown += finish()
                continue
            }
            shown += finish()
            if isLeading {
                pending.append(s)
            } else {
                shown += Hangul.displayed(String(Character(s)))
            }
        }
        return shown
    }

    /// What is still held back, shown now (the end of the text).
    public mutating func finish() -> String {
        defer { pending = String.UnicodeScalarView() }
        return pending.isEmpty ? "" : Hangul.displayed(String(pending))
    }
}
