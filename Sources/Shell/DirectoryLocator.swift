import Foundation

/// Finds a directory the shell ships with (`corpora/`, `lessons/`) wherever charrnn was started:
/// the one given; `NAME/` in the current directory; `NAME/` beside the executable and in each
/// directory above it (so `swift run` and `.build/release/charrnn` both find the repository's);
/// then the environment variable (`$CHARRNN_CORPORA`, `$CHARRNN_LESSONS`).
enum DirectoryLocator {
    /// The first existing directory among the candidates, and every place looked in (for errors).
    static func locate(
        _ name: String, explicit: String?, environmentVariable: String
    ) -> (directory: String?, searched: [String]) {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/" + name)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            while url.path != "/" && !url.path.isEmpty {
                candidates.append(url.appendingPathComponent(name).path)
                url = url.deletingLastPathComponent()
            }
        }
        if let variable = ProcessInfo.processInfo.environment[environmentVariable], !variable.isEmpty {
            candidates.append(variable)
        }
        var isDirectory: ObjCBool = false
        let found = candidates.first {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        return (found, candidates)
    }
}
