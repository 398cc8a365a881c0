@preconcurrency import Glibc
import Synchronization

/// Writing to standard output and standard error, flushed at once (samples stream character by
/// character). The executable's only printing helpers.
///
/// A write to standard output that fails (closed, or a full disk: `> /dev/full`) is remembered:
/// ``outputFailed`` lets a long command stop early, and `main` then exits with status 1 and one
/// line on standard error, so the output is never lost silently.
enum StandardStreams {
    static func write(_ text: String) {
        if fputs(text, stdout) < 0 || fflush(stdout) != 0 { outputError.store(errno == 0 ? EIO : errno, ordering: .relaxed) }
    }

    static func line(_ text: String) { write(text + "\n") }

    static func error(_ text: String) {
        fputs(text + "\n", stderr)
        fflush(stderr)
    }

    /// Whether some write to standard output has failed.
    static var outputFailed: Bool { outputError.load(ordering: .relaxed) != 0 }

    /// At startup: a closed standard output (`>&-`) is remembered as a failure and /dev/null takes
    /// its descriptor, so that no file the command opens (a checkpoint) becomes descriptor 1 and
    /// receives the output. The same for a closed standard input or error.
    static func protectClosedDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0, null != descriptor {
                dup2(null, descriptor)
                close(null)
            }
            if descriptor == STDOUT_FILENO { outputError.store(EBADF, ordering: .relaxed) }
        }
    }

    /// At exit: the reason standard output could not be written (its buffer flushed first; also
    /// catches what the shell's console wrote with `print`), or nil when all of it was written.
    static func finalOutputFailure() -> String? {
        if fflush(stdout) != 0 || ferror(stdout) != 0 {
            if outputError.load(ordering: .relaxed) == 0 { outputError.store(errno == 0 ? EIO : errno, ordering: .relaxed) }
        }
        let code = outputError.load(ordering: .relaxed)
        guard code != 0 else { return nil }
        if code == EBADF { return "standard output is closed" }
        return String(cString: strerror(code))
    }
}

/// The errno of the first failed write to standard output (0: none).
private let outputError = Atomic<Int32>(0)

/// Formats a whole number with thousands separators: 27700 → "27,700".
func grouped(_ value: Double) -> String {
    let n = Int(value.rounded())
    let digits = String(abs(n))
    var result = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { result.append(",") }
        result.append(c)
    }
    return (n < 0 ? "-" : "") + result
}

/// A number in JSON (finite numbers only; others become null).
func jsonNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
