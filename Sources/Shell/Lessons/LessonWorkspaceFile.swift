import CharRNN
import Foundation
import Rendering

// A lesson's workspace on disk: `~/.charrnn/lessons/NAME/workspace.safetensors`, one checkpoint
// written atomically (a temporary file, then a rename). The tensors are a full checkpoint (the
// weights, the optimizer state, the position in the text and the generator); its metadata holds
// the settings and the corpus name as `save` writes them, and `charrnn.workspace`: what the
// checkpoint does not say (the text, the step cursor, the loss history and what the lesson read
// last), as base64 JSON. A file that is corrupt, huge or crafted is refused with one reason;
// every size is checked before anything is made from it.

/// What a lesson's workspace holds besides the checkpoint (the `charrnn.workspace` metadata).
struct LessonWorkspaceRecord: Codable {
    /// The format of this record; another is refused.
    var version = 1
    /// `hello`, a corpus of the library by name, or the text itself (`corpusText`).
    var corpusName: String
    /// The text, for a corpus that is neither `hello` nor in the library (nil otherwise).
    var corpusText: String?
    /// The step cursor's t.
    var position: Int
    /// The loss history, flat: iteration, loss and validation loss (−1: not measured) per point.
    var history: [Double]
    /// The last `sample`'s text.
    var lastSample: String?
    /// The last `update`: loss before, after, and its steps.
    var lastUpdate: [Double]?
    /// The last foreground `train`: iterations and seconds.
    var lastTraining: [Double]?
    /// The samples foreground `train` printed, by iteration (at most ``maximumSamples``).
    var trainingSamples: [Int: String]?

    /// The current format.
    static let currentVersion = 1
    /// The most training samples kept (the latest iterations).
    static let maximumSamples = 64
    /// The most history points kept (the oldest are dropped when saving).
    static let maximumHistory = 100_000
    /// The longest text kept in the record (a longer one is not saved: resuming then replays).
    static let maximumText = 4 << 20
    /// The longest `charrnn.workspace` value written or read (base64), checked before it is decoded.
    static let maximumEncoded = 16 << 20
    /// The largest workspace file read.
    static let maximumFileSize = 1 << 30

    /// JSON with infinite and NaN losses written as strings (a blow-up is part of the history).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
    /// Reads what ``encoder`` writes.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

/// Why a saved workspace cannot be used (one line).
struct LessonWorkspaceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Session {
    /// Where the workspace of the lesson written in `file` is saved.
    func lessonWorkspacePath(for file: String) -> String {
        lessonSandbox(for: file).workFolder + "/workspace.safetensors"
    }

    /// Writes the workspace now in the session as the lesson's (atomically). Throws one line.
    func writeLessonWorkspace(for file: String) throws(LessonWorkspaceError) {
        let sandbox = lessonSandbox(for: file)
        do { _ = try sandbox.makeWorkFolder() } catch { throw LessonWorkspaceError(error.reason) }
        let corpus = workspace.corpus
        let named = corpus.name == "hello" && corpus.text == "hello" || library.path(of: corpus.name) != nil
        guard named || corpus.text.utf8.count <= LessonWorkspaceRecord.maximumText else {
            throw LessonWorkspaceError("the text \(corpus.name) is too long to keep with the lesson")
        }
        let context = lessonContext
        let record = LessonWorkspaceRecord(
            corpusName: corpus.name, corpusText: named ? nil : corpus.text, position: stepping.position,
            history: training.history.suffix(LessonWorkspaceRecord.maximumHistory).flatMap {
                [Double($0.iteration), $0.loss, $0.validation ?? -1]
            },
            lastSample: context.lastSample, lastUpdate: context.lastUpdate.map { [$0.before, $0.after, Double($0.steps)] },
            lastTraining: context.lastTraining.map { [Double($0.iterations), $0.seconds] },
            trainingSamples: Dictionary(
                uniqueKeysWithValues: context.trainingSamples.sorted { $0.key < $1.key }
                    .suffix(LessonWorkspaceRecord.maximumSamples).filter { $0.value.utf8.count <= 1 << 16 }))
        let json: Data
        do { json = try LessonWorkspaceRecord.encoder.encode(record) } catch { throw LessonWorkspaceError("\(error)") }
        let encoded = json.base64EncodedString()
        guard encoded.utf8.count <= LessonWorkspaceRecord.maximumEncoded else {
            throw LessonWorkspaceError("the text and history of \(corpus.name) are too long to keep with the lesson")
        }
        var extra = checkpointMetadata()
        extra["charrnn.workspace"] = encoded
        let checkpoint = Checkpoint(
            model: workspace.trainer.model, training: TrainingState(trainer: workspace.trainer, generator: workspace.generator),
            extra: extra)
        let path = lessonWorkspacePath(for: file)
        do { try checkpoint.write(path: path, force: true) } catch { throw LessonWorkspaceError(String(describing: error)) }
    }

