import CharRNN
import Rendering

// The text as the model reads it: one step per unit of the vocabulary's ``TextUnit`` (a grapheme,
// a code point, or a Hangul letter). Every per-step view (step, trace, predict, cells, cell,
// gradflow) indexes the text by these units, never by the graphemes of the text as typed, so that
// step t names unit t. On the screen a unit stands alone (a conjoining jamo as its compatibility
// letter, two columns wide, ᄒ → ㅎ), and running text is composed back into syllables.

extension Session {
    /// What one step of the model reads: the vocabulary's unit.
    var textUnit: TextUnit { model.vocabulary.unit }

    /// The first `count` units of the text (what `step` has read after `count` steps), as indices.
    func steppedIndices(_ count: Int) -> [Int] {
        Array(workspace.corpus.indices.prefix(count))
    }
}

/// `1 character`, `25 characters`, `8 jamo`, `3 code points`: a number of units in their own word.
func unitCount(_ count: Int, _ unit: TextUnit) -> String {
    let plural = Session.unitWord(unit)
    guard count == 1 else { return "\(count) \(plural)" }
    switch unit {
    case .graphemes: return "1 character"
    case .codepoints: return "1 code point"
    case .jamo: return "1 jamo"
    }
}

/// A unit as it stands on its own in a per-step view: a conjoining jamo (which a terminal would
/// draw on top of its neighbour, or as nothing) as its compatibility letter (ᅡ → ㅏ, two columns);
/// every other character as it is (newlines stay newlines: the tinted view breaks lines at them).
func standaloneUnit(_ character: Character) -> Character {
    if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
        let letter = Hangul.standalone(scalar)
    {
        return Character(letter)
    }
    return character
}

/// The end of the running text after `indices` (and then `next`, if given), composed as it is shown:
/// its last `graphemes` characters, `…` before them when more came first. What a jamo unit does to
/// the text — ㄴ after 하 as a final consonant gives 한, as a leading one 하ㄴ — is seen here, where
/// the unit's own label (ㄴ for both) cannot say it. `columns` caps the display width (the `…` included).
func composedTail(
    _ indices: some Collection<Int>, then next: Int? = nil, vocabulary: Vocabulary, graphemes: Int = 3, columns: Int = .max
) -> String {
    // A syllable is at most three units: six units are enough for the last two, and one more.
    let recent = Array(indices.suffix(3 * graphemes)) + (next.map { [$0] } ?? [])
    let text = vocabulary.decode(recent)
    var tail = Array(text.suffix(graphemes)).map(visibleInText)
    var cut = indices.count > 3 * graphemes || tail.count < text.count
    while tail.count > 1, displayWidth((cut ? "…" : "") + tail.joined()) > columns {
        tail.removeFirst()
        cut = true
    }
    if tail.last == " " { tail[tail.count - 1] = "␣" }  // a space at the end would not be seen
    return safeText((cut ? "…" : "") + tail.joined())
}

/// A character of running text made visible in one line: newline `↵`, tab `⇥`; others as they are.
private func visibleInText(_ character: Character) -> String {
    character == " " ? " " : visible(character)
}

extension TextFeature {
    /// The feature as it reads a text of `unit`: for jamo, the Hangul of a regular expression is
    /// decomposed as the text is (/한/ finds ᄒ ᅡ ᆫ); everything else is the same feature.
    func inUnits(_ unit: TextUnit) -> TextFeature {
        guard unit == .jamo, case .regex(let pattern) = self else { return self }
        return .regex(Hangul.decompose(pattern))
    }
}
