import Foundation
import TestSupport
import Testing

@testable import Shell

/// `at iteration N CONDITION`: a lesson's claim about the model after N iterations of training
/// (the gradients lesson's "after 2000 iterations the factor was below …"). It is checked when the
/// model is at iteration N, skipped under test when training was cut before N, and an error otherwise.
@Suite struct IterationClaimTests {
    /// A shell on a small text with a small model, trained `iterations` times; a wide console
    /// collects what the session writes (the note that a check was skipped).
    func trainedShell(_ iterations: Int) -> (Shell, ScriptedConsole) {
        let directory = temporaryDirectory("iteration-claim")
        let text = String(repeating: "ROMEO:\nBut soft, what light.\n\nJULIET:\nAy me.\n\n", count: 40)
        try! text.write(toFile: directory + "/play.txt", atomically: true, encoding: .utf8)
        let shell = makeShell()
        transcript(shell, ["corpus \(directory)/play.txt", "set hidden 8", "set seq 8", "set batch 2", "train \(iterations)"])
        #expect(shell.session.currentTrainer.iteration == iterations)
        let console = ScriptedConsole(lines: [], width: 10_000)
        shell.session.output.console = console
        return (shell, console)
    }

    @Test func atTheIterationTheClaimIsChecked() throws {
        let (shell, console) = trainedShell(3)
        #expect(try shell.session.check("at iteration 3 trained at least 3"))
        #expect(try !shell.session.check("at iteration 3 trained at least 4"))
        #expect(try !shell.session.check("at iteration 3 not trained at least 3"))
        #expect(!console.output.contains("skipped"))
    }

    @Test func elsewhereItIsAnErrorOutsideTests() {
        let (shell, _) = trainedShell(3)
        #expect(!shell.session.lessonTrainingIsLimited)
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 5 trained at least 1") }  // not reached
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 2 trained at least 1") }  // gone past
    }

    @Test func underTestTrainingCutBeforeTheIterationSkipsTheCheckAndSaysSo() throws {
        for limit in 0..<3 {
            let (shell, console) = trainedShell(3)
            switch limit {
            case 0: shell.session.lessonContext.trainingLimit = 3
            case 1: shell.session.lessonContext.trainingSeconds = 0.3
            default: shell.session.lessonContext.trainingUntil = 3
            }
            // A claim that would be false holds: it is not checked, and the transcript says why.
            #expect(try shell.session.check("at iteration 2000 trained at least 5000"))
            #expect(console.output.contains("training was cut at iteration 3, before 2000"), "\(console.output)")
            #expect(console.output.contains("trained at least 5000"))
            // At the iteration it is still checked, and past it still an error.
            #expect(try !shell.session.check("at iteration 3 trained at least 4"))
            #expect(throws: (any Error).self) { try shell.session.check("at iteration 1 trained at least 1") }
        }
    }

    /// `gate: trained until N` waits for the iteration (a `train --until N` stopped by Ctrl-C does
    /// not pass it); under test, where training is cut short, it holds.
    @Test func trainedUntilWaitsForTheIterationAndHoldsUnderTest() throws {
        let (shell, _) = trainedShell(3)
        #expect(try shell.session.check("trained until 3"))
        #expect(try !shell.session.check("trained until 4"))
        shell.session.lessonContext.trainingUntil = 3
        #expect(try shell.session.check("trained until 4"))
    }

    @Test func aMisspeltOrIncompleteClaimIsAnErrorEvenWhenSkipped() {
        let (shell, _) = trainedShell(3)
        shell.session.lessonContext.trainingSeconds = 0.3
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 2000 gradient ration 25 below 1") }
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 2000") }
        #expect(throws: (any Error).self) { try shell.session.check("at iteration many trained at least 1") }
    }
}
