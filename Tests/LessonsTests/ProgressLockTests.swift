// Progress is a read-modify-write under a lock: two shells advancing different lessons keep both;
// values read from the file are clamped; a malformed or strange progress file is a warning.

import Foundation
import TestSupport
import Testing

@testable import Lessons

@Suite struct ProgressLockTests {
    @Test func twoStoresAdvancingDifferentLessonsKeepBoth() throws {
        let path = temporaryDirectory("lessons-tests") + "/progress.json"
        var first = ProgressStore.load(path: path).store
        var second = ProgressStore.load(path: path).store
        first[lesson: "hello"] = LessonProgress(step: 3, reached: 3, finished: false)
        first.lastLesson = "hello"
        try first.save()
        second[lesson: "bptt"] = LessonProgress(step: 5, reached: 6, finished: false)
        second.lastLesson = "bptt"
        try second.save()
        first[lesson: "hello"] = LessonProgress(step: 4, reached: 4, finished: false)
        try first.save()

        let stored = ProgressStore.load(path: path)
        #expect(stored.warning == nil)
        #expect(stored.store[lesson: "hello"] == LessonProgress(step: 4, reached: 4, finished: false))
        #expect(stored.store[lesson: "bptt"] == LessonProgress(step: 5, reached: 6, finished: false))
        // The last lesson is the one set last; the first store now also holds the other's lesson.
        #expect(stored.store.lastLesson == "bptt")
        #expect(first[lesson: "bptt"] == LessonProgress(step: 5, reached: 6, finished: false))
    }

    @Test func concurrentSavesFromTwoThreadsLoseNothing() throws {
        let path = temporaryDirectory("lessons-tests") + "/progress.json"
        let rounds = 60
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            var store = ProgressStore.load(path: path).store
            let name = thread == 0 ? "hello" : "lstm"
            for round in 1...rounds {
                store[lesson: name] = LessonProgress(step: round, reached: round, finished: false)
                do { try store.save() } catch { failures.add(String(describing: error)) }
            }
        }
        #expect(failures.all.isEmpty)
        let store = ProgressStore.load(path: path).store
        #expect(store[lesson: "hello"]?.step == rounds)
        #expect(store[lesson: "lstm"]?.step == rounds)
    }

    @Test func valuesAreClampedOnRead() throws {
        let path = temporaryDirectory("lessons-tests") + "/progress.json"
        try """
        {"version": 1, "lastLesson": "hello", "lessons": {
          "hello": {"step": 9223372036854775807, "reached": 9223372036854775807, "finished": false},
          "bptt": {"step": -5, "reached": -9223372036854775808, "finished": false}}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        var (store, warning) = ProgressStore.load(path: path)
        #expect(warning == nil)
        #expect(store[lesson: "bptt"] == LessonProgress(step: 0, reached: 0, finished: false))
        store.clamp(stepCounts: ["hello": 7])
        #expect(store[lesson: "hello"] == LessonProgress(step: 7, reached: 7, finished: false))
        // Resuming from such a record starts at the last step, not past it (and never traps).
        let lesson = try parsedExample()
        let player = LessonPlayer(executor: FakeExecutor(), progress: ProgressStore.load(path: path).store)
        player.resume(lesson)
        #expect(player.promptLabel == "hello 7/7")
    }

    @Test(arguments: [
        ("{\"version\": 1, \"lessons\": {\"hello\": {\"step\": 1e400}}}", "not valid progress JSON"),
        (
            "{\"version\": 1, \"lessons\": {\"hello\": {\"step\": 99999999999999999999, \"reached\": 1, \"finished\": false}}}",
            "not valid progress JSON"
        ),
        ("{\"version\": 2, \"lessons\": {}}", "unknown version 2"),
        ("\u{0}\u{1}garbage", "not valid progress JSON"),
    ])
    func malformedFilesAreOneLineWarnings(_ contents: String, _ reason: String) throws {
        let path = temporaryDirectory("lessons-tests") + "/progress.json"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        let (store, warning) = ProgressStore.load(path: path)
        #expect(store.lessons.isEmpty)
        #expect(warning?.contains(reason) == true)
        #expect(warning?.contains("\n") == false)
    }

    @Test func savingKeepsTheModeAndFollowsNoPlantedLink() throws {
        let directory = temporaryDirectory("lessons-tests")
        let path = directory + "/progress.json"
        var store = ProgressStore(path: path)
        store[lesson: "hello"] = LessonProgress(step: 1, reached: 1, finished: false)
        try store.save()
        #expect(chmod(path, 0o600) == 0)
        // A link where the lock file goes, and one where this process's temporary file goes.
        let target = directory + "/target"
        try "untouched".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: path + ".lock")
        try FileManager.default.createSymbolicLink(atPath: path + ".lock", withDestinationPath: target)
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: target)
        store[lesson: "hello"] = LessonProgress(step: 2, reached: 2, finished: false)
        #expect(throws: ProgressSaveError.self) { try store.save() }  // the lock is a link: refused
        try FileManager.default.removeItem(atPath: path + ".lock")
        try store.save()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "untouched")
        #expect(ProgressStore.load(path: path).store[lesson: "hello"]?.step == 2)
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o600)
    }

    @Test func aFifoOrDirectoryIsNeitherReadNorReplaced() throws {
        let directory = temporaryDirectory("lessons-tests")
        let fifo = directory + "/progress.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Reading a FIFO would block until a writer comes: it is refused by stat first.
        let (store, warning) = ProgressStore.load(path: fifo)
        #expect(warning == "progress file \(fifo) is a FIFO, not a file: progress is not kept")
        var changed = store
        changed[lesson: "hello"] = LessonProgress(step: 1, reached: 1, finished: false)
        #expect(throws: ProgressSaveError.self) { try changed.save() }
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
        #expect(!FileManager.default.fileExists(atPath: fifo + ".lock"))  // nothing was created beside it

        let folder = directory + "/folder.json"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(
            ProgressStore.load(path: folder).warning == "progress file \(folder) is a directory, not a file: progress is not kept"
        )
        #expect(FileManager.default.fileExists(atPath: folder))
    }
}

/// Errors collected from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.withLock { list.append(failure) } }
    var all: [String] { lock.withLock { list } }
}
