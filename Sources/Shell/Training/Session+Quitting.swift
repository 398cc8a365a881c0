import CharRNN
import Foundation
import Rendering

// Leaving the shell (`quit`, Ctrl-D, the end of a script or a pipe) never loses training silently.
//
// - Training running in the background: at a terminal the learner is asked (y: quit without
//   saving, n: keep training, save: save it and quit). Without a terminal nobody can answer: the
//   job is stopped, saved to a named file under `~/.charrnn/saved/` (atomically, as every
//   checkpoint) and the shell says where.
// - The learner's own model trained past its last file (`Workspace.keptIteration`: made, loaded
//   or saved there): at a terminal the learner is asked the same way (n stays in the shell). A
//   script or a pipe ends as it was written to, without a question and without a file. A lesson's
//   workspace is saved whenever it changes, so only the learner's own model is asked about.
// The questions are ordinary `Console.readLine` calls, so they work with readline and with any
// other console.

extension Session {
    /// Called when the learner leaves (`quit`, Ctrl-D, end of input): returns whether the shell may
    /// end. Background training is asked about or saved; then a model with unsaved training is
    /// asked about (at a terminal). False when the learner chose to stay.
    func mayLeave() -> Bool {
        collectFinishedJob()
        if let job = training.job {
            guard leaveBackgroundTraining(job) else { return false }
            // Outside a lesson the job trained the learner's own model, now answered for; in a
            // lesson it trained the lesson's, and the learner's own (set aside) is asked about next.
            if lessonContext.lessonWorkspace == nil { return true }
        }
        return leaveUnsavedModel()
    }

    /// With a background job: asks (at a terminal) or stops and saves (elsewhere), and returns
    /// whether the shell may end: false when the learner chose to keep training.
    private func leaveBackgroundTraining(_ job: TrainingJob) -> Bool {
        guard output.console.isInteractive else {
            stopAndSaveBackground(job)
            return true
        }
        let status = job.currentStatus
        let words = shellWords
        let position =
            words(.atIteration, String(job.startIteration + status.iterations))
            + (status.loss.isFinite ? words(.lossIs, String(format: "%.4f", status.loss)) : "")
        let lesson = lessonContext.lessonWorkspace?.name
        output.line(lesson.map { words(.quitWhileTrainingInLesson, position, $0) } ?? words(.quitWhileTraining, position))
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
                let iteration = String(workspace.trainer.iteration)
                output.line(lesson.map { words(.quitStoppedInLesson, iteration, $0) } ?? words(.quitStopped, iteration))
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
        let iteration = workspace.trainer.iteration
        let loss = lossPhrase(training.history)
        switch saveUnderSaved(workspace) {
        case .success(let path):
            workspace.keptIteration = iteration
            output.line(shellWords(.backgroundSaved, String(iteration), loss, path))
        case .failure(let problem):
            output.error(shellWords(.backgroundNotSaved, String(iteration), problem.path, problem.reason))
        }
    }

    /// With no background job: when the learner's own model has trained past its last file, asks
    /// at a terminal whether to quit without saving (y), stay (n) or save under `~/.charrnn/saved/`
    /// and quit (save; also when the input ends at the question). Returns whether the shell may end.
    private func leaveUnsavedModel() -> Bool {
        guard output.console.isInteractive else { return true }
        // In a lesson, the learner's own workspace is the one set aside (the lesson's is saved).
        let own = lessonContext.lessonWorkspace?.learner
        let ownWorkspace = own?.workspace ?? workspace
        guard ownWorkspace.trainer.iteration > ownWorkspace.keptIteration else { return true }
        let words = shellWords
        let lastLoss = lossPhrase(own?.history ?? training.history)
        let iteration = String(ownWorkspace.trainer.iteration)
        let kept = String(ownWorkspace.keptIteration), now = words(.atIteration, iteration) + lastLoss
        output.line(
            lessonContext.lessonWorkspace.map { words(.quitUnsavedOwn, kept, now, $0.name) } ?? words(.quitUnsaved, kept, now))
        while true {
            let reply = output.console.readLine(prompt: words(.quitQuestion))
            switch reply?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y", "yes":
                return true
            case "n", "no":
                output.line(words(.quitStays))
                return false
            case "s", "save", nil:  // nil: the input ended at the question; nobody is left to answer
                switch saveUnderSaved(ownWorkspace) {
                case .success(let path):  // the shell ends: nothing is left to mark as saved
                    output.line(words(.unsavedSaved, iteration, lastLoss, path))
                    return true
                case .failure(let problem) where reply == nil:  // the input has ended: the shell cannot stay
                    output.error(words(.unsavedLost, problem.path, problem.reason))
                    return true
                case .failure(let problem):
                    output.error(words(.unsavedNotSaved, problem.path, problem.reason))
                    return false
                }
            default:
                output.line(words(.quitTypeAnswer))
            }
        }
    }

    /// `, loss 1.2345` for the last point of `history`, or nothing before the first iteration.
    private func lossPhrase(_ history: [LossPoint]) -> String {
        history.last.map { shellWords(.lossIs, String(format: "%.4f", $0.loss)) } ?? ""
    }

    /// Why a file under `~/.charrnn/saved/` could not be written.
    struct SaveProblem: Error {
        let path: String
        /// Already made safe to print.
        let reason: String
    }

    /// Saves `saved`'s model with its training state and settings to a new file under
    /// `~/.charrnn/saved/` (atomically, as every checkpoint) and returns its path.
    private func saveUnderSaved(_ saved: Workspace) -> Result<String, SaveProblem> {
        let trainer = saved.trainer
        let path = savedTrainingPath(iteration: trainer.iteration, corpus: saved.corpus.name)
        let checkpoint = Checkpoint(
            model: trainer.model, training: TrainingState(trainer: trainer, generator: saved.generator),
            extra: checkpointMetadata(of: saved))
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try checkpoint.write(path: path)
            return .success(path)
        } catch {
            return .failure(SaveProblem(path: path, reason: safeText(String(describing: error))))
        }
    }

    /// `~/.charrnn/saved/CORPUS-iteration-N-YYYYMMDD-HHMMSS.safetensors` (beside the progress file's
    /// `lessons/` folder), with a number added if that name is taken. CORPUS is the session's text
    /// unless another is named.
    func savedTrainingPath(iteration: Int, corpus name: String? = nil, date: Date = Date()) -> String {
        let folder = URL(fileURLWithPath: lessonContext.workRoot).deletingLastPathComponent().appendingPathComponent("saved").path
        let corpus = String(
            (name ?? workspace.corpus.name).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }
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
