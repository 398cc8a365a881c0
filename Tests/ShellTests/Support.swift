// Helpers for the shell's tests: a shell over a scripted console, snapshots, and a fingerprint of
// the session's state to prove that a failed command changed nothing.
//
// Snapshots sit in `Snapshots/NAME.txt` beside this file (found through `#filePath`). To re-record
// on purpose after a deliberate change:
//
//     SNAPSHOT_RECORD=1 swift test --filter ShellTests
//
// then look at every changed file (`git diff`) before committing it.

import CharRNN
import Foundation
import Testing

@testable import Shell

/// The package's `corpora/` directory.
let corporaDirectory: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("corpora").path

/// A shell on the hello text (corpora found through the package).
func makeShell() -> Shell { Shell(corporaDirectory: corporaDirectory) }

/// Runs `lines` through a fresh console on `shell` and returns everything written.
@discardableResult
func transcript(_ shell: Shell, _ lines: [String], color: Bool = false, width: Int = 100) -> String {
    let console = ScriptedConsole(lines: lines, width: width, color: color)
    _ = shell.run(console: console)
    return console.output
}

/// Runs one command on a session and returns its output only, on a console so wide that no message
/// is wrapped (one logical line is one line; fitting real widths is tested in `ScreenWidthTests`).
func output(of line: String, in shell: Shell, color: Bool = false, width: Int = 10_000) -> (ok: Bool, text: String) {
    let console = ScriptedConsole(lines: [], width: width, color: color)
    shell.session.output.console = console
    let ok = shell.session.run(line: line)
    return (ok, console.output)
}

/// Compares `actual` with `Snapshots/name.txt`, or writes it there when `SNAPSHOT_RECORD=1`.
func expectSnapshot(
    _ actual: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
) {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            Issue.record("could not record snapshot \(name): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("missing snapshot Snapshots/\(name).txt; record it with SNAPSHOT_RECORD=1", sourceLocation: sourceLocation)
        return
    }
    guard actual != expected else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
    Issue.record(
        """
        snapshot \(name) differs at line \(line + 1):
          expected: \(line < e.count ? String(e[line]).debugDescription : "(end)")
          actual:   \(line < a.count ? String(a[line]).debugDescription : "(end)")
        """, sourceLocation: sourceLocation)
}

/// Everything a command could change, to compare before and after.
struct Fingerprint: Equatable {
    var settings: Settings
    var parameters: [Tensor]
    var optimizer: Optimizer
    var cursor: BatchCursor
    var iteration: Int
    var corpus: String
    var corpusText: String
    var position: Int
    var history: [LossPoint]
    var backwardNext: Int?
    var training: Bool

    init(_ session: Session) {
        settings = session.workspace.settings
        parameters = session.workspace.trainer.model.parameters
        optimizer = session.workspace.trainer.optimizer
        cursor = session.workspace.trainer.cursor
        iteration = session.workspace.trainer.iteration
        corpus = session.workspace.corpus.name
        corpusText = session.workspace.corpus.text
        position = session.stepping.position
        history = session.training.history
        backwardNext = session.stepping.backwardState?.next
        training = session.training.job != nil
    }
}

/// Waits (polling, at most `timeout` seconds) until `condition` holds.
func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

/// Runs a line that must fail: one `error: …` line that mentions `expected`, and the session
/// exactly as it was before.
func expectFailureChangesNothing(
    _ line: String, expected: String, in shell: Shell, sourceLocation: SourceLocation = #_sourceLocation
) {
    let before = Fingerprint(shell.session)
    let (ok, text) = output(of: line, in: shell)
    #expect(!ok, sourceLocation: sourceLocation)
    #expect(text.hasPrefix("error: "), "\(text)", sourceLocation: sourceLocation)
    #expect(text.contains(expected), "\(text)", sourceLocation: sourceLocation)
    #expect(text.filter { $0 == "\n" }.count == 1, "\(text)", sourceLocation: sourceLocation)
    #expect(Fingerprint(shell.session) == before, sourceLocation: sourceLocation)
}
