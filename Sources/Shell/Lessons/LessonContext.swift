import CharRNN
import Foundation
import Lessons
import Rendering

// What the session keeps for lessons: the catalog, where lessons are, and what they read.

/// The lesson side of a session: the player (owned by the ``Shell``), the catalog, and what
/// lessons read that the engine does not keep (the last `update`'s losses, the last sample).
final class LessonContext {
    /// The player; the shell owns it (it holds the session as its executor).
    weak var player: LessonPlayer?
    /// Where the lesson files are (nil: not found) and the places looked in.
    var directory: String?
    var searched: [String] = []
    /// The lessons that loaded, and the files that did not.
    var catalog = Catalog(lessons: [], errors: [])
    /// A warning about the progress file, shown once when the shell starts.
    var progressWarning: String?
    /// The test-time setting: `train N` run by a lesson (a `$` line or a solution) trains at most
    /// this many iterations. Nil: as written. See lessons/README.md ("Lessons under test").
    var trainingLimit: Int?
    /// The test-time time budget: `train` run by a lesson stops after this many seconds (nil: as
    /// written). Big models then train briefly under test whatever N says.
    var trainingSeconds: Double?
    /// The test-time cap on iterations (`$CHARRNN_LESSON_TRAIN_UNTIL`): no `train` a lesson runs
    /// goes past this iteration (nil: as written). `.ci/lesson-samples` uses it.
    var trainingUntil: Int?
    /// The summed loss of the stepped text before and after the last `update`, and its steps.
    var lastUpdate: (before: Double, after: Double, steps: Int)?
    /// The text the last `sample` wrote (the prime and what was drawn), without colour.
    var lastSample: String?
    /// The last foreground `train`: iterations done and seconds taken.
    var lastTraining: (iterations: Int, seconds: Double)?
    /// The samples foreground `train` printed, by iteration (the latest at each iteration).
    var trainingSamples: [Int: String] = [:]
    /// The best unit per corpus and feature, for the model it was found in (`{{best unit quote}}`).
    var cellSearchMemo: [String: (model: Model, score: CellScore)] = [:]
    /// The last recording of every unit over a text (`Session.record`), for the model it ran.
    var lastRecording: (model: Model, indices: [Int], recording: UnitRecording)?
    /// The lesson whose workspace is in the session, with the learner's own set aside (see
    /// `Session+LessonWorkspace.swift`); nil outside a lesson.
    var lessonWorkspace: LessonWorkspaceState?
    /// Set while a lesson's workspace is brought in (its replayed commands do not end it).
    var enteringLesson = false
    /// The learner's language (`set lang`, `--lang`, the locale): which lessons load, and the player's words.
    var language = LessonLanguage.english

    /// Loads (or reloads) the lesson files.
    func reload() {
        if let directory {
            catalog = Catalog.load(directory: directory, language: language)
        } else {
            catalog = Catalog(lessons: [], errors: [])
        }
    }

    /// Looks for the lessons directory: the one the learner names (`--lessons DIR`), else
    /// `$CHARRNN_LESSONS`, else the installation's (`lessons/` beside the executable or above it).
    /// Never `lessons/` of the current directory: a downloaded folder does not replace the built-in lessons.
    static func locate(_ explicit: String?) -> (directory: String?, searched: [String]) {
        let (directory, searched, _) = DirectoryLocator.locateInstalled(
            "lessons", explicit: explicit, environmentVariable: "CHARRNN_LESSONS")
        return (directory, searched)
    }

    /// Where the lessons come from, as `lessons` says it: the installation's, or named by the learner.
    var origin: DirectoryLocator.Origin {
        guard let directory, !DirectoryLocator.installationCandidates("lessons").contains(directory) else {
            return .installation
        }
        if ProcessInfo.processInfo.environment["CHARRNN_LESSONS"] == directory { return .environment("CHARRNN_LESSONS") }
        return .named
    }

    /// The error when no lessons directory was found: where it was looked for.
    var notFoundMessage: String {
        "no lessons found: looked in " + searched.joined(separator: ", ")
            + " (the installation's lessons/; another folder with --lessons DIR)"
    }

    /// `~/.charrnn/progress.json` (`$CHARRNN_PROGRESS` overrides it).
    static var defaultProgressPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["CHARRNN_PROGRESS"], !path.isEmpty { return path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.charrnn/progress.json"
    }
}
