import Foundation
import Testing

@testable import Lessons

@Suite struct ParserTests {
    @Test func validLessonYieldsItsSteps() throws {
        let lesson = try parsedExample()
        #expect(lesson.name == "hello")
        #expect(lesson.file == "lessons/hello.md")
        #expect(lesson.title == "Hello, RNN")
        #expect(lesson.summary == "Four letters, one recurrent network.")
        #expect(
            lesson.steps.map(\.title) == [
                "The task", "The hidden layer", "Loss at the start", "Which matrix", "Name it", "Train",
                "Done",
            ])
        #expect(lesson.steps.map(\.kind) == [.run, .do, .ask, .ask, .ask, .gate, .prose])
        #expect(lesson.steps.map(\.line) == [4, 8, 15, 20, 27, 31, 36])

        #expect(
            lesson.steps[0].content == [
                .prose("The vocabulary is [h, e, l, o]; the loss is {{loss}}.", line: 5),
                .run("corpus hello", line: 6),
            ])
        #expect(
            lesson.steps[1].content == [
                .prose(
                    "h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)\n\nStep through the first time step.", line: 9)
            ])
        guard case .command(let task) = lesson.steps[1].interaction else {
            Issue.record("step 2 is not a do: step")
            return
        }
        #expect(task.patterns.map(\.text) == ["step", "step 1", "forward *"])
        #expect(task.solution == ["step"])
        #expect(task.hint == "The command is `step`.")
        #expect(task.line == 12)

        #expect(
            lesson.steps[2].interaction
                == .question(
                    Question(
                        text: "What is the loss per step of an untrained model?", choices: [],
                        expected: .number(1.386, tolerance: 0.05),
                        hint: "Four letters, each equally likely: -ln(1/4).", line: 16)))
        guard case .question(let choice) = lesson.steps[3].interaction else {
            Issue.record("step 4 is not an ask: step")
            return
        }
        #expect(
            choice.choices == [
                Choice(letter: "a", text: "W_xh"), Choice(letter: "b", text: "W_hh"),
                Choice(letter: "c", text: "W_hy"),
            ])
        #expect(choice.expected == .choice("b"))
        guard case .question(let named) = lesson.steps[4].interaction else {
            Issue.record("step 5 is not an ask: step")
            return
        }
        #expect(named.expected == .text(["tanh", "hyperbolic tangent"]))
        #expect(
            lesson.steps[5].interaction
                == .gate(
                    Gate(
                        condition: "loss below 0.5",
                        meanwhile: "Train with `train 100` until the loss is below 0.5 (now {{loss}}).",
                        solution: ["train 300"], hint: nil, line: 32)))
    }

    @Test func commentsFencesAndContinuations() throws {
        let text = """
            <!-- a note
            for teachers -->
            # T
            The summary
            goes on here.

            ## One
            ```
            $ not a command
            ask: not a field
            ```
            $ train 1
            gate: loss below 1
            meanwhile: Keep
              training.
            solution: set lr 0.1; train 100
              sample 10
            """
        let lesson = try LessonParser.parse(text, file: "t/02-rnn.md")
        #expect(lesson.name == "rnn")
        #expect(lesson.summary == "The summary goes on here.")
        #expect(
            lesson.steps[0].content == [
                .prose("    $ not a command\n    ask: not a field", line: 9), .run("train 1", line: 12),
            ])
        #expect(
            lesson.steps[0].interaction
                == .gate(
                    Gate(
                        condition: "loss below 1", meanwhile: "Keep\ntraining.",
                        solution: ["set lr 0.1", "train 100", "sample 10"], hint: nil, line: 13)))
    }

    @Test func lessonNames() {
        #expect(LessonParser.lessonName(forFile: "lessons/hello.md") == "hello")
        #expect(LessonParser.lessonName(forFile: "01-hello.md") == "hello")
        #expect(LessonParser.lessonName(forFile: "2_lstm.md") == "lstm")
        #expect(LessonParser.lessonName(forFile: "42.md") == "42")
    }

    /// Malformed files: (what, text, line, problem).
    static let malformed: [(String, String, Int, LessonFileError.Problem)] = [
        ("empty file", "\n\n", 1, .emptyFile),
        ("missing title", "\nHello\n\n## S\ntext", 2, .missingTitle(found: "Hello")),
        ("missing summary", "# T\n\n## S\ntext", 3, .missingSummary),
        ("empty lesson", "# T\nsummary\n\n", 1, .noSteps),
        ("text before the first step", "# T\nsummary\n\nmore\n## S\nx", 4, .textBeforeFirstStep),
        ("second title", "# T\nsummary\n## S\nx\n# U\n", 5, .secondTitle),
        ("empty step", "# T\nsummary\n## S\n\n## U\nx", 3, .emptyStep(title: "S")),
        ("unknown step kind", "# T\nsummary\n## S\ntext\nquiz: what?\nanswer: 1", 5, .unknownKind("quiz")),
        ("ask without answer", "# T\nsummary\n## S\nask: Why?\nhint: think", 4, .askWithoutAnswer),
        (
            "bad tolerance", "# T\nsummary\n## S\nask: Loss?\nanswer: 1.386 ± abc", 5,
            .badTolerance("1.386 ± abc")
        ),
        (
            "negative tolerance", "# T\nsummary\n## S\nask: Loss?\nanswer: 1.386 +- -0.1", 5,
            .badTolerance("1.386 +- -0.1")
        ),
        (
            "choice not offered", "# T\nsummary\n## S\nask: Which?\n  a) one\n  b) two\nanswer: d", 7,
            .badChoice("d", letters: "a, b")
        ),
        (
            "duplicate choice", "# T\nsummary\n## S\nask: Which?\n  a) one\n  a) two\nanswer: a", 6,
            .duplicateChoice("a")
        ),
        (
            "gate without solution", "# T\nsummary\n## S\nx\ngate: loss below 1\nmeanwhile: train", 5,
            .gateWithoutSolution
        ),
        (
            "gate without meanwhile", "# T\nsummary\n## S\ngate: loss below 1\nsolution: train 9", 4,
            .gateWithoutMeanwhile
        ),
        ("unterminated block", "# T\nsummary\n## S\n```\ncode\n## U\nx", 4, .unterminatedFence),
        ("unterminated comment", "# T\nsummary\n## S\nx\n<!-- note\n", 5, .unterminatedComment),
        ("unterminated interpolation", "# T\nsummary\n## S\nloss {{loss\n", 4, .unterminatedInterpolation),
        ("empty interpolation", "# T\nsummary\n## S\nloss {{ }}\n", 4, .emptyInterpolation),
        (
            "two interactions", "# T\nsummary\n## S\ndo: step\nask: Why?\nanswer: 1", 5,
            .secondInteraction("ask", first: "do")
        ),
        ("field without kind", "# T\nsummary\n## S\ntext\nhint: h", 5, .fieldWithoutKind("hint")),
        ("duplicate field", "# T\nsummary\n## S\nask: Q\nanswer: 1\nanswer: 2", 6, .duplicateField("answer")),
        (
            "answer in a gate", "# T\nsummary\n## S\ngate: c\nanswer: 1\nmeanwhile: m\nsolution: s", 5,
            .fieldNotAllowed(field: "answer", kind: "gate", advice: "answers go with ask:")
        ),
        (
            "prose after the interaction", "# T\nsummary\n## S\ndo: step\n\nMore text.", 6,
            .contentAfterInteraction(kind: "do")
        ),
        (
            "command after the interaction", "# T\nsummary\n## S\ndo: step\n$ train 1", 5,
            .contentAfterInteraction(kind: "do")
        ),
        ("wildcard do without solution", "# T\nsummary\n## S\ndo: step *", 4, .doWithoutSolution),
        (
            "solution not accepted", "# T\nsummary\n## S\ndo: step *\nsolution: train 1", 5,
            .solutionNotAccepted("train 1")
        ),
        ("empty field", "# T\nsummary\n## S\nask: Q\nanswer:", 5, .emptyValue("answer:")),
        ("empty command", "# T\nsummary\n## S\n$\n", 4, .emptyValue("$")),
    ]

    @Test(arguments: malformed.indices)
    func malformedFileNamesFileAndLine(_ index: Int) {
        let (what, text, line, problem) = Self.malformed[index]
        do {
            let lesson = try LessonParser.parse(text, file: "lessons/bad.md")
            Issue.record("\(what): parsed, with \(lesson.steps.count) steps")
        } catch {
            #expect(error.file == "lessons/bad.md", "\(what)")
            #expect(error.line == line, "\(what)")
            #expect(error.problem == problem, "\(what)")
            #expect(error.description.hasPrefix("lessons/bad.md:\(line): "), "\(what)")
        }
    }

    @Test func errorMessagesReadWell() {
        let error = LessonFileError(file: "lessons/hello.md", line: 12, problem: .askWithoutAnswer)
        #expect(error.description == "lessons/hello.md:12: ask: has no answer: add a line \"answer: ...\"")
    }

    /// The complete example in lessons/README.md parses.
    @Test func readmeExampleParses() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("lessons/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        guard let open = lines.firstIndex(where: { $0.hasPrefix("````") }),
            let close = lines[(open + 1)...].firstIndex(where: { $0.hasPrefix("````") })
        else {
            Issue.record("no ```` example in lessons/README.md")
            return
        }
        let lesson = try LessonParser.parse(
            lines[(open + 1)..<close].joined(separator: "\n"), file: "README example")
        #expect(Set(lesson.steps.map(\.kind)) == [.prose, .run, .do, .ask, .gate])
    }
}

