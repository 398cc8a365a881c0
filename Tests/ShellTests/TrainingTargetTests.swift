import CharRNN
import Foundation
import Rendering
import TestSupport
import Testing

@testable import Shell

/// `train --until N` (an absolute target), the headers that say what a sample starts from, and
/// the measured estimate lessons show before long training.
@Suite struct TrainingTargetTests {
    /// A shell on a small text with a small model.
    func smallShell(_ extra: [String] = []) -> Shell {
        let directory = NSTemporaryDirectory() + "charrnn-target-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = String(repeating: "ROMEO:\nBut soft, what light.\n\nJULIET:\nAy me.\n\n", count: 80)
        try! text.write(toFile: directory + "/play.txt", atomically: true, encoding: .utf8)
        let shell = makeShell()
        transcript(shell, ["corpus \(directory)/play.txt", "set hidden 16", "set seq 16", "set batch 2"] + extra)
        return shell
    }

    @Test func untilIsAnAbsoluteTarget() {
        let shell = smallShell()
        #expect(output(of: "train 3", in: shell).ok)
        let (ok, text) = output(of: "train --until 10", in: shell)
        #expect(ok && text.contains("trained 7 iterations (now at 10)"), "\(text)")
        // Again: the target is reached, nothing trains, nothing changes.
        let before = shell.session.workspace.trainer
        let again = output(of: "train --until 10", in: shell)
        #expect(again.ok && again.text == "the model is at iteration 10 already (--until 10): nothing to train\n")
        #expect(shell.session.workspace.trainer == before)
        #expect(output(of: "train --until 4", in: shell).text.contains("nothing to train"))
    }

    @Test func untilWithACountIsRefusedAndChangesNothing() {
        let shell = smallShell()
        let before = shell.session.workspace.trainer
        let (ok, text) = output(of: "train 5 --until 10", in: shell)
        #expect(!ok && text.contains("not both"), "\(text)")
        #expect(shell.session.workspace.trainer == before)
        #expect(!output(of: "train --until 0", in: shell).ok)
        #expect(!output(of: "train --until x", in: shell).ok)
    }

    @Test func untilWithSecondsStopsAtWhicheverComesFirst() {
        let shell = smallShell()
        #expect(output(of: "train --until 6 --seconds 100", in: shell).ok)
        #expect(shell.session.workspace.trainer.iteration == 6)
    }

    @Test(arguments: [80, 200])
    func theProgressLineShowsTheTimeLeft(width: Int) {
        let console = ScriptedConsole(lines: ["set val-every 100", "train 300"], interactive: true, width: width)
        _ = makeShell().run(console: console)
        let redraws = console.output.components(separatedBy: "\r").dropFirst().map {
            String($0.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        #expect(!redraws.isEmpty)
        for line in redraws {
            #expect(line.contains(" left"), "\(line)")
            #expect(displayWidth(line) <= width - 3, "\(line)")
        }
    }

    @Test func aSampleDuringTrainingSaysWhichStreamItContinues() {
        let shell = smallShell(["set sample-at 4"])
        let (ok, text) = output(of: "train 5", in: shell)
        #expect(ok)
        let header = text.split(separator: "\n").first { $0.contains("── sample at iteration 4") } ?? ""
        #expect(header.contains("continuing stream 1 after \"…"), "\(text)")
        // Stream 1 read characters 0 ..< 64 (4 chunks of 16); the header ends with the one it reads next, the 65th.
        let context = String(Array(shell.session.workspace.corpus.text)[41...64])
        #expect(header.hasSuffix("…\(visible(context))\" ──"), "\(header)")
        #expect(shell.session.lessonContext.trainingSamples[4] != nil)
    }

    @Test func sampleSaysWhatItStartsFrom() {
        let shell = smallShell()
        let plain = output(of: "sample 10 --seed 1", in: shell).text
        #expect(plain.hasPrefix("── sample from h_0 = 0, after \"↵\" (the vocabulary's first character) ──\n"), "\(plain)")
        let primed = output(of: "sample 10 --seed 1 --prime ROMEO:", in: shell).text
        #expect(primed.hasPrefix("── sample from h_0 = 0, primed with \"ROMEO:\" ──\nROMEO:"), "\(primed)")
        // What lessons read of a sample is the text alone, not the header.
        #expect(shell.session.lessonContext.lastSample?.hasPrefix("ROMEO:") == true)
    }

    @Test func theEstimateIsMeasuredAndChangesNothing() throws {
        let shell = smallShell()
        let before = shell.session.workspace.trainer
        let seconds = shell.session.estimatedTrainingSeconds(until: 1000)
        #expect(seconds > 0 && seconds.isFinite)
        #expect(shell.session.estimatedTrainingSeconds(until: 0) == 0)
        #expect(shell.session.workspace.trainer == before)
        let value = try shell.session.value(of: "time to iteration 500")
        #expect(!value.isEmpty && value != "?")
    }

    @Test func underTestUntilIsCutAndTheNoteSaysSo() {
        let shell = smallShell()
        shell.session.lessonContext.trainingLimit = 5
        #expect(shell.session.limitedForTest("train --until 100") == "train --until 5")
        shell.session.lessonContext.trainingLimit = nil
        shell.session.lessonContext.trainingUntil = 8
        #expect(shell.session.limitedForTest("train --until 100") == "train --until 8")
        #expect(shell.session.limitedForTest("train 50") == "train 8")
        transcript(shell, ["train 8"])
        #expect(shell.session.limitedForTest("train --until 100") == "train --until 8")
        #expect(shell.session.limitedForTest("train --until 3") == "train --until 3")
    }

    @Test func sampleChecksReadTheSamplesTrainPrinted() throws {
        let shell = smallShell(["set sample-at 2"])
        transcript(shell, ["train 3"])
        let sample = try #require(shell.session.lessonContext.trainingSamples[2])
        let character = String(sample.first!)
        #expect(try shell.session.check("sample at 2 contains \(character == " " ? "\\s" : character)"))
        #expect(try !shell.session.check("sample at 2 contains \(String(repeating: "Q", count: 40))"))
        #expect(try shell.session.check("sample at 2 matches ."))
        #expect(try !shell.session.check("sample at 2 matches ^QQQQ$"))
        #expect(throws: (any Error).self) { try shell.session.check("sample at 3 contains a") }  // none printed there
        #expect(throws: (any Error).self) { try shell.session.check("sample at 2 matches (") }
        #expect(throws: (any Error).self) { try shell.session.check("sample at 2 has a") }
        // Under test, a sample past where training was cut is skipped (and the check holds).
        shell.session.lessonContext.trainingSeconds = 1
        #expect(try shell.session.check("sample at 50 contains a"))
    }
}
