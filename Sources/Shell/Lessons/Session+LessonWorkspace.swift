import CharRNN
import Foundation
import Lessons
import Rendering

// A lesson is a workspace. Entering a lesson sets the learner's own workspace aside (the text,
// the model with its optimizer state, the settings, the step cursor, the loss history and what
// lessons read) and brings in the lesson's: the one saved under ~/.charrnn/lessons/NAME/, or a
// fresh one. Leaving the lesson — `leave`, its last step, another lesson — saves the lesson's and
// brings the learner's back as it was. The lesson's workspace is saved whenever it changed (after
// every command) and when the shell ends, so that a resume, in this session or another, finds
// the learner's own model, numbers and samples.

/// A workspace with everything that belongs to it: what is set aside while another is in use.
struct SetAsideWorkspace {
    var workspace: Workspace
    var stepping: StepCursor
    var history: [LossPoint]
    var lastUpdate: (before: Double, after: Double, steps: Int)?
    var lastSample: String?
    var lastTraining: (iterations: Int, seconds: Double)?
    /// The samples foreground `train` printed, by iteration (what a lesson's `check:` reads).
    var trainingSamples: [Int: String] = [:]

    /// The workspace of a new session, with nothing done in it.
    static func fresh() -> SetAsideWorkspace {
        SetAsideWorkspace(workspace: .fresh(), stepping: StepCursor(), history: [])
    }
}

/// The lesson whose workspace is in the session, and the learner's own, set aside meanwhile.
struct LessonWorkspaceState {
    /// The lesson file (its work folder holds the saved workspace) and its name.
    let file: String
    let name: String
    /// The learner's own workspace, given back when the lesson ends.
    var learner: SetAsideWorkspace
    /// The fingerprint of the lesson's workspace when it was last saved (nil: not saved yet).
    var savedFingerprint: Int?
    /// Whether a failed save was reported (once).
    var saveFailureReported = false
}

extension Session {
    // MARK: - Swapping

    /// Takes the session's workspace out (the session keeps a copy until another is brought in).
    func setAsideWorkspace() -> SetAsideWorkspace {
        SetAsideWorkspace(
            workspace: workspace, stepping: stepping, history: training.history, lastUpdate: lessonContext.lastUpdate,
            lastSample: lessonContext.lastSample, lastTraining: lessonContext.lastTraining,
            trainingSamples: lessonContext.trainingSamples)
    }

    /// Puts `saved` in place. A cursor without its forward pass (read from a file) gets it again.
    func bringIn(_ saved: SetAsideWorkspace) {
        workspace = saved.workspace
        stepping = saved.stepping
        training.history = saved.history
        lessonContext.lastUpdate = saved.lastUpdate
        lessonContext.lastSample = saved.lastSample
        lessonContext.lastTraining = saved.lastTraining
        lessonContext.trainingSamples = saved.trainingSamples
        lessonContext.lastRecording = nil
        if stepping.position > 0, stepping.stepCache == nil { stepping.stepCache = forward(steps: stepping.position) }
    }

    /// The error when a lesson is entered or left while training runs in the background.
    func requireNoBackgroundTraining(_ action: String) throws(CommandError) {
        collectFinishedJob()
        guard training.job != nil else { return }
        throw CommandError { $0(.stopBeforeLesson, action) }
    }

    // MARK: - Entering and leaving

