// Files a writer must refuse to replace, for the tests of saving.

import Foundation
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes in `directory` a FIFO `fifo` and a read-only (mode 0444) file `readonly` holding `contents`:
/// two targets a writer must refuse to replace. `removeTemporaryDirectory(_:)` removes them after.
public func makeUnreplaceableFiles(
    in directory: String, readOnlyContents contents: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (fifo: String, readOnly: String) {
    let fifo = directory + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0, sourceLocation: sourceLocation)
    let readOnly = directory + "/readonly"
    try Data(contents.utf8).write(to: URL(fileURLWithPath: readOnly))
    chmod(readOnly, 0o444)
    return (fifo, readOnly)
}

/// Removes a test's temporary directory, making its `readonly` file writable again first.
public func removeTemporaryDirectory(_ directory: String) {
    chmod(directory + "/readonly", 0o644)
    try? FileManager.default.removeItem(atPath: directory)
}
