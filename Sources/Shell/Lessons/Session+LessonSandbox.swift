import Foundation
import Lessons

// A lesson file is someone else's program: the learner may have downloaded it. Before the shell
// runs a lesson's command (a `$` line, a solution, a command replayed on resume) or evaluates a
// value that reads a file (`{{eval loss of FILE}}`), it checks it here:
//
// - paths it writes resolve inside the lesson's work folder, `~/.charrnn/lessons/NAME/` (beside
//   the progress file); paths it reads resolve there, or in the lessons' own folder (its
//   `checkpoints/`), or among the corpora, and must be regular files;
// - absolute paths, `~`, `..`, `run FILE`, `quit`, and the lesson commands (a nested `lesson`)
//   are refused, with one line naming the lesson file and line;
// - `set checkpoint-file` points inside the work folder; like every setting, it stays with the
//   lesson's workspace when the lesson ends (`Session+LessonWorkspace.swift`).
//
// The learner's own commands, typed at the prompt inside a lesson, are not checked.

/// A lesson's command or value that the shell will not run: `lessons/evil.md:12: a lesson may not
/// write outside its work folder: save /tmp/x`.
struct LessonRefusal: Error, CustomStringConvertible {
    let location: LessonLocation
    /// What the lesson may not do ("a lesson may not write outside its work folder"), or why its
    /// folder cannot be used, in the learner's language.
    let reason: @Sendable (ShellWords) -> String
    /// The command or value as written.
    let text: String

    var description: String { description(in: ShellWords(.english)) }

    /// `FILE:LINE: reason: command`, the reason in `words`' language.
    func description(in words: ShellWords) -> String { words(.refusal, "\(location)", reason(words), text) }
}

/// The folders one lesson may use: it writes in its work folder and reads there, in the folder
/// of its lesson file and among the corpora.
struct LessonSandbox {
    /// The work folder, absolute: `~/.charrnn/lessons/NAME`.
    let workFolder: String
    /// Where reads are looked for, in order: the work folder, the lesson file's folder, the corpora.
    let readFolders: [String]

    /// Why a path is refused (the start of ``LessonRefusal/reason``).
    enum Problem: Error {
        case writeOutside, readOutside, notRegular(String)
        /// The work folder cannot be made (the folder, and the reason from the system).
        case workFolder(String, String)
        var reason: String { reason(ShellWords(.english)) }

        /// The reason in `words`' language.
        func reason(_ words: ShellWords) -> String {
            switch self {
            case .writeOutside: return words(.mayNotWriteOutside)
            case .readOutside: return words(.mayNotReadOutside)
            case .notRegular(let what): return words(.mayNotUseAsFile, what)
            case .workFolder(let folder, let why): return words(.workFolderUnmade, folder, why)
            }
        }
    }

    /// The work folder's name for a lesson: its name with anything but letters, digits, `-`, `_`
    /// and `.` replaced by `_` (never `.` or `..`).
    static func folderName(_ lesson: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        let name = String(lesson.map { allowed.contains($0) ? $0 : "_" })
        return name.isEmpty || name.allSatisfy({ $0 == "." }) ? "_" + name : name
    }

    /// The components of a path a lesson may name: relative, without `~`, `..` or control
    /// characters. Nil when it may not.
    static func relativeComponents(_ path: String) -> [String]? {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("~"),
            !path.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        else { return nil }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.isEmpty, !components.contains("..") else { return nil }
        return components
    }

    /// Whether a word of a command the sandbox does not know could name a file outside the work
    /// folder: absolute, `~`, or `..` (also `--option=/path`).
    static func looksLikePathOut(_ word: String) -> Bool {
        let value = word.hasPrefix("--") ? String(word.drop { $0 != "=" }.dropFirst()) : word
        return value.hasPrefix("/") || value.hasPrefix("~") || value.split(separator: "/").contains("..")
    }

