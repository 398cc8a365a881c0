// The reference model's own source text, as the shell's `code` command shows it. charrnn is
// always built from source, so the files the compiler read are still where `#filePath` says:
// the text shown is the text compiled. Regions are marked in the files by two comment lines,
// `// code: NAME` and `// code: end`; the lines between them are the region.

import Foundation

/// The marked regions of the reference files (Sources/CharRNN/Reference/).
public enum ReferenceSource {
    /// The folder of the reference files, as compiled.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

    /// The files that hold regions, in reading order.
    public static let files = [
        "ReferenceRNN.swift", "ReferenceLSTM.swift", "ReferenceGRU.swift", "ReferenceNetwork.swift", "ReferenceTraining.swift",
    ]

    /// The path a learner opens, from the top of the repository.
    public static func displayPath(of file: String) -> String { "Sources/CharRNN/Reference/" + file }

    /// A region of a reference file: its lines exactly as they are in the file.
    public struct Region: Sendable, Equatable {
        /// The region's name, e.g. `rnn.forward`.
        public let name: String
        /// The file's name, e.g. `ReferenceRNN.swift`.
        public let file: String
        /// The line number (1-based) of the region's first line, the one after its `// code:` marker.
        public let firstLine: Int
        /// The lines, as in the file.
        public let lines: [String]
    }

    /// The region called `name`, read from the files in `directory` now.
    public static func region(_ name: String, directory: String = directory) throws(ReferenceSourceError) -> Region {
        for file in files {
            let path = directory + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .missing(path: path)
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// code: \(name)" }) else {
                continue
            }
            guard let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// code: end" })
            else {
                throw .unterminated(name: name, file: file)
            }
            return Region(name: name, file: file, firstLine: start + 2, lines: Array(lines[(start + 1)..<end]))
        }
        throw .unknownRegion(name)
    }
}

/// Why a region of the reference could not be shown.
public enum ReferenceSourceError: Error, Equatable, CustomStringConvertible {
    /// A reference file is not where charrnn was built from.
    case missing(path: String)
    /// No file marks this region.
    case unknownRegion(String)
    /// The region has no `// code: end`.
    case unterminated(name: String, file: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "the reference source is not at \(path) (charrnn shows the files it was built from): "
                + "read Sources/CharRNN/Reference/ in the charrnn repository"
        case .unknownRegion(let name): return "no region '// code: \(name)' in the reference files"
        case .unterminated(let name, let file): return "\(file): the region '\(name)' has no '// code: end'"
        }
    }
}
