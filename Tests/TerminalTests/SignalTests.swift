// Signals and endless input, through the built `charrnn` in a child process (`swift build` first:
// the test fails with a clear message when `.build/debug/charrnn` is missing).

import Foundation
import Testing

@testable import Terminal

/// The package's debug executable.
let charrnnExecutable: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".build/debug/charrnn").path

/// A running `charrnn` with its stdin a pipe (or a file) and stdout/stderr collected. Spawned with
/// `posix_spawn`, an empty signal mask and default signal actions, so that the signals the test
/// sends reach it whatever the test runner's threads block.
final class Child: @unchecked Sendable {
    let pid: pid_t
    private var inputFD: Int32 = -1
    private let collector = Collector()
    private var exitStatus: Int32?
    let home: String

    /// Starts `charrnn arguments`; with `fileSizeLimitBlocks`, under `ulimit -f` (through /bin/sh).
    init(_ arguments: [String] = [], stdinFrom path: String? = nil, fileSizeLimitBlocks: Int? = nil) throws {
        home = NSTemporaryDirectory() + "charrnn-signal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
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

    var text: String { collector.text }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(inputFD, $0.baseAddress, bytes.count) }
    }

    func closeInput() {
        if inputFD >= 0 { close(inputFD) }
        inputFD = -1
    }

    func interrupt() { kill(pid, SIGINT) }

    /// Waits until the output contains `needle` (true) or `seconds` pass (false).
    func waitFor(_ needle: String, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            usleep(20_000)
        }
        return text.contains(needle)
    }

    /// Waits for the exit and returns its status (128 + N for signal N), or kills the child after
    /// `seconds` and returns nil.
    func waitForExit(seconds: Double = 30) -> Int32? {
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

@Suite(.serialized) struct SignalTests {
    init() {
        #expect(
            FileManager.default.isExecutableFile(atPath: charrnnExecutable),
            "build the executable first (swift build): \(charrnnExecutable)")
    }

    /// Pipe mode: Ctrl-C stops the running command; the rest of the input is still read, and the
    /// end of the input still ends the shell (it used to spin at 100 % inside readLine, deaf to both).
    @Test func ctrlCInPipeModeStopsTheCommandAndTheShellReadsOn() throws {
        guard FileManager.default.isExecutableFile(atPath: charrnnExecutable) else { return }
        let child = try Child()
        child.send("set lr 0.2")
        #expect(child.waitFor("lr = 0.2"))
        child.interrupt()  // while waiting for input
        usleep(300_000)
        child.send("train 100000000")
        #expect(child.waitFor("charrnn> train"))
        usleep(500_000)
        child.interrupt()  // during the command
        #expect(child.waitFor("interrupted (Ctrl-C)"))
        child.send("set lr 0.3")
        child.closeInput()
        let status = child.waitForExit()
        #expect(status == 0, "\(child.text)")
        #expect(child.text.contains("lr = 0.3"), "\(child.text)")
    }

    /// `charrnn run FILE`: Ctrl-C ends the script, not only its current line, and says where.
    @Test func ctrlCEndsARunScriptAndSaysWhere() throws {
        guard FileManager.default.isExecutableFile(atPath: charrnnExecutable) else { return }
        let path = NSTemporaryDirectory() + "charrnn-script-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "set lr 0.2\n# a comment\ntrain 100000000\nset lr 0.3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let child = try Child(["run", path])
        #expect(child.waitFor("charrnn> train"))
        usleep(500_000)
        child.interrupt()
        let status = child.waitForExit()
        #expect(status == 130)
        #expect(child.text.contains("\(path): stopped at line 3 (Ctrl-C)"), "\(child.text)")
        #expect(!child.text.contains("lr = 0.3"))
    }

    /// `/dev/zero` as the script or as stdin ends in one error, quickly and in bounded memory.
    @Test func devZeroEndsInAnError() throws {
        guard FileManager.default.isExecutableFile(atPath: charrnnExecutable) else { return }
        let run = try Child(["run", "/dev/zero"])
        #expect(run.waitForExit(seconds: 20) == 1)
        #expect(run.text.contains("/dev/zero is a device, not a file"), "\(run.text)")

        let piped = try Child([], stdinFrom: "/dev/zero")
        #expect(piped.waitForExit(seconds: 20) == 1)
        #expect(piped.text.contains("line 1 is longer than 65536 bytes"), "\(piped.text)")
    }

    /// `ulimit -f` and `save`: writing past the limit is an error (SIGXFSZ is ignored), not the
    /// death of the shell (it used to exit 153 and lose the session).
    @Test func fileSizeLimitIsAnErrorNotDeath() throws {
        guard FileManager.default.isExecutableFile(atPath: charrnnExecutable) else { return }
        let corpora = URL(fileURLWithPath: charrnnExecutable).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("corpora").path
        let child = try Child(["--corpora", corpora], fileSizeLimitBlocks: 4)
        child.send("corpus shakespeare")
        child.send("save \(child.home)/big.safetensors")
        child.send("set lr 0.2")
        child.closeInput()
        #expect(child.waitForExit() == 0, "\(child.text)")
        #expect(child.text.contains("error:") && child.text.contains("lr = 0.2"), "\(child.text)")
    }

    /// A directory or a FIFO as the script is refused at once (a FIFO used to block).
    @Test func runRefusesDirectoriesAndFIFOs() throws {
        guard FileManager.default.isExecutableFile(atPath: charrnnExecutable) else { return }
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let onDirectory = try Child(["run", directory])
        #expect(onDirectory.waitForExit(seconds: 20) == 1)
        #expect(onDirectory.text.contains("is a directory"), "\(onDirectory.text)")
        let onFIFO = try Child(["run", fifo])
        #expect(onFIFO.waitForExit(seconds: 20) == 1)
        #expect(onFIFO.text.contains("is a FIFO"), "\(onFIFO.text)")
    }
}

