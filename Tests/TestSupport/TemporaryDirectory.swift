// Fresh directories for tests that touch the file system.

import Foundation

/// A fresh, empty directory `charrnn-NAME-UUID` in the system's temporary folder; the caller removes
/// it. Failing to make one stops the test run: nothing could be tested without it.
public func temporaryDirectory(_ name: String = "test") -> String {
    let path = NSTemporaryDirectory() + "charrnn-\(name)-" + UUID().uuidString
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        preconditionFailure("cannot make a temporary directory \(path): \(error)")
    }
    return path
}
