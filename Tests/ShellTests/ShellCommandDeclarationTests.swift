import Foundation
import Testing

@testable import Shell

/// What `ShellCommand` declarations gained for the last ten commands: a list of words (`toy`),
/// a usage line written by the command (`set [NAME [VALUE]]`), and completion written by the command.
@Suite struct ShellCommandDeclarationTests {
    @Test func aListTakesNoneOrMoreWordsBesideOptions() throws {
        let declared: [Argument] = [.list("x1 x2 …"), .option("b", "B", .number(-1...1)), .flag("linear")]
        let parsed = try ParsedArguments(["1", "-0.5", "--b", "0.25", "3", "--linear"], declared: declared, usage: "x")
        #expect(parsed.list("x1 x2 …") == ["1", "-0.5", "3"])
        #expect(parsed.number("b") == 0.25 && parsed.flag("linear"))
        #expect(try ParsedArguments([], declared: declared, usage: "x").list("x1 x2 …") == [])
        #expect(Argument.list("x1 x2 …").usage == "[x1 x2 …]")
    }

    @Test func everyCommandIsATypeNow() {
        // The usage lines `help NAME` shows: written by the command, or made from the declaration.
        #expect(Commands.Toy.usage == "toy [x1 x2 x3 …] [--whh W] [--wxh W] [--b B] [--h0 H] [--linear] [--clip C]")
        #expect(Commands.GradFlow.usage == "gradflow [--steps T] [--compare lstm|FILE] [--all]")
        #expect(Commands.Cells.usage == "cells [FEATURE] [--text FILE|corpus] [--top K] [--html FILE]")
        #expect(Commands.Cell.usage == "cell N [--text FILE|corpus] [--from POS] [--chars K] [--html FILE]")
        #expect(Commands.ModelCommand.usage == "model [new]")
        #expect(Commands.PresetCommand.usage == "preset [NAME]")
        #expect(Commands.CorpusCommand.usage == "corpus [hello|shakespeare|c|latex|korean|FILE] [--unit graphemes|codepoints|jamo]")
        #expect(Commands.SetCommand.usage == "set [NAME [VALUE]]")
        #expect(Commands.Help.usage == "help [COMMAND|settings]")
        #expect(CommandRegistry.command(named: "show")?.usage == Commands.Show.usage)
        let code = CommandRegistry.command(named: "code")?.usage
        #expect(code == "code [forward | backward | train | rnn | lstm | gru] [forward | backward]")
    }

    @Test func aCommandsOwnUsageAndCompletionReachTheShell() {
        let shell = makeShell()
        #expect(output(of: "set lr 0.1 0.2", in: shell).text.contains("usage: set [NAME [VALUE]]"))
        #expect(output(of: "corpus a b", in: shell).text.contains("usage: corpus [hello|shakespeare|c|latex|korean|FILE] [--unit graphemes|codepoints|jamo]"))
        #expect(output(of: "model old", in: shell).text.contains("usage: model [new]"))
        #expect(output(of: "toy 1 2 --whh 7 --b 200", in: shell).text.contains("--b must be from -100 to 100"))
        let context = CompletionContext(corpora: ["hello"], paths: { _ in ["a.txt"] })
        #expect(Commands.CorpusCommand.complete(context, previous: [], word: "") == ["hello", "a.txt"])
        #expect(Commands.GradFlow.complete(context, previous: [], word: "") == ["--steps", "--compare", "--all"])
        #expect(CommandRegistry.complete(line: "gradflow --compare ", word: "", start: 19, context: context) == ["lstm", "a.txt"])
    }
}
