// SystemFile — the POSIX calls of the engine's file code, each written once.
//
// `AtomicFile` (writing), `RegularFileReader` (bounded reading, used by the safetensors reader) and
// `TextFile` (reading a text in chunks) all open, stat, read, write, fsync and rename. The loops
// that every one of those calls needs live here: an interrupted call (EINTR) is retried, a short
// read or write is continued, and a failure returns with `errno` still set, so that the caller
// reads its reason with `SystemFile.errorText()` and reports it in its own error type.

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The POSIX file calls the engine makes: EINTR retried, short transfers continued, `errno` kept.
enum SystemFile {
    /// The text of `errno` (by default the current one), e.g. "No such file or directory".
    static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// open(2), retried when interrupted; the descriptor, or -1 with `errno` set.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0) -> Int32 {
        while true {
            let descriptor = systemOpen(path, flags, mode)
            if descriptor >= 0 || errno != EINTR { return descriptor }
        }
    }

    /// stat(2) of `path`, following symbolic links; nil with `errno` set when it fails.
    static func status(path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// fstat(2) of an open descriptor; nil with `errno` set when it fails.
    static func status(descriptor: Int32) -> stat? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? info : nil
    }

    /// One read(2) of at most `count` bytes, retried when interrupted: the number of bytes read
    /// (0 at the end of the file), or -1 with `errno` set.
    static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        while true {
            let result = read(descriptor, buffer, count)
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// Reads `count` bytes at byte `offset` with pread(2), in pieces of at most 64 MiB, continuing
    /// after short reads and interruptions. Returns how many bytes were read: `count`, or fewer
    /// when the file ends first; nil with `errno` set when a read fails.
    static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int? {
        var done = 0
        while done < count {
            let piece = min(count - done, 1 << 26)  // 64 MiB at a time
            let result = pread(descriptor, buffer + done, piece, off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Writes all of `bytes` with write(2), continuing after short writes and interruptions.
    /// Returns false with `errno` set when a write fails (a full disk, `ulimit -f`, ...).
    static func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += result
            }
            return true
        }
    }

    /// fsync(2), retried when interrupted; false with `errno` set when it fails.
    static func sync(_ descriptor: Int32) -> Bool {
        while true {
            if fsync(descriptor) == 0 { return true }
            if errno != EINTR { return false }
        }
    }

    /// rename(2) of `source` over `target` (atomic within one file system); false with `errno` set.
    static func rename(_ source: String, over target: String) -> Bool {
        systemRename(source, target) == 0
    }

    /// close(2); false with `errno` set when it fails (the descriptor is released either way).
    @discardableResult
    static func close(_ descriptor: Int32) -> Bool {
        systemClose(descriptor) == 0
    }
}

// The C library's functions whose names `SystemFile` reuses for its own.

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

private func systemRename(_ source: String, _ target: String) -> Int32 {
    rename(source, target)
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
