// Strings from files reach the terminal with their control characters neutralised; NUL survives
// generated output; a priming text the model cannot read fails before anything is printed. Also
// the shell's `run FILE`: non-regular files, over-long lines and Ctrl-C.

import CharRNN
import Foundation
import Testing

@testable import Shell

@Suite struct OutputSafetyTests {
    /// A model trained on a text with ESC and NUL: its sample shows them (␛, ␀) instead of
    /// sending ESC to the terminal or losing NUL.
    @Test func sampleShowsEscapeAndNul() throws {
        let text = String(repeating: "\u{1B}\u{0}", count: 50)
        let corpus = try Corpus(name: "controls", text: text)
        let shell = makeShell()
        let session = shell.session
        var generator = SplitMix64(seed: 3)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 4, using: &generator)
        var settings = session.workspace.settings
        settings.sequenceLength = 4
        try session.replaceModel(model, settings: settings, corpus: corpus)
        let (ok, written) = output(of: "sample 40", in: shell)
        #expect(ok)
        #expect(!written.unicodeScalars.contains("\u{1B}") && !written.unicodeScalars.contains("\u{0}"))
        #expect(written.contains("␛") && written.contains("␀"))
    }

    /// `sample --prime` with characters outside the vocabulary: the error comes first and alone.
    /// An error that echoes a huge word (a 60 KB path) keeps a few lines: its start and its reason.
    @Test func anErrorEchoingAHugePathStaysShort() {
        let path = "/tmp/" + String(repeating: "a", count: 60_000) + ".safetensors"
        let (ok, text) = output(of: "load " + path, in: makeShell(), width: 80)
        #expect(!ok)
        #expect(text.split(separator: "\n").count <= 10, "\(text.split(separator: "\n").count) lines")
        #expect(text.hasPrefix("error:") && text.contains("…") && text.contains("cannot read"), "\(text.prefix(300))")
    }

    @Test func primeOutsideTheVocabularyFailsBeforePrinting() {
        let (ok, written) = output(of: "sample 5 --prime 日本", in: makeShell())
        #expect(!ok)
        #expect(written.hasPrefix("error: --prime:"), "\(written)")
    }

    /// A corpus file whose name and text hold escape sequences: the summary shows them inert.
    @Test func corpusNameAndTextAreNeutralised() throws {
        let directory = NSTemporaryDirectory() + "charrnn-safety-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/evil\u{1B}[2J.txt"
        try "abc\u{1B}]0;title\u{07}abcabcabcabc".write(toFile: path, atomically: true, encoding: .utf8)
        let (ok, written) = output(of: "corpus '\(path)'", in: makeShell())
        #expect(ok, "\(written)")
        #expect(!written.unicodeScalars.contains("\u{1B}") && !written.unicodeScalars.contains("\u{07}"))
        #expect(written.contains("evil␛[2J.txt") && written.contains("abc␛]0;title␇"))
    }

    /// A checkpoint whose corpus name holds an escape sequence: the load error shows it inert.
    @Test func checkpointCorpusNameIsNeutralised() throws {
        let path = NSTemporaryDirectory() + "charrnn-safety-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let corpus = try Corpus(name: "abc", text: "abcab cab")
        var generator = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 4, using: &generator)
        try Checkpoint(model: model, extra: ["charrnn.corpus": "x\u{1B}[2Jy"]).write(path: path)
        let (ok, written) = output(of: "load \(path)", in: makeShell())
        #expect(!ok)
        // Neutralised twice over: at load (the metadata value keeps a visible `\u{1b}`) and at print.
        #expect(!written.unicodeScalars.contains("\u{1B}") && written.contains("[2Jy"), "\(written)")
    }
}

@Suite struct RunScriptSafetyTests {
    @Test func runRefusesDirectoriesFIFOsAndDevices() throws {
        let directory = NSTemporaryDirectory() + "charrnn-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let shell = makeShell()
        let cases = [(directory, "is a directory"), (fifo, "is a FIFO"), ("/dev/zero", "is a device")]
        for (path, message) in cases {
            let (ok, written) = output(of: "run \(path)", in: shell)
            #expect(!ok && written.contains(message), "\(written)")
        }
    }

    @Test func overLongLineStopsTheScript() throws {
        let path = NSTemporaryDirectory() + "charrnn-run-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ("set lr 0.2\n" + String(repeating: "x", count: 70_000) + "\nset lr 0.3\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let shell = makeShell()
        let (ok, written) = output(of: "run \(path)", in: shell)
        #expect(!ok && written.contains("line 2 is longer than 65536 bytes"), "\(written)")
        #expect(shell.session.workspace.settings.learningRate == 0.2)
    }

    /// Ctrl-C during a script's command ends the script and says at which line.
    @Test func ctrlCStopsTheScriptAndSaysWhere() throws {
        let path = NSTemporaryDirectory() + "charrnn-run-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "set lr 0.2\n# comment\nset lr 0.25\nset lr 0.3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let shell = makeShell()
        let calls = CallCounter()
        // Ctrl-C "arrives" during the second command (line 3).
        shell.session.interrupted = { calls.next() >= 2 }
        let (ok, written) = output(of: "run \(path)", in: shell)
        #expect(!ok && written.contains("stopped at line 3 (Ctrl-C)"), "\(written)")
        #expect(shell.session.workspace.settings.learningRate == 0.25)
    }
}

/// A thread-safe counter: each `next()` returns 1, 2, 3, …
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
