import Foundation
import Testing

@testable import Shell

/// The `check:` conditions the c-code and latex lessons use for their curves and primed samples:
/// `val loss falling until N`, `val gap at N above X`, `sample matches PATTERN`, `at iteration N CONDITION`.
@Suite struct LessonCurveCheckTests {
    /// A shell that has trained 6 iterations of a small model, validated at 2, 4 and 6, with
    /// validation losses `validation` and the training losses of iterations 5 and 6 set to
    /// `lastLosses` (the curve is set by hand, so the conditions are tested on known numbers).
    func trainedShell(validation: [Double], lastLosses: [Double] = [1.0, 1.2]) -> Shell {
        let directory = NSTemporaryDirectory() + "charrnn-curve-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = String(repeating: "ROMEO:\nBut soft, what light.\n\nJULIET:\nAy me.\n\n", count: 80)
        try! text.write(toFile: directory + "/play.txt", atomically: true, encoding: .utf8)
        let shell = makeShell()
        transcript(
            shell, ["corpus \(directory)/play.txt", "set hidden 16", "set seq 16", "set batch 2", "set val-every 2", "train 6"])
        var history = shell.session.training.history
        #expect(history.map(\.iteration) == [1, 2, 3, 4, 5, 6])
        for (index, value) in zip([1, 3, 5], validation) { history[index].validation = value }
        history[4].loss = lastLosses[0]
        history[5].loss = lastLosses[1]
        shell.session.training.history = history
        return shell
    }

    @Test func falling() throws {
        #expect(try trainedShell(validation: [3, 2.5, 2]).session.check("val loss falling until 6"))
        #expect(try !trainedShell(validation: [3, 2.5, 2.6]).session.check("val loss falling until 6"))
        // Up to iteration 4 only the first two count.
        #expect(try trainedShell(validation: [3, 2.5, 2.6]).session.check("val loss falling until 4"))
        let shell = trainedShell(validation: [3, 2.5, 2])
        #expect(throws: (any Error).self) { try shell.session.check("val loss falling until 2") }  // one measurement
        #expect(throws: (any Error).self) { try shell.session.check("val loss falling until 50") }  // not trained so far
    }

    @Test func gapAgainstTheMeanTrainingLossSinceTheMeasurementBefore() throws {
        let shell = trainedShell(validation: [3, 2.5, 2], lastLosses: [1.0, 1.2])  // 2 − 1.1 = 0.9
        #expect(try shell.session.check("val gap at 6 above 0.85"))
        #expect(try !shell.session.check("val gap at 6 above 0.95"))
        #expect(throws: (any Error).self) { try shell.session.check("val gap at 5 above 0.1") }  // not measured at 5
        #expect(throws: (any Error).self) { try shell.session.check("val gap at 6 over 0.1") }
        #expect(throws: (any Error).self) { try shell.session.check("val gap at 6 above x") }
    }

    @Test func underTestAnIterationNotReachedIsSkipped() throws {
        let shell = trainedShell(validation: [3, 2.5, 2.6])
        shell.session.lessonContext.trainingSeconds = 1
        #expect(try shell.session.check("val loss falling until 50"))
        #expect(try shell.session.check("val gap at 50 above 9"))
        // What was reached is still checked.
        #expect(try !shell.session.check("val loss falling until 6"))
    }

    @Test func atIterationChecksATrainedModelAndIsSkippedUnderTestBeforeIt() throws {
        let shell = trainedShell(validation: [3, 2.5, 2])
        #expect(try shell.session.check("at iteration 6 trained at least 6"))
        #expect(try !shell.session.check("at iteration 6 val loss below 1"))
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 4 val loss below 9") }  // past 4: not about now
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 50 trained at least 1") }  // not reached
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 6") }
        #expect(throws: (any Error).self) { try shell.session.check("at iteration 6 no such condition") }
        shell.session.lessonContext.trainingSeconds = 1
        #expect(try shell.session.check("at iteration 50 val loss below 0"))  // skipped: cut at 6
        #expect(try !shell.session.check("at iteration 6 val loss below 0"))  // reached: checked
    }

    @Test func theLastSampleMatchesAPattern() throws {
        let shell = trainedShell(validation: [3, 2.5, 2])
        #expect(try !shell.session.check("sample matches ."))  // no sample yet
        #expect(output(of: "sample 40 --prime \"ROMEO:  \" --seed 3", in: shell).ok)
        let sample = try #require(shell.session.lessonContext.lastSample)
        #expect(sample.hasPrefix("ROMEO:  "))
        #expect(try shell.session.check("sample matches \\AROMEO:[ ]{2}"))
        #expect(try !shell.session.check("sample matches \\AJULIET"))
        #expect(try !shell.session.check("sample matches [ ]{81,}"))
        #expect(throws: (any Error).self) { try shell.session.check("sample matches (") }
    }
}
