import CharRNN
import Foundation
import Testing

/// `charrnn train --warmup --anneal`: the learning rate of every iteration follows the budget
/// schedule over the run's steps, the checkpoint keeps the rate asked for, and bad values are refused.
@Suite(.serialized) struct TrainScheduleTests {
    /// The `learning_rate` of each JSON line, by iteration.
    static func rates(_ output: String) -> [Int: Double] {
        var rates: [Int: Double] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let iteration = object["iteration"] as? Int, let rate = object["learning_rate"] as? Double
            else { continue }
            rates[iteration] = rate
        }
        return rates
    }

    /// A scratch folder with a text, or nil (and an issue recorded) when `charrnn` is not built.
    static func scratch() throws -> BatchCommandTests.Scratch? {
        guard BatchCommandTests.executable != nil else {
            Issue.record("the charrnn executable is not built: swift build first")
            return nil
        }
        return try BatchCommandTests.Scratch()
    }

    @Test func warmUpThenLinearAnnealingOverTheSteps() throws {
        guard let scratch = try Self.scratch() else { return }
        defer { scratch.remove() }
        let save = scratch.path("s.safetensors")
        let result = try BatchCommandTests.run(
            [
                "train", "--text", scratch.text, "--hidden", "8", "--seq", "10", "--lr", "0.1", "--steps", "8",
                "--warmup", "0.25", "--anneal", "linear", "--every", "1", "--json", "--save", save,
            ], in: scratch.directory)
        #expect(result.status == 0, "\(result.error)")
        // Iteration i sets its rate for the share i/8 spent: warm-up to 2/8, then 1 − (i/8 − 1/4)/(3/4).
        let expected = [1: 0.05, 2: 0.1, 3: 0.1 * (1 - 1.0 / 6), 4: 0.1 * (1 - 2.0 / 6), 6: 0.1 * (1 - 4.0 / 6), 8: 0]
        let rates = Self.rates(result.output)
        for (iteration, rate) in expected {
            #expect(abs((rates[iteration] ?? .nan) - rate) < 1e-12, "iteration \(iteration)")
        }
        // The checkpoint keeps the rate asked for (0 would not even load).
        let checkpoint = try Checkpoint.read(path: save)
        #expect(checkpoint.training?.trainer.configuration.learningRate == 0.1)
    }

    @Test func badScheduleValuesAreRefusedInOneLine() throws {
        guard let scratch = try Self.scratch() else { return }
        defer { scratch.remove() }
        for (option, value, message) in [
            ("--anneal", "steep", "--anneal must be linear, cosine or constant, not 'steep'"),
            ("--warmup", "0.9", "warmup"),
        ] {
            let result = try BatchCommandTests.run(
                ["train", "--text", scratch.text, option, value, "--save", scratch.path("x.safetensors")], in: scratch.directory)
            #expect(result.status != 0)
            #expect(result.error.contains(message), "\(result.error)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("x.safetensors")))
        }
    }
}