    /// Sets the learner's workspace aside (or, from another lesson, saves that one and takes the
    /// learner's back first) and brings in the lesson's: a fresh one when the lesson starts over,
    /// else the saved one. Without a saved one (or with one that cannot be read, said in one line)
    /// the commands of the steps before `step` (1-based) run again, quietly, on a fresh workspace.
    /// Returns whether the saved workspace came back.
    @discardableResult
    func enterLessonWorkspace(_ lesson: Lesson, startsOver: Bool, step: Int) -> Bool {
        lessonContext.enteringLesson = true
        defer { lessonContext.enteringLesson = false }
        leaveLessonWorkspace()
        let learner = setAsideWorkspace()
        var saved: SetAsideWorkspace?
        var problem: LessonWorkspaceError?
        if !startsOver {
            do { saved = try readLessonWorkspace(for: lesson.file) } catch { problem = error }
        }
        bringIn(saved ?? .fresh())
        lessonContext.lessonWorkspace = LessonWorkspaceState(file: lesson.file, name: lesson.name, learner: learner)
        if let saved {
            output.note(
                shellWords(
                    .workspaceBack, lesson.name, safeText(saved.workspace.corpus.name), String(saved.workspace.trainer.iteration),
                    String(saved.stepping.position)))
        } else if !startsOver {
            if step > 1 { replay(lesson.steps.prefix(step - 1), of: lesson) }
            let words = shellWords
            let rebuilt = step > 1 ? words(.stepsRanAgain, String(step - 1)) : words(.freshWorkspace)
            if let problem {
                output.note(words(.workspaceUnreadable, lesson.name, String(describing: problem), rebuilt))
            } else if step > 1 {
                output.note(words(.noSavedWorkspace, lesson.name, rebuilt))
            }
        }
        saveLessonWorkspace()
        return saved != nil
    }

    /// Saves the lesson's workspace and gives the learner's back, saying which settings are theirs
    /// again. Training still running in the lesson is stopped and kept in the lesson's workspace.
    /// Nothing happens outside a lesson's workspace.
    func leaveLessonWorkspace() {
        guard let state = lessonContext.lessonWorkspace else { return }
        if let job = training.job {
            job.stopRequested.store(true, ordering: .relaxed)
            adopt(job)
            output.note(shellWords(.backgroundKeptWithLesson, String(workspace.trainer.iteration)))
        }
        saveLessonWorkspace(force: true)
        let lessonSettings = workspace.settings
        bringIn(state.learner)
        lessonContext.lessonWorkspace = nil
        let back = SettingSpec.all.filter { $0.value(lessonSettings) != $0.value(workspace.settings) }
            .map { "\($0.name) \($0.value(workspace.settings))" }
        output.note(
            shellWords(
                .ownWorkspaceBack, safeText(workspace.corpus.name), String(workspace.trainer.iteration),
                back.isEmpty ? "" : shellWords(.settingsAgain, back.joined(separator: ", "))))
    }

    /// Saves the lesson's workspace when it changed since the last save (always with `force`);
    /// a failure is said once. Not while training runs in the background (its result is saved
    /// when it is taken over).
    func saveLessonWorkspace(force: Bool = false) {
        guard var state = lessonContext.lessonWorkspace, training.job == nil else { return }
        let fingerprint = workspaceFingerprint()
        guard force || fingerprint != state.savedFingerprint else { return }
        do {
            try writeLessonWorkspace(for: state.file)
            state.savedFingerprint = fingerprint
        } catch {
            if !state.saveFailureReported { output.note(shellWords(.workspaceNotSaved, state.name, String(describing: error))) }
            state.saveFailureReported = true
        }
        lessonContext.lessonWorkspace = state
    }

    /// After every command: a lesson that ended (left, finished, or another begun) gives the
    /// learner's workspace back; otherwise the lesson's is saved if it changed.
    func syncLessonWorkspace() {
        guard let state = lessonContext.lessonWorkspace, !lessonContext.enteringLesson else { return }
        if lessonContext.player?.lesson?.file != state.file {
            leaveLessonWorkspace()
        } else {
            saveLessonWorkspace()
        }
    }

    /// A hash of what a saved workspace holds: when it is the same, the file is up to date.
    func workspaceFingerprint() -> Int {
        var hasher = Hasher()
        hasher.combine(workspace.trainer.iteration)
        hasher.combine(workspace.corpus.name)
        hasher.combine(workspace.corpus.indices.count)
        for spec in SettingSpec.all { hasher.combine(spec.value(workspace.settings)) }
        hasher.combine(workspace.generator.state)
        hasher.combine(stepping.position)
        hasher.combine(training.history.count)
        hasher.combine(training.history.last?.loss)
        hasher.combine(lessonContext.lastSample)
        hasher.combine(lessonContext.trainingSamples.count)
        hasher.combine(lessonContext.lastUpdate?.after)
        hasher.combine(lessonContext.lastTraining?.seconds)
        for tensor in workspace.trainer.model.parameters {
            for value in tensor.values { hasher.combine(value.bitPattern) }
        }
        return hasher.finalize()
    }
}
