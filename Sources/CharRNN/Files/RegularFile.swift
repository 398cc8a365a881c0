// RegularFile — open files that may come from strangers, safely.
//
// A checkpoint, a text or a lesson named on the command line may be a FIFO (opening it for reading
// blocks until a writer comes), a device (/dev/zero never ends), a directory, or a regular file far
// larger than anything charrnn could use. `RegularFileReader` looks before it reads: stat(2) first,
// so anything that is not a regular file is refused at once with what it is; then a size limit;
// then the file is opened non-blocking and checked again with fstat(2) (the path may have changed
// in between), and read only by explicit, bounded `read(count:at:)` calls within the size seen.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What kind of object a path names, as stat(2) sees it.
public enum FileKind: Sendable, Equatable {
    case regular, directory, fifo, characterDevice, blockDevice, socket, symbolicLink, other

    /// The kind of a stat(2) mode.
    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }

    /// "a directory", "a FIFO", "a device", ... for messages ("x: is a FIFO").
    public var phrase: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO"
        case .characterDevice, .blockDevice: return "a device"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        case .other: return "not a regular file"
        }
    }
}

/// What stat(2) says about a path (following symbolic links), or nil when nothing is there.
public struct FileStatus: Sendable, Equatable {
    /// The kind of object.
    public var kind: FileKind
    /// Its size in bytes (meaningful for regular files).
    public var size: Int
    /// The permission bits (`0o644`, ...).
    public var permissions: UInt32
    /// The owner and group.
    public var owner: UInt32
    public var group: UInt32

    /// The status of `path`, following links; nil if it does not exist (or a link dangles).
    /// Other failures (permission denied on a parent, ...) throw with the system's reason.
    public static func of(_ path: String) throws(FileCheckError) -> FileStatus? {
        guard let info = SystemFile.status(path: path) else {
            if errno == ENOENT { return nil }
            throw .cannotOpen(path: path, reason: SystemFile.errorText())
        }
        return FileStatus(info)
    }

    init(_ info: stat) {
        kind = FileKind(mode: info.st_mode)
        size = Int(truncatingIfNeeded: info.st_size)
        permissions = UInt32(info.st_mode) & 0o7777
        owner = UInt32(info.st_uid)
        group = UInt32(info.st_gid)
    }
}

/// Why a file could not be opened or read safely; `description` is one line naming the file.
public enum FileCheckError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path names something other than a regular file (a FIFO, a device, a directory, ...).
    case notRegular(path: String, kind: FileKind)
    /// The file is larger than the caller accepts.
    case tooLarge(path: String, size: Int, limit: Int)
    /// stat(2) or open(2) failed.
    case cannotOpen(path: String, reason: String)
    /// read(2) failed.
    case cannotRead(path: String, reason: String)
    /// The file ended before the bytes its size promised (it shrank while being read).
    case shrank(path: String, expected: Int, actual: Int)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .notRegular(let path, _), .tooLarge(let path, _, _), .cannotOpen(let path, _), .cannotRead(let path, _),
            .shrank(let path, _, _):
            return path
        }
    }

    /// What is wrong, without the path ("is a FIFO", ...).
    public var problem: String {
        switch self {
        case .notRegular(_, let kind): return "is \(kind.phrase), not a regular file"
        case .tooLarge(_, let size, let limit):
            return "is \(size) bytes, over the \(limit)-byte limit (corrupt, or not meant for charrnn)"
        case .cannotOpen(_, let reason), .cannotRead(_, let reason): return "cannot read: \(reason)"
        case .shrank(_, let expected, let actual):
            return "cannot read: the file ended after \(actual) of \(expected) bytes (it changed while being read)"
        }
    }

    public var description: String { "\(path): \(problem)" }
}

/// A regular file opened for bounded reading. Only regular files open; FIFOs, devices and
/// directories are refused by stat(2) before any open(2), so nothing ever blocks or reads forever.
public final class RegularFileReader {
    /// The path as given.
    public let path: String
    /// The file's size when it was opened; no read goes past it.
    public let size: Int
    private let descriptor: Int32

    /// Opens `path` if it is a regular file of at most `maximumSize` bytes.
    public init(path: String, maximumSize: Int) throws(FileCheckError) {
        self.path = path
        guard let status = try FileStatus.of(path) else {
            errno = ENOENT
            throw .cannotOpen(path: path, reason: SystemFile.errorText())
        }
        guard status.kind == .regular else { throw .notRegular(path: path, kind: status.kind) }
        guard status.size <= maximumSize else { throw .tooLarge(path: path, size: status.size, limit: maximumSize) }
        // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open must not wait for a writer.
        let descriptor = SystemFile.open(path, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: SystemFile.errorText()) }
        guard let info = SystemFile.status(descriptor: descriptor) else {
            let reason = SystemFile.errorText()
            SystemFile.close(descriptor)
            throw .cannotOpen(path: path, reason: reason)
        }
        let opened = FileStatus(info)
        guard opened.kind == .regular else {
            SystemFile.close(descriptor)
            throw .notRegular(path: path, kind: opened.kind)
        }
        guard opened.size <= maximumSize else {
            SystemFile.close(descriptor)
            throw .tooLarge(path: path, size: opened.size, limit: maximumSize)
        }
        self.descriptor = descriptor
        self.size = opened.size
    }

    deinit { SystemFile.close(descriptor) }

    /// Exactly `count` bytes from byte `offset`. The range must lie within `size` (a precondition:
    /// callers check their numbers against `size` first), so a read never allocates more than the file.
    public func read(count: Int, at offset: Int) throws(FileCheckError) -> [UInt8] {
        precondition(offset >= 0 && count >= 0 && count <= size && offset <= size - count, "read past the checked size")
        var failure: FileCheckError? = nil
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            if count > 0 {
                if let read = SystemFile.readFully(descriptor, into: buffer.baseAddress!, count: count, at: offset) {
                    done = read
                    if done < count { failure = .shrank(path: path, expected: offset + count, actual: offset + done) }
                } else {
                    failure = .cannotRead(path: path, reason: SystemFile.errorText())
                }
            }
            // Unread bytes (after a failure) are zeroed so the array is fully initialised.
            if done < count { (buffer.baseAddress! + done).initialize(repeating: 0, count: count - done) }
            initialized = count
        }
        if let failure { throw failure }
        return bytes
    }
}
