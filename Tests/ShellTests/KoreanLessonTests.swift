import Foundation
import Lessons
import Rendering
import TestSupport
import Testing

@testable import Shell

/// The Korean lessons: each is its English twin's structure in Korean, plays to its end, and fits
/// 80 columns; the language is chosen by `--lang`, the locale or `set lang`, and stays the learner's.
@Suite struct KoreanLessonTests {
    /// The Korean lesson files (`lessons/ko/*.md`).
    static let koreanFiles: [String] = {
        let folder = lessonsDirectory + "/ko"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") && $0.lowercased() != "readme.md" && !$0.hasPrefix(".") && !$0.hasPrefix("_") }.sorted()
    }()

    /// The Korean lessons' names.
    static let koreanNames: [String] = koreanFiles.map { LessonParser.lessonName(forFile: $0) }

    /// What must be the same in both languages: each step's kind, `$` commands, `check:` lines,
    /// `do:` patterns and solution, the answer and the choices' letters, the gate and its solution.
    /// Prose, titles, questions, hints and `meanwhile:` may differ.
    static func structure(of lesson: Lesson) -> [String] {
        lesson.steps.enumerated().map { index, step in
            var parts = ["step \(index + 1): \(step.kind.rawValue)"]
            for block in step.content {
                switch block {
                case .prose: break
                case .run(let command, _): parts.append("$ " + command)
                case .check(let condition, _): parts.append("check: " + condition)
                }
            }
            switch step.interaction {
            case .command(let task):
                parts.append("do: " + task.patterns.map(\.description).joined(separator: " | "))
                parts.append("solution: " + task.solution.joined(separator: "; "))
            case .question(let question):
                parts.append("answer: \(question.expected)")
                parts.append("choices: " + String(question.choices.map(\.letter)))
            case .gate(let gate):
                parts.append("gate: " + gate.condition)
                parts.append("solution: " + gate.solution.joined(separator: "; "))
            case nil: break
            }
            return parts.joined(separator: " · ")
        }
    }

    @Test func thereIsAKoreanHello() {
        #expect(Self.koreanNames.contains("hello"))
    }

    @Test(arguments: koreanFiles) func hasItsEnglishTwinsStructure(_ file: String) throws {
        let korean = try LessonParser.parse(contentsOf: URL(fileURLWithPath: lessonsDirectory + "/ko/" + file), file: file)
        let englishPath = lessonsDirectory + "/" + file
        #expect(FileManager.default.fileExists(atPath: englishPath), "\(file) has no English twin of the same name")
        let english = try LessonParser.parse(contentsOf: URL(fileURLWithPath: englishPath), file: file)
        #expect(korean.name == english.name)
        #expect(korean.steps.count == english.steps.count, "\(file): \(korean.steps.count) steps, English \(english.steps.count)")
        let (k, e) = (Self.structure(of: korean), Self.structure(of: english))
        for (koreanStep, englishStep) in zip(k, e) {
            #expect(koreanStep == englishStep, "\(file) drifted from its English twin")
        }
        // The Korean lesson is in Korean: its summary has Hangul (a title may be a name: LaTeX).
        #expect(korean.summary.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) })
    }

    @Test func theParityCheckFailsWhenATwinDrifts() throws {
        let english = try LessonParser.parse(
            "# T\nS.\n\n## A\n$ corpus hello\nask: How many?\nanswer: 4\n\n## B\ndo: step\n", file: "t.md")
        let drifted = try LessonParser.parse(
            "# T\n요약.\n\n## 가\n$ corpus hello\nask: 몇 개?\nanswer: 5\n\n## 나\ndo: step 2\n", file: "t.md")
        let same = try LessonParser.parse(
            "# T\n요약.\n\n## 가\n다른 설명.\n$ corpus hello\nask: 몇 개일까요?\nanswer: 4\nhint: 세어 보세요.\n\n## 나\ndo: step\n",
            file: "t.md")
        #expect(Self.structure(of: english) != Self.structure(of: drifted))
        #expect(Self.structure(of: english) == Self.structure(of: same))
    }

