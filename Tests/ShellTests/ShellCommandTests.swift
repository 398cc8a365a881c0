import CharRNN
import Foundation
import Testing

@testable import Shell

/// Commands declared as types (`ShellCommand`): usage, parsing and completion made from one
/// declaration; lessons told what commands did through `SessionEvent`s; the session's parts.
@Suite struct ShellCommandTests {
    /// A declaration with every kind of argument.
    static let declared: [Argument] = [
        .positional("N", .integer(1...10), optional: true), .option("rate", "R", .number(0...1)),
        .option("text", "FILE", .path), .flag("fast"),
    ]

    @Test func theUsageLineIsMadeFromTheDeclaration() {
        #expect(Commands.Train.usage == "train [N] [--until N] [--seconds S] [--background]")
        #expect(Commands.Plot.usage == "plot loss [--log] [--all]")
        #expect(Commands.StartLesson.usage == "lesson NAME [--restart]")
        #expect(Commands.Answer.usage == "answer TEXT")
        #expect(Commands.Reset.usage == "reset")
        // The registry holds the same line that `help NAME` shows.
        #expect(CommandRegistry.command(named: "goto")?.usage == "goto T")
    }

    @Test func wordsAreParsedIntoTypedValuesBeforeTheCommandRuns() throws {
        let parsed = try ParsedArguments(["3", "--rate", "0.5", "--fast", "--text=a.txt"], declared: Self.declared, usage: "x")
        #expect(parsed.integer("N") == 3 && parsed.number("rate") == 0.5 && parsed.flag("fast") && parsed.text("text") == "a.txt")
        let empty = try ParsedArguments([], declared: Self.declared, usage: "x")
        #expect(empty.integer("N") == nil && !empty.flag("fast"))
    }

    /// `~/` in a path is the home folder, as the shell's own messages write it (`~/.charrnn/saved/`,
    /// which Tab also completes): for file arguments, for `load`, `corpus` and `--text` files, and
    /// for checkpoint-file. A `~` anywhere else, or `~user`, is taken as it is.
    @Test func aPathTypedWithATildeIsInTheHomeFolder() throws {
        #expect(expandingHome("~/saved/a.safetensors", home: "/home/ada") == "/home/ada/saved/a.safetensors")
        #expect(expandingHome("~", home: "/home/ada") == "/home/ada")
        for unchanged in ["~ada/x", "a/~/b", "/abs/x", "x~", "", "~x"] {
            #expect(expandingHome(unchanged, home: "/home/ada") == unchanged)
        }
        #expect(expandingHome("~/x", home: nil) == "~/x" && expandingHome("~/x", home: "") == "~/x")

        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        let parsed = try ParsedArguments(["--text", "~/corpus.txt"], declared: Self.declared, usage: "x")
        #expect(parsed.text("text") == (home.isEmpty ? "~/corpus.txt" : home + "/corpus.txt"))
        // Through the shell: the error names the file under the home folder, not a folder called ~.
        let missing = "charrnn-no-such-file-\(UInt32.random(in: 0...UInt32.max)).safetensors"
        let shell = makeShell()
        if !home.isEmpty {
            #expect(output(of: "load ~/\(missing)", in: shell).text.contains(home + "/" + missing))
            _ = output(of: "set checkpoint-file ~/\(missing)", in: shell)
            #expect(shell.session.workspace.settings.checkpointFile == home + "/" + missing)
        }
    }

    @Test func badWordsAreOneLineErrors() {
        func message(_ words: [String], _ declared: [Argument] = Self.declared) -> String {
            do {
                _ = try ParsedArguments(words, declared: declared, usage: "x [N]")
                return "parsed"
            } catch { return error.message }
        }
        #expect(message(["1", "2"]) == "usage: x [N]")
        #expect(message(["11"]) == "N must be from 1 to 10, not 11")
        #expect(message(["two"]).hasPrefix("N must be a whole number"))
        #expect(message(["--rate", "2"]).hasPrefix("R must be from 0 to 1"))
        #expect(message(["--slow"]).hasPrefix("unknown option --slow"))
        #expect(message(["--rate"]) == "--rate needs a value")
        // A command without options takes every word as a positional one.
        #expect(message(["--x"], []) == "usage: x [N]")
        #expect(message(["sky"], [.positional("loss", .choice(["loss"]))]) == "usage: x [N]")
        #expect(message([], [.rest("TEXT")]) == "usage: x [N]")
    }

