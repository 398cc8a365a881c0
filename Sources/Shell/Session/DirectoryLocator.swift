import Foundation

/// Finds a directory the shell ships with (`corpora/`, `lessons/`) wherever charrnn was started.
///
/// The corpora (``locate(_:explicit:environmentVariable:)``): the one given; `NAME/` in the current
/// directory; `NAME/` beside the executable and in each directory above it (so `swift run` and
/// `.build/release/charrnn` both find the repository's); then the environment variable.
///
/// The lessons (``locateInstalled(_:explicit:environmentVariable:)``) run commands, so they never
/// come from the current directory: a downloaded folder holding `lessons/` must not replace the
/// built-in ones. Only the installation's, or a folder the learner names (`--lessons DIR`,
/// `$CHARRNN_LESSONS`).
enum DirectoryLocator {
    /// Where a directory was found: what the learner is told (`lessons` lists it).
    enum Origin: Equatable {
        /// Named on the command line (`--lessons DIR`).
        case named
        /// Named by an environment variable.
        case environment(String)
        /// The installation's: beside the executable or above it.
        case installation

        /// `named with --lessons`, `named by $CHARRNN_LESSONS`, `built in`.
        func description(flag: String) -> String {
            switch self {
            case .named: return "named with \(flag)"
            case .environment(let variable): return "named by $\(variable)"
            case .installation: return "built in: the installation's"
            }
        }
    }

    /// The first existing directory among the candidates, and every place looked in (for errors).
    static func locate(
        _ name: String, explicit: String?, environmentVariable: String
    ) -> (directory: String?, searched: [String]) {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/" + name)
        candidates += installationCandidates(name)
        if let variable = ProcessInfo.processInfo.environment[environmentVariable], !variable.isEmpty {
            candidates.append(variable)
        }
        return (candidates.first(where: isDirectory), candidates)
    }

    /// A directory of the installation, or the one the learner named: `explicit` (the launch
    /// flag) alone when given, else the environment variable alone when set, else `NAME/` beside
    /// the executable and in each directory above it. Never the current directory.
    static func locateInstalled(
        _ name: String, explicit: String?, environmentVariable: String
    ) -> (directory: String?, searched: [String], origin: Origin) {
        if let explicit, !explicit.isEmpty {
            return (isDirectory(explicit) ? explicit : nil, [explicit], .named)
        }
        if let variable = ProcessInfo.processInfo.environment[environmentVariable], !variable.isEmpty {
            return (isDirectory(variable) ? variable : nil, [variable], .environment(environmentVariable))
        }
        let candidates = installationCandidates(name)
        return (candidates.first(where: isDirectory), candidates, .installation)
    }

    /// `NAME/` beside the executable and in each directory above it (a checkout's `.build/…/charrnn`
    /// finds the checkout's); `share/charrnn/NAME` beside the executable's `bin/` (an installation);
    /// then the checkout charrnn was built from (its sources' root), for a binary copied elsewhere.
    static func installationCandidates(_ name: String, sourceFile: String = #filePath) -> [String] {
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            var url = directory
            while url.path != "/" && !url.path.isEmpty {
                candidates.append(url.appendingPathComponent(name).path)
                url = url.deletingLastPathComponent()
            }
            candidates.append(
                directory.deletingLastPathComponent().appendingPathComponent("share/charrnn").appendingPathComponent(name).path)
        }
        // Sources/Shell/DirectoryLocator.swift → the checkout's root.
        let root = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let checkout = root.appendingPathComponent(name).path
        if !candidates.contains(checkout) { candidates.append(checkout) }
        return candidates
    }

    /// Whether `path` is an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
