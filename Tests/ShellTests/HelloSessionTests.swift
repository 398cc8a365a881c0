import CharRNN
import Foundation
import Synchronization
import Testing

@testable import Shell

/// The newcomer's path through the hello example, as the issue's "done when" describes it.
@Suite struct HelloSessionTests {
    @Test func defaultsAreTheLecturesHello() {
        let session = makeShell().session
        #expect(session.workspace.corpus.name == "hello")
        #expect(session.model.vocabulary.characters == ["h", "e", "l", "o"])
        #expect(session.model.shape.hiddenSize == 3)
        #expect(session.workspace.settings.sequenceLength == 4 && session.workspace.settings.batchSize == 1)
        #expect(session.workspace.settings.optimizer == .adagrad && session.workspace.settings.learningRate == 0.1)
        #expect(session.workspace.settings.clipping == .value(5) && session.workspace.settings.seed == 42)
    }

    @Test func stepBackwardBackstepUpdateTrainSample() {
        let shell = makeShell()
        let session = shell.session
        let text = transcript(
            shell,
            [
                "corpus hello", "step", "step", "step", "step", "backward", "backstep", "backstep", "backstep", "backstep",
                "update",
            ])
        #expect(!text.contains("error:"))
        #expect(session.stepping.position == 4)
        // Four steps of an untrained model: each loss is about ln 4 = 1.386.
        #expect(text.contains("loss_1 = −ln p_1[e] = −ln 0.250 = 1.386"))
        #expect(text.contains("loss_4 = −ln p_4[o] = −ln 0.250 = 1.38"))
        #expect(text.contains("backstep t = 4") && text.contains("backstep t = 1"))
        #expect(text.contains("gradients summed over t = 1 … 4"))
        #expect(text.contains("memory of W_hh"))
        #expect(session.stepping.backwardState == nil)  // the update dropped the stale backward pass
        // The loss of the stepped text fell with the update.
        let line = text.split(separator: "\n").first { $0.hasPrefix("loss of the 4 stepped") }!
        #expect(line.contains("(lower)"))

        let before = session.workspace.trainer.model.parameters
        let trained = transcript(shell, ["train 100", "sample 20"])
        #expect(session.workspace.trainer.iteration == 100)
        #expect(session.training.history.count == 100)
        #expect(session.training.history.last!.loss < session.training.history.first!.loss / 2)
        #expect(session.workspace.trainer.model.parameters != before)
        #expect(trained.contains("trained 100 iterations"))
        let sampleLine = trained.split(separator: "\n").last!
        #expect(sampleLine.count == 20)
        #expect(sampleLine.allSatisfy { "helo".contains($0) })
        // After training, each step predicts e, l, l, o.
        let trace = transcript(shell, ["reset", "step 4", "trace"])
        #expect(trace.contains("1  h      e       e ✓"))
        #expect(trace.contains("4  l      o       o ✓"))
    }

    @Test func guardRestoresWeightsWhenTheLearningRateIsTooHigh() {
        let shell = makeShell()
        let session = shell.session
        let before = Fingerprint(session)
        let text = transcript(shell, ["set lr 10", "train"])
        #expect(text.contains("guard:"))
        #expect(text.contains("try set lr 1"))
        var after = Fingerprint(session)
        #expect(after.parameters == before.parameters)
        #expect(after.optimizer == before.optimizer)
        #expect(after.iteration == before.iteration)
        after.settings.learningRate = 0.1
        #expect(after == before)
        // With a sane rate training goes on from the same weights.
        transcript(shell, ["set lr 0.1", "train 50"])
        #expect(session.workspace.trainer.iteration == 50)
    }

    @Test func guardSaysToTurnClippingOnWhenItIsOff() {
        let shell = makeShell()
        let text = transcript(shell, ["set clip none", "set optimizer sgd", "set lr 10", "train 20"])
        #expect(text.contains("guard:") && text.contains("set clip 5"))
    }

    @Test func ctrlCStopsForegroundTrainingAndKeepsCompletedIterations() {
        let shell = makeShell()
        let polls = Atomic<Int>(0)
        shell.session.interrupted = { polls.add(1, ordering: .relaxed).newValue > 7 }
        let text = transcript(shell, ["train 1000"])
        #expect(shell.session.workspace.trainer.iteration == 7)
        #expect(shell.session.training.history.count == 7)
        #expect(text.contains("interrupted (Ctrl-C)"))
    }

    @Test func backgroundTrainingSharesStateWithThePrompt() {
        let shell = makeShell()
        let session = shell.session
        #expect(output(of: "set lr 0.1", in: shell).ok)
        #expect(output(of: "train --background", in: shell).ok)
        guard let job = session.training.job else { Issue.record("no job"); return }
        #expect(waitUntil { job.currentStatus.iterations >= 5 })
        #expect(output(of: "set lr 0.05", in: shell).text.contains("from its next iteration"))
        #expect(job.learningRate.load(ordering: .relaxed) == 0.05)
        // The trainer picks the new rate up at its next iteration.
        #expect(waitUntil { job.currentStatus.learningRate == 0.05 })
        let status = output(of: "status", in: shell).text
        #expect(status.contains("training in the background") && status.contains("lr 0.05"))
        let sampled = output(of: "sample 20", in: shell)
        #expect(sampled.ok && sampled.text.split(separator: "\n").last!.count == 20)
        #expect(output(of: "show W_hh", in: shell).ok)
        #expect(output(of: "model", in: shell).text.contains("training in the background"))
        // Commands that would change the model refuse, and change nothing.
        for line in ["step", "update", "model new", "set hidden 5", "set optimizer sgd", "load x.st", "corpus hello", "train 5"] {
            let result = output(of: line, in: shell)
            #expect(!result.ok, "\(line)")
            #expect(result.text.contains("stop training first"), "\(line)")
        }
        let stopped = output(of: "stop", in: shell).text
        #expect(stopped.contains("stopped at iteration"))
        #expect(session.training.job == nil)
        #expect(session.workspace.trainer.iteration >= 5)
        #expect(session.workspace.trainer.configuration.learningRate == 0.05)
        #expect(session.training.history.count == session.workspace.trainer.iteration)
        #expect(!output(of: "stop", in: shell).ok)
    }

    @Test func backgroundTrainingWithACountFinishesByItself() {
        let shell = makeShell()
        #expect(output(of: "train 30 --background", in: shell).ok)
        guard let job = shell.session.training.job else { Issue.record("no job"); return }
        #expect(waitUntil { job.isFinished })
        let status = output(of: "status", in: shell).text
        #expect(status.contains("no training running; the model is at iteration 30"))
        #expect(shell.session.training.job == nil)
    }
}
