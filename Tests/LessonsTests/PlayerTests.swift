import Foundation
import TestSupport
import Testing

@testable import Lessons

@Suite struct PlayerTests {
    let fake = FakeExecutor()

    func player(progress: ProgressStore? = nil) -> LessonPlayer {
        LessonPlayer(executor: fake, progress: progress)
    }

    @Test func startShowsTheFirstStepWithSessionValuesAndRunsItsCommands() throws {
        let player = player()
        player.start(try parsedExample())
        let text = fake.take()
        #expect(text.contains("# Hello, RNN"))
        #expect(text.contains("── hello · step 1 of 7 · The task ──"))
        #expect(text.contains("The vocabulary is [h, e, l, o]; the loss is 1.39."))
        #expect(text.contains("hello 1/7> corpus hello\n<output of corpus hello>\n"))
        #expect(fake.commands == ["corpus hello"])
        #expect(player.promptLabel == "hello 1/7")
        #expect(player.isActive)
    }

    @Test func doStepAcceptsOnlyTheRightCommand() throws {
        let player = player()
        player.start(try parsedExample())
        #expect(player.next())
        #expect(player.currentStep?.kind == .do)
        _ = fake.take()
        #expect(!player.next())
        #expect(fake.take().contains("waits for you to type a command"))
        player.observe(command: "show h", succeeded: true)
        player.observe(command: "steps", succeeded: true)
        player.observe(command: "step 2", succeeded: true)
        player.observe(command: "step", succeeded: false)
        #expect(!player.next())
        #expect(player.stepIndex == 1)
        player.observe(command: "forward 3 4", succeeded: true)
        #expect(fake.take().contains("✓ That's it."))
        #expect(player.next())
        #expect(player.stepIndex == 2)
        #expect(player.promptLabel == "hello 3/7")
    }

    @Test func numericAnswerWrongThenRight() throws {
        let player = player()
        player.start(try parsedExample())
        player.next()
        player.observe(command: "step", succeeded: true)
        player.next()
        #expect(player.isAwaitingAnswer)
        _ = fake.take()
        #expect(!player.answer("2"))
        #expect(fake.take() == "✗ 2 is too high. Hint: Four letters, each equally likely: -ln(1/4).\n")
        #expect(!player.answer("four"))
        #expect(fake.take().hasPrefix("✗ four = 4 is too high."))
        #expect(!player.answer("ln four"))
        #expect(fake.take().hasPrefix("✗ Not a number: “four” is not a function or a constant"))
        #expect(!player.next())
        #expect(player.answer("1.40"))
        #expect(!player.isAwaitingAnswer)
        #expect(player.next())
        #expect(player.stepIndex == 3)
    }

    @Test func choiceAndTextAnswers() throws {
        let player = player()
        player.start(try parsedExample())
        for _ in 0..<3 { player.skip() }
        #expect(player.stepIndex == 3)
        #expect(fake.take().contains("   b) W_hh\n"))
        #expect(!player.answer("a"))
        #expect(fake.take().contains("Try again, or `skip` to see the answer."))
        #expect(player.answer("B)"))
        player.next()
        #expect(!player.answer("sigmoid"))
        #expect(player.answer("Hyperbolic  Tangent"))
        player.next()
        #expect(player.currentStep?.kind == .gate)
        #expect(!player.answer("x"))
        #expect(fake.take().hasSuffix("There is no question waiting for an answer.\n"))
    }

    @Test func gateHoldsOnlyWhenTheConditionHolds() throws {
        let player = player()
        player.start(try parsedExample())
        for _ in 0..<5 { player.skip() }
        #expect(player.currentStep?.kind == .gate)
        #expect(fake.take().contains("⏳ Train with `train 100` until the loss is below 0.5 (now 1.39)."))
        #expect(!player.next())
        #expect(fake.take() == "Not yet: Train with `train 100` until the loss is below 0.5 (now 1.39).\n")
        player.observe(command: "train 100", succeeded: true)
        #expect(fake.take() == "")
        fake.conditions["loss below 0.5"] = true
        player.observe(command: "train 100", succeeded: true)
        #expect(fake.take().contains("✓ loss below 0.5: it holds now."))
        player.observe(command: "train 100", succeeded: true)
        #expect(fake.take() == "")
        #expect(player.next())
        #expect(player.stepIndex == 6)
    }

    @Test func gateWithAConditionTheShellDoesNotKnow() throws {
        let player = player()
        player.start(try parsedExample())
        for _ in 0..<5 { player.skip() }
        fake.conditions = [:]
        _ = fake.take()
        #expect(!player.next())
        #expect(fake.take().contains("Cannot check \"loss below 0.5\": unknown condition \"loss below 0.5\""))
    }

    @Test func backAndAgainShowWithoutRunning() throws {
        let player = player()
        player.start(try parsedExample())
        player.next()
        #expect(fake.commands == ["corpus hello"])
        _ = fake.take()
        #expect(player.back())
        #expect(player.stepIndex == 0)
        #expect(fake.take().contains("hello 1/7> corpus hello   # not run again"))
        #expect(!player.back())
        #expect(fake.take() == "This is the first step.\n")
        player.again()
        #expect(fake.take().contains("The task"))
        #expect(fake.commands == ["corpus hello"])
        // A do: step done before counts as done when the learner comes back to it...
        player.next()
        player.skip()
        player.back()
        player.back()
        player.next()
        #expect(player.stepIndex == 1)
        #expect(player.next())
        #expect(player.stepIndex == 2)
        // ...but a step only reached is not done.
        #expect(!player.next())
        #expect(player.stepIndex == 2)
    }

