#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opening and reading a text file safely: only a regular file is opened for reading (a FIFO would
/// block forever, a device such as `/dev/zero` never ends, a directory has no text), and the text
/// is read in bounded chunks, checked as strict UTF-8 on the way, with a progress callback that
/// can stop it.
public enum TextFile {
    /// The size of one read, in bytes (4 MiB).
    public static let chunkSize = 1 << 22

    /// Opens `path` for reading if it is a regular file; returns the descriptor (the caller
    /// closes it) and the size in bytes. The file is opened without blocking and checked with
    /// `fstat` before a byte is read, so a FIFO or a device is refused at once.
    public static func openRegular(_ path: String) throws(TextFileError) -> (descriptor: Int32, size: Int) {
        let descriptor = SystemFile.open(path, flags: O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, reason: SystemFile.errorText(code))
        }
        guard let info = SystemFile.status(descriptor: descriptor) else {
            let code = errno
            SystemFile.close(descriptor)
            throw .unreadable(path: path, reason: SystemFile.errorText(code))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(descriptor)
            throw .notRegular(path: path, kind: describe(kind: kind))
        }
        // Back to blocking reads for a regular file (O_NONBLOCK only mattered for opening).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return (descriptor, Int(info.st_size))
    }

    /// Why `path` is not a regular file ("a directory", "a FIFO (named pipe)", …), or nil when it
    /// is one or does not exist. Uses `stat`, so nothing is opened.
    public static func kindProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFREG ? nil : describe(kind: kind)
    }

    /// A file type in words, for "PATH is …".
    static func describe(kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (a named pipe), not a file"
        case S_IFCHR, S_IFBLK: return "a device, not a file"
        case S_IFSOCK: return "a socket, not a file"
        default: return "not a regular file"
        }
    }

    /// Reads the whole UTF-8 text of `path` in chunks of ``chunkSize`` bytes. Invalid UTF-8 is an
    /// error that gives the byte offset. `progress(bytesRead, totalBytes)` is called after each
    /// chunk; returning false stops the reading (``TextFileError/interrupted(path:)``).
    /// Extra memory beyond the text: one chunk.
    public static func readText(
        _ path: String, progress: ((Int, Int) -> Bool)? = nil
    ) throws(TextFileError) -> String {
        let (descriptor, size) = try openRegular(path)
        defer { close(descriptor) }
        var text = ""
        text.reserveCapacity(min(size, 1 << 30))  // the size is the file's word: never reserve more than 1 GiB on it
        var chunk = [UInt8](repeating: 0, count: chunkSize + 4)
        var carried = 0  // bytes of an unfinished character kept at the front of `chunk`
        var offset = 0  // file offset of chunk[0]
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                SystemFile.readSome(descriptor, into: buffer.baseAddress! + carried, count: chunkSize)
            }
            if count < 0 { throw .unreadable(path: path, reason: SystemFile.errorText()) }
            let available = carried + count
            let atEnd = count == 0
            // Up to the last complete character; the rest waits for the next chunk.
            let usable = atEnd ? available : completePrefix(chunk, count: available)
            try append(chunk[0..<usable], to: &text, path: path, offset: offset)
            if atEnd { break }
            let rest = available - usable
            for i in 0..<rest { chunk[i] = chunk[usable + i] }
            carried = rest
            offset += usable
            if let progress, !progress(offset, size) { throw .interrupted(path: path) }
        }
        return text
    }

    /// The length of the longest prefix of `bytes[0..<count]` that does not end inside a UTF-8
    /// sequence (at most 3 bytes are held back).
    static func completePrefix(_ bytes: [UInt8], count: Int) -> Int {
        var start = count
        var back = 0
        while start > 0 && back < 4 {
            start -= 1
            back += 1
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {  // a lead byte (or ASCII): does its sequence fit?
                let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return start + length <= count ? count : start
            }
        }
        return count  // no lead byte in the last 4: invalid anyway, the decoder says where
    }

    /// Appends the strict UTF-8 `bytes` to `text`, or throws with the file offset of the first bad byte.
    private static func append(
        _ bytes: ArraySlice<UInt8>, to text: inout String, path: String, offset: Int
    ) throws(TextFileError) {
        if let piece = String(validating: bytes, as: UTF8.self) {
            text += piece
            return
        }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var position = offset
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): position += UTF8.width(scalar)
            case .emptyInput: return
            case .error: throw .invalidUTF8(path: path, offset: position)
            }
        }
    }
}

/// What can go wrong opening or reading a text file.
public enum TextFileError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case notRegular(path: String, kind: String)
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, offset: Int)
    case interrupted(path: String)

    public var description: String {
        switch self {
        case .missing(let path): return "cannot read \(path): it does not exist"
        case .notRegular(let path, let kind): return "\(path) is \(kind)"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidUTF8(let path, let offset): return "\(path) is not valid UTF-8: bad byte at offset \(offset)"
        case .interrupted(let path): return "reading \(path) was interrupted (Ctrl-C); nothing was changed"
        }
    }
}
