#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads lines from a file descriptor in bounded chunks (`read(2)`), never holding more than
/// ``maximumLineBytes`` of one line: the shell's input from a pipe, a file (`charrnn run FILE`,
/// the shell's `run FILE`) or `/dev/zero`.
///
/// - A read interrupted by a signal (Ctrl-C: `EINTR`) is retried, so a Ctrl-C while waiting for
///   input neither loses the input nor ends it (`Swift.readLine` spins on a stream whose error
///   flag is set).
/// - A line longer than ``maximumLineBytes`` is an error: its rest is read and thrown away (bounded
///   memory), and ``next()`` returns `.tooLong`. When the part read has only NUL bytes (`/dev/zero`,
///   a device, a binary file) there is no end of line to wait for: ``next()`` returns
///   `.tooLong(binary: true)` at once and the input is given up (every later call returns `.end`).
/// - Bytes that are not UTF-8 are replaced by U+FFFD (a command with them fails by itself).
public struct LineReader: Sendable {
    /// What ``next()`` found.
    public enum Item: Equatable, Sendable {
        /// A line, without its newline (a final line without one counts too).
        case line(String)
        /// Line `number` was longer than the limit. With `binary`, the input was given up.
        case tooLong(number: Int, binary: Bool)
        /// The end of the input (or an error reading it, or the input was given up).
        case end
    }

    /// The longest line accepted, in bytes (64 KiB).
    public static let defaultMaximumLineBytes = 65_536

    /// The descriptor read from (not closed by the reader).
    public let descriptor: Int32
    /// The longest line accepted, in bytes.
    public let maximumLineBytes: Int
    /// The number of the last line returned (or refused); 0 before the first.
    public private(set) var lineNumber = 0
    /// The `errno` of a failed read, if the input ended by one.
    public private(set) var readError: Int32?

    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    private static let chunkSize = 16_384

    /// A reader of `descriptor` with lines of at most `maximumLineBytes` bytes.
    public init(descriptor: Int32, maximumLineBytes: Int = LineReader.defaultMaximumLineBytes) {
        self.descriptor = descriptor
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    /// The next line, an over-long line's error, or the end of the input.
    public mutating func next() -> Item {
        var scanned = 0  // bytes after `start` known to hold no newline (`fill` may move `start`)
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - start
                if length > maximumLineBytes {
                    start = newline + 1
                    compact()
                    lineNumber += 1
                    return .tooLong(number: lineNumber, binary: false)
                }
                return .line(takeLine(upTo: newline, skipping: 1))
            }
            scanned = buffer.count - start
            if buffer.count - start > maximumLineBytes {
                lineNumber += 1
                let binary = !buffer[start...].contains { $0 != 0 }
                if binary {
                    finished = true
                    buffer = []
                    start = 0
                    return .tooLong(number: lineNumber, binary: true)
                }
                discardRestOfLine()
                return .tooLong(number: lineNumber, binary: false)
            }
            if finished {
                if start < buffer.count { return .line(takeLine(upTo: buffer.count, skipping: 0)) }
                return .end
            }
            if !fill() { finished = true }
        }
    }

    /// Reads one chunk into the buffer. Returns false at the end of the input or on an error;
    /// retries when a signal interrupted the read.
    private mutating func fill() -> Bool {
        compact()
        var chunk = [UInt8](repeating: 0, count: LineReader.chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, LineReader.chunkSize) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }  // Ctrl-C while waiting: keep reading
            readError = errno
            return false
        }
    }

    /// Reads and throws away bytes up to and including the next newline (or to the end).
    private mutating func discardRestOfLine() {
        buffer = []
        start = 0
        while true {
            guard fill() else {
                finished = true
                buffer = []
                return
            }
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                start = newline + 1
                compact()
                return
            }
            buffer = []
        }
    }

    private mutating func takeLine(upTo end: Int, skipping separator: Int) -> String {
        var bytes = buffer[start..<end]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }  // CRLF files
        start = end + separator
        lineNumber += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Drops the bytes already returned, so the buffer holds at most one line and one chunk.
    private mutating func compact() {
        guard start > 0 else { return }
        buffer.removeSubrange(0..<start)
        start = 0
    }
}