    /// The real path of `path` (symbolic links resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` is `folder` or inside it (both real paths).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    /// Creates the work folder (mode 0700) if needed and returns its real path.
    func makeWorkFolder() throws(Problem) -> String {
        do {
            try FileManager.default.createDirectory(
                atPath: workFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw .workFolder(workFolder, (error as NSError).localizedFailureReason ?? error.localizedDescription) }
        guard let real = LessonSandbox.realPath(workFolder) else {
            throw .workFolder(workFolder, String(cString: strerror(errno)))
        }
        return real
    }

    /// Where the lesson's `path` is written: inside the work folder (its folders are created).
    /// An existing symbolic link or non-regular file there is refused.
    func writePath(_ path: String) throws(Problem) -> String {
        guard let components = LessonSandbox.relativeComponents(path) else { throw .writeOutside }
        let root = try makeWorkFolder()
        let target = root + "/" + components.joined(separator: "/")
        let parent = (target as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw .writeOutside
        }
        guard let realParent = LessonSandbox.realPath(parent), LessonSandbox.isInside(realParent, root) else {
            throw .writeOutside
        }
        var status = stat()
        if lstat(target, &status) == 0 {
            guard status.st_mode & S_IFMT != S_IFLNK else { throw .writeOutside }
            if let what = LessonSandbox.kind(status) { throw .notRegular(what) }
        }
        return realParent + "/" + components.last!
    }

    /// Where the lesson's `path` is read: the first of the read folders that holds it, as a real
    /// path that must stay inside one of them and be a regular file. When none holds it: the
    /// path in the work folder (the command then says it is not there).
    func readPath(_ path: String) throws(Problem) -> String {
        guard let components = LessonSandbox.relativeComponents(path) else { throw .readOutside }
        let work = try makeWorkFolder()
        let roots = [work] + readFolders.dropFirst().compactMap(LessonSandbox.realPath)
        let relative = components.joined(separator: "/")
        for root in roots {
            let candidate = root + "/" + relative
            var status = stat()
            guard lstat(candidate, &status) == 0 else { continue }
            guard let real = LessonSandbox.realPath(candidate), roots.contains(where: { LessonSandbox.isInside(real, $0) })
            else { throw .readOutside }
            guard stat(real, &status) == 0 else { throw .readOutside }
            if let what = LessonSandbox.kind(status) { throw .notRegular(what) }
            return real
        }
        return work + "/" + relative
    }

    /// "a directory", "a FIFO", "a device" …, or nil for a regular file.
    static func kind(_ status: stat) -> String? {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        default: return "something that is not a regular file"
        }
    }
}

extension LessonContext {
    /// The folder under which each lesson gets its work folder: `lessons/` beside the progress file
    /// (`~/.charrnn/lessons`); `~/.charrnn/lessons` when the progress "file" is a device or FIFO.
    var workRoot: String {
        let progress = player?.progress?.path ?? LessonContext.defaultProgressPath
        var status = stat()
        if lstat(progress, &status) == 0, LessonSandbox.kind(status) != nil, status.st_mode & S_IFMT != S_IFLNK {
            let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return home + "/.charrnn/lessons"
        }
        return URL(fileURLWithPath: progress).deletingLastPathComponent().appendingPathComponent("lessons").path
    }
}

extension Session {
    /// The sandbox of the lesson written in `file`.
    func lessonSandbox(for file: String) -> LessonSandbox {
        let name = LessonSandbox.folderName(LessonParser.lessonName(forFile: file))
        let work = lessonContext.workRoot + "/" + name
        let lessonFolder = LessonLanguage.lessonsFolder(of: file)  // lessons/ko/… reads lessons/ as the English twin does
        return LessonSandbox(workFolder: work, readFolders: [work, lessonFolder] + [library.directory].compactMap { $0 })
    }

    /// The commands a lesson may not run at all, and why.
    static let commandsRefusedToLessons: [String: ShellMessage] = [
        "run": .mayNotRunScript, "quit": .mayNotQuit, "lesson": .mayNotStartLesson, "lessons": .mayNotListLessons,
        "next": .mayNotMoveThroughLessons, "back": .mayNotMoveThroughLessons, "again": .mayNotMoveThroughLessons,
        "hint": .mayNotMoveThroughLessons, "skip": .mayNotMoveThroughLessons, "where": .mayNotMoveThroughLessons,
        "leave": .mayNotMoveThroughLessons, "answer": .mayNotAnswer,
    ]

    /// The commands that read and write no files (their words are text, numbers or names).
    static let commandsWithoutFiles: Set<String> = [
        "sample", "predict", "step", "trace", "unstep", "goto", "reset", "show", "status", "stop", "plot", "backward",
        "backstep", "update", "gradcheck", "model", "preset", "help", "toy", "set",
    ]

