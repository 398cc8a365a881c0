import CharRNN
import Foundation
import Lessons
import Rendering

// The session as a lesson's executor: it runs the lesson's commands, evaluates its gate
// conditions and gives the values its prose shows (`{{loss 1}}`), all from the learner's own
// state. The conditions and values are declared once, in `LessonTerm.all`; `help lessons`
// lists them from there.

// MARK: - Reading the session for lessons

extension Session {
    /// The stepped text's forward pass, or why there is none.
    func steppedCache() throws(LessonTermError) -> ForwardCache {
        guard stepping.position > 0, let stepCache = stepping.stepCache else { throw LessonTermError("no steps yet: type step") }
        return stepCache
    }

    /// The stepped text's forward pass and t (1-based, already stepped).
    func steppedStep(_ text: String) throws(LessonTermError) -> (ForwardCache, Int) {
        let t = try lessonInteger(text, "t")
        let cache = try steppedCache()
        guard (1...cache.steps).contains(t) else {
            throw LessonTermError("step \(t) has not been taken yet (t = \(cache.steps)): type step")
        }
        return (cache, t)
    }

    /// A step t of the text (1-based), whether stepped or not.
    func textStep(_ text: String) throws(LessonTermError) -> Int {
        let t = try lessonInteger(text, "t")
        guard (1...maximumPosition).contains(t) else { throw LessonTermError("t must be from 1 to \(maximumPosition)") }
        return t
    }

    /// The argmax character at each of the first `count` steps of the text from h_0 = 0.
    func predictions(count: Int) throws(LessonTermError) -> [String] {
        guard count >= 1, count <= maximumPosition else {
            throw LessonTermError("the text has \(maximumPosition) steps; cannot check \(count)")
        }
        let cache = forward(steps: count)
        let V = cache.shape.vocabularySize
        return (0..<count).map { t in
            let p = cache.slice(cache.probabilities, step: t, width: V)
            var best = 0
            for v in 1..<V where p[v] > p[best] { best = v }
            return vocabularyLabels[best]
        }
    }

    /// `[0.0088, -0.0067, -0.0047]`, with the decimals the step view uses.
    func listed(_ values: [Float]) -> String {
        let decimals = digits(for: values)
        return "[" + values.map { String(format: "%.\(decimals)f", $0) }.joined(separator: ", ") + "]"
    }

    /// `h 0.250, e 0.250, l 0.250, o 0.250`: one entry per character.
    func labelled(_ values: [Float], decimals: Int? = nil) -> String {
        let decimals = decimals ?? digits(for: values)
        return zip(vocabularyLabels, values).map { "\($0) \(String(format: "%.\(decimals)f", $1))" }
            .joined(separator: ", ")
    }

    /// The latest validation loss of the loss history (a running job's included), if any.
    var latestValidation: Double? {
        currentHistory.last(where: { $0.validation != nil })?.validation
    }

    /// Evaluates a condition from the table.
    func evaluateCondition(_ text: String) throws(LessonTermError) -> Bool {
        let (term, arguments) = try LessonTerm.match(text, kind: .condition)
        return try term.evaluate(self, arguments) == "true"
    }
}

// MARK: - The executor

extension Session: LessonExecutor {
    /// Runs a lesson's command as typed (the player has shown it). Under test, `train` is
    /// limited to ``LessonContext/trainingLimit`` iterations and ``LessonContext/trainingSeconds``.
    /// The command is checked as a lesson's (see `Session+LessonSandbox.swift`), at line 0 of the lesson played.
    public func execute(_ command: String) -> Bool {
        executeSandboxed(command, at: LessonLocation(file: lessonContext.player?.lesson?.file ?? "lesson", line: 0))
    }

    /// Runs a lesson's command written at `location`, after checking it: paths inside the
    /// lesson's folders, no `run`, no nested `lesson`; a refusal names the file and line.
    public func execute(_ command: String, from location: LessonLocation) -> Bool {
        executeSandboxed(command, at: location)
    }

