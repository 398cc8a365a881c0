import CharRNN
import Foundation
import Rendering
import TestSupport
import Testing

@testable import Shell

/// The per-step views on a jamo text: every view indexes the text by the model's units (step t
/// reads unit t, predict after t steps has read units 1…t, the tinted text has one cell a unit),
/// a lone jamo is shown as its standalone letter (two columns, never a conjoining jamo), and every
/// line with Hangul fits 80 columns.
@Suite struct JamoStepViewTests {
    /// A shell on the Korean corpus read as jamo.
    static func jamoShell() -> Shell {
        let shell = makeShell()
        transcript(shell, ["corpus korean --unit jamo"])
        return shell
    }

    @Test func predictAfterStepTHasReadUnitsOneToT() throws {
        let shell = Self.jamoShell()
        let session = shell.session
        transcript(shell, ["step 5"])
        let (ok, text) = output(of: "predict", in: shell)
        #expect(ok, "\(text)")
        let corpus = session.workspace.corpus
        let labels = corpus.vocabulary.labels
        // Unit 5 (ㄴ of 한), not the fifth syllable: the header names it and composes the text read.
        #expect(text.contains("after \"대한\" (5 jamo, the last '\(labels[corpus.indices[4]])') the model predicts:"), "\(text)")
        // Its distribution is the one step 5 computed: the same most likely unit and probability.
        let cache = try #require(session.stepping.stepCache)
        let V = corpus.vocabulary.count
        let p = cache.slice(cache.probabilities, step: 4, width: V)
        let best = (0..<V).max { p[$0] != p[$1] ? p[$0] < p[$1] : $0 > $1 }!
        let firstRow = try #require(text.split(separator: "\n").first { $0.hasPrefix(" 1 ") })
        #expect(firstRow.contains(" \(labels[best]) ") && firstRow.contains(String(format: "%.4f", p[best])), "\(firstRow)")
    }

