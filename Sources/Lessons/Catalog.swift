import Foundation

/// Every lesson in a directory, and the errors of the files that did not load.
///
/// Lesson files end in `.md`; `README.md` and names starting with `.` or `_` are not lessons.
/// Lessons are ordered by file name, so an ordering prefix (`01-hello.md`, `02-shakespeare.md`)
/// sets the order without being part of the lesson's name.
public struct Catalog: Sendable, Equatable {
    /// The lessons that loaded, in file-name order.
    public let lessons: [Lesson]
    /// One error per file that did not load (`FILE:LINE: message`).
    public let errors: [LessonFileError]

    /// Creates a catalog from lessons and errors.
    public init(lessons: [Lesson], errors: [LessonFileError]) {
        self.lessons = lessons
        self.errors = errors
    }

    /// The lesson named `name`, if it loaded.
    public func lesson(named name: String) -> Lesson? {
        lessons.first { $0.name == name }
    }

    /// The number of steps of each lesson, by name (progress is clamped to it).
    public var stepCounts: [String: Int] {
        Dictionary(lessons.map { ($0.name, $0.steps.count) }, uniquingKeysWith: { first, _ in first })
    }

    /// Lesson names, for completion and suggestions.
    public var names: [String] { lessons.map(\.name) }

    /// The names of the lessons shown in English because the language asked for has no twin of them.
    public var inEnglish: Set<String> = []

    /// Loads the lessons of `language`: the English lessons of `directory`, each replaced by its
    /// twin of the same file name in the language's folder (`directory/ko/01-hello.md`) when there
    /// is one; a lesson without a twin stays English and is named in ``inEnglish``. A lesson only
    /// in the language's folder comes after the others. The errors of both folders are kept.
    public static func load(directory: String, language: LessonLanguage) -> Catalog {
        let english = load(directory: directory)
        guard let folder = language.folder else { return english }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let path = base + "/" + folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            var all = english
            all.inEnglish = Set(english.names)
            return all
        }
        let translated = load(directory: path)
        var lessons: [Lesson] = []
        var inEnglish: Set<String> = []
        for lesson in english.lessons {
            if let twin = translated.lesson(named: lesson.name) {
                lessons.append(twin)
            } else {
                lessons.append(lesson)
                inEnglish.insert(lesson.name)
            }
        }
        lessons += translated.lessons.filter { english.lesson(named: $0.name) == nil }
        var catalog = Catalog(lessons: lessons, errors: english.errors + translated.errors)
        catalog.inEnglish = inEnglish
        return catalog
    }

    /// Loads every lesson file in `directory`. A malformed file adds an error and the others
    /// still load; a directory that cannot be read gives one error and no lessons.
    public static func load(directory: String) -> Catalog {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return Catalog(
                lessons: [],
                errors: [
                    LessonFileError(
                        file: directory, line: 0, problem: .unreadable(error.localizedDescription))
                ])
        }
        var lessons: [Lesson] = []
        var errors: [LessonFileError] = []
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        for name in files.filter(isLessonFile).sorted() {
            let path = base + "/" + name
            // A name that could drive the terminal is not printed as it is, nor loaded.
            guard !name.unicodeScalars.contains(where: isControl) else {
                let shown = String(String.UnicodeScalarView(name.unicodeScalars.map { isControl($0) ? "?" : $0 }))
                errors.append(LessonFileError(file: base + "/" + shown, line: 0, problem: .controlCharacterInName))
                continue
            }
            do {
                let lesson = try LessonParser.parse(contentsOf: URL(fileURLWithPath: path), file: path)
                if let first = lessons.first(where: { $0.name == lesson.name }) {
                    errors.append(
                        LessonFileError(
                            file: path, line: 0, problem: .duplicateName(lesson.name, other: first.file)))
                } else {
                    lessons.append(lesson)
                }
            } catch {
                errors.append(error)
            }
        }
        return Catalog(lessons: lessons, errors: errors)
    }

    /// Whether a character is a C0 or C1 control or DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Whether a file name is a lesson: `*.md`, not `README.md`, not hidden or `_`-prefixed.
    static func isLessonFile(_ name: String) -> Bool {
        name.hasSuffix(".md") && name.lowercased() != "readme.md" && !name.hasPrefix(".")
            && !name.hasPrefix("_")
    }
}
