import Lessons

// The shell's own words in the learner's language, beside the lesson player's (`PlayerWords`):
// the `error:` lines a learner meets most (an unknown command and its suggestion, a wrong
// argument), the notes of a lesson's workspace, a lesson's refused commands, the question
// before quitting while training runs, and the times lessons quote. One table per language,
// `%1`, `%2`, … in the same places in each; commands keep their English names. Everything
// else the shell says is English (see `ShellWordsTests` for the list).

/// Each thing the shell says in its own words.
enum ShellMessage: String, CaseIterable, Sendable {
    // Errors: unknown names, wrong arguments, the order of things.
    case unknownCommand, helpListsCommands, didYouMean, didYouMeanOr, unknownSetting, noLesson, lessonNames, noLessons, usage
    case wholeNumberRange, numberRange, outOfRange, optionNeedsValue, optionTakesNoValue, optionGivenTwice
    case unknownOption, optionsExpected, takesNoOptions
    case noStepsYet, trainingRunning, stopBeforeLesson, alreadyAtIteration
    // A lesson's workspace.
    case workspaceBack, ownWorkspaceBack, settingsAgain, stepsRanAgain, freshWorkspace, workspaceUnreadable
    case noSavedWorkspace, backgroundKeptWithLesson, workspaceNotSaved
    // What a lesson may not do.
    case refusal, mayNotRunScript, mayNotQuit, mayNotStartLesson, mayNotListLessons, mayNotMoveThroughLessons
    case mayNotAnswer, mayNotWriteOutside, mayNotReadOutside, mayNotUseAsFile, workFolderUnmade, mayNotCheckpointOutside
    case mayNotNamePathOutside
    // Quitting while training runs in the background.
    case quitWhileTraining, atIteration, lossIs, quitQuestion, quitStopped, quitKeepsTraining, quitTypeAnswer
    case backgroundSaved, backgroundNotSaved
    // Quitting with a model whose training is not saved.
    case quitUnsaved, quitStays, unsavedSaved, unsavedNotSaved, unsavedLost
    // The same in a lesson: its model is kept with the lesson; the learner's own waits set aside.
    case quitWhileTrainingInLesson, quitStoppedInLesson, quitUnsavedOwn
    // Durations (`about 1m 05s here`).
    case seconds, minutesSeconds, hoursMinutes
}

/// The shell's words in one language: `words(.unknownCommand, "stepp", …)`.
struct ShellWords: Sendable, Equatable {
    /// The language the words are in.
    let language: LessonLanguage

    init(_ language: LessonLanguage) { self.language = language }

    /// The table of `language`: every message's text.
    static func table(_ language: LessonLanguage) -> [ShellMessage: String] {
        switch language {
        case .english: return english
        case .korean: return korean
        }
    }

    /// `message` in this language, `%1`, `%2`, … replaced by `arguments` (English when a table
    /// lacks it, which a test forbids).
    func callAsFunction(_ message: ShellMessage, _ arguments: String...) -> String {
        let text = ShellWords.table(language)[message] ?? ShellWords.english[message] ?? message.rawValue
        return PlayerWords.filled(text, with: arguments)
    }

    /// ` — did you mean 'a' or 'b'?`, or nothing.
    func didYouMean(_ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        let quoted = names.map { "'\($0)'" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + self(.didYouMeanOr) + quoted.last!
        return self(.didYouMean, list)
    }

    /// `1m 05s`, `12s`, `0.3s` (`1분 05초` in Korean).
    func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10 { return self(.seconds, String(format: "%.1f", seconds)) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return self(.seconds, String(whole)) }
        if whole < 3600 { return self(.minutesSeconds, String(whole / 60), String(format: "%02d", whole % 60)) }
        return self(.hoursMinutes, String(whole / 3600), String(format: "%02d", (whole % 3600) / 60))
    }

