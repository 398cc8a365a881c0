import Foundation

/// Where the corpora live and which names they answer to.
///
/// The directory is looked for in this order: the one the caller gives; `corpora/` in the current
/// directory; `corpora/` beside the executable and in each directory above it (a build directory
/// sits inside the package); the `CHARRNN_CORPORA` environment variable.
struct CorpusLibrary: Sendable {
    /// The directory holding `NAME.txt` files, if one was found.
    let directory: String?
    /// The places looked in, for the message when none was found.
    let searched: [String]

    /// The built-in text of the lecture's first example.
    static let builtIn = ["hello": "hello"]

    /// `hello` and every `NAME.txt` of the directory, sorted after `hello`.
    var names: [String] {
        var names = ["hello"]
        if let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            names += files.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
        }
        return names
    }

    /// The path of a named corpus's file, or nil for the built-in or an unknown name.
    func path(of name: String) -> String? {
        guard let directory, !name.isEmpty, !name.contains("/"), CorpusLibrary.builtIn[name] == nil else { return nil }
        let path = directory + "/" + name + ".txt"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Looks for the corpora directory (see the type's documentation).
    static func locate(_ explicit: String? = nil) -> CorpusLibrary {
        let (found, searched) = DirectoryLocator.locate("corpora", explicit: explicit, environmentVariable: "CHARRNN_CORPORA")
        return CorpusLibrary(directory: found, searched: searched)
    }
}
