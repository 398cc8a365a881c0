// Control characters from files are shown, not obeyed (see `safeText`).

import Testing

@testable import Rendering

@Suite struct SafeTextTests {
    @Test func safeTextNeutralisesControls() {
        #expect(safeText("plain\ttext\n") == "plain\ttext\n")
        #expect(safeText("\u{1B}]52;c;aGk=\u{07}") == "␛]52;c;aGk=␇")
        #expect(safeText("a\u{0}b") == "a␀b")
        #expect(safeText("over\rwrite") == "over␍write")
        #expect(safeText("dos\r\n") == "dos\r\n")
        #expect(safeText("\u{7F}\u{9B}2J") == "␡\\u{9B}2J")
        #expect(safeText(Character("\u{1B}")) == "␛")
        #expect(safeText(Character("é")) == "é")
    }
}
