// Signals and endless input, through the built `charrnn` in a child process (`swift build` first:
// the test fails with a clear message when `.build/debug/charrnn` is missing).

import Foundation
import TestSupport
import Testing

@testable import Terminal

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
        let directory = temporaryDirectory("terminal-test")
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
        let directory = temporaryDirectory("terminal-test")
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
