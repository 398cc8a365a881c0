// Snapshot testing: the expected output of a renderer or a session sits in `Snapshots/NAME.txt`
// beside the test target's files (found through the caller's `#filePath`, not bundle resources).
// Colour snapshots keep their escape codes: `cat` one in a terminal to see it. To re-record on
// purpose, after a deliberate change:
//
//     SNAPSHOT_RECORD=1 swift test --filter RenderingTests     (or ShellTests, ...)
//
// then look at every changed file (`git diff`) before committing it.

import Foundation
import Testing

/// Compares `actual` with `Snapshots/name.txt` in the folder of `filePath` (the caller's file), or
/// writes it there when `SNAPSHOT_RECORD=1`. A difference is recorded as an issue naming the first
/// line that differs, with both versions of it.
public func expectSnapshot(
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
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let firstDifference = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }
    let line = firstDifference?.offset ?? min(actualLines.count, expectedLines.count)
    Issue.record(
        """
        snapshot \(name) differs at line \(line + 1):
          expected: \(line < expectedLines.count ? String(expectedLines[line]).debugDescription : "(end)")
          actual:   \(line < actualLines.count ? String(actualLines[line]).debugDescription : "(end)")
        """, sourceLocation: sourceLocation)
}
