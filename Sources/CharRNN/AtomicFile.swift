// AtomicFile — replace a file's contents all at once, or not at all.
//
// The recipe: write the new bytes to a temporary file in the same directory as the target
// (`name.tmp-PID-XXXXXXXXXXXXXXXX`), fsync it, then rename(2) it over the target. rename is
// atomic within one file system, so a reader sees either the old file or the new one, never
// half of each; a crash part-way leaves the old file as it was. On any failure the temporary
// file is removed and the target is untouched.

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
    /// The temporary file is named `path.tmp-PID-XXXXXXXXXXXXXXXX`, created exclusively, written,
    /// fsynced, closed and renamed over `path`; the directory is then fsynced (best effort) so the
    /// rename itself survives a crash. If `path` is a symbolic link, the link is replaced, not
    /// the file it points to. On any failure the temporary file is removed, `path` is left
    /// untouched, and the error names the step that failed.
    public static func write(_ bytes: [UInt8], to path: String) throws(AtomicFileError) {
        try write(bytes, to: path, failingAt: nil)
    }

    // MARK: - Implementation

    /// A step of `write` at which a test can make it fail, to prove the cleanup.
    enum Step: Sendable {
        case write, sync, close, rename
    }

    /// `write(_:to:)` with an optional simulated failure (errno `EIO`) at `failingAt`.
    static func write(_ bytes: [UInt8], to path: String, failingAt: Step?) throws(AtomicFileError) {
        let (temporary, descriptor) = try createTemporary(beside: path)
        var isOpen = true
        func fail(_ error: AtomicFileError) -> AtomicFileError {
            if isOpen { _ = close(descriptor) }
            _ = unlink(temporary)
            return error
        }

        // write(2) may write less than asked, or be interrupted: loop until every byte is out.
        var written = 0
        while written < bytes.count || failingAt == .write {
            let result =
                failingAt == .write
                ? simulatedFailure()
                : bytes.withUnsafeBytes { buffer in
                    systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                }
            if result < 0 {
                if errno == EINTR { continue }
                throw fail(.cannotWrite(path: path, temporary: temporary, reason: posixErrorText()))
            }
            written += result
        }

        let synced = failingAt == .sync ? Int32(simulatedFailure()) : fsync(descriptor)
        if synced != 0 {
            throw fail(.cannotSync(path: path, temporary: temporary, reason: posixErrorText()))
        }
        isOpen = false
        let closed = failingAt == .close ? Int32(simulatedFailure()) : close(descriptor)
        if closed != 0 {
            if failingAt == .close { _ = close(descriptor) }
            throw fail(.cannotWrite(path: path, temporary: temporary, reason: posixErrorText()))
        }

        let renamed = failingAt == .rename ? Int32(simulatedFailure()) : rename(temporary, path)
        if renamed != 0 {
            throw fail(.cannotRename(path: path, temporary: temporary, reason: posixErrorText()))
        }
        syncDirectory(of: path)
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
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 { return (temporary, descriptor) }
            lastError = posixErrorText()
            if errno != EEXIST { break }
        }
        throw .cannotCreateTemporary(path: path, reason: lastError)
    }

    /// Fsyncs the directory holding `path`, so that a completed rename survives a crash.
    private static func syncDirectory(of path: String) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }

    private static func simulatedFailure() -> Int {
        errno = EIO
        return -1
    }
}

/// Calls the C library's write(2) (the name `write` is taken by `AtomicFile.write`).
@inline(__always)
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
        return Musl.write(descriptor, buffer, count)
    #else
        return Darwin.write(descriptor, buffer, count)
    #endif
}

/// The text of the current `errno`, e.g. "No such file or directory".
func posixErrorText() -> String {
    String(cString: strerror(errno))
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

    /// The target file the write was meant to replace.
    public var path: String {
        switch self {
        case .cannotCreateTemporary(let path, _), .cannotWrite(let path, _, _),
            .cannotSync(let path, _, _), .cannotRename(let path, _, _):
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
        }
    }
}
