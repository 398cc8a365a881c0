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
/// Writes are atomic (a temporary file beside it, then `rename`) and a read-modify-write under an
/// exclusive `flock` on `PATH.lock`: only the lessons changed through this store are written over
/// what is on disk, so two shells advancing different lessons keep both. A file that cannot be
/// read as progress is renamed aside (`progress.json.corrupt-20260101T120000Z`) and the learner
/// starts fresh; a path that is not a regular file (a FIFO, a device) is neither read nor replaced.
public struct ProgressStore: Sendable, Equatable {
    /// The JSON file.
    public let path: String
    /// Progress per lesson name.
    public private(set) var lessons: [String: LessonProgress]
    /// The lesson the learner played last (the shell may offer to resume it).
    public var lastLesson: String? {
        didSet { lastLessonChanged = true }
    }
    /// The lessons changed through this store since it was loaded or saved (what `save` writes).
    private var changed: Set<String> = []
    /// Whether `lastLesson` was set since it was loaded or saved.
    private var lastLessonChanged = false

    /// The largest progress file read, in bytes.
    public static let maximumFileSize = 1 << 20

    /// An empty store that will save to `path`.
    public init(path: String) {
        self.path = path
        self.lessons = [:]
        self.lastLesson = nil
        self.lastLessonChanged = false
    }

    /// Progress in one lesson, if any was recorded.
    public subscript(lesson name: String) -> LessonProgress? {
        get { lessons[name] }
        set {
            lessons[name] = newValue
            changed.insert(name)
        }
    }

    /// Stores are equal when they save to the same file and hold the same progress.
    public static func == (a: ProgressStore, b: ProgressStore) -> Bool {
        a.path == b.path && a.lessons == b.lessons && a.lastLesson == b.lastLesson
    }

    /// Progress values brought into range: steps below 0 become 0, and, for the lessons whose
    /// step counts are given, steps past the last become the last.
    public mutating func clamp(stepCounts: [String: Int]) {
        for (name, progress) in lessons {
            lessons[name] = progress.clamped(to: stepCounts[name])
        }
    }

    // MARK: - Loading

    /// Loads the store at `path`. A missing file gives an empty store. An unreadable or corrupted
    /// file gives an empty store and a one-line warning for the learner, after renaming the file
    /// aside (`PATH.corrupt-TIMESTAMP`); a path that is not a regular file is left where it is.
    /// Negative steps read as 0. Never throws.
    public static func load(path: String, now: Date = Date()) -> (store: ProgressStore, warning: String?) {
        var store = ProgressStore(path: path)
        var status = stat()
        guard lstat(path, &status) == 0 || errno != ENOENT else { return (store, nil) }
        let reason: String
        switch read(path) {
        case .success(let file):
            store.lessons = file.lessons.mapValues { $0.clamped(to: nil) }
            store.lastLesson = file.lastLesson
            store.lastLessonChanged = false
            return (store, nil)
        case .failure(.notRegular(let what)):
            return (store, "progress file \(path) is \(what), not a file: progress is not kept")
        case .failure(let problem):
            reason = problem.message
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

    /// The file's contents, checked: a regular file (by `stat`, before opening), at most
    /// ``maximumFileSize`` bytes, valid progress JSON of version 1.
    private static func read(_ path: String) -> Result<FileFormat, FormatProblem> {
        var status = stat()
        guard stat(path, &status) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if let what = nonRegularKind(status) { return .failure(.notRegular(what)) }
        guard Int(status.st_size) <= maximumFileSize else { return .failure(.tooLarge(Int(status.st_size))) }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        guard fstat(descriptor, &status) == 0, nonRegularKind(status) == nil else { return .failure(.notRegular("not a file")) }
        let data: Data
        do { data = try handle.read(upToCount: maximumFileSize + 1) ?? Data() } catch {
            return .failure(.unreadable(error.localizedDescription))
        }
        guard data.count <= maximumFileSize else { return .failure(.tooLarge(data.count)) }
        let file: FileFormat
        do { file = try JSONDecoder().decode(FileFormat.self, from: data) } catch {
            return .failure(.notJSON)
        }
        guard file.version == 1 else { return .failure(.version(file.version)) }
        return .success(file)
    }

    /// "a directory", "a FIFO", … for what is not a regular file; nil for a regular file.
    static func nonRegularKind(_ status: stat) -> String? {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a regular file"
        }
    }

    // MARK: - Saving

    /// Writes the lessons changed through this store (and `lastLesson`, when set) over what the
    /// file holds now, atomically, under an exclusive lock on `PATH.lock`; creates the directory
    /// if needed. Afterwards the store holds the merged progress (other shells' lessons too).
    public mutating func save() throws(ProgressSaveError) {
        var status = stat()
        // Checked before anything is created beside it (a lock file beside /dev/null, say).
        if lstat(path, &status) == 0, let what = ProgressStore.nonRegularKind(status) {
            throw ProgressSaveError(path: path, reason: "it is \(what); only a regular file is replaced")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ProgressSaveError(path: path, reason: error.localizedDescription)
        }
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else {
            throw ProgressSaveError(path: path, reason: "cannot open its lock file: " + String(cString: strerror(errno)))
        }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw ProgressSaveError(path: path, reason: "cannot lock it: " + String(cString: strerror(errno)))
            }
        }
        defer { flock(lock, LOCK_UN) }

        // Read what is there now; keep every lesson this store did not change.
        var merged = FileFormat(version: 1, lastLesson: nil, lessons: [:])
        if lstat(path, &status) == 0 {
            if let what = ProgressStore.nonRegularKind(status) {
                throw ProgressSaveError(path: path, reason: "it is \(what); only a regular file is replaced")
            }
            if case .success(let file) = ProgressStore.read(path) {
                merged = file
                merged.lessons = file.lessons.mapValues { $0.clamped(to: nil) }
            }
        }
        for name in changed { merged.lessons[name] = lessons[name] }
        merged.lastLesson = lastLessonChanged ? lastLesson : (merged.lastLesson ?? lastLesson)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            let data = try encoder.encode(merged)
            try? FileManager.default.removeItem(atPath: temporary)  // a stale one (or a link planted there)
            try data.write(to: URL(fileURLWithPath: temporary), options: .withoutOverwriting)
            if stat(path, &status) == 0 { chmod(temporary, status.st_mode & 0o7777) }  // keep the file's mode
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ProgressSaveError(path: path, reason: error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ProgressSaveError(path: path, reason: reason)
        }
        lessons = merged.lessons
        lastLesson = merged.lastLesson
        changed = []
        lastLessonChanged = false
    }

    // MARK: - File format

    private struct FileFormat: Codable {
        var version: Int
        var lastLesson: String?
        var lessons: [String: LessonProgress]
    }

    private enum FormatProblem: Error {
        case version(Int)
        case notJSON
        case tooLarge(Int)
        case unreadable(String)
        case notRegular(String)
        var message: String {
            switch self {
            case .version(let version): return "unknown version \(version)"
            case .notJSON: return "not valid progress JSON"
            case .tooLarge(let bytes): return "\(bytes) bytes, more than progress can take"
            case .unreadable(let reason): return "cannot read it (\(reason))"
            case .notRegular(let what): return "it is \(what)"
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

extension LessonProgress {
    /// The record with its steps in range: below 0 read as 0; past `stepCount` (when known) as `stepCount`.
    func clamped(to stepCount: Int?) -> LessonProgress {
        let top = stepCount ?? Int.max
        return LessonProgress(step: min(max(step, 0), top), reached: min(max(reached, 0), top), finished: finished)
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
