import Foundation
import Testing

@testable import Lessons

/// `check: CONDITION` lines: parsed as part of a step's content, checked by the demo (a failing
/// check fails it with the file and line), shown to nobody; and a demo's setup commands.
@Suite struct CheckLineTests {
    static let lesson = """
        # Checks
        A lesson whose claims are checked.

        ## Train
        $ train 300
        check: loss below 0.5
        The loss is now {{loss}}.

        ## Done
        That is all.
        """

    @Test func aCheckIsContentAtItsLine() throws {
        let lesson = try LessonParser.parse(Self.lesson, file: "checks.md")
        #expect(lesson.steps[0].content == [
            .run("train 300", line: 5), .check("loss below 0.5", line: 6), .prose("The loss is now {{loss}}.", line: 7),
        ])
        #expect(lesson.steps[0].kind == .run)
    }

    @Test func aCheckAfterWhatTheStepWaitsForOrEmptyIsAnErrorWithItsLine() {
        let after = "# T\nS.\n\n## A\ndo: step\ncheck: stepped 1\n"
        #expect(throws: LessonFileError(file: "a.md", line: 6, problem: .contentAfterInteraction(kind: "do"))) {
            try LessonParser.parse(after, file: "a.md")
        }
        #expect(throws: LessonFileError(file: "b.md", line: 5, problem: .emptyValue("check:"))) {
            try LessonParser.parse("# T\nS.\n\n## A\ncheck:\nText.\n", file: "b.md")
        }
    }

    @Test func theDemoChecksAndALearnerSeesNothing() throws {
        let lesson = try LessonParser.parse(Self.lesson, file: "checks.md")
        let fake = FakeExecutor()
        let demo = LessonPlayer(executor: fake, progress: nil).playDemo(lesson)
        #expect(demo.succeeded, "\(String(describing: demo.failure))")
        let learner = FakeExecutor()
        LessonPlayer(executor: learner, progress: nil).start(lesson)
        #expect(learner.text.contains("The loss is now") && !learner.text.contains("loss below"))
    }

    @Test func aFailingCheckFailsTheDemoWithFileAndLine() throws {
        let lesson = try LessonParser.parse(Self.lesson, file: "checks.md")
        let fake = FakeExecutor()
        fake.effects = [:]  // training does not bring the loss below 0.5
        let demo = LessonPlayer(executor: fake, progress: nil).playDemo(lesson)
        #expect(demo.failure?.description == "checks.md:6: the check \"loss below 0.5\" does not hold")
        let unknown = FakeExecutor()
        unknown.conditions = [:]
        unknown.effects = [:]
        let second = LessonPlayer(executor: unknown, progress: nil).playDemo(lesson)
        #expect(second.failure?.line == 6 && second.failure?.message.contains("cannot be evaluated") == true)
    }

    @Test func setupCommandsRunBeforeTheFirstCommand() throws {
        let lesson = try LessonParser.parse(Self.lesson, file: "checks.md")
        let fake = FakeExecutor()
        let demo = LessonPlayer(executor: fake, progress: nil).playDemo(lesson, setup: ["set seed 3"])
        #expect(demo.succeeded)
        #expect(fake.commands.prefix(2) == ["set seed 3", "train 300"])
        fake.failing = ["set seed 4"]
        let failed = LessonPlayer(executor: fake, progress: nil).playDemo(lesson, setup: ["set seed 4"])
        #expect(failed.failure?.message == "the setup command `set seed 4` failed")
    }
}
