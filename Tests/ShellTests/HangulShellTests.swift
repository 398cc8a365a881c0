import CharRNN
import Foundation
import Rendering
import TestSupport
import Testing

@testable import Shell

/// The Korean corpus in the shell: `corpus korean --unit …`, Hangul two columns wide in every view at
/// 80 columns, jamo samples shown as syllables, and the unit kept by `save` and `load`.
@Suite struct HangulShellTests {
    /// The views a learner meets on a text, read in one unit.
    static func views(_ unit: String) -> [String] {
        ["corpus korean --unit \(unit)", "corpus", "model", "step 3", "show p 3", "predict 대한민국", "sample 300 --seed 2", "train 5"]
    }

    @Test(arguments: ["graphemes", "jamo", "codepoints"])
    func everyViewFitsEightyColumns(unit: String) {
        let text = transcript(makeShell(), Self.views(unit), width: 80)
        #expect(!text.contains("error"), "\(text)")
        for line in text.split(separator: "\n") {
            #expect(displayWidth(String(line)) <= 80, "wider than 80: \(line)")
        }
        // Hangul is East Asian Wide: two columns a syllable (and a standalone letter).
        #expect(displayWidth("대한민국") == 8 && displayWidth("ㅎㅏㄴ") == 6)
        // No conjoining jamo reaches the screen: samples are composed, single letters standalone.
        #expect(!text.unicodeScalars.contains { (0x1100...0x11FF).contains($0.value) })
    }

    @Test func theCorpusSummarySaysTheUnit() {
        let shell = makeShell()
        let syllables = output(of: "corpus korean", in: shell).text
        #expect(syllables.contains("18884 characters, vocabulary of 380"))
        let jamo = output(of: "corpus korean --unit jamo", in: shell).text
        #expect(jamo.contains("38172 jamo, vocabulary of 75"))
        #expect(shell.session.workspace.corpus.vocabulary.unit == .jamo)
        #expect(shell.session.model.vocabulary.unit == .jamo)
    }

    @Test func aBadUnitIsOneLineAndChangesNothing() {
        let shell = makeShell()
        transcript(shell, ["corpus korean"])
        let before = Fingerprint(shell.session)
        let (ok, text) = output(of: "corpus korean --unit syllables", in: shell)
        #expect(!ok)
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        #expect(Fingerprint(shell.session) == before)
    }

    @Test func aSavedModelKeepsItsUnitWhenLoaded() {
        let directory = temporaryDirectory()
        let shell = makeShell()
        transcript(shell, ["corpus korean --unit jamo", "train 3", "save \(directory)/jamo.safetensors"])
        transcript(shell, ["corpus korean"])
        #expect(shell.session.model.vocabulary.unit == .graphemes)
        let (ok, text) = output(of: "load \(directory)/jamo.safetensors", in: shell)
        #expect(ok, "\(text)")
        #expect(shell.session.model.vocabulary.unit == .jamo)
        #expect(shell.session.workspace.corpus.vocabulary.unit == .jamo)
        #expect(output(of: "corpus", in: shell).text.contains("38172 jamo"))
    }
}
