import Foundation

/// The language of the lessons and of the lesson player's own words. Commands keep their English
/// names in every language.
public enum LessonLanguage: String, CaseIterable, Sendable {
    case english = "en"
    case korean = "ko"

    /// The folder, inside the lessons folder, of this language's lessons (`ko`); nil for English,
    /// whose lessons are the lessons folder itself.
    public var folder: String? { self == .english ? nil : rawValue }

    /// `ko` or `en` (case and spaces ignored), or nil.
    public init?(code: String) {
        self.init(rawValue: code.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// The language the locale asks for, with POSIX precedence: `LC_ALL`, then `LC_MESSAGES`, then
    /// `LANG` (the first that is set and not empty decides). `ko` or `ko_*` is Korean; anything else English.
    public static func fromLocale(_ environment: [String: String]) -> LessonLanguage {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let language = locale.prefix { $0 != "_" && $0 != "." && $0 != "@" }.lowercased()
        return language == "ko" ? .korean : .english
    }

    /// The lessons folder a lesson file belongs to: the folder of `file`, or its parent when the
    /// file is in a language's folder (`lessons/ko/01-hello.md` → `lessons`).
    public static func lessonsFolder(of file: String) -> String {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        guard allCases.contains(where: { $0.folder != nil && $0.folder == folder.lastPathComponent }) else {
            return folder.path
        }
        return folder.deletingLastPathComponent().path
    }
}

/// Each thing the lesson player (and the shell around it) says in its own words. `%1`, `%2`, …
/// stand for the arguments, in the same places in every language.
public enum PlayerMessage: String, CaseIterable, Sendable {
    case resuming, introduction, left, waitsForCommand, waitsForAnswer, notYet, firstStep, nothingToDo
    case hint, type, noHint, skipRuns, solutionFailed, theAnswer, gateStillFails, goingOnAnyway
    case notInLessonWhere, whereStep, whereCommand, whereAnswer, whereGate
    case commandAccepted, gateHolds, noQuestion, alreadyAnswered, rightNumber, right, wrong, notQuite, wrongHint, tryAgain
    case finished, stepHeader, commandFailedGoesOn, notRunAgain, nextFinishes, nextGoesOn, doneAlready
    case yourTurnCommand, yourTurnAnswer, gateWaits, cannotCheck, notInLesson, notANumber, tooHigh, tooLow, demoOf
    case answerOr
    // The shell's words around lessons: the welcome and the lessons list.
    case welcome, youWereAt, lessonsHeader, lessonFinished, lessonAtStep, workspaceSaved, lessonSteps
    case inEnglish, youAreIn, continueWhere, languageIs
}

/// The player's words in one language: `words(.resuming, "hello", "3", "19")`.
public struct PlayerWords: Sendable, Equatable {
    /// The language the words are in.
    public let language: LessonLanguage

    /// The words of `language`.
    public init(_ language: LessonLanguage) {
        self.language = language
    }

    /// The table of `language`: every message's text.
    public static func table(_ language: LessonLanguage) -> [PlayerMessage: String] {
        switch language {
        case .english: return english
        case .korean: return korean
        }
    }

    /// `message` in this language, with `%1`, `%2`, … replaced by `arguments` (English when a
    /// table lacks it, which a test forbids).
    public func callAsFunction(_ message: PlayerMessage, _ arguments: String...) -> String {
        let text = PlayerWords.table(language)[message] ?? PlayerWords.english[message] ?? message.rawValue
        return PlayerWords.filled(text, with: arguments)
    }

    /// `text` with `%1`, `%2`, … replaced by `arguments` (a number with no argument stays as it is);
    /// the shell's own words (`ShellWords`) fill their texts the same way.
    public static func filled(_ text: String, with arguments: [String]) -> String {
        // One pass over the text, so that an argument containing `%2` is not itself replaced.
        var result = ""
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let digits = rest[rest.index(after: percent)...].prefix { $0.isASCII && $0.isNumber }
            if let number = Int(digits), (1...arguments.count).contains(number) {
                result += arguments[number - 1]
                rest = rest[digits.endIndex...]
            } else {
                result += "%"
                rest = rest[rest.index(after: percent)...]
            }
        }
        result += rest
        return result
    }

    /// The placeholders (`%1`, `%2`, …) a text uses.
    public static func placeholders(in text: String) -> Set<Int> {
        var found: Set<Int> = []
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            rest = rest[rest.index(after: percent)...]
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            if let number = Int(digits) { found.insert(number) }
        }
        return found
    }

