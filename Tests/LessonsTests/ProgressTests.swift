import Foundation
import TestSupport
import Testing

@testable import Lessons

@Suite struct ProgressTests {
    @Test func progressIsSavedAndRestored() throws {
        let path = temporaryDirectory("lessons-tests") + "/sub/progress.json"
        let lesson = try parsedExample()
        let first = LessonPlayer(executor: FakeExecutor(), progress: ProgressStore.load(path: path).store)
        first.start(lesson)
        first.skip()
        first.skip()
        first.back()
        first.leave()
        #expect(!first.isActive)

        let (store, warning) = ProgressStore.load(path: path)
        #expect(warning == nil)
        #expect(store[lesson: "hello"] == LessonProgress(step: 2, reached: 3, finished: false))
        #expect(store.lastLesson == "hello")
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers.sorted() == ["progress.json", "progress.json.lock"])  // the lock stays (it is empty)

        let fake = FakeExecutor()
        let second = LessonPlayer(executor: fake, progress: store)
        second.resume(lesson)
        #expect(second.promptLabel == "hello 2/7")
        #expect(fake.text.contains("Resuming hello at step 2 of 7."))
        // The do: step was done before leaving: it lets the learner go on.
        #expect(second.next())
        #expect(second.stepIndex == 2)
        #expect(second.isAwaitingAnswer)
    }

    @Test func finishedLessonIsRememberedAndStartsOver() throws {
        let path = temporaryDirectory("lessons-tests") + "/progress.json"
        let lesson = try parsedExample()
        let player = LessonPlayer(executor: FakeExecutor(), progress: ProgressStore(path: path))
        player.start(lesson)
        for _ in 0..<7 { player.skip() }
        #expect(!player.isActive)
        let store = ProgressStore.load(path: path).store
        #expect(store[lesson: "hello"] == LessonProgress(step: 7, reached: 7, finished: true))
        let again = LessonPlayer(executor: FakeExecutor(), progress: store)
        again.resume(lesson)
        #expect(again.stepIndex == 0)
        #expect(again.progress?[lesson: "hello"]?.finished == true)
    }

    @Test(arguments: [
        "{not json", "{\"version\": 2, \"lessons\": {}}", "{\"version\": 1, \"lessons\": {\"hello\": 3}}",
    ])
    func corruptedProgressIsSetAside(_ contents: String) throws {
        let directory = temporaryDirectory("lessons-tests")
        let path = directory + "/progress.json"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00:00 UTC
        let (store, warning) = ProgressStore.load(path: path, now: now)
        #expect(store.lessons.isEmpty)
        let aside = path + ".corrupt-20260101T000000Z"
        #expect(warning?.contains("set aside as \(aside); starting fresh") == true)
        #expect(warning?.contains("\n") == false)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try String(contentsOfFile: aside, encoding: .utf8) == contents)

        // The learner starts fresh, and progress is saved again.
        let player = LessonPlayer(executor: FakeExecutor(), progress: store)
        player.start(try parsedExample())
        player.next()
        #expect(ProgressStore.load(path: path).store[lesson: "hello"]?.step == 2)
    }

    @Test func missingFileIsAFreshStart() throws {
        let (store, warning) = ProgressStore.load(path: temporaryDirectory("lessons-tests") + "/none.json")
        #expect(store.lessons.isEmpty)
        #expect(warning == nil)
    }

    @Test func unwritableProgressIsReportedOnce() throws {
        let directory = temporaryDirectory("lessons-tests")
        try "x".write(toFile: directory + "/file", atomically: true, encoding: .utf8)
        let fake = FakeExecutor()
        let player = LessonPlayer(
            executor: fake, progress: ProgressStore(path: directory + "/file/progress.json"))
        player.start(try parsedExample())
        player.next()
        #expect(fake.text.components(separatedBy: "could not save progress").count == 2)
    }
}

@Suite struct CatalogTests {
    @Test func malformedFilesDoNotStopTheOthers() throws {
        let directory = temporaryDirectory("lessons-tests")
        try exampleLesson.write(toFile: directory + "/01-hello.md", atomically: true, encoding: .utf8)
        try "# Broken\nsummary\n## S\nask: Why?\n".write(
            toFile: directory + "/02-broken.md", atomically: true, encoding: .utf8)
        try "# Later\nAnother one.\n## S\nText.\n".write(
            toFile: directory + "/03-later.md", atomically: true, encoding: .utf8)
        try "# Not a lesson\n".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        try "notes".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let catalog = Catalog.load(directory: directory)
        #expect(catalog.names == ["hello", "later"])
        #expect(catalog.lesson(named: "later")?.summary == "Another one.")
        #expect(catalog.errors.count == 1)
        #expect(
            catalog.errors.first?.description
                == "\(directory)/02-broken.md:4: ask: has no answer: add a line \"answer: ...\"")
    }

    @Test func missingDirectoryIsOneError() {
        let catalog = Catalog.load(directory: "/nonexistent/lessons")
        #expect(catalog.lessons.isEmpty)
        #expect(catalog.errors.count == 1)
        #expect(catalog.errors.first?.file == "/nonexistent/lessons")
    }
}