    /// `charrnn lesson NAME --demo --lang ko`, at the test-time limits, at 80 columns: it plays to
    /// its end, in Korean, and no line is wider than the terminal (Hangul is two columns wide).
    /// Each `train` stops after the seed demos' 0.3 s (the English demos check the gates at 1.5 s;
    /// the twins run the same commands), so the Korean demos add little to the test time.
    /// One at a time (`.serialized`): the English demos time themselves, and eight more at once would slow them.
    @Test(.serialized, arguments: koreanNames) func playsToTheEndInKoreanWithin80Columns(_ name: String) {
        let directory = temporaryDirectory()
        let shell = Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
            progressPath: directory + "/progress.json", lessonTrainingLimit: LessonDemoTests.trainingLimit,
            lessonTrainingSeconds: LessonDemoSeedTests.trainingSeconds, language: .korean)
        let console = ScriptedConsole(lines: [], width: 80)
        let status = shell.playDemo(lesson: name, console: console)
        let failure = console.output.split(separator: "\n").first { $0.contains("failed:") }
        #expect(status == 0, "\(failure ?? "")")
        #expect(console.output.contains("\(name) 데모: "))
        #expect(console.output.contains("── \(name) · 1/"))
        let wide = console.output.split(separator: "\n").filter { displayWidth(String($0)) > 80 }
        #expect(wide.isEmpty, "lines wider than 80 columns: \(wide)")
    }

    @Test func theKoreanHelloWrapsItsProseAtWordsWithin80Columns() throws {
        let lesson = try #require(Catalog.load(directory: lessonsDirectory, language: .korean).lesson(named: "hello"))
        var lines: [String] = []
        for step in lesson.steps {
            for case .prose(let text, _) in step.content { lines += reflow(text, width: 80).split(separator: "\n").map(String.init) }
        }
        #expect(lines.count > 50)
        #expect(lines.allSatisfy { displayWidth($0) <= 80 }, "\(lines.filter { displayWidth($0) > 80 })")
        // Wrapped at spaces (띄어쓰기): the lines put back together are the prose's words, none cut.
        let words = lesson.steps.flatMap { step in
            step.content.flatMap { block -> [Substring] in
                if case .prose(let text, _) = block { return text.split(whereSeparator: \.isWhitespace) } else { return [] }
            }
        }
        let wrapped = lines.flatMap { $0.split(whereSeparator: \.isWhitespace) }
        let firstDifference = zip(wrapped, words).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(wrapped.count == words.count && firstDifference == nil, "\(wrapped.count) words, \(words.count) in the prose; first difference at \(firstDifference.map { Array(wrapped[max(0, $0 - 3)...$0 + 2]) } ?? [])")
        // Long Korean paragraphs fill the width: some line is wider than 70 columns.
        #expect(lines.contains { displayWidth($0) > 70 && $0.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) } })
    }

    /// A shell on the built-in lessons, in English, with its own progress file.
    static func lessonShell(lessons: String = lessonsDirectory) -> Shell {
        Shell(corporaDirectory: corporaDirectory, lessonsDirectory: lessons, progressPath: temporaryDirectory() + "/progress.json")
    }

    @Test func theLanguageIsTheLearnersAcrossLessons() {
        let shell = Self.lessonShell()
        let text = transcript(shell, ["lessons", "set lang ko", "lesson hello", "leave", "set lang", "lessons"], width: 10_000)
        #expect(text.contains("Hello, RNN"))
        #expect(text.contains("lang = ko: 레슨과 레슨 진행 안내를 한국어로 보여 줍니다"))
        #expect(text.contains("# 안녕, RNN"))
        #expect(text.contains("── hello · 1/"))
        #expect(text.contains("hello 레슨을 1단계에서 멈췄습니다"))
        #expect(shell.session.language == .korean, "leaving the lesson keeps the learner's language")
        #expect(text.contains("19단계 중 1단계"))
        // `set lang` is not a model setting: the lesson's workspace and `show settings` do not have it.
        #expect(!SettingSpec.all.contains { $0.name == "lang" })
    }

    @Test func aBadLanguageIsOneLineAndChangesNothing() {
        let shell = Shell(corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory, language: .korean)
        let (ok, text) = output(of: "set lang fr", in: shell)
        #expect(!ok)
        #expect(text == "error: lang must be one of en, ko, not 'fr'\n")
        #expect(shell.session.language == .korean)
    }

    @Test func aLessonWithoutAKoreanTwinIsListedAsEnglish() throws {
        let folder = temporaryDirectory("lessons")
        try "# Only English\nNo twin.\n\n## One\nText.\n".write(toFile: folder + "/01-only.md", atomically: true, encoding: .utf8)
        let text = transcript(Self.lessonShell(lessons: folder), ["set lang ko", "lessons"], width: 10_000)
        #expect(text.contains("Only English  — 1단계 (영어)"))
    }

    @Test func switchingTheLanguageInALessonGoesOnInItsTwinAtTheSameStep() {
        let shell = Self.lessonShell()
        let text = transcript(shell, ["lesson hello", "next", "skip", "set lang ko", "where", "again"], width: 10_000)
        #expect(text.contains("hello, 3/"))
        #expect(shell.player.isActive && shell.player.stepIndex == 2)
        #expect(shell.player.lesson?.file.hasSuffix("/ko/01-hello.md") == true)
        #expect(shell.session.lessonContext.lessonWorkspace?.file == shell.player.lesson?.file, "still in the lesson's workspace")
        let back = transcript(shell, ["set lang en", "where"], width: 10_000)
        #expect(back.contains("hello, step 3 of"))
    }

    @Test func aKoreanLessonReadsTheLessonsFolderAndSharesItsWorkspace() {
        let shell = Shell(corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory)
        let korean = shell.session.lessonSandbox(for: lessonsDirectory + "/ko/01-hello.md")
        let english = shell.session.lessonSandbox(for: lessonsDirectory + "/01-hello.md")
        #expect(korean.readFolders == english.readFolders)
        #expect(korean.workFolder == english.workFolder)
        #expect(korean.readFolders.contains(URL(fileURLWithPath: lessonsDirectory).path))
    }

    /// The executable: the locale chooses Korean, `--lang` overrides it, and a bad `--lang` is one line.
    @Test func theExecutableTakesTheLocaleAndTheFlag() throws {
        guard let executable = requireCharrnn() else { return }
        let home = temporaryDirectory()
        let korean = finish(
            try startCharrnn(executable, in: home, environment: ["HOME": home, "LANG": "ko_KR.UTF-8"], input: "lessons\n"))
        #expect(korean.contains("안녕, RNN"))
        let flag = finish(
            try startCharrnn(
                executable, in: home, environment: ["HOME": home, "LANG": "ko_KR.UTF-8"], input: "lessons\n", arguments: ["--lang", "en"]))
        #expect(flag.contains("Hello, RNN") && !flag.contains("안녕"))
        let overridden = finish(
            try startCharrnn(
                executable, in: home, environment: ["HOME": home, "LANG": "ko_KR.UTF-8", "LC_ALL": "C"], input: "lessons\n"))
        #expect(overridden.contains("Hello, RNN"))
        let bad = finish(try startCharrnn(executable, in: home, environment: ["HOME": home], input: "", arguments: ["--lang", "fr"]))
        #expect(bad.contains("--lang must be ko or en, not 'fr'"))
    }
}