    @Test func hints() throws {
        let player = player()
        player.start(try parsedExample())
        _ = fake.take()
        player.hint()
        #expect(fake.take() == "Nothing to do here: `next` goes on.\n")
        player.next()
        _ = fake.take()
        player.hint()
        #expect(fake.take() == "Hint: The command is `step`.\nType: step\n")
        player.skip()
        _ = fake.take()
        player.hint()
        #expect(fake.take() == "Hint: Four letters, each equally likely: -ln(1/4).\n")
        player.skip()
        player.skip()
        _ = fake.take()
        player.hint()
        #expect(fake.take() == "No hint for this one; `skip` shows the answer.\n")
    }

    @Test func skipRunsSolutionsAndShowsAnswers() throws {
        let player = player()
        player.start(try parsedExample())
        player.next()
        _ = fake.take()
        #expect(player.skip())
        #expect(fake.commands == ["corpus hello", "step"])
        #expect(fake.take().hasPrefix("hello 2/7> step\n<output of step>\n"))
        #expect(player.skip())
        #expect(fake.take().hasPrefix("The answer: 1.386 ± 0.05\n"))
        player.skip()
        player.skip()
        #expect(player.stepIndex == 5)
        #expect(player.skip())
        #expect(fake.commands.last == "train 300")
        #expect(player.stepIndex == 6)
        #expect(fake.take().contains("The loss is 0.12."))
    }

    @Test func skipOnAGateThatStillDoesNotHold() throws {
        let player = player()
        player.start(try parsedExample())
        for _ in 0..<5 { player.skip() }
        fake.effects = [:]
        _ = fake.take()
        #expect(!player.skip())
        #expect(fake.take().contains("still does not hold; `skip` again goes on anyway."))
        #expect(player.stepIndex == 5)
        #expect(player.skip())
        #expect(player.stepIndex == 6)
    }

    @Test func whereAndFinish() throws {
        let player = player()
        let lesson = try parsedExample()
        player.start(lesson)
        player.skip()
        player.skip()
        #expect(player.where() == "hello, step 3 of 7: Loss at the start (waiting for your answer)")
        for _ in 0..<4 { player.skip() }
        #expect(player.where() == "hello, step 7 of 7: Done")
        #expect(player.next())
        #expect(!player.isActive)
        #expect(player.promptLabel == nil)
        #expect(fake.take().contains("hello is finished"))
        #expect(player.where() == "Not in a lesson: `lessons` lists them.")
        #expect(!player.next())
    }

    @Test func interpolationOfUnknownValueShowsTheProblem() throws {
        fake.values = [:]
        let player = player()
        player.start(try parsedExample())
        #expect(fake.take().contains("the loss is [loss: unknown value \"loss\"]."))
    }

    @Test func failingRunCommandIsReportedAndTheLessonGoesOn() throws {
        fake.failing = ["corpus hello"]
        let player = player()
        player.start(try parsedExample())
        #expect(fake.take().contains("(that command failed; the lesson goes on)"))
        #expect(player.next())
    }
}

@Suite struct DemoTests {
    @Test func demoPlaysToTheEnd() throws {
        let fake = FakeExecutor()
        let directory = temporaryDirectory("lessons-tests")
        let store = ProgressStore(path: directory + "/progress.json")
        let player = LessonPlayer(executor: fake, progress: store)
        let result = player.playDemo(try parsedExample())
        #expect(result.succeeded)
        #expect(result.failure == nil)
        #expect(fake.commands == ["corpus hello", "step", "train 300"])
        #expect(result.transcript.contains("hello 3/7> answer 1.386\n"))
        #expect(result.transcript.contains("hello 4/7> answer b\n"))
        #expect(result.transcript.contains("hello 5/7> answer tanh\n"))
        #expect(result.transcript.contains("The loss is 0.12."))
        #expect(result.transcript.hasSuffix("Demo of hello: all 7 steps played, every gate held.\n"))
        #expect(!FileManager.default.fileExists(atPath: store.path))
        #expect(!player.isActive)
    }

    @Test func demoFailsWhenAGateDoesNotHoldAfterItsSolution() throws {
        let fake = FakeExecutor()
        fake.effects = [:]
        let result = LessonPlayer(executor: fake, progress: nil).playDemo(try parsedExample())
        #expect(!result.succeeded)
        #expect(result.failure?.file == "lessons/hello.md")
        #expect(result.failure?.line == 32)
        #expect(
            result.failure?.description
                == "lessons/hello.md:32: the gate \"loss below 0.5\" does not hold after its solution (train 300)"
        )
        #expect(!result.transcript.contains("── hello · step 7"))
    }

    @Test func demoFailsOnAFailingCommandOrAnUnknownValue() throws {
        let failing = FakeExecutor()
        failing.failing = ["corpus hello"]
        let first = LessonPlayer(executor: failing, progress: nil).playDemo(try parsedExample())
        #expect(first.failure?.line == 6)
        #expect(first.failure?.message == "the command `corpus hello` failed")

        let unknown = FakeExecutor()
        unknown.values = ["loss": "1.39"]
        let lesson = try LessonParser.parse(
            "# T\nsummary\n## One\nfine\n## Two\nFirst line.\nThe state is {{h 1}}.\n", file: "t.md")
        let second = LessonPlayer(executor: unknown, progress: nil).playDemo(lesson)
        #expect(second.failure?.line == 7)
        #expect(second.failure?.message == "cannot show {{h 1}}: unknown value \"h 1\"")
    }

    @Test func demoLeavesTheLessonBeingPlayed() throws {
        let fake = FakeExecutor()
        let player = LessonPlayer(executor: fake, progress: nil)
        let lesson = try parsedExample()
        player.start(lesson)
        player.skip()
        #expect(player.playDemo(lesson).succeeded)
        #expect(player.promptLabel == "hello 2/7")
    }
}
