import Foundation

// What the c-code and latex lessons say about their loss curves and their primed samples, as
// conditions for `check:` lines: the validation loss still falling at the end of a run, the gap
// between it and the training loss, and a pattern in the last `sample` (for a claim about a
// trained model, wrap any condition in `at iteration N …`, LessonTerm.swift). Like `sample at N …`, a condition about an iteration that training
// under test never reached is skipped (it holds, and the transcript says so); `.ci/lesson-samples.sh`
// checks it at length.

extension LessonTerm {
    /// The curve and sample conditions, listed after the others in `help lessons`.
    static let curveTerms: [LessonTerm] = [
        .condition(
            "val loss falling until N", .one,
            "every validation loss `train` measured up to iteration N is below the one before it (at least two measured)"
        ) { session, arguments throws(LessonTermError) in
            let target = try lessonInteger(arguments[0], "N")
            guard let measured = try session.validationCurve(until: target) else { return true }
            guard measured.count >= 2 else {
                throw LessonTermError("fewer than two validation losses up to iteration \(target) (set val-every, then train)")
            }
            return zip(measured, measured.dropFirst()).allSatisfy { $1.validation < $0.validation }
        },
        .condition(
            "val gap at N above X", .many,
            "at iteration N, the validation loss minus the mean training loss of the iterations since the measurement "
                + "before it is above X: `val gap at 1000 above 0.3`"
        ) { session, arguments throws(LessonTermError) in
            guard arguments.count == 3, arguments[1] == "above" else { throw LessonTermError("write: val gap at N above X") }
            let target = try lessonInteger(arguments[0], "N")
            let threshold = try lessonNumber(arguments[2], "X")
            guard let gap = try session.validationGap(at: target) else { return true }
            return gap > threshold
        },
        .condition(
            "sample matches PATTERN", .many,
            "a line of the text the last `sample` wrote matches the regular expression PATTERN (\\A: the sample's start, "
                + "\\z: its end): `sample matches [ ]{81,}\\z`"
        ) { session, arguments throws(LessonTermError) in
            let pattern = arguments.joined(separator: " ")
            guard let expression = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else {
                throw LessonTermError("PATTERN is not a regular expression: \(pattern)")
            }
            guard let sample = session.lessonContext.lastSample else { return false }
            return expression.firstMatch(in: sample, range: NSRange(sample.startIndex..., in: sample)) != nil
        },
    ]
}

extension Session {
    /// The validation losses measured up to `iteration`, with their iterations; nil when a lesson
    /// runs under test and training was cut before it (the note says the check is skipped).
    func validationCurve(until iteration: Int) throws(LessonTermError) -> [(iteration: Int, validation: Double)]? {
        if skippedUnderTest(iteration) { return nil }
        guard currentTrainer.iteration >= iteration else {
            throw LessonTermError("the model is at iteration \(currentTrainer.iteration), not yet at \(iteration): train first")
        }
        return currentHistory.compactMap { point in
            point.iteration <= iteration ? point.validation.map { (point.iteration, $0) } : nil
        }
    }

    /// The validation loss measured at `iteration` minus the mean training loss of the iterations
    /// after the measurement before it, up to `iteration` (a single iteration's loss is one batch's,
    /// too noisy to compare); nil when skipped under test.
    func validationGap(at iteration: Int) throws(LessonTermError) -> Double? {
        guard let curve = try validationCurve(until: iteration) else { return nil }
        guard let last = curve.last, last.iteration == iteration else {
            throw LessonTermError("no validation loss was measured at iteration \(iteration)")
        }
        let since = curve.dropLast().last?.iteration ?? 0
        let losses = currentHistory.filter { $0.iteration > since && $0.iteration <= iteration }.map(\.loss)
        guard !losses.isEmpty else { throw LessonTermError("no training loss before iteration \(iteration)") }
        return last.validation - losses.reduce(0, +) / Double(losses.count)
    }

    /// Whether a check about `iteration` is skipped: the lesson runs under test and its training
    /// was cut before that iteration. Says so in the transcript.
    func skippedUnderTest(_ iteration: Int) -> Bool {
        guard lessonTrainingIsLimited, currentTrainer.iteration < iteration else { return false }
        output.note(
            "(under test: training was cut at iteration \(currentTrainer.iteration), before \(iteration); "
                + "the check is skipped — .ci/lesson-samples checks it at full length)")
        return true
    }
}
