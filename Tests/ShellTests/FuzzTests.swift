import CharRNN
import Foundation
import Testing

@testable import Shell

/// Thousands of random and malformed lines: the shell never crashes, every error is one line,
/// and a line that fails leaves the session exactly as it was.
@Suite struct FuzzTests {
    static let commands = CommandRegistry.allNames.filter { $0 != "save" && $0 != "run" } + ["", "smaple", "SET", "帮助"]
    static let words = [
        "", "0", "1", "2", "3", "-1", "4", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "99999999999999999999",
        "0x10", "1.5", "1e-7", "½", "٣", "lr", "hidden", "seq", "batch", "clip", "norm:", "norm:nan", "none", "cell", "lstm",
        "gru", "layers", "optimizer", "adam", "init", "topk", "seed", "temperature", "sample-every", "val-every", "x", "a",
        "h", "c", "y", "p", "loss", "grads", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "settings", "optimizer", "new", "--prime",
        "--seed", "--top-k", "--temperature", "--argmax", "--bogus", "--", "-", "\"\"", "''", "\"ROMEO:\"", "'unterminated",
        "\"unterminated", "\\", "😀", "한국어", "e\u{301}", "\u{0}", "\u{7}", "\t", "hello", "/nonexistent/file",
    ]

    /// A random line: mostly a command with random words, sometimes random characters.
    static func line(_ g: inout SplitMix64) -> String {
        switch g.next() % 10 {
        case 0:  // random Unicode scalars
            let count = Int(g.next() % 40)
            var s = String.UnicodeScalarView()
            for _ in 0..<count {
                let v = UInt32(truncatingIfNeeded: g.next() % 0x11000)
                if let scalar = Unicode.Scalar(v) { s.append(scalar) }
            }
            return String(s)
        case 1:  // a very long line
            let word = words[Int(g.next() % UInt64(words.count))]
            return commands[Int(g.next() % UInt64(commands.count))] + " " + String(repeating: word + " ", count: 2000)
        default:
            var parts = [commands[Int(g.next() % UInt64(commands.count))]]
            for _ in 0..<Int(g.next() % 4) { parts.append(words[Int(g.next() % UInt64(words.count))]) }
            return parts.joined(separator: g.next() % 5 == 0 ? "  " : " ")
        }
    }

    @Test func randomLinesNeverCrashAndFailuresChangeNothing() {
        let shell = makeShell()
        let session = shell.session
        // Long loops (train, sample) stop at once: the fuzz is about input, not about training time.
        session.interrupted = { true }
        let console = ScriptedConsole(lines: [], width: 10_000)  // wide: an error is one line, not wrapped
        session.output.console = console
        var g = SplitMix64(seed: 2024)
        var failures = 0
        for _ in 0..<3000 {
            let line = FuzzTests.line(&g)
            let before = Fingerprint(session)
            let start = console.output.count
            let ok = session.run(line: line)
            if let job = session.training.job {
                job.stopRequested.store(true, ordering: .relaxed)
                session.adopt(job)
            }
            if !ok {
                failures += 1
                let written = String(console.output.dropFirst(start))
                #expect(Fingerprint(session) == before, "\(line.debugDescription) changed the session")
                #expect(written.hasPrefix("error: ") && written.filter { $0 == "\n" }.count == 1, "\(written.debugDescription)")
            }
            // Keep the model small whatever the fuzz set.
            if session.model.parameterCount > 20_000 { _ = session.run(line: "corpus hello") }
        }
        #expect(failures > 1000)
    }
}
