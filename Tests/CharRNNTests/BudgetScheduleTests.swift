import Foundation
import Testing

@testable import CharRNN

/// `BudgetSchedule`: the learning rate's warm-up and annealing over a run's budget.
@Suite struct BudgetScheduleTests {
    @Test func constantIsOneEverywhere() {
        for p in [-1.0, 0, 0.3, 1, 2] { #expect(BudgetSchedule.constant.factor(progress: p) == 1) }
        #expect(BudgetSchedule(warmup: 0, annealing: .constant, floor: 0).factor(progress: 0.9) == 1)
    }

    @Test func warmUpRisesLinearlyFromZeroToTheFullRate() {
        let schedule = BudgetSchedule(warmup: 0.1, annealing: .constant)
        #expect(schedule.factor(progress: 0) == 0)
        #expect(abs(schedule.factor(progress: 0.025) - 0.25) < 1e-12)
        #expect(abs(schedule.factor(progress: 0.05) - 0.5) < 1e-12)
        #expect(schedule.factor(progress: 0.1) == 1)
        #expect(schedule.factor(progress: 0.7) == 1)
    }

    @Test func linearAndCosineFallFromTheEndOfTheWarmUpToTheFloor() {
        let linear = BudgetSchedule(warmup: 0.2, annealing: .linear, floor: 0)
        let cosine = BudgetSchedule(warmup: 0.2, annealing: .cosine, floor: 0)
        // q = (p − 0.2) / 0.8: p = 0.2 → q = 0, p = 0.4 → 0.25, p = 0.6 → 0.5, p = 1 → 1.
        #expect(linear.factor(progress: 0.2) == 1 && cosine.factor(progress: 0.2) == 1)
        #expect(abs(linear.factor(progress: 0.4) - 0.75) < 1e-12)
        #expect(abs(cosine.factor(progress: 0.4) - (1 + cos(Double.pi / 4)) / 2) < 1e-12)  // ≈ 0.854
        #expect(abs(linear.factor(progress: 0.6) - 0.5) < 1e-12 && abs(cosine.factor(progress: 0.6) - 0.5) < 1e-12)
        #expect(abs(linear.factor(progress: 1)) < 1e-12 && abs(cosine.factor(progress: 1)) < 1e-12)
        #expect(abs(linear.factor(progress: 5)) < 1e-12)  // past the end: clamped
        // A floor: the rate ends at floor × lr, and the warm-up is unchanged.
        let floored = BudgetSchedule(warmup: 0.2, annealing: .linear, floor: 0.1)
        #expect(abs(floored.factor(progress: 1) - 0.1) < 1e-12 && abs(floored.factor(progress: 0.6) - 0.55) < 1e-12)
        #expect(abs(floored.factor(progress: 0.1) - 0.5) < 1e-12)
        // Cosine never rises after the warm-up.
        var previous = 1.0
        for i in 0...100 {
            let f = cosine.factor(progress: 0.2 + 0.8 * Double(i) / 100)
            #expect(f <= previous + 1e-15)
            previous = f
        }
    }
}
