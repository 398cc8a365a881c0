import Dispatch
@preconcurrency import Glibc
import TestSupport
import Testing

@testable import Terminal

// MARK: - Colour rule

@Suite struct ColorRuleTests {
    @Test func literalCases() {
        let tty = true
        #expect(TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: [:], noColorFlag: false))
        #expect(TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: ["TERM": "xterm-256color"], noColorFlag: false))
        #expect(TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: ["NO_COLOR": ""], noColorFlag: false))
        #expect(!TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: ["NO_COLOR": "1"], noColorFlag: false))
        #expect(!TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: ["NO_COLOR": "0"], noColorFlag: false))
        #expect(!TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: ["TERM": "dumb"], noColorFlag: false))
        #expect(!TerminalEnvironment.colorEnabled(stdoutIsTTY: tty, environment: [:], noColorFlag: true))
        #expect(!TerminalEnvironment.colorEnabled(stdoutIsTTY: false, environment: [:], noColorFlag: false))
    }

    static let noColorValues: [String?] = [nil, "", "1", "yes"]
    static let termValues: [String?] = [nil, "xterm-256color", "tmux-256color", "dumb", ""]

    @Test(arguments: [true, false], [true, false])
    func allCombinations(stdoutIsTTY: Bool, flag: Bool) {
        for noColor in Self.noColorValues {
            for term in Self.termValues {
                var environment: [String: String] = ["HOME": "/tmp"]
                if let noColor { environment["NO_COLOR"] = noColor }
                if let term { environment["TERM"] = term }
                let expected = stdoutIsTTY && !flag && (noColor ?? "").isEmpty && term != "dumb"
                #expect(
                    TerminalEnvironment.colorEnabled(stdoutIsTTY: stdoutIsTTY, environment: environment, noColorFlag: flag)
                        == expected,
                    "tty=\(stdoutIsTTY) flag=\(flag) NO_COLOR=\(noColor ?? "unset") TERM=\(term ?? "unset")")
            }
        }
    }

    @Test func width() {
        #expect(TerminalEnvironment.width(terminalColumns: 120, columnsVariable: "90", fallback: 80) == 120)
        #expect(TerminalEnvironment.width(terminalColumns: nil, columnsVariable: "90", fallback: 80) == 90)
        #expect(TerminalEnvironment.width(terminalColumns: 0, columnsVariable: " 72 ", fallback: 80) == 72)
        #expect(TerminalEnvironment.width(terminalColumns: nil, columnsVariable: "wide", fallback: 100) == 100)
        #expect(TerminalEnvironment.width(terminalColumns: nil, columnsVariable: "-3", fallback: 100) == 100)
        #expect(TerminalEnvironment.width(terminalColumns: nil, columnsVariable: nil, fallback: 80) == 80)
    }
}

// MARK: - Path completion

func touch(_ path: String) {
    let fd = open(path, O_CREAT | O_WRONLY, 0o644)
    precondition(fd >= 0, "cannot create \(path)")
    close(fd)
}

func removeTree(_ path: String) {
    guard let dir = opendir(path) else { unlink(path); return }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(dir)
    for name in names {
        let full = path + "/" + name
        var info = stat()
        if lstat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { removeTree(full) } else { unlink(full) }
    }
    rmdir(path)
}

@Suite struct PathCompletionTests {
    let root: String

    init() {
        root = temporaryDirectory("terminal-test")
        touch(root + "/a.txt")
        mkdir(root + "/ab", 0o755)
        touch(root + "/b.safetensors")
        touch(root + "/.hidden")
        mkdir(root + "/sub", 0o755)
        touch(root + "/sub/inner.txt")
        mkdir(root + "/sub/deeper", 0o755)
    }

    @Test func prefixInBaseDirectory() {
        defer { removeTree(root) }
        #expect(pathCompletions(for: "a", relativeTo: root) == ["a.txt", "ab/"])
        #expect(pathCompletions(for: "b", relativeTo: root) == ["b.safetensors"])
        #expect(pathCompletions(for: "z", relativeTo: root) == [])
    }

    @Test func emptyWordListsVisibleEntriesOnly() {
        defer { removeTree(root) }
        #expect(pathCompletions(for: "", relativeTo: root) == ["a.txt", "ab/", "b.safetensors", "sub/"])
        #expect(pathCompletions(for: ".", relativeTo: root) == [".hidden"])
    }

    @Test func subdirectoryKeepsTypedPrefix() {
        defer { removeTree(root) }
        #expect(pathCompletions(for: "sub/", relativeTo: root) == ["sub/deeper/", "sub/inner.txt"])
        #expect(pathCompletions(for: "sub/i", relativeTo: root) == ["sub/inner.txt"])
        #expect(pathCompletions(for: "missing/", relativeTo: root) == [])
    }

    @Test func absolutePath() {
        defer { removeTree(root) }
        #expect(pathCompletions(for: root + "/a") == [root + "/a.txt", root + "/ab/"])
        #expect(pathCompletions(for: root + "/sub/d", relativeTo: "/nonexistent") == [root + "/sub/deeper/"])
    }
}

// MARK: - History (readline's list is global: one test at a time)

@Suite(.serialized) struct HistoryTests {
    @Test func recordRule() {
        #expect(ReadlineHistory.shouldRecord("step", after: nil))
        #expect(!ReadlineHistory.shouldRecord("", after: nil))
        #expect(!ReadlineHistory.shouldRecord("   \t", after: "x"))
        #expect(!ReadlineHistory.shouldRecord("step", after: "step"))
        #expect(ReadlineHistory.shouldRecord("step 2", after: "step"))
    }

