import CharRNN
import Foundation

// What lessons say about training before and after it: how long a `train` will take on this
// machine (measured, not guessed), and the samples `train` printed, which `check:` lines read.

extension Session {
    /// The sample `train` printed after `iteration`; nil when a lesson runs under test and its
    /// training was cut before that iteration (the check is then skipped, and the transcript says
    /// so). Throws when there is no such sample otherwise.
    func trainingSample(at iteration: Int) throws(LessonTermError) -> String? {
        if let sample = lessonContext.trainingSamples[iteration] { return sample }
        if lessonTrainingIsLimited, currentTrainer.iteration < iteration {
            output.note(
                "(under test: no sample at iteration \(iteration): training was cut at iteration "
                    + "\(currentTrainer.iteration); the check is skipped — .ci/lesson-samples checks it at full length)")
            return nil
        }
        throw LessonTermError("no sample was printed after iteration \(iteration) (set sample-at \(iteration), then train)")
    }

    /// Whether a lesson's `train` runs under a test-time limit (iterations, seconds or a cap:
    /// lessons/README.md, "Lessons under test"), so that training may stop before the lesson says.
    var lessonTrainingIsLimited: Bool {
        lessonContext.trainingLimit != nil || lessonContext.trainingSeconds != nil || lessonContext.trainingUntil != nil
    }

    /// Whether a claim about the model at `iteration` can be checked now: true when the model is at
    /// that iteration; false when a lesson runs under test and its training was cut before it (the
    /// check is then skipped, and the transcript says so). Throws when the model is elsewhere otherwise.
    func modelIsAt(iteration: Int, claim: String) throws(LessonTermError) -> Bool {
        let now = currentTrainer.iteration
        if now == iteration { return true }
        if lessonTrainingIsLimited, now < iteration {
            output.note(
                "(under test: training was cut at iteration \(now), before \(iteration); the check \"\(claim)\" "
                    + "is skipped — .ci/lesson-samples checks it at full length)")
            return false
        }
        throw LessonTermError("the claim is about iteration \(iteration), but the model is at iteration \(now)")
    }

    /// Seconds `train --until target` will take from the current iteration: a few iterations of
    /// a copy of the trainer are timed now (nothing of the session changes), plus one validation
    /// loss for every `val-every` iterations. 0 when the model is at the target already.
    func estimatedTrainingSeconds(until target: Int) -> Double {
        let remaining = target - currentTrainer.iteration
        guard remaining > 0 else { return 0 }
        var loop = makeTrainingLoop(iterations: nil, seconds: nil)
        loop.schedule = TrainingSchedule(iterations: nil, validationLimit: Session.validationLimit)
        loop.trainer = currentTrainer
        let timed = 2
        var perIteration = 0.0
        for index in 0...timed {  // the first one (allocations) is not counted
            let start = Date()
            _ = try? loop.iterate(learningRate: workspace.settings.learningRate)
            if index > 0 { perIteration += Date().timeIntervalSince(start) / Double(timed) }
        }
        var seconds = perIteration * Double(remaining)
        let validateEvery = workspace.settings.validateEvery
        let validationCount = min(loop.validation.count, Session.validationLimit)
        if validateEvery > 0, validationCount >= 16 {
            // A tenth of a validation pass, timed and scaled (it reads at most `validationLimit` characters).
            let part = max(16, validationCount / 10)
            let start = Date()
            _ = loop.trainer.model.validationLoss(loop.validation, limit: part)
            let perValidation = Date().timeIntervalSince(start) * Double(validationCount) / Double(part)
            seconds += perValidation * Double(remaining / validateEvery + 1)
        }
        return seconds
    }
}
