import CharRNN
import Foundation
import Rendering

// Leaving the shell while training runs in the background (`quit`, Ctrl-D, the end of a script or
// a pipe): the training is never lost silently. At a terminal the learner is asked (y: quit
// without saving, n: keep training, save: save it and quit); the question is an ordinary
// `Console.readLine`, so it works with readline and with any other console. Without a terminal
// nobody can answer: the job is stopped, saved to a named file under `~/.charrnn/saved/`
// (atomically, as every checkpoint) and the shell says where.

extension Session {
    /// Called when the learner leaves (`quit`, Ctrl-D, end of input). With no background job it
    /// returns true at once. Otherwise it asks (at a terminal) or stops and saves (elsewhere), and
    /// returns whether the shell may end: false when the learner chose to keep training.
    func leaveBackgroundTraining() -> Bool {
        collectFinishedJob()
        guard let job = training.job else { return true }
        guard output.console.isInteractive else {
            stopAndSaveBackground(job)
            return true
        }
        let status = job.currentStatus
        let words = shellWords
        let position =
            words(.atIteration, String(job.startIteration + status.iterations))
            + (status.loss.isFinite ? words(.lossIs, String(format: "%.4f", status.loss)) : "")
        output.line(words(.quitWhileTraining, position))
        let question = words(.quitQuestion)
        while true {
            guard let reply = output.console.readLine(prompt: question) else {
                // The input ended again (Ctrl-D): nobody is left to answer, so keep the work.
                stopAndSaveBackground(job)
                return true
            }
            switch reply.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y", "yes":
                job.stopRequested.store(true, ordering: .relaxed)
                adopt(job)
                output.line(words(.quitStopped, String(workspace.trainer.iteration)))
                return true
            case "n", "no":
                output.line(words(.quitKeepsTraining))
                return false
            case "s", "save":
                stopAndSaveBackground(job)
                return true
            default:
                output.line(words(.quitTypeAnswer))
            }
        }
    }

    /// Stops `job`, takes its weights and saves the model with its training state to a new file
    /// under `~/.charrnn/saved/`, saying where (or why it could not).
    func stopAndSaveBackground(_ job: TrainingJob) {
        job.stopRequested.store(true, ordering: .relaxed)
        adopt(job)
        let trainer = workspace.trainer
        let path = savedTrainingPath(iteration: trainer.iteration)
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: workspace.generator),
            extra: checkpointMetadata())
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try checkpoint.write(path: path)
            output.line(
                shellWords(
                    .backgroundSaved, String(trainer.iteration),
                    training.history.last.map { shellWords(.lossIs, String(format: "%.4f", $0.loss)) } ?? "", path))
        } catch {
            output.error(
                shellWords(.backgroundNotSaved, String(trainer.iteration), path, safeText(String(describing: error))))
        }
    }

    /// `~/.charrnn/saved/CORPUS-iteration-N-YYYYMMDD-HHMMSS.safetensors` (beside the progress file's
    /// `lessons/` folder), with a number added if that name is taken.
    func savedTrainingPath(iteration: Int, date: Date = Date()) -> String {
        let folder = URL(fileURLWithPath: lessonContext.workRoot).deletingLastPathComponent().appendingPathComponent("saved").path
        let corpus = String(
            workspace.corpus.name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }
                .prefix(40))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stem = "\(folder)/\(corpus.isEmpty ? "model" : corpus)-iteration-\(iteration)-\(formatter.string(from: date))"
        var path = stem + ".safetensors"
        var number = 2
        while FileManager.default.fileExists(atPath: path) {
            path = "\(stem)-\(number).safetensors"
            number += 1
        }
        return path
    }
}