    /// The English words.
    static let english: [ShellMessage: String] = [
        .unknownCommand: "unknown command '%1'%2",
        .helpListsCommands: " (help lists the commands)",
        .didYouMean: " — did you mean %1?",
        .didYouMeanOr: " or ",
        .unknownSetting: "unknown setting '%1'%2 (show settings lists them)",
        .noLesson: "no lesson '%1'%2",
        .lessonNames: " (lessons: %1)",
        .noLessons: "none",
        .usage: "usage: %1",
        .wholeNumberRange: "%1 must be a whole number from %2 to %3, not '%4'",
        .numberRange: "%1 must be a number from %2 to %3, not '%4'",
        .outOfRange: "%1 must be from %2 to %3, not %4",
        .optionNeedsValue: "--%1 needs a value",
        .optionTakesNoValue: "--%1 takes no value",
        .optionGivenTwice: "--%1 is given twice",
        .unknownOption: "unknown option --%1%2",
        .optionsExpected: " (expected %1)",
        .takesNoOptions: " (this command takes none)",
        .noStepsYet: "no steps yet: type step first",
        .trainingRunning: "training is running in the background: stop training first (stop)",
        .stopBeforeLesson: "training runs in the background: `stop` it first, then %1 (a lesson has its own model)",
        .alreadyAtIteration: "the model is at iteration %1 already (--until %2): nothing to train",
        .workspaceBack: "(your workspace in %1 is back: text %2, iteration %3, t = %4)",
        .ownWorkspaceBack: "(your own workspace is back: text %1, iteration %2%3)",
        .settingsAgain: "; your settings again: %1",
        .stepsRanAgain: "the commands of steps 1–%1 ran again, quietly, on a fresh workspace",
        .freshWorkspace: "a fresh workspace",
        .workspaceUnreadable: "warning: the saved workspace of %1 cannot be read (%2); %3",
        .noSavedWorkspace: "(no saved workspace for %1: %2)",
        .backgroundKeptWithLesson: "(the training in the background stopped at iteration %1; it is kept with the lesson)",
        .workspaceNotSaved: "warning: the workspace of %1 was not saved: %2",
        .refusal: "%1: %2: %3",
        .mayNotRunScript: "a lesson may not run a script",
        .mayNotQuit: "a lesson may not quit the shell",
        .mayNotStartLesson: "a lesson may not start a lesson",
        .mayNotListLessons: "a lesson may not list the lessons",
        .mayNotMoveThroughLessons: "a lesson may not move through lessons",
        .mayNotAnswer: "a lesson may not answer its own questions",
        .mayNotWriteOutside: "a lesson may not write outside its work folder",
        .mayNotReadOutside: "a lesson may not read outside its folders (its work folder, the lessons folder, the corpora)",
        .mayNotUseAsFile: "a lesson may not use %1 as a file",
        .workFolderUnmade: "the lesson's work folder %1 cannot be made (%2)",
        .mayNotCheckpointOutside:
            "a lesson may not write outside its work folder (checkpoint-every %1 writes %2; a lesson sets checkpoint-file first)",
        .mayNotNamePathOutside: "a lesson may not name a path outside its work folder",
        .quitWhileTraining:
            "Training is running in the background (%1). y: stop it and quit without saving; n: keep training; "
            + "save: stop, save it under ~/.charrnn/saved/ and quit.",
        .atIteration: "iteration %1",
        .lossIs: ", loss %1",
        .quitQuestion: "Quit? [y/n/save] ",
        .quitStopped: "stopped training at iteration %1; not saved",
        .quitWhileTrainingInLesson:
            "Training is running in the background (%1). y: stop it and quit (lesson %2 keeps the model); "
            + "n: keep training; save: stop, also save it under ~/.charrnn/saved/ and quit.",
        .quitStoppedInLesson: "stopped training at iteration %1; lesson %2 keeps the model (`lesson %2` goes on from there)",
        .quitUnsavedOwn:
            "Your own model, set aside while lesson %3 runs, is not saved since iteration %1 (now at %2). "
            + "y: quit without saving it; n: stay; save: save it under ~/.charrnn/saved/ and quit.",
        .quitKeepsTraining: "training goes on in the background: `stop` ends it, `save FILE` keeps the weights so far",
        .quitTypeAnswer: "type y, n or save",
        .backgroundSaved: "background training stopped at iteration %1%2; saved to %3 (`load %3` goes on from there)",
        .backgroundNotSaved: "background training stopped at iteration %1, but it could not be saved to %2: %3",
        .quitUnsaved:
            "Your model is not saved since iteration %1 (now at %2). y: quit without saving; "
            + "n: stay; save: save it under ~/.charrnn/saved/ and quit.",
        .quitStays: "still here: `save FILE` keeps the model",
        .unsavedSaved: "saved the model at iteration %1%2 to %3 (`load %3` goes on from there)",
        .unsavedNotSaved: "the model could not be saved to %1: %2; still here (`save FILE` to try elsewhere)",
        .unsavedLost: "the model could not be saved to %1: %2; the input has ended, so the shell ends without it",
        .seconds: "%1s",
        .minutesSeconds: "%1m %2s",
        .hoursMinutes: "%1h %2m",
    ]