    @Test func predictShowsTheTextEachJamoWouldMake() {
        let shell = Self.jamoShell()
        let (ok, text) = output(of: "predict 대하", in: shell)
        #expect(ok, "\(text)")
        #expect(text.contains("(4 jamo, the last 'ㅏ')"), "\(text)")
        // Each candidate with the text it would make: one of the letters so labelled, composed in.
        let vocabulary = shell.session.model.vocabulary
        let fed = (try? vocabulary.encode("대하")) ?? []
        let rows = text.split(separator: "\n").filter { $0.range(of: #"^\s*\d+ "#, options: .regularExpression) != nil }
        #expect(rows.count == 10, "\(text)")
        for row in rows {
            let cells = row.split(separator: " ")
            let made = vocabulary.labels.indices.filter { vocabulary.labels[$0] == cells[1] }
                .map { composedTail(fed, then: $0, vocabulary: vocabulary) }
            #expect(made.contains(String(cells[2])), "\(row)")
        }
        // The graphemes model keeps its two columns: no text column.
        let plain = makeShell()
        transcript(plain, ["corpus korean"])
        let syllables = output(of: "predict 대한", in: plain).text
        #expect(syllables.contains("after \"대한\" the model predicts:") && !syllables.contains(" text "), "\(syllables)")
    }

    @Test func composedTailShowsWhatAFinalConsonantDoes() throws {
        let vocabulary = try Vocabulary(of: "하한하나", order: .sorted, unit: .jamo)
        let ha = try vocabulary.encode("하")
        let final = try #require(vocabulary.index(of: "\u{11AB}"))  // ᆫ, the final ㄴ
        let leading = try #require(vocabulary.index(of: "\u{1102}"))  // ᄂ, the leading ㄴ
        // Both are labelled ㄴ; the text they make differs.
        #expect(vocabulary.labels[final] == "ㄴ" && vocabulary.labels[leading] == "ㄴ")
        #expect(composedTail(ha, then: final, vocabulary: vocabulary) == "한")
        #expect(composedTail(ha, then: leading, vocabulary: vocabulary) == "하ㄴ")
        // Cut at the front, with a marker, to the graphemes and columns asked for.
        let long = try vocabulary.encode("하나하나하나")
        #expect(composedTail(long, vocabulary: vocabulary, graphemes: 2) == "…하나")
        #expect(composedTail(long, vocabulary: vocabulary, graphemes: 6, columns: 7) == "…나하나")
    }

    @Test func traceNamesUnitTAndTheTextReadSoFar() {
        let shell = Self.jamoShell()
        transcript(shell, ["step 5"])
        let text = output(of: "trace", in: shell).text
        let labels = shell.session.workspace.corpus.vocabulary.labels
        let indices = shell.session.workspace.corpus.indices
        let rows = text.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(rows.count == 5, "\(text)")
        for (t, row) in rows.enumerated() {
            let cells = row.split(separator: " ")
            #expect(cells[0] == "\(t + 1)" && cells[1] == labels[indices[t]] && cells[3] == labels[indices[t + 1]], "\(row)")
        }
        #expect(rows[2].split(separator: " ")[2] == "대ㅎ" && rows[4].split(separator: " ")[2] == "대한", "\(text)")
        // The step view names the same units, with the text composed.
        let step = output(of: "goto 4", in: shell).text + output(of: "step", in: shell).text
        #expect(step.contains("t = 5   input '\(labels[indices[4]])' → target '\(labels[indices[5]])'   text \"대한\""), "\(step)")
    }

    @Test func cellTintsOneCellPerUnitInLine() throws {
        let shell = Self.jamoShell()
        let (ok, text) = output(of: "cell 3 --chars 30", in: shell)
        #expect(ok, "\(text)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let legend = try #require(lines.firstIndex { $0.hasPrefix("activation") })
        #expect(lines[legend + 1] == "one letter a step: 한 is ㅎ ㅏ ㄴ, each tinted by its own step")
        // Plain mode: the text line, then its ramp line, one ramp character under every column.
        let textLine = lines[legend + 2], ramp = lines[legend + 3]
        #expect(!ramp.isEmpty && ramp.allSatisfy { "=-.+#".contains($0) }, "\(ramp)")
        #expect(displayWidth(ramp) == displayWidth(textLine), "\(textLine)\n\(ramp)")
        // Every unit is one visible cell: the 30 units are 30 characters on the screen, a letter two
        // columns wide (a conjoining jamo would take none and pile onto its neighbour).
        let units = shell.session.analysisTextUnits(30)
        #expect(textLine.count == units.count, "\(textLine)")
        #expect(!text.unicodeScalars.contains { (0x1100...0x11FF).contains($0.value) })
        for (cell, unit) in zip(textLine, units) {
            let letter = Hangul.standalone(unit.unicodeScalars.first!)
            #expect(letter.map { String(cell) == String(Character($0)) && displayWidth(String(cell)) == 2 } ?? (cell == unit))
        }
    }

    @Test func cellAndCellsReadAFileInTheModelsUnits() throws {
        let directory = temporaryDirectory()
        let path = directory + "/short.txt"
        let words = "대한민국은 민주공화국이다.\n대한민국의 주권은 국민에게 있다.\n"
        try words.write(toFile: path, atomically: true, encoding: .utf8)
        let shell = Self.jamoShell()
        let (ok, text) = output(of: "cell 3 --text \(path) --chars 9", in: shell)
        #expect(ok, "\(text)")
        let total = TextUnit.jamo.units(of: words).count
        #expect(text.contains("(\(total) jamo): jamo 0…8 of \(total)"), "\(text)")
        // The first nine units are 대한민 letter by letter.
        #expect(text.contains("ㄷㅐㅎㅏㄴㅁㅣㄴㄱ"), "\(text)")
        // A regular expression in syllables finds the decomposed text.
        let cells = output(of: "cells /국/ --text \(path)", in: shell)
        #expect(cells.ok, "\(cells.text)")
    }

    @Test func theEndOfAJamoTextIsCountedInJamo() throws {
        let path = temporaryDirectory() + "/two.txt"
        try "한국".write(toFile: path, atomically: true, encoding: .utf8)  // ᄒ ᅡ ᆫ ᄀ ᅮ ᆨ: six steps' worth
        let shell = makeShell()
        #expect(output(of: "corpus \(path) --unit jamo", in: shell).ok)
        let end = output(of: "goto 5", in: shell).text
        #expect(end.contains("its target 'ㄱ' ends the text (6 jamo): there is no step after it"), "\(end)")
        let (ok, text) = output(of: "step", in: shell)
        #expect(!ok && text == "error: t = 5 is the end of the text (6 jamo): reset or goto to go back\n", "\(text)")
    }

    @Test func gradflowCountsSteps() {
        let shell = Self.jamoShell()
        let (ok, text) = output(of: "gradflow --steps 10", in: shell)
        #expect(ok, "\(text)")
        #expect(text.contains("over the first 10 jamo of korean"), "\(text)")
        let session = shell.session
        let flow = GradientFlow(
            model: session.model, indices: Array(session.workspace.corpus.indices.prefix(11)), steps: 10)
        #expect(text.contains("L_T = \(String(format: "%.4f", flow.loss))"), "\(text)")
    }

    /// Every per-step view, on syllables and on jamo, plain and in colour, at 80 and 140 columns.
    static let views = [
        "step 5", "trace", "predict", "predict 대한민국", "set temperature 0.5", "predict", "show x", "show p", "show y 2",
        "cells", "cells /한/", "cell 3", "cell 3 --from 100", "gradflow --steps 12", "backward", "backstep", "goto 3",
        "sample 60 --seed 1",
    ]

    @Test(arguments: ["jamo", "graphemes"], [80, 140])
    func everyViewWithHangulFitsTheWidth(unit: String, width: Int) {
        for color in [false, true] {
            let text = transcript(makeShell(), ["corpus korean --unit \(unit)"] + Self.views, color: color, width: width)
            #expect(!text.contains("error:"), "\(text)")
            for line in text.split(separator: "\n") {
                #expect(displayWidth(String(line)) <= width, "wider than \(width): \(line)")
            }
            let conjoining = text.unicodeScalars.contains { (0x1100...0x11FF).contains($0.value) }
            #expect(!conjoining, "a conjoining jamo reached the screen")
        }
    }
}

extension Session {
    /// The first `count` units `cell` reads by default (the validation text's start), for the tests.
    func analysisTextUnits(_ count: Int) -> [Character] {
        (try? analysisText(nil, model: model).characters.prefix(count)).map(Array.init) ?? []
    }
}