    /// The English words.
    static let english: [PlayerMessage: String] = [
        .resuming: "Resuming %1 at step %2 of %3.",
        .introduction:
            "# %1\n%2\n%3 steps. `next` (or Enter) goes on, `back` goes back, `hint`, `skip`, `where`, `leave`; "
            + "any other command works as usual.",
        .left: "Left %1 at step %2 of %3; `lesson %1` resumes here.",
        .waitsForCommand: "This step waits for you to type a command (`hint` shows it, `skip` runs it).",
        .waitsForAnswer: "This step waits for your answer: %1",
        .notYet: "Not yet: %1",
        .firstStep: "This is the first step.",
        .nothingToDo: "Nothing to do here: `next` goes on.",
        .hint: "Hint: %1",
        .type: "Type: %1",
        .noHint: "No hint for this one; `skip` shows the answer.",
        .skipRuns: "(`skip` runs: %1)",
        .solutionFailed: "The solution failed; the lesson stays here.",
        .theAnswer: "The answer: %1",
        .gateStillFails: "The solution ran but \"%1\" still does not hold; `skip` again goes on anyway.",
        .goingOnAnyway: "Going on although \"%1\" does not hold.",
        .notInLessonWhere: "Not in a lesson: `lessons` lists them.",
        .whereStep: "%1, step %2 of %3: %4",
        .whereCommand: " (waiting for you to type a command)",
        .whereAnswer: " (waiting for your answer)",
        .whereGate: " (waiting until %1)",
        .commandAccepted: "✓ That's it. `next` (or Enter) goes on.",
        .gateHolds: "✓ %1: it holds now. `next` (or Enter) goes on.",
        .noQuestion: "There is no question waiting for an answer.",
        .alreadyAnswered: "Already answered: `next` goes on.",
        .rightNumber: "✓ Right (%1). `next` (or Enter) goes on.",
        .right: "✓ Right. `next` (or Enter) goes on.",
        .wrong: "✗ %1",
        .notQuite: "Not quite.",
        .wrongHint: " Hint: %1",
        .tryAgain: " Try again, or `skip` to see the answer.",
        .finished: "\nThat was the last step: %1 is finished. `lessons` shows what comes next.",
        .stepHeader: "\n── %1 · step %2 of %3 · %4 ──",
        .commandFailedGoesOn: "(that command failed; the lesson goes on)",
        .notRunAgain: "   # not run again; type it to run it",
        .nextFinishes: "(`next` finishes the lesson)",
        .nextGoesOn: "(`next` or Enter goes on)",
        .doneAlready: "(done already: `next` goes on)",
        .yourTurnCommand: "→ Your turn: type the command (`hint` if stuck, `skip` to have it run).",
        .yourTurnAnswer: "→ Type your answer (`hint` if stuck, `skip` to see it).",
        .gateWaits: "→ The lesson goes on when this holds: %1 (`next` checks it, `skip` runs the solution).",
        .cannotCheck: "Cannot check \"%1\": %2",
        .notInLesson: "Not in a lesson: `lessons` lists them, `lesson NAME` starts one.",
        .notANumber: "Not a number: %1.",
        .tooHigh: "%1 is too high.",
        .tooLow: "%1 is too low.",
        .demoOf: "Demo of %1: %2",
        .answerOr: " or ",
        .welcome:
            "%1 — a character-level RNN you can step through, one number at a time.\n"
            + "The text \"hello\" is loaded with a 3-unit RNN: type %2 to watch it read 'h'.\n"
            + "Type %3 for guided lessons (start with hello), %4 for every command; Tab completes.",
        .youWereAt: "You were at step %1 of %2: %3 resumes it.",
        .lessonsHeader: "  (lesson NAME starts or resumes one; help lessons explains the lesson commands)",
        .lessonFinished: "finished ✓",
        .lessonAtStep: "at step %1 of %2",
        .workspaceSaved: ", its workspace saved",
        .lessonSteps: "%1 steps",
        .inEnglish: " (in English)",
        .youAreIn: "You are in %1 (where, leave).",
        .continueWhere: "Continue where you left off: lesson %1",
        .languageIs: "lang = %1: lessons and the lesson player's words in English",
    ]

