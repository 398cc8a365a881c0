// Snapshot testing: the expected output of a renderer sits in `Snapshots/NAME.txt` beside this
// file (found through `#filePath`, not bundle resources). Colour snapshots keep their escape
// codes: `cat` one in a terminal to see it. To re-record on purpose, after a deliberate change:
//
//     SNAPSHOT_RECORD=1 swift test --filter RenderingTests
//
// then look at every changed file (`git diff`) before committing it.

import Foundation
import Rendering
import Testing

/// Compares `actual` with `Snapshots/name.txt`, or writes it there when `SNAPSHOT_RECORD=1`.
func expectSnapshot(
    _ actual: String, named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    let content = actual + "\n"
    if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try content.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            Issue.record("could not record snapshot \(name): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record(
            "missing snapshot Snapshots/\(name).txt; record it with SNAPSHOT_RECORD=1",
            sourceLocation: sourceLocation)
        return
    }
    guard content != expected else { return }
    let actualLines = content.split(separator: "\n", omittingEmptySubsequences: false)
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

// MARK: - Fixtures

/// Reproducible values in [-1, 1] without a random generator: SplitMix64 on the index.
func fixtureValues(count: Int, seed: UInt64) -> [Float] {
    (0..<count).map { index in
        var z = seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let unit = Float(z >> 40) / Float(1 << 24)  // [0, 1)
        return (unit * 2 - 1)
    }
}

/// Both styles, with the suffix their snapshot names take.
let bothStyles: [(style: Rendering.Style, suffix: String)] = [(.plain, "plain"), (.color, "color")]
