import Foundation
import Lessons

/// A small lesson with one step of every kind; line numbers are asserted in the tests.
let exampleLesson = """
    # Hello, RNN
    Four letters, one recurrent network.

    ## The task
    The vocabulary is [h, e, l, o]; the loss is {{loss}}.
    $ corpus hello

    ## The hidden layer
    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)

    Step through the first time step.
    do: step | step 1 | forward *
    hint: The command is `step`.

    ## Loss at the start
    ask: What is the loss per step of an untrained model?
    answer: 1.386 ± 0.05
    hint: Four letters, each equally likely: -ln(1/4).

    ## Which matrix
    ask: Which matrix transforms h_{t-1}?
      a) W_xh
      b) W_hh
      c) W_hy
    answer: b

    ## Name it
    ask: What function squashes the hidden state?
    answer: tanh | hyperbolic tangent

    ## Train
    gate: loss below 0.5
    meanwhile: Train with `train 100` until the loss is below 0.5 (now {{loss}}).
    solution: train 300

    ## Done
    The loss is {{loss}}.
    """

func parsedExample(file: String = "lessons/hello.md") throws -> Lesson {
    try LessonParser.parse(exampleLesson, file: file)
}

/// A shell stand-in: records commands and text, answers conditions and values from tables.
final class FakeExecutor: LessonExecutor {
    struct Unknown: Error, CustomStringConvertible {
        let what: String
        var description: String { "unknown \(what)" }
    }

    var text = ""
    var commands: [String] = []
    var failing: Set<String> = []
    var conditions: [String: Bool] = ["loss below 0.5": false]
    var values: [String: String] = ["loss": "1.39"]
    /// What a command does to the session, by command.
    var effects: [String: (FakeExecutor) -> Void] = [
        "train 300": { fake in
            fake.conditions["loss below 0.5"] = true
            fake.values["loss"] = "0.12"
        }
    ]

    func execute(_ command: String) -> Bool {
        commands.append(command)
        text += "<output of \(command)>\n"
        effects[command]?(self)
        return !failing.contains(command)
    }

    func check(_ condition: String) throws -> Bool {
        guard let holds = conditions[condition] else { throw Unknown(what: "condition \"\(condition)\"") }
        return holds
    }

    func value(of expression: String) throws -> String {
        guard let value = values[expression] else { throw Unknown(what: "value \"\(expression)\"") }
        return value
    }

    func present(_ text: String) { self.text += text }

    /// The text written since the last call.
    func take() -> String {
        defer { text = "" }
        return text
    }
}

/// A fresh temporary directory.