    /// The Korean words.
    static let korean: [PlayerMessage: String] = [
        .resuming: "%1 레슨을 %2단계부터 이어 갑니다(모두 %3단계).",
        .introduction:
            "# %1\n%2\n모두 %3단계입니다. `next`(또는 Enter)로 넘어가고 `back`으로 돌아갑니다. "
            + "`hint`, `skip`, `where`, `leave`도 쓸 수 있고, 다른 명령은 평소처럼 동작합니다.",
        .left: "%1 레슨을 %2단계에서 멈췄습니다(모두 %3단계). `lesson %1` 명령으로 여기서 이어 갑니다.",
        .waitsForCommand: "이 단계는 명령 입력을 기다립니다(`hint`는 명령을 보여 주고, `skip`은 대신 실행합니다).",
        .waitsForAnswer: "이 단계는 답을 기다립니다: %1",
        .notYet: "아직입니다: %1",
        .firstStep: "첫 단계입니다.",
        .nothingToDo: "여기서는 할 일이 없습니다. `next`로 넘어가세요.",
        .hint: "힌트: %1",
        .type: "입력할 명령: %1",
        .noHint: "이 문제에는 힌트가 없습니다. `skip`을 입력하면 답을 보여 줍니다.",
        .skipRuns: "(`skip`은 다음을 실행합니다: %1)",
        .solutionFailed: "풀이 명령이 실패했습니다. 레슨은 이 단계에 머뭅니다.",
        .theAnswer: "정답: %1",
        .gateStillFails: "풀이를 실행했지만 \"%1\" 조건이 아직 성립하지 않습니다. `skip`을 한 번 더 입력하면 그대로 넘어갑니다.",
        .goingOnAnyway: "\"%1\" 조건이 성립하지 않지만 그대로 넘어갑니다.",
        .notInLessonWhere: "레슨 중이 아닙니다. `lessons`로 레슨 목록을 볼 수 있습니다.",
        .whereStep: "%1, %2/%3단계: %4",
        .whereCommand: " (명령 입력을 기다리는 중)",
        .whereAnswer: " (답을 기다리는 중)",
        .whereGate: " (%1 조건이 성립하기를 기다리는 중)",
        .commandAccepted: "✓ 바로 그겁니다. `next`(또는 Enter)로 넘어갑니다.",
        .gateHolds: "✓ %1: 이제 성립합니다. `next`(또는 Enter)로 넘어갑니다.",
        .noQuestion: "답을 기다리는 질문이 없습니다.",
        .alreadyAnswered: "이미 답했습니다. `next`로 넘어가세요.",
        .rightNumber: "✓ 정답입니다(%1). `next`(또는 Enter)로 넘어갑니다.",
        .right: "✓ 정답입니다. `next`(또는 Enter)로 넘어갑니다.",
        .wrong: "✗ %1",
        .notQuite: "아쉽지만 아닙니다.",
        .wrongHint: " 힌트: %1",
        .tryAgain: " 다시 해 보거나, `skip`으로 답을 확인하세요.",
        .finished: "\n마지막 단계였습니다. %1 레슨을 마쳤습니다. `lessons`에서 다음 레슨을 확인하세요.",
        .stepHeader: "\n── %1 · %2/%3단계 · %4 ──",
        .commandFailedGoesOn: "(명령이 실패했지만 레슨은 계속됩니다)",
        .notRunAgain: "   # 다시 실행하지 않습니다. 실행하려면 직접 입력하세요",
        .nextFinishes: "(`next`로 레슨을 마칩니다)",
        .nextGoesOn: "(`next` 또는 Enter로 넘어갑니다)",
        .doneAlready: "(이미 마친 단계입니다. `next`로 넘어가세요)",
        .yourTurnCommand: "→ 직접 해 볼 차례입니다. 명령을 입력하세요(막히면 `hint`, 대신 실행하려면 `skip`).",
        .yourTurnAnswer: "→ 답을 입력하세요(막히면 `hint`, 답을 보려면 `skip`).",
        .gateWaits: "→ 다음 조건이 성립하면 레슨이 계속됩니다: %1 (`next`로 확인하고, `skip`은 풀이를 실행합니다).",
        .cannotCheck: "\"%1\" 조건을 확인할 수 없습니다: %2",
        .notInLesson: "레슨 중이 아닙니다. `lessons`로 목록을 보고 `lesson NAME`으로 시작하세요.",
        .notANumber: "숫자가 아닙니다: %1.",
        .tooHigh: "%1: 너무 큽니다.",
        .tooLow: "%1: 너무 작습니다.",
        .demoOf: "%1 데모: %2",
        .answerOr: " 또는 ",
        .welcome:
            "%1 — 숫자 하나하나까지 따라가 볼 수 있는 문자 단위 RNN입니다.\n"
            + "텍스트 \"hello\"와 은닉 유닛 3개짜리 RNN이 준비되어 있습니다. %2 명령을 입력하면 'h'를 읽는 과정을 볼 수 있습니다.\n"
            + "%3: 안내 레슨(hello부터 시작하세요), %4: 모든 명령. Tab으로 자동 완성됩니다.",
        .youWereAt: "%2 레슨의 %1단계에서 멈췄습니다. %3 명령으로 이어 갑니다.",
        .lessonsHeader: "  (lesson NAME으로 시작하거나 이어 가고, help lessons에서 레슨 명령을 설명합니다)",
        .lessonFinished: "완료 ✓",
        .lessonAtStep: "%2단계 중 %1단계",
        .workspaceSaved: ", 작업 공간 저장됨",
        .lessonSteps: "%1단계",
        .inEnglish: " (영어)",
        .youAreIn: "지금 %1 레슨 중입니다(where, leave).",
        .continueWhere: "멈춘 곳에서 이어 가기: lesson %1",
        .languageIs: "lang = %1: 레슨과 레슨 진행 안내를 한국어로 보여 줍니다",
    ]
}
