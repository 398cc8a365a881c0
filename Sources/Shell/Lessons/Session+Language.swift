import Foundation
import Lessons

// The learner's language: which lesson files the catalog loads and the lesson player's own words.
// It is the learner's, not a lesson's: it is kept in the lesson context, outside the settings a
// lesson workspace swaps, so it stays as chosen across entering and leaving lessons.

extension Session {
    /// The language of the lessons and of the player's words.
    public var language: LessonLanguage { lessonContext.language }

    /// The player's words in the learner's language.
    var playerWords: PlayerWords { PlayerWords(lessonContext.language) }

    /// Chooses the language: reloads the catalog in it and, in a lesson, goes on in the lesson's
    /// twin at the same step (a lesson without a twin goes on as it is).
    public func setLanguage(_ language: LessonLanguage) {
        lessonContext.language = language
        lessonContext.player?.language = language
        lessonContext.reload()
        guard let player = lessonContext.player, let current = player.lesson,
            let twin = lessonContext.catalog.lesson(named: current.name), twin.file != current.file,
            player.switchLesson(to: twin)
        else { return }
        // The lesson's workspace is the same (it is kept by name): only its file changes.
        if let state = lessonContext.lessonWorkspace, state.file == current.file {
            lessonContext.lessonWorkspace = LessonWorkspaceState(
                file: twin.file, name: state.name, learner: state.learner, savedFingerprint: state.savedFingerprint,
                saveFailureReported: state.saveFailureReported)
        }
    }

    /// `set lang ko|en`: chooses the language and says so in it.
    func setLanguage(text: String) throws(CommandError) {
        guard let language = LessonLanguage(code: text) else {
            throw CommandError("lang must be one of \(LessonLanguage.allCases.map(\.rawValue).joined(separator: ", ")), not '\(shown(text))'")
        }
        setLanguage(language)
        output.line(playerWords(.languageIs, language.rawValue))
    }
}
