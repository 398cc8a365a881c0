import Foundation
import Testing

@testable import Shell

/// `help lessons` is for learners; the authoring reference (every condition and value) lives in
/// `lessons/README.md` and matches the table the shell evaluates (issue 12, item 7).
@Suite struct AuthoringReferenceTests {
    @Test func readmeHoldsTheReferenceVerbatim() throws {
        let path = lessonsDirectory + "/README.md"
        var readme = try String(contentsOfFile: path, encoding: .utf8)
        let block = "```text\n" + LessonTerm.helpText + "\n```"
        // SNAPSHOT_RECORD=1 writes the table into the README's reference block (then read the diff).
        if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] != nil, !readme.contains(block),
            let marker = readme.range(of: "prints the block to paste here"),
            let start = readme.range(of: "```text\n", range: marker.upperBound..<readme.endIndex),
            let end = readme.range(of: "\n```", range: start.upperBound..<readme.endIndex)
        {
            readme.replaceSubrange(start.lowerBound..<end.upperBound, with: block)
            try readme.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(readme.contains(block), "lessons/README.md's reference differs from LessonTerm.all; paste:\n\(block)")
        for term in LessonTerm.all { #expect(readme.contains(term.usage), "\(term.usage)") }
    }

    @Test func helpLessonsIsShortAndForLearners() {
        let help = output(of: "help lessons", in: makeShell(), width: 100).text
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count <= 15, "\(lines.count) lines:\n\(help)")
        for command in ["next", "back", "again", "hint", "skip", "where", "leave", "answer"] {
            #expect(help.contains("  \(command)"), "\(command)")
        }
        #expect(help.contains("lessons/README.md"))
        #expect(help.contains("(log is ln)"))
        #expect(!help.contains("Conditions") && !help.contains("predicts"))
        #expect(!help.contains("3/14"))
    }
}
