@preconcurrency import Glibc

/// File-path candidates for Tab completion of `word`: the entries of the directory named by the
/// part of `word` up to its last `/` (the current directory if none) whose names start with the
/// rest. Directories end in `/`. Hidden entries appear only when the typed name starts with `.`;
/// `.` and `..` never do. A leading `~` or `~/` means `$HOME` for listing; candidates keep the
/// text as typed. Sorted. `base` replaces the current directory for relative words (tests).
///
/// The shell's completer calls this for commands that take a file; the console itself never
/// falls back to file names.
public func pathCompletions(for word: String, relativeTo base: String? = nil) -> [String] {
    let directoryPart: String
    let namePrefix: String
    if let slash = word.lastIndex(of: "/") {
        directoryPart = String(word[...slash])
        namePrefix = String(word[word.index(after: slash)...])
    } else {
        directoryPart = ""
        namePrefix = word
    }
    // Directory to list, on disk.
    var listDirectory = directoryPart.isEmpty ? "." : directoryPart
    if listDirectory == "~/" || listDirectory.hasPrefix("~/") {
        let home = getenv("HOME").map { String(cString: $0) } ?? ""
        listDirectory = home + listDirectory.dropFirst()
    }
    if !listDirectory.hasPrefix("/"), let base {
        listDirectory = base + "/" + listDirectory
    }
    guard let dir = opendir(listDirectory) else {
        // `~` alone: offer `~/` when HOME is a directory.
        if word == "~" { return ["~/"] }
        return []
    }
    defer { closedir(dir) }
    var results: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
            tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                String(cString: $0)
            }
        }
        if name == "." || name == ".." { continue }
        if name.hasPrefix(".") && !namePrefix.hasPrefix(".") { continue }
        guard name.hasPrefix(namePrefix) else { continue }
        var info = stat()
        let full = listDirectory.hasSuffix("/") ? listDirectory + name : listDirectory + "/" + name
        let isDirectory = stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        results.append(directoryPart + name + (isDirectory ? "/" : ""))
    }
    return results.sorted()
}
