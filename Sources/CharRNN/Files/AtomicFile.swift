// AtomicFile — replace a file's contents all at once, or not at all, and never harm what is there.
//
// The recipe: write the new bytes to a temporary file in the same directory as the target
// (`name.tmp-PID-XXXXXXXXXXXXXXXX`), fsync it, then rename(2) it over the target. rename is
// atomic within one file system, so a reader sees either the old file or the new one, never
// half of each; a crash part-way leaves the old file as it was. On any failure the temporary
// file is removed and the target is untouched.
//
// Before anything is written the target is checked (`checkWritable(path:)`): its directory must
// exist and be writable; an existing target must be a regular file (a device, a FIFO or a
// directory is refused: renaming over /dev/null would replace the device node) and writable (a
// read-only file is refused, even for root). The new file keeps the old one's permission bits
// (a new file gets the umask's). A file-size limit (`ulimit -f`) or a full disk is an error, not
// a death: SIGXFSZ is ignored while it is not handled, so write(2) fails with EFBIG instead.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a whole file atomically: a reader sees the old contents or the new, never a mix.
public enum AtomicFile {
    /// Replaces the file at `path` with `bytes`, via a temporary file in the same directory.
    ///
    /// The target is checked first (`checkWritable(path:)`). The temporary file is named
    /// `path.tmp-PID-XXXXXXXXXXXXXXXX`, created exclusively with the old file's permission bits (or
    /// the umask's for a new file), written, fsynced, closed and renamed over `path`; the directory
    /// is then fsynced (best effort) so the rename itself survives a crash. If `path` is a symbolic
    /// link, the link is replaced, not the file it points to. On any failure the temporary file is
    /// removed, `path` is left untouched, and the error names the step that failed. Temporaries
    /// left beside `path` by processes that no longer exist (a kill -9 mid-write) are removed.
    public static func write(_ bytes: [UInt8], to path: String) throws(AtomicFileError) {
        try write(bytes, to: path, failingAt: nil)
    }

    /// Checks, without writing anything, that `write(_:to:)` may replace `path`: its directory exists
    /// and is writable, and an existing `path` is a writable regular file. Returns the existing
    /// file's status (nil when there is none). Callers check a destination before a long run.
    @discardableResult
    public static func checkWritable(path: String) throws(AtomicFileError) -> FileStatus? {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw .notAFilePath(path: path) }
        let directory = directoryName(of: path)
        let directoryStatus: FileStatus?
        do { directoryStatus = try FileStatus.of(directory) } catch {
            throw .directoryNotWritable(path: path, directory: directory, reason: error.problem)
        }
        guard let directoryStatus else {
            throw .directoryNotWritable(path: path, directory: directory, reason: "it does not exist")
        }
        guard directoryStatus.kind == .directory else {
            throw .directoryNotWritable(path: path, directory: directory, reason: "it is \(directoryStatus.kind.phrase)")
        }
        if access(directory, W_OK | X_OK) != 0 {
            throw .directoryNotWritable(path: path, directory: directory, reason: SystemFile.errorText())
        }
        let existing: FileStatus?
        do { existing = try FileStatus.of(path) } catch { throw .notReplaceable(path: path, reason: error.problem) }
        guard let existing else { return nil }
        guard existing.kind == .regular else {
            throw .notReplaceable(path: path, reason: "it is \(existing.kind.phrase); only a regular file is replaced")
        }
        // Read-only means read-only, for root too: no write bit at all, or no write access for us.
        if existing.permissions & 0o222 == 0 || access(path, W_OK) != 0 {
            throw .notReplaceable(
                path: path,
                reason: "it is read-only (mode \(String(existing.permissions & 0o777, radix: 8))); make it writable or choose another name"
            )
        }
        return existing
    }

    // MARK: - Implementation

    /// A step of `write` at which a test can make it fail, to prove the cleanup.
    enum Step: Sendable {
        case write, sync, close, rename
    }

    /// `write(_:to:)` with an optional simulated failure (errno `EIO`) at `failingAt`.
    static func write(_ bytes: [UInt8], to path: String, failingAt: Step?) throws(AtomicFileError) {
        let existing = try checkWritable(path: path)
        ignoreFileSizeSignal()
        let (temporary, descriptor) = try createTemporary(beside: path)
        var isOpen = true
        func fail(_ error: AtomicFileError) -> AtomicFileError {
            if isOpen { SystemFile.close(descriptor) }
            _ = unlink(temporary)
            return error
        }
        if let existing {
            // Keep the old file's permission bits (and, as root, its owner: best effort).
            if fchmod(descriptor, mode_t(existing.permissions & 0o777)) != 0 {
                throw fail(.cannotWrite(path: path, temporary: temporary, reason: SystemFile.errorText()))
            }
            if geteuid() == 0 { _ = fchown(descriptor, uid_t(existing.owner), gid_t(existing.group)) }
        }

        // Every byte out (short writes and interruptions are continued), then flushed to disk.
        let written = failingAt == .write ? simulatedFailure() : SystemFile.writeFully(descriptor, bytes)
        if !written {
            throw fail(.cannotWrite(path: path, temporary: temporary, reason: SystemFile.errorText()))
        }
        let synced = failingAt == .sync ? simulatedFailure() : SystemFile.sync(descriptor)
        if !synced {
            throw fail(.cannotSync(path: path, temporary: temporary, reason: SystemFile.errorText()))
        }
        isOpen = false
        let closed = failingAt == .close ? simulatedFailure() : SystemFile.close(descriptor)
        if !closed {
            if failingAt == .close { SystemFile.close(descriptor) }
            throw fail(.cannotWrite(path: path, temporary: temporary, reason: SystemFile.errorText()))
        }

        let renamed = failingAt == .rename ? simulatedFailure() : SystemFile.rename(temporary, over: path)
        if !renamed {
            throw fail(.cannotRename(path: path, temporary: temporary, reason: SystemFile.errorText()))
        }
        syncDirectory(of: path)
        removeStaleTemporaries(beside: path)
    }

    /// Creates `path.tmp-PID-XXXXXXXXXXXXXXXX` exclusively (`O_EXCL`), retrying on a name clash.
    ///
    /// The suffix comes from the clock and a counter mixed by SplitMix64, not from the system
    /// random generator, which the engine never touches; `O_EXCL` makes a clash harmless.
    private static func createTemporary(beside path: String) throws(AtomicFileError) -> (String, Int32) {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var state =
            UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_007
            &+ UInt64(truncatingIfNeeded: time.tv_nsec) &+ UInt64(truncatingIfNeeded: getpid()) << 40
        var lastError = ""
        for _ in 0..<16 {
            state &+= 0x9E37_79B9_7F4A_7C15  // SplitMix64 step
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let suffix = String(z, radix: 16)
            let temporary =
                "\(path).tmp-\(getpid())-\(String(repeating: "0", count: 16 - suffix.count))\(suffix)"
            let descriptor = SystemFile.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode: 0o666)
            if descriptor >= 0 { return (temporary, descriptor) }
            lastError = SystemFile.errorText()
            if errno != EEXIST { break }
        }
        throw .cannotCreateTemporary(path: path, reason: lastError)
    }

    /// The directory part of `path`: `.` for a bare name, `/` for a file at the root.
    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Fsyncs the directory holding `path`, so that a completed rename survives a crash.
    private static func syncDirectory(of path: String) {
        let descriptor = SystemFile.open(directoryName(of: path), flags: O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = SystemFile.sync(descriptor)
        SystemFile.close(descriptor)
    }

    /// Ignores SIGXFSZ unless someone handles it, so that writing past `ulimit -f` fails with EFBIG
    /// (an error this type reports) instead of killing the process.
    private static func ignoreFileSizeSignal() {
        var current = sigaction()
        guard sigaction(SIGXFSZ, nil, &current) == 0 else { return }
        #if canImport(Darwin)
            let isDefault = current.__sigaction_u.__sa_handler == nil
        #else
            let isDefault = current.__sigaction_handler.sa_handler == nil
        #endif
        if isDefault { _ = signal(SIGXFSZ, SIG_IGN) }
    }

    /// Removes `NAME.tmp-PID-XXXXXXXXXXXXXXXX` files beside `path` whose process no longer exists:
    /// what a kill -9 in the middle of a write leaves behind. Best effort; others' live temporaries stay.
    static func removeStaleTemporaries(beside path: String) {
        let directory = directoryName(of: path)
        let base = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        let prefix = base + ".tmp-"
        guard let stream = opendir(directory) else { return }
        defer { _ = closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard name.hasPrefix(prefix) else { continue }
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 2, parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit),
                let pid = Int32(parts[0]), pid > 0, pid != getpid()
            else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                _ = unlink(directory + "/" + name)
            }
        }
    }

    /// A failed call for the tests: `errno` set to EIO, and false.
    private static func simulatedFailure() -> Bool {
        errno = EIO
        return false
    }
}