    @Test func theShellSaysTheUsageOfATypedCommand() {
        let shell = makeShell()
        #expect(output(of: "unstep 1 2", in: shell).text.contains("usage: unstep [N]  (or back N)"))
        #expect(output(of: "reset now", in: shell).text.contains("usage: reset"))
        #expect(output(of: "train 5 --seconds 0", in: shell).text.contains("S must be from"))
    }

    @Test func completionComesFromTheDeclaration() {
        let context = CompletionContext(corpora: ["hello"], paths: { _ in ["a.txt"] }, lessons: ["hello", "bptt"])
        func complete(_ declared: [Argument], _ previous: [String], _ word: String) -> [String] {
            Argument.complete(declared, context: context, previous: previous, word: word)
        }
        #expect(complete(Self.declared, [], "-") == ["--rate", "--text", "--fast"])
        #expect(complete(Self.declared, ["--text"], "") == ["a.txt"])
        #expect(complete(Self.declared, ["--rate"], "") == [])
        #expect(complete(Commands.StartLesson.arguments, [], "") == ["hello", "bptt"])
        #expect(complete(Commands.StartLesson.arguments, ["hello"], "") == [])
        #expect(complete(Commands.Plot.arguments, [], "") == ["loss"])
        #expect(complete(Commands.Plot.arguments, ["loss"], "--") == ["--log", "--all"])
        #expect(CommandRegistry.complete(line: "lesson ", word: "", start: 7, context: context) == ["hello", "bptt"])
    }

    @Test func theLessonCommandsAreTheRegistrysLessonGroup() {
        let group = CommandRegistry.groups.first { $0.title == "Lessons" }!.commands.map(\.name)
        #expect(Set(group) == CommandRegistry.lessonCommandNames)
        #expect(CommandRegistry.lessonCommandNames.contains("answer") && !CommandRegistry.lessonCommandNames.contains("step"))
    }

    @Test func commandsReportWhatTheyDidAsEvents() {
        let shell = makeShell()
        let session = shell.session
        #expect(session.lessonContext.lastUpdate == nil && session.lessonContext.lastSample == nil)
        _ = output(of: "step 4", in: shell)
        let before = session.stepping.stepCache!.totalLoss
        #expect(output(of: "update", in: shell).ok)
        let update = session.lessonContext.lastUpdate
        #expect(update?.before == before && update?.after == session.stepping.stepCache!.totalLoss && update?.steps == 4)
        #expect(output(of: "sample 30 --seed 3 --prime he", in: shell, color: true).ok)
        let sample = session.lessonContext.lastSample ?? ""
        #expect(sample.count == 32 && sample.hasPrefix("he") && !sample.contains("\u{1B}"))
        #expect(output(of: "train 2", in: shell).ok)
        #expect(session.lastTraining?.iterations == 2)
        // A command that fails reports nothing.
        _ = output(of: "sample 0", in: shell)
        #expect(session.lessonContext.lastSample == sample)
    }

    @Test func theBackstepProductsAreTheOuterProductsOfTheTrace() throws {
        let shell = makeShell()
        _ = output(of: "step 3", in: shell)
        _ = output(of: "backward", in: shell)
        let session = shell.session
        let state = try #require(session.stepping.backwardState)
        let model = session.model
        let products = model.backstepProducts(state, step: 2)
        let H = model.shape.hiddenSize, V = model.shape.vocabularySize
        let dy = state.cache.slice(state.trace.dLogits, step: 2, width: V)
        let h = state.cache.hidden(layer: 0, step: 2)
        #expect(products.outputWeightContribution[1 * H + 2] == dy[1] * h[2])
        // W_hyᵀ dy: what reaches h_t from the output.
        let Why = model.tensor(named: "decoder.weight")!.values
        let expected = (0..<V).reduce(Float(0)) { $0 + Why[$1 * H + 1] * dy[$1] }
        #expect(abs(products.fromAbove[0][1] - expected) < 1e-6)
        #expect(products.recurrentWeightNames == ["rnn.weight_hh_l0"])
    }
}
