import CharRNN
import Foundation
import Rendering
import Testing

@testable import Shell

/// `code` shows the reference model's source: every line it shows, with its number, must be that
/// line of the file (read here on its own, not through `ReferenceSource`), it must show the lines of
/// what the learner is looking at (forward after `step`, backward during `backstep`, the model's
/// cell), and every line must fit the terminal, cut with `›` rather than wrapped.
@Suite struct CodeCommandTests {
    /// The reference files, found from this test file: Tests/ShellTests → Sources/CharRNN/Reference.
    static let referenceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/CharRNN/Reference")

    /// The lines of a reference file, 1-based (index 0 is empty).
    static func fileLines(_ file: String) -> [String] {
        let text = try! String(contentsOf: referenceDirectory.appendingPathComponent(file), encoding: .utf8)
        return [""] + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// What `code` printed, parsed: for each region shown, its file, and its lines with their numbers.
    static func shownRegions(_ text: String) -> [(file: String, lines: [(number: Int, text: String)])] {
        var regions: [(file: String, lines: [(number: Int, text: String)])] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("Sources/CharRNN/Reference/"), let colon = line.firstIndex(of: ":") {
                regions.append((String(line[line.index(line.startIndex, offsetBy: 26)..<colon]), []))
            } else if !regions.isEmpty, let match = line.wholeMatch(of: /\s*(\d+)  (.*)/) {
                regions[regions.count - 1].lines.append((Int(match.1)!, String(match.2)))
            }
        }
        return regions
    }

    /// Every shown line is the file's line of that number (less the region's common indentation),
    /// the numbers run on without a gap, and the region sits between `// code:` markers.
    static func expectShownLinesAreTheFile(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let regions = shownRegions(text)
        #expect(!regions.isEmpty, "\(text)", sourceLocation: sourceLocation)
        for region in regions {
            let file = fileLines(region.file)
            let numbers = region.lines.map(\.number)
            #expect(numbers == Array(numbers[0]..<(numbers[0] + numbers.count)), sourceLocation: sourceLocation)
            #expect(
                file[numbers[0] - 1].trimmingCharacters(in: .whitespaces).hasPrefix("// code: "), sourceLocation: sourceLocation)
            #expect(
                file[numbers.last! + 1].trimmingCharacters(in: .whitespaces) == "// code: end", sourceLocation: sourceLocation)
            let indent = numbers.map { file[$0] }.filter { !$0.allSatisfy { $0 == " " } }.map { $0.prefix { $0 == " " }.count }
                .min()!
            for (number, shown) in region.lines {
                let expected = String(file[number].dropFirst(indent))
                #expect(shown == expected, "\(region.file):\(number)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: [
        "code", "code forward", "code backward", "code rnn", "code lstm", "code gru", "code train", "code lstm backward",
    ])
    func shownLinesAreTheSourceFile(line: String) {
        let (ok, text) = output(of: line, in: makeShell())
        #expect(ok, "\(text)")
        Self.expectShownLinesAreTheFile(text)
    }

    @Test func showsWhatTheLearnerIsLookingAt() {
        let shell = makeShell()
        let atStart = output(of: "code", in: shell).text
        #expect(Self.shownRegions(atStart).map(\.file) == ["ReferenceRNN.swift", "ReferenceNetwork.swift"])
        #expect(atStart.contains("h_t = tanh(a_t)"))
        _ = output(of: "step 2", in: shell)
        let afterStep = output(of: "code", in: shell).text
        #expect(afterStep.hasPrefix("step t = 2 computed h_2, y_2, p_2 and loss_2"))
        #expect(afterStep.contains("p_t = softmax(y_t)"))
        #expect(!afterStep.contains("dh_raw"))
        _ = output(of: "backward", in: shell)
        _ = output(of: "backstep", in: shell)
        let duringBackstep = output(of: "code", in: shell).text
        #expect(duringBackstep.hasPrefix("backstep t = 2 ran these lines"))
        #expect(Self.shownRegions(duringBackstep).map(\.file) == ["ReferenceNetwork.swift", "ReferenceRNN.swift"])
        #expect(duringBackstep.contains("dh_raw = (1 − h_t²) ⊙ dh_t"))
        #expect(duringBackstep.contains("dh_next = W_hhᵀ dh_raw"))
        Self.expectShownLinesAreTheFile(duringBackstep)
        // The model's cell decides which cell's lines `code` shows.
        _ = output(of: "set cell lstm", in: shell)
        let lstm = output(of: "code forward", in: shell).text
        #expect(Self.shownRegions(lstm).map(\.file) == ["ReferenceLSTM.swift", "ReferenceNetwork.swift"])
        #expect(lstm.contains("c_t = f ⊙ c_{t-1} + i ⊙ g"))
    }

    @Test func linesFitTheTerminalAndAreCutNotWrapped() {
        let shell = makeShell()
        for topic in ["lstm", "gru", "train", "backward"] {
            let wide = Self.shownRegions(output(of: "code \(topic)", in: shell).text)
            for width in [80, 120] {
                let text = output(of: "code \(topic)", in: shell, width: width).text
                #expect(text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= width }, "code \(topic) at \(width)")
                // The same lines as on a wide terminal (nothing wrapped onto lines of its own); a cut
                // line ends in › and is the start of the file's line.
                let narrow = Self.shownRegions(text)
                #expect(narrow.map { $0.lines.map(\.number) } == wide.map { $0.lines.map(\.number) })
                for (n, w) in zip(narrow, wide) {
                    for (shown, whole) in zip(n.lines.map(\.text), w.lines.map(\.text)) {
                        #expect(shown == whole || (shown.hasSuffix("›") && whole.hasPrefix(String(shown.dropLast()))))
                    }
                }
            }
        }
    }

    @Test func badTopicsAreUsageErrors() {
        let shell = makeShell()
        for line in ["code bogus", "code forward lstm", "code lstm sideways", "code rnn forward extra"] {
            expectFailureChangesNothing(line, expected: "usage: code", in: shell)
        }
    }

    @Test func aMissingSourceIsOneClearError() {
        #expect(throws: ReferenceSourceError.missing(path: "/nonexistent/ReferenceRNN.swift")) {
            try ReferenceSource.region("rnn.forward", directory: "/nonexistent")
        }
        #expect(throws: ReferenceSourceError.unknownRegion("nothing.here")) { try ReferenceSource.region("nothing.here") }
        #expect(ReferenceSourceError.missing(path: "/x").description.contains("Sources/CharRNN/Reference/"))
    }

    @Test func completionOffersTheTopics() {
        let context = CompletionContext(corpora: [], paths: { _ in [] })
        #expect(CommandRegistry.complete(line: "code l", word: "l", start: 5, context: context) == ["lstm"])
        #expect(CommandRegistry.complete(line: "code gru ", word: "", start: 9, context: context) == ["forward", "backward"])
    }
}