// MARK: - Errors

/// Why an atomic write failed; in every case the target file was left as it was.
public enum AtomicFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The temporary file beside the target could not be created (missing or read-only directory).
    case cannotCreateTemporary(path: String, reason: String)
    /// Writing the bytes to the temporary file failed (disk full, I/O error).
    case cannotWrite(path: String, temporary: String, reason: String)
    /// Flushing the temporary file to disk failed.
    case cannotSync(path: String, temporary: String, reason: String)
    /// Renaming the temporary file over the target failed (for example, the target is a directory).
    case cannotRename(path: String, temporary: String, reason: String)
    /// The path is empty or ends with a slash: it names no file.
    case notAFilePath(path: String)
    /// The target's directory is missing, not a directory or not writable.
    case directoryNotWritable(path: String, directory: String, reason: String)
    /// The target exists and must not be replaced: not a regular file, or read-only.
    case notReplaceable(path: String, reason: String)

    /// The target file the write was meant to replace.
    public var path: String {
        switch self {
        case .cannotCreateTemporary(let path, _), .cannotWrite(let path, _, _),
            .cannotSync(let path, _, _), .cannotRename(let path, _, _), .notAFilePath(let path),
            .directoryNotWritable(let path, _, _), .notReplaceable(let path, _):
            return path
        }
    }

    /// One line: the target, the step that failed, and the system's reason.
    public var description: String {
        switch self {
        case .cannotCreateTemporary(let path, let reason):
            return "\(path): cannot write: cannot create a temporary file beside it: \(reason)"
        case .cannotWrite(let path, let temporary, let reason):
            return "\(path): cannot write: writing \(temporary) failed: \(reason)"
        case .cannotSync(let path, let temporary, let reason):
            return "\(path): cannot write: flushing \(temporary) to disk failed: \(reason)"
        case .cannotRename(let path, let temporary, let reason):
            return "\(path): cannot write: renaming \(temporary) over it failed: \(reason)"
        case .notAFilePath(let path):
            return "\(path): cannot write: not a file path"
        case .directoryNotWritable(let path, let directory, let reason):
            return "\(path): cannot write: its directory \(directory) is not usable: \(reason)"
        case .notReplaceable(let path, let reason):
            return "\(path): cannot write: \(reason); it was left as it was"
        }
    }
}