    /// `command` with the test-time limits applied when it is a `train` and they are set, and a
    /// note saying what changed; otherwise `command` itself.
    func limitedForTest(_ command: String) -> String {
        let budget = lessonContext.trainingSeconds, cap = lessonContext.trainingUntil
        let limit = [lessonContext.trainingLimit, cap.map { max(0, $0 - workspace.trainer.iteration) }].compactMap { $0 }.min()
        guard limit != nil || budget != nil, let words = try? tokenize(command), words.first == "train",
            let arguments = try? Arguments(Array(words.dropFirst()), options: ["seconds", "until"], flags: ["background"]),
            arguments.positional.count <= 1
        else { return command }
        let until = arguments.options["until"].flatMap { Int($0) }  // train --until N: N − the current iteration more
        let now = workspace.trainer.iteration
        if let until, until <= now { return command }  // nothing to train: `train` says so
        let count = until.map { max(1, $0 - now) } ?? arguments.positional.first.flatMap { Int($0) }
        let seconds = arguments.options["seconds"].flatMap { Double($0) }
        var newCount = count, newSeconds = seconds
        if let limit, (count ?? (seconds == nil ? 1000 : .max)) > limit { newCount = limit }
        if newCount == 0 {  // at the test-time cap already: nothing to train
            let line = "train --until \(now)"
            output.note("(under test: \(line) instead of \(command))")
            return line
        }
        if let budget, (seconds ?? .infinity) > budget { newSeconds = budget }
        guard newCount != count || newSeconds != seconds else { return command }
        let line =
            (["train"] + (until != nil ? ["--until", String(now + (newCount ?? 0))] : [newCount.map(String.init)].compactMap { $0 })
            + (newSeconds.map { ["--seconds", formatPlain($0)] } ?? [])
            + (arguments.flags.contains("background") ? ["--background"] : [])).joined(separator: " ")
        output.note("(under test: \(line) instead of \(command))")
        return line
    }

    /// Whether `command` only shows: it runs again when a lesson resumes on the learner's saved
    /// workspace. `sample` and `predict` draw from the generator but change no weight or setting.
    public func onlyShows(_ command: String) -> Bool {
        guard let words = try? tokenize(command), let name = words.first else { return false }
        let showing: Set<String> = [
            "show", "trace", "status", "plot", "sample", "predict", "cells", "cell", "gradflow", "toy", "code", "help",
        ]
        if showing.contains(name) { return true }
        return (name == "model" || name == "corpus") && words.count == 1
    }

    /// Evaluates a gate condition; unknown conditions throw with the nearest known ones.
    public func check(_ condition: String) throws -> Bool {
        try evaluateCondition(condition)
    }

    /// The value of `{{expression}}`; unknown expressions throw with the nearest known ones.
    /// A value that reads a file is checked as a lesson's (at line 0 of the lesson played).
    public func value(of expression: String) throws -> String {
        try sandboxedValue(expression, at: LessonLocation(file: lessonContext.player?.lesson?.file ?? "lesson", line: 0))
    }

    /// The value of `{{expression}}` written at `location`; a file it reads must be in the lesson's folders.
    public func value(of expression: String, from location: LessonLocation) throws -> String {
        try sandboxedValue(expression, at: location)
    }

    /// Lesson text goes where command output goes, its prose reflowed to the width
    /// (``reflow(_:width:)``: lesson files are written with hard line breaks).
    public func present(_ text: String) {
        output.write(reflow(text, width: output.width))
    }

    /// A command line as typed: when it fits the width it is written as is (its spaces are the
    /// command's: `--prime "   /* "`); a longer one is wrapped at spaces like prose.
    public func presentCommand(_ text: String) {
        let fits = text.split(separator: "\n").allSatisfy { displayWidth(withoutEscapes(String($0))) <= output.width }
        output.write(fits ? text : reflow(text, width: output.width))
    }
}

/// `text` without ANSI escape sequences.
func withoutEscapes(_ text: String) -> String {
    var out = ""
    var inEscape = false
    for scalar in text.unicodeScalars {
        if scalar == "\u{1B}" {
            inEscape = true
            continue
        }
        if inEscape {
            if scalar != "[" && (0x40...0x7E).contains(scalar.value) { inEscape = false }
            continue
        }
        out.unicodeScalars.append(scalar)
    }
    return out
}

// MARK: - A line the learner typed

extension Session {
    /// Runs a line the learner typed. Inside a lesson: an empty line goes on (`next`); a line whose
    /// first word is not a command answers an open question; after any other command the player
    /// is told (so a `do:` step or a gate can notice). Outside a lesson: ``run(line:)``.
    public func runLearnerLine(_ line: String) -> Bool {
        guard let player = lessonContext.player, player.isActive else { return run(line: line) }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            player.next()
            syncLessonWorkspace()
            return true
        }
        let first = (try? tokenize(trimmed))?.first ?? String(trimmed.prefix { !$0.isWhitespace })
        if player.isAwaitingAnswer, CommandRegistry.command(named: first) == nil, !first.hasPrefix("#") {
            player.answer(trimmed)
            return true
        }
        let ok = run(line: line)
        if !CommandRegistry.lessonCommandNames.contains(first), player.isActive {
            player.observe(command: trimmed, succeeded: ok)
        }
        return ok
    }

    /// The prompt's lesson part (`hello 3/14`), or nil outside a lesson.
    var lessonPromptLabel: String? {
        guard let player = lessonContext.player, player.isActive else { return nil }
        return player.promptLabel
    }
}
