// Running the built `charrnn` as a child process, as a learner's terminal or a pipe would.
//
// `swift build` makes the executable; `swift test` alone builds only the test targets' dependencies,
// so the tests that need it say so clearly when it is missing (`requireCharrnn()`).

import Foundation
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The package's root directory (the one holding `Package.swift`).
public let packageDirectory: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The built `charrnn`: `.build/debug/charrnn`, or the release build when only that exists. The
/// path is given even when neither is built, so that a message can say where it was looked for.
public let charrnnExecutable: String = {
    let paths = ["debug", "release"].map { packageDirectory + "/.build/\($0)/charrnn" }
    return paths.first { FileManager.default.isExecutableFile(atPath: $0) } ?? paths[0]
}()

/// Whether `charrnn` is built (see `charrnnExecutable`).
public var charrnnIsBuilt: Bool { FileManager.default.isExecutableFile(atPath: charrnnExecutable) }

/// The built `charrnn`, or nil with an issue recorded that says to build it first.
public func requireCharrnn(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    guard charrnnIsBuilt else {
        Issue.record(
            "the charrnn executable is not built (\(charrnnExecutable)): swift build first", sourceLocation: sourceLocation)
        return nil
    }
    return charrnnExecutable
}

/// Starts `executable` in `directory` with `environment` (over a bare PATH and NO_COLOR=1), its
/// standard input `input` (then closed), its standard output and error one pipe; `arguments` on its command line.
public func startCharrnn(
    _ executable: String, in directory: String, environment: [String: String], input: String, arguments: [String] = []
) throws -> (process: Process, output: Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"].merging(environment) { $1 }
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stdout
    try process.run()
    stdin.fileHandleForWriting.write(input.data(using: .utf8)!)
    try stdin.fileHandleForWriting.close()
    return (process, stdout)
}

/// Everything a process from `startCharrnn` wrote, after it ended.
public func finish(_ started: (process: Process, output: Pipe)) -> String {
    let data = started.output.fileHandleForReading.readDataToEndOfFile()
    started.process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A running `charrnn` with its stdin a pipe (or a file) and stdout/stderr collected. Spawned with
/// `posix_spawn`, an empty signal mask and default signal actions, so that the signals the test
/// sends reach it whatever the test runner's threads block.
public final class Child: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    private var inputFD: Int32 = -1
    private let collector = Collector()
    private var exitStatus: Int32?
    /// The child's HOME: a fresh directory, removed when the child is released.
    public let home: String

    /// Starts `charrnn arguments`; with `fileSizeLimitBlocks`, under `ulimit -f` (through /bin/sh).
    public init(_ arguments: [String] = [], stdinFrom path: String? = nil, fileSizeLimitBlocks: Int? = nil) throws {
        home = temporaryDirectory("signal")
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        precondition(pipe(&inPipe) == 0 && pipe(&outPipe) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        if let path {
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        for fd in inPipe + outPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["COLUMNS"] = "10000"  // one message, one line (fitting widths is tested elsewhere)
        var command = [charrnnExecutable] + arguments
        if let blocks = fileSizeLimitBlocks {
            command = ["/bin/sh", "-c", "ulimit -f \(blocks); exec \"$0\" \"$@\""] + command
        }
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        var child = pid_t()
        let rc = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL)
        }
        pid = child
        inputFD = inPipe[1]
        if path != nil { closeInput() }
        let collector = self.collector
        let outputFD = outPipe[0]
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(outputFD, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                collector.append(buffer[0..<n])
            }
            close(outputFD)
        }.start()
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        closeInput()
        try? FileManager.default.removeItem(atPath: home)
    }

    /// Everything the child wrote to stdout and stderr so far.
    public var text: String { collector.text }

    /// Writes `line` and a newline to the child's stdin.
    public func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(inputFD, $0.baseAddress, bytes.count) }
    }

    /// Closes the child's stdin (the end of its input).
    public func closeInput() {
        if inputFD >= 0 { close(inputFD) }
        inputFD = -1
    }

    /// Sends SIGINT, as Ctrl-C would.
    public func interrupt() { kill(pid, SIGINT) }

    /// Waits until the output contains `needle` (true) or `seconds` pass (false).
    public func waitFor(_ needle: String, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            usleep(20_000)
        }
        return text.contains(needle)
    }

    /// Waits for the exit and returns its status (128 + N for signal N), or kills the child after
    /// `seconds` and returns nil.
    public func waitForExit(seconds: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7F
                exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                usleep(100_000)  // the last output
                return exitStatus
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        exitStatus = -1
        return nil
    }
}

/// The child's output, appended by the reading thread.
final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func append(_ more: ArraySlice<UInt8>) {
        lock.lock()
        bytes.append(contentsOf: more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
