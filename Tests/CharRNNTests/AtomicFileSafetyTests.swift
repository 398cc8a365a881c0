// Saving never harms: AtomicFile and SafetensorsFile.write refuse what they must not replace, keep
// a file's mode, can be checked before a long run without writing, turn a file-size limit into an
// error (not a SIGXFSZ death) and leave no temporary file behind.

import Foundation
import TestSupport
import Testing

@testable import CharRNN

private func names(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

private func mode(_ path: String) -> UInt32? {
    var info = stat()
    return stat(path, &info) == 0 ? UInt32(info.st_mode) & 0o7777 : nil
}

@Test func atomicWriteRefusesNonRegularAndReadOnlyTargets() throws {
    let directory = temporaryDirectory("atomic-refuse")
    defer { removeTemporaryDirectory(directory) }
    let (fifo, readOnly) = try makeUnreplaceableFiles(in: directory, readOnlyContents: "old")
    let cases: [(String, String)] = [
        (fifo, "\(fifo): cannot write: it is a FIFO; only a regular file is replaced; it was left as it was"),
        (directory, "\(directory): cannot write: it is a directory; only a regular file is replaced; it was left as it was"),
        ("/dev/null", "/dev/null: cannot write: it is a device; only a regular file is replaced; it was left as it was"),
        (
            readOnly,
            "\(readOnly): cannot write: it is read-only (mode 444); make it writable or choose another name; it was left as it was"
        ),
        ("", ": cannot write: not a file path"),
        (directory + "/", "\(directory)/: cannot write: not a file path"),
        (directory + "/no/x", "\(directory)/no/x: cannot write: its directory \(directory)/no is not usable: it does not exist"),
        (readOnly + "/x", "\(readOnly)/x: cannot write: its directory \(readOnly) is not usable: it is a regular file"),
    ]
    for (path, message) in cases {
        // Checked without writing, and refused when writing: the same message.
        do {
            try AtomicFile.checkWritable(path: path)
            Issue.record("\(path) passed the check")
        } catch {
            #expect(error.description == message)
        }
        do {
            try AtomicFile.write(Array("new".utf8), to: path)
            Issue.record("\(path) was written")
        } catch {
            #expect(error.description == message)
        }
    }
    #expect(FileManager.default.contents(atPath: readOnly) == Data("old".utf8))
    #expect(names(directory) == ["fifo", "readonly"])
    var info = stat()
    #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
}

@Test func atomicWriteKeepsTheModeAndANewFileGetsTheUmasks() throws {
    let directory = temporaryDirectory("atomic-mode")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/f"
    let mask = umask(0o027)
    defer { umask(mask) }
    try AtomicFile.write([1], to: path)
    #expect(mode(path) == 0o640)
    chmod(path, 0o600)
    try AtomicFile.write([2], to: path)
    #expect(mode(path) == 0o600)
    chmod(path, 0o664)
    try AtomicFile.write([3], to: path)
    #expect(mode(path) == 0o664)
    #expect(FileManager.default.contents(atPath: path) == Data([3]))
}

@Test func checkWritableWritesNothingAndSafetensorsNeedsForceOverOtherFiles() throws {
    let directory = temporaryDirectory("atomic-check")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let target = directory + "/model.safetensors"
    #expect(try AtomicFile.checkWritable(path: target) == nil)
    try Checkpoint.checkWritable(path: target)
    #expect(names(directory) == [])

    let (file, _) = try smallTrainingCheckpoint()
    try file.write(path: target)
    try Checkpoint.checkWritable(path: target)  // a checkpoint may be replaced
    let notes = directory + "/notes.txt"
    try AtomicFile.write(Array("my notes".utf8), to: notes)
    #expect(throws: CheckpointError.file(.notSafetensors(path: notes))) { try Checkpoint.checkWritable(path: notes) }
    #expect(throws: SafetensorsError.notSafetensors(path: notes)) { try file.write(path: notes) }
    #expect(FileManager.default.contents(atPath: notes) == Data("my notes".utf8))
    try Checkpoint.checkWritable(path: notes, force: true)
    try file.write(path: notes, force: true)
    #expect(try SafetensorsFile.read(path: notes) == SafetensorsFile.decode(file.encoded(), source: "x"))
    // An empty file holds nothing to lose.
    let empty = directory + "/empty"
    try AtomicFile.write([], to: empty)
    try Checkpoint.checkWritable(path: empty)
    #expect(names(directory) == ["empty", "model.safetensors", "notes.txt"])
}

@Test func staleTemporariesOfDeadProcessesAreRemoved() throws {
    let directory = temporaryDirectory("atomic-stale")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/m.safetensors"
    // A temporary of a process that no longer exists (pid 2^22 + 1 is above Linux's default pid_max
    // of 2^22, so it never exists) and one of this live process: only the dead one goes.
    let dead = path + ".tmp-4194305-0123456789abcdef"
    let live = path + ".tmp-\(getpid())-0123456789abcdef"
    let other = directory + "/other.tmp-4194305-0123456789abcdef"
    for name in [dead, live, other] { FileManager.default.createFile(atPath: name, contents: Data([1])) }
    try AtomicFile.write([1, 2, 3], to: path)
    #expect(
        names(directory) == [
            "m.safetensors", "m.safetensors.tmp-\(getpid())-0123456789abcdef", "other.tmp-4194305-0123456789abcdef",
        ])
}

/// `ulimit -f` + save: EFBIG is an error message, not a SIGXFSZ death, and no temporary remains.
@Test(.enabled(if: charrnnIsBuilt, "needs the charrnn executable (swift build)"))
func aFileSizeLimitIsAnErrorNotADeath() throws {
    let directory = temporaryDirectory("atomic-efbig")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
        "-c", "ulimit -f 2; printf 'set hidden 64\\nsave big.safetensors\\nsave small.safetensors\\n' | '\(charrnnExecutable)'",
    ]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = directory
    environment["COLUMNS"] = "10000"  // one message, one line
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit, "\(output)")
    #expect(output.contains("big.safetensors: cannot write: writing big.safetensors.tmp-"), "\(output)")
    #expect(output.contains("failed: File too large"), "\(output)")
    #expect(!names(directory).contains { $0.contains(".tmp-") }, "\(names(directory))")
}