    /// The Korean words.
    static let korean: [ShellMessage: String] = [
        .unknownCommand: "알 수 없는 명령입니다: '%1'%2",
        .helpListsCommands: " (help를 입력하면 명령 목록을 볼 수 있습니다)",
        .didYouMean: " — 혹시 %1인가요?",
        .didYouMeanOr: " 또는 ",
        .unknownSetting: "알 수 없는 설정입니다: '%1'%2 (설정 목록은 show settings)",
        .noLesson: "그런 레슨은 없습니다: '%1'%2",
        .lessonNames: " (레슨: %1)",
        .noLessons: "없음",
        .usage: "사용법: %1",
        .wholeNumberRange: "%1 값은 %2부터 %3까지의 정수여야 합니다(입력: '%4')",
        .numberRange: "%1 값은 %2부터 %3까지의 수여야 합니다(입력: '%4')",
        .outOfRange: "%1 값은 %2부터 %3까지여야 합니다(입력: %4)",
        .optionNeedsValue: "--%1 옵션에는 값이 필요합니다",
        .optionTakesNoValue: "--%1 옵션은 값을 받지 않습니다",
        .optionGivenTwice: "--%1 옵션을 두 번 썼습니다",
        .unknownOption: "알 수 없는 옵션입니다: --%1%2",
        .optionsExpected: " (쓸 수 있는 옵션: %1)",
        .takesNoOptions: " (이 명령은 옵션을 받지 않습니다)",
        .noStepsYet: "아직 읽은 시간 단계가 없습니다. 먼저 step을 입력하세요",
        .trainingRunning: "백그라운드에서 학습이 진행 중입니다. 먼저 학습을 멈추세요(stop)",
        .stopBeforeLesson: "백그라운드에서 학습이 진행 중입니다. 먼저 `stop`으로 멈춘 뒤 %1 명령을 입력하세요(레슨에는 레슨의 모델이 따로 있습니다)",
        .alreadyAtIteration: "모델이 이미 반복 %1에 와 있습니다(--until %2). 더 학습할 것이 없습니다",
        .workspaceBack: "(%1 레슨의 작업 공간을 다시 불러왔습니다: 텍스트 %2, 반복 %3, t = %4)",
        .ownWorkspaceBack: "(원래 작업 공간으로 돌아왔습니다: 텍스트 %1, 반복 %2%3)",
        .settingsAgain: "; 원래대로 돌아온 설정: %1",
        .stepsRanAgain: "새 작업 공간에서 1–%1단계의 명령을 조용히 다시 실행했습니다",
        .freshWorkspace: "새 작업 공간에서 시작합니다",
        .workspaceUnreadable: "경고: %1 레슨에 저장된 작업 공간을 읽을 수 없습니다(%2). %3",
        .noSavedWorkspace: "(%1 레슨에 저장된 작업 공간이 없습니다. %2)",
        .backgroundKeptWithLesson: "(백그라운드 학습을 반복 %1에서 멈췄습니다. 학습 결과는 레슨에 보관됩니다)",
        .workspaceNotSaved: "경고: %1 레슨의 작업 공간을 저장하지 못했습니다: %2",
        .refusal: "%1: %2: %3",
        .mayNotRunScript: "레슨은 스크립트를 실행할 수 없습니다",
        .mayNotQuit: "레슨은 셸을 종료할 수 없습니다",
        .mayNotStartLesson: "레슨은 다른 레슨을 시작할 수 없습니다",
        .mayNotListLessons: "레슨은 레슨 목록을 열 수 없습니다",
        .mayNotMoveThroughLessons: "레슨은 레슨 진행 명령을 쓸 수 없습니다",
        .mayNotAnswer: "레슨은 자기 질문에 스스로 답할 수 없습니다",
        .mayNotWriteOutside: "레슨은 자기 작업 폴더 밖에 파일을 쓸 수 없습니다",
        .mayNotReadOutside: "레슨은 자기 폴더(작업 폴더, 레슨 폴더, 코퍼스) 밖의 파일을 읽을 수 없습니다",
        .mayNotUseAsFile: "레슨은 일반 파일이 아닌 것을 파일로 쓸 수 없습니다(%1)",
        .workFolderUnmade: "레슨 작업 폴더를 만들 수 없습니다: %1 (%2)",
        .mayNotCheckpointOutside:
            "레슨은 자기 작업 폴더 밖에 파일을 쓸 수 없습니다(checkpoint-every %1 설정이 %2 파일에 씁니다. 레슨에서 먼저 checkpoint-file을 정하세요)",
        .mayNotNamePathOutside: "레슨은 자기 작업 폴더 밖의 경로를 쓸 수 없습니다",
        .quitWhileTraining:
            "백그라운드에서 학습이 진행 중입니다(%1). y: 저장하지 않고 멈춘 뒤 종료, n: 학습 계속, "
            + "save: 멈추고 ~/.charrnn/saved/에 저장한 뒤 종료.",
        .atIteration: "반복 %1",
        .lossIs: ", 손실 %1",
        .quitQuestion: "종료할까요? [y/n/save] ",
        .quitStopped: "반복 %1에서 학습을 멈췄습니다. 저장하지 않았습니다",
        .quitWhileTrainingInLesson:
            "백그라운드에서 학습이 진행 중입니다(%1). y: 멈춘 뒤 종료(모델은 %2 레슨에 남습니다), n: 학습 계속, "
            + "save: 멈추고 ~/.charrnn/saved/에도 저장한 뒤 종료.",
        .quitStoppedInLesson: "반복 %1에서 학습을 멈췄습니다. 모델은 %2 레슨에 남습니다(`lesson %2` 명령으로 거기서 이어 갑니다)",
        .quitUnsavedOwn:
            "%3 레슨 동안 옆에 둔 여러분의 모델이 반복 %1 이후로 저장되지 않았습니다(현재 %2). "
            + "y: 저장하지 않고 종료, n: 셸에 머무르기, save: ~/.charrnn/saved/에 저장한 뒤 종료.",
        .quitKeepsTraining: "백그라운드 학습을 계속합니다. `stop`으로 끝내고, `save FILE`로 지금까지의 가중치를 저장할 수 있습니다",
        .quitTypeAnswer: "y, n, save 가운데 하나를 입력하세요",
        .backgroundSaved: "백그라운드 학습을 멈췄습니다(반복 %1%2). 저장한 파일: %3 (`load %3` 명령으로 이어서 학습할 수 있습니다)",
        .backgroundNotSaved: "백그라운드 학습을 반복 %1에서 멈췄지만 %2에 저장하지 못했습니다: %3",
        .quitUnsaved:
            "모델이 반복 %1 이후로 저장되지 않았습니다(현재 %2). y: 저장하지 않고 종료, n: 셸에 머무르기, "
            + "save: ~/.charrnn/saved/에 저장한 뒤 종료.",
        .quitStays: "셸에 그대로 있습니다. `save FILE`로 모델을 저장할 수 있습니다",
        .unsavedSaved: "반복 %1%2의 모델을 %3에 저장했습니다 (`load %3` 명령으로 이어서 학습할 수 있습니다)",
        .unsavedNotSaved: "모델을 %1에 저장하지 못했습니다: %2. 셸에 그대로 있습니다(`save FILE`로 다른 곳에 저장해 보세요)",
        .unsavedLost: "모델을 %1에 저장하지 못했습니다: %2. 입력이 끝나서 저장하지 못한 채 셸을 종료합니다",
        .seconds: "%1초",
        .minutesSeconds: "%1분 %2초",
        .hoursMinutes: "%1시간 %2분",
    ]
}

extension Session {
    /// The shell's words in the learner's language (the lesson player's are ``playerWords``).
    var shellWords: ShellWords { ShellWords(lessonContext.language) }
}