    /// `command` as a lesson may run it, written at `location`: its paths resolved in the lesson's
    /// folders (the command rewritten with them), or a refusal. A line that does not tokenize or
    /// names no command is returned as it is (running it reports the error).
    func sandboxed(_ command: String, at location: LessonLocation) throws(LessonRefusal) -> String {
        guard let words = try? tokenize(command), let first = words.first,
            let name = CommandRegistry.command(named: first)?.name
        else { return command }
        func refuse(_ reason: @escaping @Sendable (ShellWords) -> String) -> LessonRefusal {
            LessonRefusal(location: location, reason: reason, text: command)
        }
        func refuse(_ problem: LessonSandbox.Problem) -> LessonRefusal {
            LessonRefusal(location: location, reason: { problem.reason($0) }, text: command)
        }
        if let reason = Session.commandsRefusedToLessons[name] { throw refuse { $0(reason) } }
        let sandbox = lessonSandbox(for: location.file)
        var rewritten = words
        var changed = false
        /// Replaces the word at `index` (or the value after `=` in it) by its checked path.
        func check(_ index: Int, write: Bool, afterEquals: Bool = false) throws(LessonRefusal) {
            let word = rewritten[index]
            let prefix = afterEquals ? String(word[...word.firstIndex(of: "=")!]) : ""
            let path = String(word.dropFirst(prefix.count))
            let resolved: String
            do { resolved = write ? try sandbox.writePath(path) : try sandbox.readPath(path) } catch {
                throw refuse(error)
            }
            rewritten[index] = prefix + resolved
            changed = true
        }
        /// The value of `--option` (either `--option VALUE` or `--option=VALUE`), checked unless it is a keyword.
        func checkOption(_ option: String, write: Bool, keywords: Set<String> = []) throws(LessonRefusal) {
            var index = 1
            while index < rewritten.count {
                let word = rewritten[index]
                if word == "--" + option, index + 1 < rewritten.count {
                    if !keywords.contains(rewritten[index + 1]) { try check(index + 1, write: write) }
                    index += 2
                    continue
                }
                if word.hasPrefix("--" + option + "="), !keywords.contains(String(word.dropFirst(option.count + 3))) {
                    try check(index, write: write, afterEquals: true)
                }
                index += 1
            }
        }
        // `save` parses options (its file is the first word that is not one); `load` and `corpus`
        // take their first word as it is, even `--x`.
        let saved = words.indices.dropFirst().first { !words[$0].hasPrefix("--") }
        let firstWord = words.count > 1 ? 1 : nil
        switch name {
        case "save":
            if let saved { try check(saved, write: true) }
        case "load":
            if let firstWord { try check(firstWord, write: false) }
        case "corpus":
            if let firstWord, words[firstWord] != "hello", library.path(of: words[firstWord]) == nil {
                try check(firstWord, write: false)
            }
        case "cells", "cell":
            try checkOption("text", write: false, keywords: Set(["corpus", "hello"] + library.names))
            try checkOption("html", write: true)
        case "gradflow":
            try checkOption("compare", write: false, keywords: ["lstm"])
        case "set" where words.count >= 3 && words[1] == "checkpoint-file":
            try check(2, write: true)
        case "train":
            let settings = self.workspace.settings
            if settings.checkpointEvery > 0 {
                let file = URL(fileURLWithPath: settings.checkpointFile).deletingLastPathComponent().path
                let work = try? sandbox.makeWorkFolder()
                guard let work, let real = LessonSandbox.realPath(file), LessonSandbox.isInside(real, work) else {
                    throw refuse { $0(.mayNotCheckpointOutside, String(settings.checkpointEvery), settings.checkpointFile) }
                }
            }
        case _ where Session.commandsWithoutFiles.contains(name):
            break
        default:
            // A command this table does not know (a new one): no word may look like a path out.
            if words.dropFirst().contains(where: LessonSandbox.looksLikePathOut) {
                throw refuse { $0(.mayNotNamePathOutside) }
            }
        }
        guard changed else { return command }
        return rewritten.map(quotedWord).joined(separator: " ")
    }

    /// The value `expression` as a lesson may read it: a file it names (`eval loss of FILE`, `checkpoint FILE KEY`)
    /// resolved in the lesson's folders, or a refusal.
    func sandboxedValue(_ expression: String, at location: LessonLocation) throws -> String {
        let (term, arguments) = try LessonTerm.match(expression, kind: .value)
        let readsFile = term.words == ["eval", "loss", "of"] || term.words == ["checkpoint"]
        guard readsFile, let path = arguments.first else { return try term.evaluate(self, arguments) }
        let checked: String
        do { checked = try lessonSandbox(for: location.file).readPath(path) } catch {
            throw LessonRefusal(location: location, reason: { error.reason($0) }, text: "{{\(expression)}}")
        }
        return try term.evaluate(self, [checked] + arguments.dropFirst())
    }

    /// Runs a lesson's command after checking it; a refused one is reported in one line and fails.
    /// What it sets stays in the lesson's workspace (see `Session+LessonWorkspace.swift`).
    func executeSandboxed(_ command: String, at location: LessonLocation) -> Bool {
        let checked: String
        do { checked = try sandboxed(command, at: location) } catch {
            output.error(error.description(in: shellWords))
            return false
        }
        return run(line: limitedForTest(checked))
    }
}

/// A word written so that `tokenize` reads it back as it is.
func quotedWord(_ word: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@%")
    if !word.isEmpty, word.allSatisfy({ plain.contains($0) }), !word.hasPrefix("#") { return word }
    if !word.contains("'") { return "'" + word + "'" }
    return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
