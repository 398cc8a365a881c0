import Foundation

/// How far a learner got in one lesson.
public struct LessonProgress: Codable, Sendable, Equatable {
    /// The step the learner is at, 1-based.
    public var step: Int
    /// The furthest step reached, 1-based (steps before it count as done when the learner goes back).
    public var reached: Int
    /// Whether the learner went past the last step at least once.
    public var finished: Bool

    /// Creates a progress record.
    public init(step: Int, reached: Int, finished: Bool) {
        self.step = step
        self.reached = reached
        self.finished = finished
    }
}

/// The learner's progress in every lesson, kept as JSON in one file (`~/.charrnn/progress.json`).
///
/// ```json
/// {"version": 1, "lastLesson": "hello", "lessons": {"hello": {"step": 3, "reached": 5, "finished": false}}}
/// ```
/// Writes are atomic (a temporary file beside it, then `rename`). A file that cannot be read as
/// progress is renamed aside (`progress.json.corrupt-20260101T120000Z`) and the learner starts fresh.
public struct ProgressStore: Sendable, Equatable {
    /// The JSON file.
    public let path: String
    /// Progress per lesson name.
    public private(set) var lessons: [String: LessonProgress]
    /// The lesson the learner played last (the shell may offer to resume it).
    public var lastLesson: String?

    /// An empty store that will save to `path`.
    public init(path: String) {
        self.path = path
        self.lessons = [:]
        self.lastLesson = nil
    }

    /// Progress in one lesson, if any was recorded.
    public subscript(lesson name: String) -> LessonProgress? {
        get { lessons[name] }
        set { lessons[name] = newValue }
    }

    // MARK: - Loading

    /// Loads the store at `path`. A missing file gives an empty store. An unreadable or corrupted
    /// file gives an empty store and a one-line warning for the learner, after renaming the file
    /// aside (`PATH.corrupt-TIMESTAMP`). Never throws.
    public static func load(path: String, now: Date = Date()) -> (store: ProgressStore, warning: String?) {
        var store = ProgressStore(path: path)
        guard FileManager.default.fileExists(atPath: path) else { return (store, nil) }
        let reason: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let file = try JSONDecoder().decode(FileFormat.self, from: data)
            guard file.version == 1 else { throw FormatProblem.version(file.version) }
            store.lessons = file.lessons
            store.lastLesson = file.lastLesson
            return (store, nil)
        } catch let problem as FormatProblem {
            reason = problem.message
        } catch is DecodingError {
            reason = "not valid progress JSON"
        } catch {
            reason = "cannot read it (\(error.localizedDescription))"
        }
        let aside = path + ".corrupt-" + timestamp(now)
        if rename(path, aside) == 0 {
            return (
                store,
                "progress file \(path) was unreadable (\(reason)); set aside as \(aside); starting fresh"
            )
        }
        return (
            store,
            "progress file \(path) was unreadable (\(reason)) and could not be set aside; starting fresh"
        )
    }

    // MARK: - Saving

    /// Writes the store atomically, creating the directory if needed.
    public func save() throws(ProgressSaveError) {
        let file = FileFormat(version: 1, lastLesson: lastLesson, lessons: lessons)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: path)
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            let data = try encoder.encode(file)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ProgressSaveError(path: path, reason: error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ProgressSaveError(path: path, reason: reason)
        }
    }

    // MARK: - File format

    private struct FileFormat: Codable {
        var version: Int
        var lastLesson: String?
        var lessons: [String: LessonProgress]
    }

    private enum FormatProblem: Error {
        case version(Int)
        var message: String {
            switch self {
            case .version(let version): return "unknown version \(version)"
            }
        }
    }

    /// `20260101T120000Z`, in UTC.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

/// Progress could not be written.
public struct ProgressSaveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The progress file.
    public let path: String
    /// Why, from the system.
    public let reason: String

    /// One line for the learner.
    public var description: String { "could not save progress to \(path): \(reason)" }
}
