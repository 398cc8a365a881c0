import CharRNN
import Foundation

// The hangul lesson's values: the unit a text is read in, how many syllables are rare, and the
// output layer's share of a training iteration (measured now, with the engine's own training step).

extension Session {
    static let hangulTerms: [LessonTerm] = [
        .value("unit", .none, "what one character of the current text is: graphemes, codepoints or jamo") { session, _ in
            session.workspace.corpus.vocabulary.unit.rawValue
        },
        .value("rare syllables N", .one, "how many distinct Hangul syllables the current text has fewer than N times") {
            session, arguments throws(LessonTermError) in
            let limit = try lessonInteger(arguments[0], "N")
            var counts: [Unicode.Scalar: Int] = [:]
            for s in session.workspace.corpus.text.unicodeScalars where Hangul.isSyllable(s) { counts[s, default: 0] += 1 }
            return String(counts.values.filter { $0 < limit }.count)
        },
        .value(
            "output share", .none,
            "the share of a training iteration spent on the output layer and the softmax (W_hy, b_y: V × H), timed now: 41%"
        ) { session, _ in
            "\(Int((session.outputShare() * 100).rounded()))%"
        },
    ]

    /// The fraction of a training iteration's time that the output layer and the softmax take: a
    /// few iterations of a fresh model of the current shape and settings are timed with the
    /// current V and with V = 2 (the same recurrence, almost no output layer); the share is
    /// 1 − t(V = 2) / t(V). The fastest of five iterations counts (the others may be interrupted).
    func outputShare() -> Double {
        let shape = model.shape
        let configuration = workspace.settings.training
        func secondsPerIteration(vocabularySize V: Int) -> Double {
            let characters = (0..<V).map { Character(Unicode.Scalar(0xAC00 + UInt32($0))!) }
            guard let vocabulary = try? Vocabulary(characters: characters) else { return .nan }
            var generator = SplitMix64(seed: 1)
            let model = Model(
                vocabulary: vocabulary, cell: shape.cell, hiddenSize: shape.hiddenSize, layers: shape.layers,
                initialization: .pytorch, using: &generator)
            let count = configuration.batchSize * (configuration.sequenceLength + 1) * 3
            let data = EncodedText((0..<count).map { _ in Int(generator.next() % UInt64(V)) })
            guard var trainer = try? Trainer(model: model, configuration: configuration, trainingCount: count) else { return .nan }
            var workspace = TrainingWorkspace(shape: model.shape)
            var fastest = Double.infinity
            for index in 0...5 {  // the first one (allocations) is not counted
                let start = Date()
                _ = try? trainer.step(on: data, workspace: &workspace)
                if index > 0 { fastest = min(fastest, Date().timeIntervalSince(start)) }
            }
            return fastest
        }
        let full = secondsPerIteration(vocabularySize: shape.vocabularySize)
        let bare = secondsPerIteration(vocabularySize: 2)
        guard full.isFinite, bare.isFinite, full > 0 else { return 0 }
        return min(1, max(0, 1 - bare / full))
    }
}
