// The models the lessons load from lessons/checkpoints/: they read, carry no optimizer state
// (model only: small, and a lesson starts a fresh optimizer), and fit the text they were made for.
//
// The same file holds the helper that wrote them from a training checkpoint, run on purpose:
//
//     CHARRNN_STRIP_CHECKPOINT='/tmp/c-900.safetensors lessons/checkpoints/cells-c-lstm256.safetensors' \
//         swift test --filter LessonCheckpointTests
//
// It keeps the weights and the metadata, drops the optimizer moments and the hidden state of the
// training streams, and stores the settings the model was trained with as `charrnn.setting.*`, so
// that `load` in the shell sets them (and further training goes on as it was trained).

import CharRNN
import Foundation
import Testing

@testable import Shell

/// The package's `lessons/checkpoints/` directory.
let lessonCheckpointsDirectory: String = URL(fileURLWithPath: lessonsDirectory).appendingPathComponent("checkpoints").path

@Suite struct LessonCheckpointTests {
    /// Every model file in lessons/checkpoints/.
    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lessonCheckpointsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }

    @Test func lessonCheckpointsAreModelsOnly() throws {
        for name in LessonCheckpointTests.files {
            let checkpoint = try Checkpoint.read(path: lessonCheckpointsDirectory + "/" + name)
            #expect(checkpoint.training == nil, "\(name) carries training state: strip it (see this file)")
            #expect(checkpoint.extra["charrnn.corpus"] != nil, "\(name) does not say which corpus it was trained on")
        }
    }

    /// The cells lesson's model: an LSTM 256 trained on the C corpus, whose vocabulary covers it.
    @Test func cellsModelFitsTheCCorpus() throws {
        let path = lessonCheckpointsDirectory + "/cells-c-lstm256.safetensors"
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.model.shape.cell == .lstm)
        #expect(checkpoint.model.shape.hiddenSize == 256)
        let text = try String(contentsOfFile: corporaDirectory + "/c.txt", encoding: .utf8)
        #expect(throws: Never.self) { _ = try checkpoint.model.vocabulary.encode(String(text.prefix(100_000))) }
    }

    /// Writes a model-only copy of a training checkpoint (see the top of this file). Runs only
    /// when asked.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHARRNN_STRIP_CHECKPOINT"] != nil))
    func stripTrainingState() throws {
        let paths = ProcessInfo.processInfo.environment["CHARRNN_STRIP_CHECKPOINT"]!.split(separator: " ").map(String.init)
        try #require(paths.count == 2, "CHARRNN_STRIP_CHECKPOINT='IN OUT'")
        let source = try Checkpoint.read(path: paths[0])
        let training = try #require(source.training, "\(paths[0]) has no training state to strip")
        var extra = source.extra
        let c = training.trainer.configuration
        extra["charrnn.corpus"] = extra["charrnn.corpus"] ?? "c"
        extra["charrnn.trained_iterations"] = String(training.trainer.iteration)
        extra["charrnn.setting.optimizer"] = c.optimizer.rawValue
        extra["charrnn.setting.lr"] = String(c.learningRate)
        extra["charrnn.setting.batch"] = String(c.batchSize)
        extra["charrnn.setting.seq"] = String(c.sequenceLength)
        extra["charrnn.setting.clip"] = {
            switch c.clipping {
            case .none: return "none"
            case .value(let v): return String(v)
            case .norm(let v): return "norm:\(v)"
            }
        }()
        extra["charrnn.setting.init"] = "pytorch"
        let stripped = Checkpoint(model: source.model, training: nil, extra: extra)
        try stripped.write(path: paths[1])
        let back = try Checkpoint.read(path: paths[1])
        #expect(back.model == source.model)
        #expect(back.training == nil)
    }
}