@Suite struct LongLineConsoleTests {
    /// A pipe: an over-long line is one error, skipped; the lines after it are read.
    @Test func overLongLineIsSkippedInAPipe() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let text = "first\n" + String(repeating: "x", count: 200) + "\nlast\n"
        _ = text.withCString { write(descriptors[1], $0, strlen($0)) }
        close(descriptors[1])
        defer { close(descriptors[0]) }
        let console = PlainConsole(input: descriptors[0], maximumLineBytes: 100)
        #expect(console.readInput(prompt: "") == .line("first"))
        #expect(
            console.readInput(prompt: "")
                == .refused(message: "line 2 is longer than 100 bytes; it was skipped", endsInput: false))
        #expect(console.readInput(prompt: "") == .line("last"))
        #expect(console.readInput(prompt: "") == .end)
    }

    /// A script stops at an over-long line, naming the file.
    @Test func overLongLineStopsAScript() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let text = String(repeating: "x", count: 200) + "\nlast\n"
        _ = text.withCString { write(descriptors[1], $0, strlen($0)) }
        close(descriptors[1])
        defer { close(descriptors[0]) }
        let console = PlainConsole(input: descriptors[0], scriptName: "s.txt", maximumLineBytes: 100)
        #expect(
            console.readInput(prompt: "")
                == .refused(message: "s.txt: line 1 is longer than 100 bytes; the script stopped there", endsInput: true))
    }
}

@Suite(.serialized) struct HistoryFileKindTests {
    /// A history file that is a FIFO (or a directory) is not opened: loading and appending return
    /// at once (they used to block every command).
    @Test func fifoHistoryIsSkipped() {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let fifo = directory + "/history"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(ReadlineHistory.fileProblem(fifo) == "is a FIFO (a named pipe)")
        #expect(ReadlineHistory.fileProblem(directory) == "is a directory")
        #expect(ReadlineHistory.fileProblem(directory + "/missing") == nil)
        #expect(ReadlineHistory.load(from: fifo, limit: 10) == EINVAL)
        #expect(ReadlineHistory.appendNewest(to: fifo, limit: 10) == EINVAL)
        #expect(ReadlineHistory.save(to: directory) == EINVAL)
    }
}
