// The unit a text is read in (graphemes, code points, jamo): the Hangul arithmetic against Foundation's
// own normalisation, the round trip over the whole Korean corpus, and the unit kept in checkpoints.

import Foundation
import Testing

@testable import CharRNN

/// The Korean corpus of corpora/ (the Constitution of the Republic of Korea).
private func koreanCorpusText() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("corpora/korean.txt"), encoding: .utf8)
}

@Suite struct TextUnitTests {
    @Test func everySyllableDecomposesAsUnicodeNFDDoesAndComposesBack() {
        for value in 0xAC00...0xD7A3 {
            let syllable = String(Character(Unicode.Scalar(value)!))
            let jamo = Hangul.decompose(syllable)
            #expect(jamo == syllable.decomposedStringWithCanonicalMapping, "U+\(String(value, radix: 16))")
            #expect(Hangul.compose(jamo) == syllable)
            #expect(jamo.unicodeScalars.allSatisfy { (0x1100...0x11FF).contains($0.value) })
        }
        #expect(Hangul.decompose("한국어 text, 3·1") == "\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}\u{110B}\u{1165} text, 3·1")
    }

    @Test func theWholeKoreanCorpusRoundTripsThroughJamo() throws {
        let text = try koreanCorpusText()
        let jamo = Hangul.decompose(text)
        #expect(jamo.unicodeScalars.count > text.unicodeScalars.count * 2 - text.unicodeScalars.count / 2)
        #expect(Hangul.compose(jamo) == text)
        // And through a jamo vocabulary: encode, then decode, gives the text back.
        let corpus = try Corpus(name: "korean", text: text, unit: .jamo, validationFraction: 0)
        #expect(corpus.vocabulary.unit == .jamo)
        #expect(corpus.indices.count == jamo.unicodeScalars.count)
        #expect(corpus.vocabulary.decode(Array(corpus.indices)) == text)
        #expect(corpus.vocabulary.count < 100)
        let syllables = try Corpus(name: "korean", text: text, validationFraction: 0)
        #expect(syllables.vocabulary.count == Set(text).count)
        #expect(syllables.vocabulary.count > 300)
    }

    @Test func codePointsSplitWhatGraphemesKeepTogether() throws {
        let text = "e\u{301}\r\nab"
        #expect(try Vocabulary(of: text, order: .sorted).count == 4)  // é, \r\n, a, b
        let scalars = try Vocabulary(of: text, order: .sorted, unit: .codepoints)
        #expect(scalars.count == 6)
        #expect(try scalars.encode(text).count == 6)
        #expect(scalars.decode(try scalars.encode(text)) == text)
    }

    @Test func aLoneJamoIsShownAsItsStandaloneLetter() {
        #expect(Vocabulary.label("\u{1161}") == "ㅏ")
        #expect(Vocabulary.label("\u{11A8}") == "ㄱ")
        #expect(Vocabulary.label("\u{1100}") == "ㄱ")
        #expect(Hangul.displayed("\u{1161}\u{1112}\u{1161}\u{11AB}") == "ㅏ한")
    }

    @Test func theUnitIsRecordedInCheckpointsAndRestored() throws {
        for unit in TextUnit.allCases {
            let corpus = try Corpus(name: "k", text: "대한민국은 민주공화국이다.\n", unit: unit, validationFraction: 0)
            var g = SplitMix64(seed: 1)
            let model = Model(vocabulary: corpus.vocabulary, cell: .rnn, hiddenSize: 4, layers: 1, initialization: .pytorch, using: &g)
            let file = Checkpoint(model: model).file()
            #expect(file.metadata["unit"] == unit.rawValue)
            let read = try Checkpoint(file: file, source: "k.safetensors")
            #expect(read.model.vocabulary.unit == unit)
            #expect(read.model.vocabulary == model.vocabulary)
            // A text encoded with the restored vocabulary is read in the model's unit.
            #expect(try read.model.vocabulary.encode("대한").count == (unit == .jamo ? 5 : 2))
        }
    }

    @Test func withoutTheKeyACharrnnFileIsGraphemesAndAPyTorchOneCodePoints() throws {
        let corpus = try Corpus(name: "k", text: "ab cd", validationFraction: 0)
        var g = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, cell: .rnn, hiddenSize: 4, layers: 1, initialization: .pytorch, using: &g)
        var file = Checkpoint(model: model).file()
        file.metadata["unit"] = nil
        #expect(try Checkpoint(file: file, source: "c").model.vocabulary.unit == .graphemes)
        file.metadata["format"] = nil
        file.metadata["format_version"] = nil
        #expect(try Checkpoint(file: file, source: "c").model.vocabulary.unit == .codepoints)
        file.metadata["unit"] = "syllables"
        #expect(throws: CheckpointError.self) { try Checkpoint(file: file, source: "c") }
    }
}

@Test func jamoFedOneAtATimeShowAsTheComposedText() {
    let text = "\u{1161}대한민국\u{1100}헌법 3·1\u{1100}\u{1161}"
    var composer = JamoComposer()
    var shown = ""
    for c in TextUnit.jamo.units(of: text) + ["\u{11AB}"] { shown += composer.feed(c) }
    shown += composer.finish()
    #expect(shown == Hangul.displayed(Hangul.decompose(text) + "\u{11AB}"))
    #expect(shown == "ㅏ대한민국ㄱ헌법 3·1간")
}

@Test func theKoreanSizeBenchmarksHaveFifteenHundredCharacters() throws {
    let corpus = try Corpus(name: "t", text: String(repeating: "대한민국은 민주공화국이다. abc\n", count: 100))
    let widened = try Benchmark.widened(corpus, to: BenchmarkConfiguration.named("lstm-256-v1500-b32")?.vocabularySize)
    #expect(widened.vocabulary.count == 1500)
    #expect(Array(widened.indices) == Array(corpus.indices))  // the text's own characters keep their indices
    #expect(try Benchmark.widened(corpus, to: nil).vocabulary == corpus.vocabulary)
}
