// The shell's bounded line reader: lines, CRLF, a last line without newline, over-long lines,
// NUL-only input, /dev/zero.

import Foundation
import Testing

@testable import Shell

/// A reader over the bytes of `text` (through a pipe; small texts only).
private func reader(over text: String, limit: Int) -> (LineReader, Int32) {
    var descriptors: [Int32] = [0, 0]
    precondition(pipe(&descriptors) == 0)
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { _ = write(descriptors[1], $0.baseAddress, bytes.count) }
    close(descriptors[1])
    return (LineReader(descriptor: descriptors[0], maximumLineBytes: limit), descriptors[0])
}

@Suite struct LineReaderTests {
    @Test func linesCRLFAndALastLineWithoutNewline() {
        var (r, fd) = reader(over: "one\ntwo\r\n\nlast", limit: 100)
        defer { close(fd) }
        #expect(r.next() == .line("one"))
        #expect(r.next() == .line("two"))
        #expect(r.next() == .line(""))
        #expect(r.next() == .line("last"))
        #expect(r.lineNumber == 4)
        #expect(r.next() == .end)
    }

    @Test func overLongLineIsRefusedOnceAndTheNextLineIsRead() {
        var (r, fd) = reader(over: "ok\n" + String(repeating: "y", count: 50) + "\nafter\n", limit: 10)
        defer { close(fd) }
        #expect(r.next() == .line("ok"))
        #expect(r.next() == .tooLong(number: 2, binary: false))
        #expect(r.next() == .line("after"))
        #expect(r.lineNumber == 3)
        #expect(r.next() == .end)
    }

    @Test func lineOfExactlyTheLimitIsAccepted() {
        var (r, fd) = reader(over: "0123456789\n", limit: 10)
        defer { close(fd) }
        #expect(r.next() == .line("0123456789"))
    }

    @Test func nulOnlyInputIsGivenUp() {
        var (r, fd) = reader(over: String(repeating: "\u{0}", count: 40), limit: 10)
        defer { close(fd) }
        #expect(r.next() == .tooLong(number: 1, binary: true))
        #expect(r.next() == .end)
    }

    /// `/dev/zero` never ends: the reader gives up after the limit instead of growing forever.
    @Test func devZeroEnds() {
        let fd = open("/dev/zero", O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var r = LineReader(descriptor: fd)
        #expect(r.next() == .tooLong(number: 1, binary: true))
        #expect(r.next() == .end)
    }
}
