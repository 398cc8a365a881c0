import Foundation
import TestSupport
import Testing

@testable import Lessons

/// The player's words in both languages, the language from the locale, and the catalog of a language.
@Suite struct PlayerWordsTests {
    @Test(arguments: PlayerMessage.allCases) func everyMessageHasBothLanguagesWithTheSamePlaceholders(_ message: PlayerMessage) {
        let english = PlayerWords.table(.english)[message]
        let korean = PlayerWords.table(.korean)[message]
        #expect(english != nil && korean != nil, "\(message) lacks a language")
        #expect(PlayerWords.placeholders(in: english ?? "") == PlayerWords.placeholders(in: korean ?? ""), "\(message)")
        // A Korean text is Korean (Hangul in it) unless it is only symbols and placeholders.
        let symbolsOnly = (english ?? "").unicodeScalars.allSatisfy { !CharacterSet.letters.contains($0) }
        if !symbolsOnly {
            #expect((korean ?? "").unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) }, "\(message)")
        }
    }

    @Test func argumentsFillTheirPlacesOnce() {
        let english = PlayerWords(.english), korean = PlayerWords(.korean)
        #expect(english(.resuming, "hello", "3", "19") == "Resuming hello at step 3 of 19.")
        #expect(korean(.resuming, "hello", "3", "19") == "hello 레슨을 3단계부터 이어 갑니다(모두 19단계).")
        #expect(korean(.stepHeader, "hello", "3", "19", "출력층") == "\n── hello · 3/19단계 · 출력층 ──")
        // An argument that looks like a placeholder is not replaced again; a stray % stays.
        #expect(english(.notYet, "%1 of 100%") == "Not yet: %1 of 100%")
    }

    @Test func theLocaleChoosesTheLanguageInPOSIXOrder() {
        #expect(LessonLanguage.fromLocale(["LANG": "ko_KR.UTF-8"]) == .korean)
        #expect(LessonLanguage.fromLocale(["LANG": "ko"]) == .korean)
        #expect(LessonLanguage.fromLocale(["LANG": "en_US.UTF-8"]) == .english)
        #expect(LessonLanguage.fromLocale([:]) == .english)
        #expect(LessonLanguage.fromLocale(["LANG": "kok_IN"]) == .english)  // Konkani is not Korean
        // LC_ALL wins over LC_MESSAGES, which wins over LANG; an empty one does not count.
        #expect(LessonLanguage.fromLocale(["LC_ALL": "C", "LANG": "ko_KR.UTF-8"]) == .english)
        #expect(LessonLanguage.fromLocale(["LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"]) == .korean)
        #expect(LessonLanguage.fromLocale(["LC_ALL": "", "LC_MESSAGES": "", "LANG": "ko_KR.eucKR"]) == .korean)
        #expect(LessonLanguage.fromLocale(["LC_ALL": "en_GB", "LC_MESSAGES": "ko_KR"]) == .english)
        #expect(LessonLanguage(code: " KO ") == .korean && LessonLanguage(code: "en") == .english)
        #expect(LessonLanguage(code: "fr") == nil)
    }

    @Test func aLanguageFolderBelongsToItsLessonsFolder() {
        #expect(LessonLanguage.lessonsFolder(of: "/x/lessons/ko/01-hello.md") == "/x/lessons")
        #expect(LessonLanguage.lessonsFolder(of: "/x/lessons/01-hello.md") == "/x/lessons")
        #expect(LessonLanguage.lessonsFolder(of: "/x/kobold/01-hello.md") == "/x/kobold")
    }

    @Test func theKoreanCatalogTakesTwinsAndFallsBackToEnglish() throws {
        let directory = temporaryDirectory("catalog-ko")
        try FileManager.default.createDirectory(atPath: directory + "/ko", withIntermediateDirectories: true)
        try exampleLesson.write(toFile: directory + "/01-hello.md", atomically: true, encoding: .utf8)
        try "# Two\nThe second.\n\n## One\nText.\n".write(toFile: directory + "/02-two.md", atomically: true, encoding: .utf8)
        let korean = exampleLesson.replacingOccurrences(of: "# Hello, RNN", with: "# 안녕, RNN")
        try korean.write(toFile: directory + "/ko/01-hello.md", atomically: true, encoding: .utf8)
        let catalog = Catalog.load(directory: directory, language: .korean)
        #expect(catalog.names == ["hello", "two"])
        #expect(catalog.lesson(named: "hello")?.title == "안녕, RNN")
        #expect(catalog.lesson(named: "hello")?.file == directory + "/ko/01-hello.md")
        #expect(catalog.inEnglish == ["two"])
        #expect(catalog.errors.isEmpty)
        let english = Catalog.load(directory: directory, language: .english)
        #expect(english.lesson(named: "hello")?.title == "Hello, RNN" && english.inEnglish.isEmpty)
        // No Korean folder at all: every lesson in English, and said so.
        try FileManager.default.removeItem(atPath: directory + "/ko")
        #expect(Catalog.load(directory: directory, language: .korean).inEnglish == ["hello", "two"])
    }

    @Test func theKoreanPlayerSpeaksKorean() throws {
        let fake = FakeExecutor()
        let player = LessonPlayer(executor: fake, progress: nil)
        player.language = .korean
        player.start(try parsedExample())
        #expect(fake.take().contains("── hello · 1/7단계 · The task ──"))
        player.next()
        _ = fake.take()
        #expect(!player.next())
        #expect(fake.take().contains("이 단계는 명령 입력을 기다립니다"))
        player.observe(command: "step", succeeded: true)
        #expect(fake.take().contains("✓ 바로 그겁니다."))
        player.next()
        _ = fake.take()
        #expect(!player.answer("2"))
        #expect(fake.take() == "✗ 2: 너무 큽니다. 힌트: Four letters, each equally likely: -ln(1/4).\n")
        #expect(player.answer("ln 4"))
        #expect(fake.take().hasPrefix("✓ 정답입니다(1.386 ± 0.05)."))
        #expect(player.where().hasPrefix("hello, 3/7단계: Loss at the start"))
    }
}
