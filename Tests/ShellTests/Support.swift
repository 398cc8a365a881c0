// Helpers for the shell's tests: a shell over a scripted console and a fingerprint of the session's
// state to prove that a failed command changed nothing. Snapshots (`Snapshots/NAME.txt` beside this
// file, re-recorded with `SNAPSHOT_RECORD=1 swift test --filter ShellTests`), temporary directories
// and the built executable come from the shared `TestSupport` target.

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