    @Test func writeThenReadRoundTrip() {
        let dir = temporaryDirectory("terminal-test")
        defer { removeTree(dir); ReadlineHistory.clear() }
        let file = dir + "/history"
        ReadlineHistory.clear()
        #expect(ReadlineHistory.load(from: file, limit: 1000) == ENOENT)
        for line in ["corpus hello", "", "   ", "step", "step", "set lr 0.1", "sample --prime \"ROMEO:\" 20"] {
            if ReadlineHistory.add(line) { #expect(ReadlineHistory.appendNewest(to: file, limit: 1000) == 0) }
        }
        let expected = ["corpus hello", "step", "set lr 0.1", "sample --prime \"ROMEO:\" 20"]
        #expect(ReadlineHistory.entries == expected)
        ReadlineHistory.clear()
        #expect(ReadlineHistory.entries.isEmpty)
        #expect(ReadlineHistory.load(from: file, limit: 1000) == 0)
        #expect(ReadlineHistory.entries == expected)
    }

    @Test func boundedInMemoryAndOnDisk() {
        let dir = temporaryDirectory("terminal-test")
        defer { removeTree(dir); ReadlineHistory.clear(); ReadlineHistory.setLimit(1000) }
        let file = dir + "/history"
        ReadlineHistory.clear()
        ReadlineHistory.load(from: file, limit: 3)
        for n in 1...5 {
            #expect(ReadlineHistory.add("line \(n)"))
            #expect(ReadlineHistory.appendNewest(to: file, limit: 3) == 0)
        }
        #expect(ReadlineHistory.entries == ["line 3", "line 4", "line 5"])
        ReadlineHistory.clear()
        ReadlineHistory.load(from: file, limit: 1000)
        #expect(ReadlineHistory.entries == ["line 3", "line 4", "line 5"])
    }

    @Test func tildeExpansion() {
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        #expect(ReadlineHistory.expandingTilde("~/.charrnn_history") == home + "/.charrnn_history")
        #expect(ReadlineHistory.expandingTilde("/tmp/h") == "/tmp/h")
        #expect(ReadlineHistory.expandingTilde("~user/h") == "~user/h")
    }
}

// MARK: - Message queue

@Suite struct MessageQueueTests {
    @Test func drainTakesEverythingOnceInOrder() {
        let queue = MessageQueue()
        #expect(queue.drain().isEmpty)
        queue.post("iter 10 loss 4.1")
        queue.post("iter 20 loss 3.9\n")
        queue.post("")
        #expect(queue.count == 3)
        #expect(queue.drain() == ["iter 10 loss 4.1", "iter 20 loss 3.9", ""])
        #expect(queue.drain().isEmpty)
        queue.post("later")
        #expect(queue.drain() == ["later"])
    }

    @Test func batchIsOneTextPerDrain() {
        #expect(MessageQueue.batchText([]) == nil)
        #expect(MessageQueue.batchText(["a"]) == "a")
        #expect(MessageQueue.batchText(["a", "b", "c"]) == "a\nb\nc")
    }

    @Test func concurrentPostsAreAllKeptInPerThreadOrder() {
        let queue = MessageQueue()
        let threads = 4, perThread = 500
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread { queue.post("\(t) \(i)") }
        }
        let all = queue.drain()
        #expect(all.count == threads * perThread)
        for t in 0..<threads {
            let mine = all.filter { $0.hasPrefix("\(t) ") }.map { Int($0.split(separator: " ")[1])! }
            #expect(mine == Array(0..<perThread))
        }
        #expect(queue.drain().isEmpty)
    }
}

// MARK: - Prompt markers and completion plumbing

@Suite struct PromptAndCompletionTests {
    @Test func promptMarkersWrapEscapes() {
        #expect(promptMarkers("charrnn> ") == "charrnn> ")
        #expect(
            promptMarkers("\u{1B}[1;32mcharrnn>\u{1B}[0m ")
                == "\u{01}\u{1B}[1;32m\u{02}charrnn>\u{01}\u{1B}[0m\u{02} ")
        // Adjacent sequences share one pair.
        #expect(promptMarkers("\u{1B}[1m\u{1B}[32mx") == "\u{01}\u{1B}[1m\u{1B}[32m\u{02}x")
        // OSC (window title) ended by BEL.
        #expect(promptMarkers("\u{1B}]0;title\u{07}> ") == "\u{01}\u{1B}]0;title\u{07}\u{02}> ")
    }

    @Test func promptMarkersAreIdempotent() {
        let once = promptMarkers("\u{1B}[1;32mcharrnn\u{1B}[0m [it 20] \u{1B}[2m>\u{1B}[0m ")
        #expect(promptMarkers(once) == once)
        #expect(!once.contains("\u{01}\u{01}"))
    }

    @Test func candidatesMustExtendTheWord() {
        #expect(ReadlineConsole.usableCandidates(["sample", "set", "sample", "step"], word: "s") == ["sample", "set", "step"])
        #expect(ReadlineConsole.usableCandidates(["sample", "help"], word: "sa") == ["sample"])
        #expect(ReadlineConsole.usableCandidates([], word: "") == [])
    }

    @Test func byteOffsetsBecomeCharacterOffsets() {
        #expect(ReadlineConsole.characterOffset(ofByte: 4, in: "set lr") == 4)
        // "corpus 한국어 " — each Hangul syllable is 3 bytes.
        let line = "corpus 한국어 fi"
        let bytes = Array("corpus 한국어 ".utf8).count
        #expect(ReadlineConsole.characterOffset(ofByte: bytes, in: line) == 11)
        #expect(ReadlineConsole.characterOffset(ofByte: 999, in: "ab") == 2)
    }
}
