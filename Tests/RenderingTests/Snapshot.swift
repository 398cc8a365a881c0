// Snapshot testing for the renderers: the expected output sits in `Snapshots/NAME.txt` beside this
// file, compared (and re-recorded with `SNAPSHOT_RECORD=1 swift test --filter RenderingTests`) by the
// shared `TestSupport.expectSnapshot`. Colour snapshots keep their escape codes: `cat` one to see it.

import Foundation
import Rendering
import TestSupport
import Testing

/// Compares `actual` and a final newline with `Snapshots/name.txt` (see `TestSupport.expectSnapshot`):
/// a renderer's output ends without one, its snapshot file with one, so that `cat` shows it whole.
func expectSnapshot(
    _ actual: String, named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    TestSupport.expectSnapshot(actual + "\n", named: name, filePath: filePath, sourceLocation: sourceLocation)
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
