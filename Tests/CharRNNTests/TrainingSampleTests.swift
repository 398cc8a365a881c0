import Foundation
import Testing

@testable import CharRNN

/// Samples drawn during training continue a training stream (min-char-rnn's `hprev`): the first
/// stream's carried hidden state, fed the character that stream reads next. They never change
/// the training itself.
@Suite struct TrainingSampleTests {
    @Test func aSampleContinuesTheFirstStreamFromItsCarriedState() throws {
        var loop = try TrainingLoopTests.loop(TrainingSchedule(iterations: 7, sampleAt: [7], sampleLength: 30))
        var seen: TrainingStep?
        let generatorBefore = loop.generator
        _ = loop.run(learningRate: { 0.1 }, shouldStop: { false }) { event, _ in
            if case .iteration(let step) = event, step.sample != nil { seen = step }
        }
        let step = try #require(seen)
        let start = try #require(step.sampleStart)
        #expect(start.stream == 0 && start.iteration == 7)
        // The stream read characters 0 ..< 70 (7 chunks of T = 10); it reads character 70 next.
        let data = Array(loop.data)
        #expect(start.context == Array(data[(70 - SampleStart.contextLength + 1)...70]))
        // By hand: stream 0's slice of the carried state, the next character fed, the same generator.
        let H = loop.trainer.model.shape.hiddenSize
        var state = RecurrentState.zero(loop.trainer.model.shape, batchSize: 1)
        state.hidden[0] = Array(loop.trainer.state.hidden[0][0..<H])
        var generator = generatorBefore
        let expected = loop.trainer.model.sample(
            feeding: [data[70]], from: state, length: 30, options: loop.sampling, using: &generator)
        #expect(step.sample == expected)
        #expect(state.hidden[0].contains { $0 != 0 })  // a carried state, not h_0 = 0
    }

    @Test func theSecondStreamIsItsOwnSliceOfTheState() throws {
        var loop = try TrainingLoopTests.loop(TrainingSchedule(iterations: 3))
        _ = loop.run(learningRate: { 0.1 }, shouldStop: { false }) { _, _ in }
        let H = loop.trainer.model.shape.hiddenSize
        let (state, next, start) = loop.trainer.continuation(stream: 1, of: loop.data)
        #expect(state.batchSize == 1 && state.hidden[0] == Array(loop.trainer.state.hidden[0][H..<(2 * H)]))
        let position = loop.trainer.cursor.streamLength + 30
        #expect(next == Array(loop.data)[position] && start.context.last == next && start.stream == 1)
    }

    @Test func samplingDuringTrainingChangesNothingOfTheTraining() throws {
        var sampling = try TrainingLoopTests.loop(TrainingSchedule(iterations: 12, sampleEvery: 1, sampleLength: 40))
        var plain = try TrainingLoopTests.loop(TrainingSchedule(iterations: 12))
        _ = sampling.run(learningRate: { 0.1 }, shouldStop: { false }) { _, _ in }
        _ = plain.run(learningRate: { 0.1 }, shouldStop: { false }) { _, _ in }
        #expect(sampling.trainer == plain.trainer)  // weights, optimizer, cursor, carried state, dropout generator
    }
}
