@preconcurrency import CReadline
@preconcurrency import Glibc

/// GNU readline's history list and its file. The list is process-global (readline's), so these
/// are static functions; call them from the shell's thread only.
public enum ReadlineHistory {
    /// Expands a leading `~` or `~/` with `$HOME`.
    public static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        return home + path.dropFirst()
    }

    /// Why the file at `path` cannot be the history file ("is a FIFO (a named pipe)", "is a
    /// directory", "is a device"), or nil when it is a regular file or does not exist yet.
    /// Checked with `stat` before anything opens it: opening a FIFO would block every command.
    public static func fileProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(expandingTilde(path), &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "is a FIFO (a named pipe)"
        case S_IFCHR, S_IFBLK: return "is a device"
        case S_IFSOCK: return "is a socket"
        default: return "is not a regular file"
        }
    }

    /// Bounds the list to `limit` entries (`stifle_history`) and reads `path` if it exists.
    /// Returns 0 or the `errno` of the read (`ENOENT` for a missing file is harmless; `EINVAL`
    /// when the path is not a regular file, see ``fileProblem(_:)``: it is not opened).
    @discardableResult
    public static func load(from path: String, limit: Int) -> Int32 {
        setLimit(limit)
        if fileProblem(path) != nil { return EINVAL }
        return read_history(expandingTilde(path))
    }

    /// Keeps at most `limit` entries in the list (`stifle_history`); older ones are dropped.
    public static func setLimit(_ limit: Int) { stifle_history(Int32(max(0, limit))) }

    /// Whether `line` belongs in history: not blank, and not the same as the newest entry.
    public static func shouldRecord(_ line: String, after previous: String?) -> Bool {
        if line.allSatisfy({ $0.isWhitespace }) { return false }
        return line != previous
    }

    /// Adds `line` to the list if ``shouldRecord(_:after:)`` allows it. Returns whether it did.
    @discardableResult
    public static func add(_ line: String) -> Bool {
        guard shouldRecord(line, after: entries.last) else { return false }
        add_history(line)
        return true
    }

    /// Appends the newest entry to `path` and trims the file to `limit` lines, so two shells
    /// open at once both keep their lines. Creates the file (mode 0600) if needed.
    @discardableResult
    public static func appendNewest(to path: String, limit: Int) -> Int32 {
        let file = expandingTilde(path)
        if fileProblem(file) != nil { return EINVAL }
        if access(file, F_OK) != 0 { return write_history(file) }
        let rc = append_history(1, file)
        if rc != 0 { return rc }
        return history_truncate_file(file, Int32(limit))
    }

    /// Writes the whole list to `path` (replacing it).
    @discardableResult
    public static func save(to path: String) -> Int32 {
        if fileProblem(path) != nil { return EINVAL }
        return write_history(expandingTilde(path))
    }

    /// The entries, oldest first.
    public static var entries: [String] {
        var result: [String] = []
        let count = Int(history_length)
        result.reserveCapacity(count)
        for offset in 0..<count {
            if let entry = history_get(history_base + Int32(offset)), let text = entry.pointee.line {
                result.append(String(cString: text))
            }
        }
        return result
    }

    /// Empties the list (the file is untouched).
    public static func clear() { clear_history() }
}
