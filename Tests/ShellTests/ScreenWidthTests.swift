import Foundation
import Rendering
import TestSupport
import Testing

@testable import Shell

/// Every line fits the learner's terminal: the commands' output and every step of the hello lesson,
/// at 80 and 120 columns, with no line wider than the width (in display cells) and no word split;
/// the live progress line at 60, 80 and 200 columns.
///
/// Snapshots: `Snapshots/screen-*.txt` (re-record with `SNAPSHOT_RECORD=1`, then read the diff).
@Suite struct ScreenWidthTests {
    /// The commands a newcomer meets first, over the hello text.
    static let commands = [
        "help", "help settings", "help plot", "lessons", "corpus", "model", "show W_xh", "step 2", "trace", "backward",
        "backstep", "show grads", "update", "predict he", "set temperature 0.5", "predict he", "toy", "gradflow",
        "train 60", "plot loss", "where",
    ]

    /// A shell with the lessons, its progress in a temporary directory, `train` in lessons capped.
    func makeLessonShell() -> Shell {
        Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
            progressPath: temporaryDirectory() + "/progress.json", lessonTrainingLimit: 2000)
    }

    @Test(arguments: [80, 120])
    func commandsFitTheWidth(width: Int) {
        let text = transcript(makeLessonShell(), Self.commands, width: width)
        let wide = transcript(makeLessonShell(), Self.commands, width: 1000)
        expectFits(text, width: width)
        expectNoSplitWords(withoutTimings(text), width: width, reference: withoutTimings(wide))
        // `lessons` names the lessons folder: masked, so the snapshot does not depend on where the package is.
        expectSnapshot(
            withoutTimings(text).replacingOccurrences(of: lessonsDirectory, with: "[lessons folder]"),
            named: "screen-commands-\(width)")
    }

    @Test(arguments: [80, 120])
    func everyStepOfTheHelloLessonFits(width: Int) {
        func demo(_ width: Int) -> String {
            let console = ScriptedConsole(lines: [], width: width)
            #expect(makeLessonShell().playDemo(lesson: "hello", console: console) == 0)
            return console.output
        }
        let text = demo(width)
        expectFits(text, width: width)
        expectNoSplitWords(withoutTimings(text), width: width, reference: withoutTimings(demo(1000)))
        // Every step was shown.
        #expect(text.components(separatedBy: "── hello · step ").count - 1 >= 19)
        expectSnapshot(withoutTimings(text), named: "screen-hello-\(width)")
    }

    @Test func everyOtherLessonFitsAt80Columns() {
        for name in LessonDemoTests.names where name != "hello" {
            let shell = Shell(
                corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
                progressPath: temporaryDirectory() + "/progress.json", lessonTrainingLimit: LessonDemoTests.trainingLimit,
                lessonTrainingSeconds: LessonDemoTests.trainingSeconds)
            let console = ScriptedConsole(lines: [], width: 80)
            #expect(shell.playDemo(lesson: name, console: console) == 0, "\(name)")
            expectFits(console.output, width: 80)
        }
    }

    @Test func aLongSampleIsBrokenToFitAndReadsTheSameToLessons() {
        func sample(width: Int) -> (text: String, recorded: String?) {
            let shell = makeShell()
            let text = transcript(shell, ["corpus shakespeare", "sample 400 --seed 7"], width: width)
            return (text, shell.session.lessonContext.lastSample)
        }
        let narrow = sample(width: 50), wide = sample(width: 10_000)
        expectFits(narrow.text, width: 50)
        #expect(narrow.text.contains("›\n"))
        #expect(narrow.recorded == wide.recorded && narrow.recorded?.count ?? 0 >= 400)
    }

    @Test func settingsHelpReadsWellAt80Columns() {
        let text = transcript(makeShell(), ["help settings"], width: 80)
        let lines = text.split(separator: "\n").map(String.init)
        // Stacked: each setting on a line of its own, what it does indented under it.
        let lr = lines.firstIndex { $0.hasPrefix("lr ") }
        #expect(lr != nil)
        if let lr { #expect(lines[lr + 1] == "    learning rate: the step size of every update") }
        // At 120 columns the description is a column of its own, wrapped inside it.
        let wide = transcript(makeShell(), ["help settings"], width: 120)
        #expect(wide.split(separator: "\n").contains { $0.hasPrefix("lr ") && $0.contains("learning rate: the step size") })
        expectFits(wide, width: 120)
    }

    @Test(arguments: [60, 80, 200])
    func theProgressLineIsRedrawnInPlaceAndFits(width: Int) {
        let console = ScriptedConsole(lines: ["train 300", "train --seconds 0.3"], interactive: true, width: width)
        _ = makeShell().run(console: console)
        let redraws = console.output.components(separatedBy: "\r").dropFirst()
        #expect(!redraws.isEmpty)
        for redraw in redraws {
            let line = String(redraw.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            // Room is left for the terminal's `^C` after the line.
            #expect(displayWidth(line) <= width - 3, "\(line)")
            #expect(line.contains("training") && line.contains("loss") && line.contains("█") || line.contains("░"))
        }
        // The time budget is said in words, not "(s)".
        #expect(!console.output.contains("(s)"))
        #expect(console.output.contains(width >= 80 ? "s budget" : "/0.3 s"))
        expectFits(console.output.replacingOccurrences(of: "\r", with: "\n"), width: width)
    }

    @Test func noColorHeatRowSaysWhatItsCharactersMean() {
        let text = transcript(makeShell(), ["set hidden 40", "step"], width: 100)
        #expect(text.contains("(40 units, −1 = - . + # +1)"))
        #expect(!text.contains("blue"))
        let colour = transcript(makeShell(), ["set hidden 40", "step"], color: true, width: 100)
        #expect(colour.contains("−1 blue … +1 red"))
    }

    @Test func clippingAndOptimizerStateSayWhatTheyAre() {
        let text = transcript(makeShell(), ["step 4", "backward", "show grads", "update"], width: 100)
        #expect(text.contains("none of the 40 entries needed clipping to ±5"))
        #expect(!text.contains("(after clipping: 5)"))
        #expect(!text.contains("-0.000 ") && !text.contains("-0.000]"))
        // "memory of W_hh" holds g², tiny but not zero: no row of it reads all zeros.
        let lines = text.split(separator: "\n").map(String.init)
        if let start = lines.firstIndex(where: { $0.hasPrefix("memory of W_hh") }) {
            for row in lines[(start + 2)...(start + 4)] {
                #expect(row.split(separator: " ").dropFirst().contains { Double($0) != 0 }, "\(row)")
            }
        } else {
            Issue.record("no memory of W_hh in \(text)")
        }
        let clipped = transcript(makeShell(), ["set clip 0.001", "step 4", "backward"], width: 100)
        #expect(clipped.contains(" of 40 entries were clipped to ±0.001"))
    }

    @Test func predictShowsOneColumnAtTemperatureOne() {
        let text = transcript(makeShell(), ["predict he"], width: 100)
        #expect(text.components(separatedBy: "p (T = 1)").count == 2)
        let tempered = transcript(makeShell(), ["set temperature 0.5", "predict he"], width: 100)
        #expect(tempered.contains("p (T = 1)") && tempered.contains("p (T = 0.5)"))
    }

    @Test func gradflowIsCompactUnlessAskedForAll() {
        let compact = transcript(makeShell(), ["corpus shakespeare", "set seq 25", "gradflow"], width: 100)
        let all = transcript(makeShell(), ["corpus shakespeare", "set seq 25", "gradflow --all"], width: 100)
        #expect(compact.contains("20 steps left out: gradflow --all shows every step"))
        // 20 rows become a "⋮" row and a note.
        #expect(compact.split(separator: "\n").count + 18 == all.split(separator: "\n").count)
    }

    @Test func plotLossLeavesOutTheSquashingStartAndSaysSo() {
        let shell = makeShell()
        // A made-up history: a first iterations far above the rest, then a slow descent.
        shell.session.training.history = (1...400).map { i -> LossPoint in
            let loss: Double = i <= 5 ? 9 : 2 + 1 / Double(i)
            let validation: Double? = i % 50 == 0 ? 2.2 + 1 / Double(i) : nil
            return LossPoint(iteration: i, loss: loss, validation: validation)
        }
        let text = output(of: "plot loss", in: shell).text
        #expect(text.contains("iterations up to 20, loss up to 9.00, are left out: they would squash the rest"))
        func topLabel(_ text: String) -> Double? {
            text.split(separator: "\n").first { $0.contains("┤") }.flatMap { Double($0.split(separator: " ")[0]) }
        }
        #expect((topLabel(text) ?? 99) < 2.5)
        let all = output(of: "plot loss --all", in: shell).text
        #expect(!all.contains("left out") && (topLabel(all) ?? 0) >= 9)
        #expect(output(of: "plot loss --log", in: shell).text.contains("log scale"))
        #expect(output(of: "plot loss --bogus", in: shell).ok == false)
    }

    // MARK: - Checks

    /// No line of `text` is wider than `width` display cells.
    func expectFits(_ text: String, width: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where displayWidth(String(line)) > width {
            Issue.record("wider than \(width): \(displayWidth(String(line))): \(line)", sourceLocation: sourceLocation)
        }
    }

    /// Every word of `text` is a word of `reference` (the same output on a very wide console): a
    /// word split across lines would leave pieces that are not. Lines cut with `›` and words longer
    /// than the width are excepted.
    func expectNoSplitWords(
        _ text: String, width: Int, reference: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let known = Set(reference.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        // Drawn, not written: bars and rules change length with the width, and so do a chart's
        // body and its x-axis numbers.
        let drawing = Set("─█▉▊▋▌▍▎▏░*o·@┬└┤│")
        func drawn(_ line: Substring) -> Bool {
            line.contains("┤") || line.contains("│") || line.contains("└") || line.allSatisfy { $0 == " " || $0.isNumber }
        }
        for line in text.split(separator: "\n") where !line.hasSuffix("›") && !drawn(line) {
            for word in line.split(separator: " ").map(String.init)
            where displayWidth(word) < width && !known.contains(word) && !word.allSatisfy(drawing.contains) {
                Issue.record("split or unknown word \"\(word)\" in: \(line)", sourceLocation: sourceLocation)
            }
        }
    }

    /// `text` with the training summary's timings (seconds, characters per second) masked, so the
    /// snapshot does not depend on the machine's speed. The summary may be wrapped over lines.
    func withoutTimings(_ text: String) -> String {
        var lines: [String] = []
        var inSummary = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("trained ") { inSummary = true }
            if inSummary {
                if line.contains("chars/s") {
                    lines.append("[trained … chars/s: timings masked]")
                    inSummary = false
                }
                continue
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
