// `corpus FILE` for files that are not texts, and Ctrl-C while a text loads.

import CharRNN
import Foundation
import Testing

@testable import Shell

@Suite struct CorpusLoadingTests {
    @Test func directoryAndFIFOSayWhatTheyAre() throws {
        let directory = NSTemporaryDirectory() + "charrnn-corpus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let shell = makeShell()
        let before = Fingerprint(shell.session)
        let onDirectory = output(of: "corpus \(directory)", in: shell)
        #expect(!onDirectory.ok && onDirectory.text.contains("is a directory"), "\(onDirectory.text)")
        let onFIFO = output(of: "corpus \(fifo)", in: shell)
        #expect(!onFIFO.ok && onFIFO.text.contains("is a FIFO"), "\(onFIFO.text)")
        #expect(Fingerprint(shell.session) == before)
    }

    /// Ctrl-C while a text loads: an error, and the session keeps its text and model.
    @Test func ctrlCStopsLoadingAndChangesNothing() throws {
        let path = NSTemporaryDirectory() + "charrnn-corpus-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "some text\n", count: 1000).write(toFile: path, atomically: true, encoding: .utf8)
        let shell = makeShell()
        let before = Fingerprint(shell.session)
        shell.session.interrupted = { true }
        let (ok, text) = output(of: "corpus \(path)", in: shell)
        #expect(!ok && text.contains("interrupted (Ctrl-C); nothing was changed"), "\(text)")
        #expect(Fingerprint(shell.session) == before)
    }
}
