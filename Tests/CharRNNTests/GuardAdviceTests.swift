import Testing

@testable import CharRNN

/// The guard's advice (issue 12, item 6): below every rate that failed, and `model new` when the
/// weights it restored are themselves far worse than guessing.
@Suite struct GuardAdviceTests {
    static func diverged(lr: Double, restoredLoss: Double?) -> TrainingStop {
        // V = 65: ln V = 4.174, the limit 3 ln V = 12.523.
        .diverged(
            iteration: 3, loss: 21.4, limit: 3 * 4.174387, learningRate: lr, clipping: .value(5), restoredTo: 1,
            restoredLoss: restoredLoss)
    }

    @Test func restoredWeightsFarWorseThanGuessingAreCalledBroken() {
        #expect(Self.diverged(lr: 0.5, restoredLoss: 12.36).restoredIsBroken)
        #expect(!Self.diverged(lr: 0.5, restoredLoss: 4.5).restoredIsBroken)  // near ln V: usable
        #expect(!Self.diverged(lr: 0.5, restoredLoss: nil).restoredIsBroken)
        let text = Self.diverged(lr: 0.5, restoredLoss: 12.36).explanation(
            settingLearningRate: { "set lr \($0)" }, turningClippingOn: "set clip 5", startingAgain: "`model new`")
        #expect(text.contains("their loss was 12.360, far above ln V = 4.174"))
        #expect(text.contains("Start again with `model new`"))
        let batch = Self.diverged(lr: 0.5, restoredLoss: 12.36).explanation(
            settingLearningRate: { "--lr \($0)" }, turningClippingOn: "--clip 5")
        #expect(batch.contains("Start again from a new model at the lower rate.") && batch.contains("try --lr 0.05"))
        let usable = Self.diverged(lr: 0.5, restoredLoss: 4.5).description
        #expect(!usable.contains("Start again") && !usable.contains("broken"))
    }

    @Test func adviceGoesBelowEveryRateThatFailed() {
        let stop = Self.diverged(lr: 0.5, restoredLoss: 4.5)
        #expect(stop.suggestedLearningRate() == 0.05)
        #expect(stop.suggestedLearningRate(failedRates: [0.05]) == 0.005)
        #expect(stop.suggestedLearningRate(failedRates: [1]) == 0.05)
        let text = stop.explanation(
            settingLearningRate: { "set lr \($0)" }, turningClippingOn: "set clip 5", failedRates: [0.05, 0.1])
        #expect(text.contains("try set lr 0.005 (0.1 and 0.05 blew up too)"), "\(text)")
        let nonFinite = TrainingStop.nonFinite(.nonFinite(iteration: 3, what: "loss", learningRate: 10, clipping: .none))
        #expect(nonFinite.learningRate == 10)
        #expect(
            nonFinite.explanation(settingLearningRate: { "--lr \($0)" }, turningClippingOn: "--clip 5", failedRates: [1])
                .contains("try --lr 0.1 (1 blew up too)"))
    }
}