@Suite struct MatchingTests {
    @Test func commandPatterns() {
        #expect(CommandPattern("step").matches("step"))
        #expect(CommandPattern("step").matches("  step  "))
        #expect(!CommandPattern("step").matches("step 4"))
        #expect(!CommandPattern("step").matches("steps"))
        #expect(CommandPattern("step *").matches("step"))
        #expect(CommandPattern("step *").matches("step 4"))
        #expect(CommandPattern("step *").matches("step 4 5"))
        #expect(!CommandPattern("step *").matches("show step"))
        #expect(CommandPattern("set lr *").matches("set lr 0.1"))
        #expect(!CommandPattern("set lr *").matches("set hidden 10"))
        #expect(CommandPattern("set lr 0.*").matches("set lr 0.05"))
        #expect(!CommandPattern("set lr 0.*").matches("set lr 1.5"))
        #expect(CommandPattern("show * h").matches("show step 3 h"))
        #expect(!CommandPattern("show * h").matches("show step 3 y"))
    }

    @Test func answers() {
        let number = ExpectedAnswer.number(1.386, tolerance: 0.05)
        #expect(number.accepts("1.386"))
        #expect(number.accepts(" 1.4 "))
        #expect(number.accepts("≈ 1.35"))
        #expect(!number.accepts("1.45"))
        #expect(number.accepts("ln 4"))  // arithmetic: see AnswerFormTests
        #expect(ExpectedAnswer.number(4, tolerance: 0).accepts("4.0"))
        #expect(!ExpectedAnswer.number(4, tolerance: 0).accepts("4.01"))
        let text = ExpectedAnswer.text(["ln 4", "log 4"])
        #expect(text.accepts("LN4"))
        #expect(text.accepts("log  4."))
        #expect(!text.accepts("ln 5"))
        let choices = [Choice(letter: "a", text: "W_xh"), Choice(letter: "b", text: "W_hh")]
        #expect(ExpectedAnswer.choice("b").accepts("B)", choices: choices))
        #expect(ExpectedAnswer.choice("b").accepts("(b)", choices: choices))
        #expect(ExpectedAnswer.choice("b").accepts("w_hh", choices: choices))
        #expect(!ExpectedAnswer.choice("b").accepts("a", choices: choices))
        #expect(number.display == "1.386 ± 0.05")
        #expect(number.solutionText == "1.386")
    }
}
