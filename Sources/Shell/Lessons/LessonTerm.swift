import CharRNN
import Foundation
import Lessons
import Rendering

// The session as a lesson's executor: it runs the lesson's commands, evaluates its gate
// conditions and gives the values its prose shows (`{{loss 1}}`), all from the learner's own
// state. The conditions and values are declared once, in `LessonTerm.all`; `lessons/README.md`
// lists them from there.

// MARK: - Conditions and values

/// Why a condition or value could not be evaluated: one line for the learner or the author.
struct LessonTermError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// One condition (`gate:`) or value (`{{...}}`) the shell understands, declared once: its fixed
/// words, the arguments after them, its documentation, and how to evaluate it.
struct LessonTerm: Sendable {
    enum Kind: Sendable { case condition, value }
    /// How many arguments follow the fixed words.
    enum Arity: Sendable {
        case none, one, two, many
        func accepts(_ count: Int) -> Bool {
            switch self {
            case .none: return count == 0
            case .one: return count == 1
            case .two: return count == 2
            case .many: return count >= 1
            }
        }
    }
    let kind: Kind
    /// The words that name it: `["loss", "before", "update"]`.
    let words: [String]
    let arity: Arity
    /// How it is written in `lessons/README.md`: `loss t`.
    let usage: String
    let doc: String
    /// The condition's truth (as "true"/"false") or the value's text.
    let evaluate: @Sendable (Session, [String]) throws(LessonTermError) -> String

    static func condition(
        _ usage: String, _ arity: Arity = .none, _ doc: String,
        _ check: @escaping @Sendable (Session, [String]) throws(LessonTermError) -> Bool
    ) -> LessonTerm {
        LessonTerm(
            kind: .condition, words: fixedWords(usage), arity: arity, usage: usage, doc: doc,
            evaluate: { session, arguments throws(LessonTermError) in try check(session, arguments) ? "true" : "false" })
    }

    static func value(
        _ usage: String, _ arity: Arity = .none, _ doc: String,
        _ value: @escaping @Sendable (Session, [String]) throws(LessonTermError) -> String
    ) -> LessonTerm {
        LessonTerm(kind: .value, words: fixedWords(usage), arity: arity, usage: usage, doc: doc, evaluate: value)
    }

    /// The words of a usage before its first argument (an argument is written in capitals, `t`
    /// or `C…`; the first word is always part of the name).
    private static func fixedWords(_ usage: String) -> [String] {
        let words = usage.split(separator: " ").map(String.init)
        return Array(words.prefix(1) + words.dropFirst().prefix { $0 != "t" && $0 != "C…" && $0.uppercased() != $0 })
    }

    /// The term `text` names, and its arguments: the longest matching fixed words first.
    static func match(_ text: String, kind: Kind) throws(LessonTermError) -> (LessonTerm, [String]) {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { throw LessonTermError("empty \(kind == .condition ? "condition" : "value")") }
        let candidates = all.filter { $0.kind == kind }.sorted { $0.words.count > $1.words.count }
        for term in candidates where words.count >= term.words.count && Array(words.prefix(term.words.count)) == term.words {
            let arguments = Array(words.dropFirst(term.words.count))
            if term.arity.accepts(arguments.count) { return (term, arguments) }
        }
        let what = kind == .condition ? "condition" : "value"
        let near = nearest(text, among: candidates.map(\.usage))
        throw LessonTermError(
            "unknown \(what) \"\(text)\"" + didYouMean(near) + " (lessons/README.md lists the \(what)s)")
    }
}

