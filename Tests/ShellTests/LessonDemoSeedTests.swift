import Foundation
import Lessons
import TestSupport
import Testing

@testable import Shell

/// Every lesson plays to its end with seeds 1–5 (`charrnn lesson NAME --demo --seed N`), at the
/// test-time limits of ``LessonDemoTests``: its gates hold and its `check:` lines — what the
/// prose says the learner will see — hold whatever the seed (checks about samples past where
/// training was cut are skipped here; `.ci/lesson-samples.sh` runs them at length). Each `train`
/// stops after ``trainingSeconds`` here (no gate needs more), so the 40 demos fit the test budget.
@Suite struct LessonDemoSeedTests {
    static let cases: [(String, UInt64)] = LessonDemoTests.names.flatMap { name in (1...5).map { (name, UInt64($0)) } }
    /// Each `train` a lesson runs stops after this many seconds in these demos.
    static let trainingSeconds = 0.3

    @Test(arguments: cases) func playsToTheEndWithTheSeed(_ name: String, _ seed: UInt64) {
        let directory = temporaryDirectory()
        let shell = Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
            progressPath: directory + "/progress.json", lessonTrainingLimit: LessonDemoTests.trainingLimit,
            lessonTrainingSeconds: Self.trainingSeconds)
        let console = ScriptedConsole(lines: [])
        let status = shell.playDemo(lesson: name, console: console, seed: seed)
        let failure = console.output.split(separator: "\n").first { $0.contains("failed:") }
        #expect(status == 0, "seed \(seed): \(failure ?? "")")
        #expect(console.output.contains("> set seed \(seed)\n"))
    }

    @Test func theSeedMakesTheLessonsModel() {
        func transcript(seed: UInt64) -> String {
            let shell = Shell(
                corporaDirectory: corporaDirectory, lessonsDirectory: lessonsDirectory,
                progressPath: temporaryDirectory() + "/progress.json", lessonTrainingLimit: 300)
            let console = ScriptedConsole(lines: [])
            #expect(shell.playDemo(lesson: "hello", console: console, seed: seed) == 0)
            return console.output
        }
        let one = transcript(seed: 1), two = transcript(seed: 2)
        #expect(one.contains("(seed 1)") && two.contains("(seed 2)"))
        #expect(one != two)
    }
}
