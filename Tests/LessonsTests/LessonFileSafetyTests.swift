// A lesson file is checked before it is read (a FIFO, a directory, a huge file are refused at
// once) and as it is read (bytes that are not UTF-8 and control characters are named by line).

import Foundation
import TestSupport
import Testing

@testable import Lessons

@Suite struct LessonFileSafetyTests {
    /// Writes `bytes` as `NAME.md` in a fresh directory and returns its path.
    private func lessonFile(_ bytes: [UInt8], name: String = "x") throws -> String {
        let path = temporaryDirectory("lessons-tests") + "/\(name).md"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func parseError(_ path: String) -> LessonFileError? {
        do {
            _ = try LessonParser.parse(contentsOf: URL(fileURLWithPath: path), file: "lessons/x.md")
            return nil
        } catch { return error }
    }

    @Test func bytesThatAreNotUTF8AreNamedByLineAndByte() throws {
        let path = try lessonFile(Array("# T\nSummary.\n\n## S\nab".utf8) + [0xFF] + Array("c\n".utf8))
        #expect(parseError(path)?.description == "lessons/x.md: not UTF-8 at line 5, byte 3 (0xFF): save the file as UTF-8")
        // A truncated sequence (the first byte of é alone) on the first line.
        let truncated = try lessonFile(Array("# T".utf8) + [0xC3] + Array("\n".utf8))
        #expect(parseError(truncated)?.description == "lessons/x.md: not UTF-8 at line 1, byte 4 (0xC3): save the file as UTF-8")
    }

    @Test func aFifoADirectoryAndAHugeFileAreRefusedAtOnce() throws {
        let directory = temporaryDirectory("lessons-tests")
        #expect(mkfifo(directory + "/fifo.md", 0o600) == 0)
        // Opening a FIFO for reading blocks until a writer comes: this returns only because of stat.
        #expect(parseError(directory + "/fifo.md")?.description == "lessons/x.md: not a lesson file: it is a FIFO")
        try FileManager.default.createDirectory(atPath: directory + "/folder.md", withIntermediateDirectories: true)
        #expect(parseError(directory + "/folder.md")?.description == "lessons/x.md: not a lesson file: it is a directory")
        let huge = directory + "/huge.md"
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        #expect(truncate(huge, 3 << 30) == 0)  // 3 GB, sparse: refused by its size, never read
        #expect(parseError(huge)?.description == "lessons/x.md: too large for a lesson (3221225472 bytes; at most 1048576)")
        #expect(parseError("/dev/zero")?.description == "lessons/x.md: not a lesson file: it is a device")
        // The catalog lists them as not loaded, and loads the rest.
        try "# Fine\nA lesson.\n\n## One\nText.\n".write(toFile: directory + "/fine.md", atomically: true, encoding: .utf8)
        let catalog = Catalog.load(directory: directory)
        #expect(catalog.names == ["fine"])
        #expect(catalog.errors.count == 3)
    }

    @Test(arguments: [
        ("\u{1B}]52;c;ZXZpbA==\u{07}", 0x1B), ("\u{1B}[2J", 0x1B), ("\u{9B}31m", 0x9B), ("\u{0}", 0x00),
        ("\u{7F}", 0x7F), ("\rb", 0x0D), ("\u{85}", 0x85),
    ])
    func controlCharactersAreRejectedWithFileAndLine(_ inserted: String, _ scalar: UInt32) {
        let text = "# Title\nSummary.\n\n## Step\nab\(inserted) and more\n"
        do {
            _ = try LessonParser.parse(text, file: "lessons/evil.md")
            Issue.record("a lesson with U+\(String(scalar, radix: 16)) was accepted")
        } catch {
            #expect(error.line == 5)
            #expect(error.problem == .controlCharacter(scalar, column: 3))
            #expect(
                error.description.hasPrefix(
                    "lessons/evil.md:5: a control character U+"
                        + String(repeating: "0", count: 4 - String(scalar, radix: 16).count)
                        + String(scalar, radix: 16, uppercase: true)
                        + " at column 3"))
        }
    }

    @Test func aFileNameWithControlCharactersIsNotLoadedNorPrintedAsItIs() throws {
        let directory = temporaryDirectory("lessons-tests")
        try "# Fine\nA lesson.\n\n## One\nText.\n".write(
            toFile: directory + "/a\u{1B}]0;title\u{07}.md", atomically: true, encoding: .utf8)
        let catalog = Catalog.load(directory: directory)
        #expect(catalog.lessons.isEmpty)
        #expect(
            catalog.errors.map(\.description) == [
                "\(directory)/a?]0;title?.md: the file name holds control characters (shown as ?): rename the file"
            ])
    }

    @Test func tabsAndWindowsLineEndsAreText() throws {
        let lesson = try LessonParser.parse("# Title\r\nSummary.\r\n\r\n## Step\r\n\tindented\tprose\r\n", file: "lessons/ok.md")
        #expect(lesson.steps.count == 1)
        #expect(lesson.title == "Title")
    }
}