    /// The workspace saved for the lesson written in `file`: nil when there is none, an error when
    /// it cannot be used. Nothing in the session changes.
    func readLessonWorkspace(for lessonFile: String) throws(LessonWorkspaceError) -> SetAsideWorkspace? {
        let path = lessonWorkspacePath(for: lessonFile)
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else { throw LessonWorkspaceError("\(path) is not a regular file") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.read(path: path, maximumFileSize: LessonWorkspaceRecord.maximumFileSize) } catch {
            throw LessonWorkspaceError(String(describing: error))
        }
        guard let training = checkpoint.training else { throw LessonWorkspaceError("\(path) has no training state") }
        guard let encoded = checkpoint.extra["charrnn.workspace"], encoded.utf8.count <= LessonWorkspaceRecord.maximumEncoded,
            let json = Data(base64Encoded: encoded),
            let record = try? LessonWorkspaceRecord.decoder.decode(LessonWorkspaceRecord.self, from: json)
        else { throw LessonWorkspaceError("\(path) has no readable workspace record") }
        guard record.version == LessonWorkspaceRecord.currentVersion else {
            throw LessonWorkspaceError("\(path) is of another format (\(record.version))")
        }
        guard record.history.count <= 3 * LessonWorkspaceRecord.maximumHistory, record.history.count % 3 == 0,
            (record.corpusText?.utf8.count ?? 0) <= LessonWorkspaceRecord.maximumText,
            (record.lastSample?.utf8.count ?? 0) <= LessonWorkspaceRecord.maximumText,
            (record.trainingSamples?.count ?? 0) <= LessonWorkspaceRecord.maximumSamples,
            record.trainingSamples?.values.allSatisfy({ $0.utf8.count <= 1 << 16 }) ?? true
        else { throw LessonWorkspaceError("\(path) holds more than a workspace keeps") }

        // The text: the model's vocabulary must cover it (as for `load`).
        let model = checkpoint.model
        let libraryPath = library.path(of: record.corpusName)
        guard record.corpusText != nil || record.corpusName == "hello" || libraryPath != nil else {
            throw LessonWorkspaceError("its text \(safeText(record.corpusName)) is not among the corpora")
        }
        var corpus: Corpus
        do {
            if let text = record.corpusText {
                corpus = try Corpus(name: record.corpusName, text: text, vocabulary: model.vocabulary)
            } else if let libraryPath {
                corpus = try Corpus.load(path: libraryPath, name: record.corpusName, order: .sorted)
            } else {
                corpus = Session.helloCorpus()
            }
            if corpus.vocabulary != model.vocabulary {
                corpus = try Corpus(name: corpus.name, text: corpus.text, vocabulary: model.vocabulary)
            }
        } catch {
            throw LessonWorkspaceError("its model does not fit its text: \(error)")
        }

        // The settings: as `save` wrote them, then what the model and its trainer say. Where
        // checkpoints go is kept only when it is inside the lesson's work folder; the memory
        // budget is the machine's.
        var settings = Settings()
        for spec in SettingSpec.all where !["checkpoint-every", "checkpoint-file", "memory-budget"].contains(spec.name) {
            if let text = checkpoint.extra["charrnn.setting.\(spec.name)"] { try? spec.apply(text, &settings) }
        }
        if let file = checkpoint.extra["charrnn.setting.checkpoint-file"],
            let work = LessonSandbox.realPath(lessonSandbox(for: lessonFile).workFolder),
            let folder = LessonSandbox.realPath(URL(fileURLWithPath: file).deletingLastPathComponent().path),
            LessonSandbox.isInside(folder, work)
        {
            for name in ["checkpoint-file", "checkpoint-every"] {
                if let text = checkpoint.extra["charrnn.setting.\(name)"],
                    let spec = SettingSpec.all.first(where: { $0.name == name })
                {
                    try? spec.apply(text, &settings)
                }
            }
        }
        settings.take(model.shape)
        settings.take(training.trainer.configuration)
        var trainer = training.trainer
        trainer.model = model
        do { try trainer.attach(trainingCount: corpus.training.count) } catch {
            throw LessonWorkspaceError("its batch and seq do not fit its text: \(error)")
        }

        // The cursor, the history and what the lesson read.
        guard (0...max(0, corpus.indices.count - 1)).contains(record.position) else {
            throw LessonWorkspaceError("its step cursor t = \(record.position) is outside its text")
        }
        var history: [LossPoint] = []
        history.reserveCapacity(record.history.count / 3)
        for start in stride(from: 0, to: record.history.count, by: 3) {
            let iteration = record.history[start], loss = record.history[start + 1], validation = record.history[start + 2]
            guard iteration.isFinite, abs(iteration) < 1e15 else {
                throw LessonWorkspaceError("its loss history is not readable")
            }
            history.append(LossPoint(iteration: Int(iteration), loss: loss, validation: validation >= 0 ? validation : nil))
        }
        var cursor = StepCursor()
        cursor.position = record.position
        let update = record.lastUpdate.flatMap { u in
            u.count == 3 && u[2].isFinite && abs(u[2]) < 1e9 ? (before: u[0], after: u[1], steps: Int(u[2])) : nil
        }
        let lastTraining = record.lastTraining.flatMap { t in
            t.count == 2 && t[0].isFinite && abs(t[0]) < 1e15 ? (iterations: Int(t[0]), seconds: t[1]) : nil
        }
        return SetAsideWorkspace(
            workspace: Workspace(
                settings: settings, corpus: corpus, trainer: trainer,
                generator: training.generator ?? SplitMix64(seed: settings.seed)),
            stepping: cursor, history: history, lastUpdate: update, lastSample: record.lastSample, lastTraining: lastTraining,
            trainingSamples: record.trainingSamples ?? [:])
    }
}
