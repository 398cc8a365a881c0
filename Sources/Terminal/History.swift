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

    /// Bounds the list to `limit` entries (`stifle_history`) and reads `path` if it exists.
    /// Returns 0 or the `errno` of the read (`ENOENT` for a missing file is harmless).
    @discardableResult
    public static func load(from path: String, limit: Int) -> Int32 {
        setLimit(limit)
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
        if access(file, F_OK) != 0 { return write_history(file) }
        let rc = append_history(1, file)
        if rc != 0 { return rc }
        return history_truncate_file(file, Int32(limit))
    }

    /// Writes the whole list to `path` (replacing it).
    @discardableResult
    public static func save(to path: String) -> Int32 {
        write_history(expandingTilde(path))
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