extension LessonTerm {
    /// Every condition and value, in the order `lessons/README.md` lists them.
    static let all: [LessonTerm] =
        [
            // Conditions
            .condition(
                "predicts C…", .many,
                "the current weights, run over the text from h_0 = 0, predict (argmax p_t) these characters at steps 1, 2, …: `predicts e l l o`"
            ) { session, characters throws(LessonTermError) in
                try session.predictions(count: characters.count).elementsEqual(characters) { $0 == $1 }
            },
            .condition("loss below X", .one, "the latest training loss (`loss`) is below X") {
                session, arguments throws(LessonTermError) in
                guard let last = session.currentHistory.last else { return false }
                return last.loss < (try lessonNumber(arguments[0], "X"))
            },
            .condition("trained at least N", .one, "the model has trained at least N iterations") {
                session, arguments throws(LessonTermError) in
                session.currentTrainer.iteration >= (try lessonInteger(arguments[0], "N"))
            },
            .condition(
                "trained until N", .one,
                "the model has reached iteration N, as `train --until N` leaves it (a Ctrl-C before does not count): "
                    + "a gate for a long `train`; under test, where a lesson's training is cut short, it holds"
            ) { session, arguments throws(LessonTermError) in
                session.currentTrainer.iteration >= (try lessonInteger(arguments[0], "N")) || session.lessonTrainingIsLimited
            },
            .condition("stepped N", .one, "the step cursor is at t ≥ N") { session, arguments throws(LessonTermError) in
                session.stepping.position >= (try lessonInteger(arguments[0], "N"))
            },
            .condition("backward done", .none, "a backward pass over the stepped text exists for the current weights") {
                session, _ in
                session.stepping.backwardState != nil
            },
            .condition("backstepped", .none, "`backstep` has walked the last backward pass back to t = 1") { session, _ in
                session.stepping.backwardState?.next == 0
            },
            .condition("updated", .none, "an `update` has run in this session") { session, _ in
                session.lessonContext.lastUpdate != nil
            },
            .condition("sampled", .none, "a `sample` has run in this session") { session, _ in
                session.lessonContext.lastSample != nil
            },
            .condition("corpus NAME", .one, "the current text is NAME") { session, arguments in
                session.workspace.corpus.name == arguments[0]
            },
            .condition("cell NAME", .one, "the model's cell is NAME (rnn, lstm, gru)") { session, arguments in
                session.model.shape.cell.rawValue == arguments[0]
            },
            .condition("training", .none, "training runs in the background") { session, _ in
                session.collectFinishedJob()
                return session.training.job != nil
            },
            .condition("not CONDITION", .many, "the condition does not hold: `not training`") {
                session, arguments throws(LessonTermError) in
                !(try session.evaluateCondition(arguments.joined(separator: " ")))
            },
            // Values
            .value("vocab", .none, "the vocabulary in order: [h, e, l, o]") { session, _ in
                "[" + session.vocabularyLabels.joined(separator: ", ") + "]"
            },
            .value("vocab size", .none, "V, the number of characters") { session, _ in String(session.model.shape.vocabularySize)
            },
            .value("hidden size", .none, "H, the hidden units") { session, _ in String(session.model.shape.hiddenSize) },
            .value("text", .none, "the current text (its first 60 characters)") { session, _ in
                String(session.workspace.corpus.text.prefix(60))
            },
            .value("corpus", .none, "the current text's name") { session, _ in session.workspace.corpus.name },
            .value("cell", .none, "the model's cell") { session, _ in session.model.shape.cell.rawValue },
            .value("t", .none, "the step cursor: how many characters `step` has read") { session, _ in
                String(session.stepping.position)
            },
            .value("x t", .one, "the one-hot input x_t (from the text; no step needed)") {
                session, arguments throws(LessonTermError) in
                let t = try session.textStep(arguments[0])
                var x = [Float](repeating: 0, count: session.model.shape.vocabularySize)
                x[session.workspace.corpus.indices[t - 1]] = 1
                return "[" + x.map { String(Int($0)) }.joined(separator: ", ") + "]"
            },
            .value("h t", .one, "the hidden state h_t of the stepped text") { session, arguments throws(LessonTermError) in
                let (cache, t) = try session.steppedStep(arguments[0])
                return session.listed(cache.hidden(layer: cache.layers.count - 1, step: t - 1))
            },
            .value("y t", .one, "the logits y_t, labelled by character") { session, arguments throws(LessonTermError) in
                let (cache, t) = try session.steppedStep(arguments[0])
                return session.labelled(cache.slice(cache.logits, step: t - 1, width: cache.shape.vocabularySize))
            },
            .value("p t", .one, "the probabilities p_t = softmax(y_t), labelled by character") {
                session, arguments throws(LessonTermError) in
                let (cache, t) = try session.steppedStep(arguments[0])
                return session.labelled(
                    cache.slice(cache.probabilities, step: t - 1, width: cache.shape.vocabularySize), decimals: 3)
            },
            .value("p t C", .two, "p_t of the character C") { session, arguments throws(LessonTermError) in
                let (cache, t) = try session.steppedStep(arguments[0])
                guard let v = session.vocabularyLabels.firstIndex(of: arguments[1]) else {
                    throw LessonTermError("'\(arguments[1])' is not in the vocabulary")
                }
                return String(format: "%.3f", cache.probabilities[(t - 1) * cache.shape.vocabularySize + v])
            },
            .value("target t", .one, "the character step t should predict") { session, arguments throws(LessonTermError) in
                let t = try session.textStep(arguments[0])
                return session.vocabularyLabels[session.workspace.corpus.indices[t]]
            },
            .value("loss t", .one, "loss_t = −ln p_t[target] of the stepped text") { session, arguments throws(LessonTermError) in
                let (cache, t) = try session.steppedStep(arguments[0])
                return fixed(Double(cache.losses[t - 1]))
            },
            .value("total loss", .none, "Σ loss_t over the stepped text") { session, _ throws(LessonTermError) in
                fixed(try session.steppedCache().totalLoss)
            },
            .value("mean loss", .none, "the mean loss per step of the stepped text") { session, _ throws(LessonTermError) in
                fixed(try session.steppedCache().meanLoss)
            },
            .value("uniform loss", .none, "ln V: the loss per step of a model that gives every character 1/V") { session, _ in
                fixed(log(Double(session.model.shape.vocabularySize)))
            },
            .value(
                "predictions", .none,
                "what the current weights predict (argmax) at each step of the text from h_0 = 0: e, l, l, l"
            ) {
                session, _ throws(LessonTermError) in
                try session.predictions(count: min(session.maximumPosition, 20)).joined(separator: ", ")
            },
            .value("dy t", .one, "dy_t = p_t − onehot(target) of the last backward pass") {
                session, arguments throws(LessonTermError) in
                guard let state = session.stepping.backwardState else {
                    throw LessonTermError("no backward pass yet: type backward")
                }
                let t = try lessonInteger(arguments[0], "t")
                guard (1...state.cache.steps).contains(t) else {
                    throw LessonTermError("t must be from 1 to \(state.cache.steps)")
                }
                let V = state.cache.shape.vocabularySize
                return session.labelled(state.cache.slice(state.trace.dLogits, step: t - 1, width: V), decimals: 3)
            },
            .value("gradient norm", .none, "‖g‖ of the last backward pass, before clipping") {
                session, _ throws(LessonTermError) in
                guard let state = session.stepping.backwardState else {
                    throw LessonTermError("no backward pass yet: type backward")
                }
                return fixed(state.norm)
            },
            .value("loss before update", .none, "the summed loss of the stepped text before the last `update`") {
                session, _ throws(LessonTermError) in
                guard let record = session.lessonContext.lastUpdate else { throw LessonTermError("no update yet: type update") }
                return fixed(record.before)
            },
            .value("loss after update", .none, "the same, after it (same text, new weights)") {
                session, _ throws(LessonTermError) in
                guard let record = session.lessonContext.lastUpdate else { throw LessonTermError("no update yet: type update") }
                return fixed(record.after)
            },
            .value("loss", .none, "the latest training loss: the mean loss per character of the last training iteration") {
                session, _ throws(LessonTermError) in
                guard let last = session.currentHistory.last else { throw LessonTermError("no training yet: train first") }
                return fixed(last.loss)
            },
            .value(
                "first loss", .none,
                "the loss of the first training iteration, computed before its update: the loss before training"
            ) {
                session, _ throws(LessonTermError) in
                guard let first = session.currentHistory.first else { throw LessonTermError("no training yet: train first") }
                return fixed(first.loss)
            },
            .value("iterations", .none, "the training iterations so far") { session, _ in String(session.currentTrainer.iteration)
            },
            .value("lr", .none, "the learning rate") { session, _ in formatPlain(session.workspace.settings.learningRate) },
            .value("optimizer", .none, "the optimizer") { session, _ in session.workspace.settings.optimizer.rawValue },
            .value("temperature", .none, "the sampling temperature setting") { session, _ in
                formatPlain(session.workspace.settings.temperature)
            },
            .value("sample", .none, "the text the last `sample` wrote") { session, _ throws(LessonTermError) in
                guard let sample = session.lessonContext.lastSample else { throw LessonTermError("no sample yet: type sample") }
                return sample
            },
            // Watching training (lessons shakespeare, c-code, latex)
            .condition("val loss below X", .one, "the latest validation loss (`val loss`) is below X") {
                session, arguments throws(LessonTermError) in
                guard let last = session.latestValidation else { return false }
                return last < (try lessonNumber(arguments[0], "X"))
            },
            .condition(
                "sample contains TEXT", .many,
                "the text the last `sample` wrote contains TEXT (words joined by one space; \\n is a new line): `sample contains :\\n`"
            ) { session, arguments in
                let text = arguments.joined(separator: " ").replacingOccurrences(of: "\\n", with: "\n")
                return session.lessonContext.lastSample?.contains(text) ?? false
            },
            .condition(
                "sample at N contains TEXT", .many,
                "the sample `train` printed after iteration N contains TEXT (\\n: a new line, \\s: a space); "
                    + "`sample at N matches PATTERN`: a line of it matches the regular expression PATTERN; "
                    + "`sample at 300,500 …`: one of those samples does"
            ) { session, arguments throws(LessonTermError) in
                guard arguments.count >= 3, arguments[1] == "contains" || arguments[1] == "matches" else {
                    throw LessonTermError("write: sample at N contains TEXT, or sample at N matches PATTERN")
                }
                var samples: [String] = []  // those printed (a sample past where a test cut training is skipped)
                for word in arguments[0].split(separator: ",", omittingEmptySubsequences: false) {
                    if let sample = try session.trainingSample(at: try lessonInteger(String(word), "N")) { samples.append(sample) }
                }
                let rest = arguments.dropFirst(2).joined(separator: " ")
                let holds: (String) -> Bool
                if arguments[1] == "contains" {
                    let text = rest.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\s", with: " ")
                    holds = { $0.contains(text) }
                } else {
                    guard let expression = try? NSRegularExpression(pattern: rest, options: [.anchorsMatchLines]) else {
                        throw LessonTermError("PATTERN is not a regular expression: \(rest)")
                    }
                    holds = { expression.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
                }
                return samples.isEmpty || samples.contains(where: holds)
            },
            .condition(
                "at iteration N CONDITION", .many,
                "CONDITION, for a claim about the model after N iterations (`at iteration 2000 gradient ratio 25 below 0.2`): "
                    + "the model must be at iteration N; under test, training cut before N skips the check"
            ) { session, arguments throws(LessonTermError) in
                guard arguments.count >= 2 else { throw LessonTermError("write: at iteration N CONDITION") }
                let iteration = try lessonInteger(arguments[0], "N")
                let claim = arguments.dropFirst().joined(separator: " ")
                _ = try LessonTerm.match(claim, kind: .condition)  // a misspelt claim fails even when it is skipped
                guard try session.modelIsAt(iteration: iteration, claim: claim) else { return true }
                return try session.evaluateCondition(claim)
            },
            .value(
                "time to iteration N", .one,
                "how long training from the current iteration to iteration N takes here, from a few iterations timed now: `about {{time to iteration 700}}`"
            ) { session, arguments throws(LessonTermError) in
                let target = try lessonInteger(arguments[0], "N")
                return session.shellWords.duration(session.estimatedTrainingSeconds(until: target))
            },
            .value(
                "val loss", .none,
                "the latest validation loss: nats per character on the held-out text (train measures it every val-every iterations and at the end)"
            ) {
                session, _ throws(LessonTermError) in
                guard let loss = session.latestValidation else {
                    throw LessonTermError("no validation loss yet: train (with val-every above 0) first")
                }
                return fixed(loss)
            },
            .value("train seconds", .none, "how long the last `train` took, in seconds (one decimal)") {
                session, _ throws(LessonTermError) in
                guard let last = session.lastTraining else { throw LessonTermError("no train yet: train first") }
                return String(format: "%.1f", last.seconds)
            },
            .value("train iterations", .none, "how many iterations the last `train` did") { session, _ throws(LessonTermError) in
                guard let last = session.lastTraining else { throw LessonTermError("no train yet: train first") }
                return String(last.iterations)
            },
            .value("parameters", .none, "the number of weights and biases in the model") { session, _ in
                String(session.model.parameterCount)
            },
            .value("layers", .none, "the number of stacked recurrent layers") { session, _ in String(session.model.shape.layers)
            },
            .value(
                "checkpoint FILE KEY", .two,
                "how the model in FILE was trained, from its metadata (`charrnn.trained.KEY`): KEY is iterations, batch, "
                    + "seq, lr, optimizer, clip, initialization, seed, corpus, cell, hidden, layers or command; "
                    + "`trained` gives one line of them"
            ) { session, arguments throws(LessonTermError) in
                let extra: [String: String]
                do { extra = try Checkpoint.read(path: arguments[0]).extra } catch {
                    throw LessonTermError(String(describing: error))
                }
                return try checkpointProvenance(extra, arguments[1])
            },
        ] + analysisTerms  // Session+LessonAnalysis.swift: cells, gradient flow, validation loss
        + Session.hangulTerms  // Session+LessonHangul.swift: units, rare syllables, the output layer's share
        + curveTerms  // Session+LessonCurveChecks.swift: validation curves and primed samples (c-code, latex)

    /// The conditions and values, one per line: the authoring reference that `lessons/README.md`
    /// holds verbatim (a test keeps the two the same).
    static var helpText: String {
        func section(_ kind: Kind) -> [String] {
            let terms = all.filter { $0.kind == kind }
            let width = terms.map { displayWidth($0.usage) }.max() ?? 10
            return terms.map { "  " + padded($0.usage, to: width) + "  " + $0.doc }
        }
        return
            (["Conditions a lesson's `gate:` can wait for:"] + section(.condition)
            + ["", "Values a lesson's text can show as {{value}} (numbers from your session):"] + section(.value))
            .joined(separator: "\n")
    }
}

/// What a checkpoint's metadata records of its training (`charrnn.trained.KEY`), or, for `trained`,
/// one line of it: `LSTM 256 × 1, 4000 iterations of 32 streams × 64 characters of shakespeare, …`.
func checkpointProvenance(_ extra: [String: String], _ key: String) throws(LessonTermError) -> String {
    func recorded(_ key: String) throws(LessonTermError) -> String {
        guard let value = extra["charrnn.trained.\(key)"] else {
            throw LessonTermError("the checkpoint does not record charrnn.trained.\(key)")
        }
        return value
    }
    guard key == "trained" else { return try recorded(key) }
    return "\(try recorded("cell").uppercased()) \(try recorded("hidden")) × \(try recorded("layers")), "
        + "\(try recorded("iterations")) iterations of \(try recorded("batch")) streams × \(try recorded("seq")) characters "
        + "of \(try recorded("corpus")), \(try recorded("optimizer") == "adam" ? "Adam" : try recorded("optimizer")) "
        + "lr \(try recorded("lr")), clip \(try recorded("clip")), \(try recorded("initialization")) initialization, "
        + "seed \(try recorded("seed"))"
}

/// Losses and norms as lessons show them: 4 decimals, as `train` and `update` print them.
private func fixed(_ x: Double) -> String { String(format: "%.4f", x) }

/// A lesson term's integer argument, or an error naming it.
func lessonInteger(_ text: String, _ what: String) throws(LessonTermError) -> Int {
    guard let value = Int(text), value >= 0 else { throw LessonTermError("\(what) must be a whole number, not '\(text)'") }
    return value
}

/// A lesson term's number argument, or an error naming it.
func lessonNumber(_ text: String, _ what: String) throws(LessonTermError) -> Double {
    guard let value = Double(text), value.isFinite else { throw LessonTermError("\(what) must be a number, not '\(text)'") }
    return value
}
