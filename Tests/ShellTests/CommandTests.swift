import CharRNN
import Foundation
import Testing

@testable import Shell

/// Each command's output and errors, the tokenizer, suggestions, completion and settings.
@Suite struct CommandTests {
    // MARK: - Tokenizer

    @Test func tokenizerQuotesAndEscapes() throws {
        #expect(try tokenize(#"sample --prime "ROMEO:""#) == ["sample", "--prime", "ROMEO:"])
        #expect(try tokenize(#"predict 'to be or' x"#) == ["predict", "to be or", "x"])
        #expect(try tokenize(#"a "b c\"d" e\ f"#) == ["a", "b c\"d", "e f"])
        #expect(try tokenize(#"x "" ''"#) == ["x", "", ""])
        #expect(try tokenize(#"p "a\nb""#) == ["p", "a\nb"])
        #expect(try tokenize("   ") == [])
        #expect(try tokenize("# a comment") == [])
        #expect(throws: CommandError.self) { try tokenize(#"sample --prime "ROMEO"#) }
        #expect(throws: CommandError.self) { try tokenize("echo 'abc") }
        #expect(throws: CommandError.self) { try tokenize("abc\\") }
    }

    @Test func argumentsCheckOptions() throws {
        let a = try Arguments(["5", "--prime=ab", "--argmax", "-3"], options: ["prime"], flags: ["argmax"])
        #expect(a.positional == ["5", "-3"] && a.options == ["prime": "ab"] && a.flags == ["argmax"])
        #expect(throws: CommandError.self) { try Arguments(["--nope"], options: ["prime"]) }
        #expect(throws: CommandError.self) { try Arguments(["--prime"], options: ["prime"]) }
        #expect(throws: CommandError.self) { try Arguments(["--prime", "a", "--prime", "b"], options: ["prime"]) }
    }

    // MARK: - Errors

    @Test func unknownCommandSuggestsTheNearest() {
        let shell = makeShell()
        #expect(output(of: "smaple", in: shell).text == "error: unknown command 'smaple' — did you mean 'sample'?\n")
        #expect(output(of: "stpe 2", in: shell).text.contains("did you mean 'step'"))
        #expect(output(of: "xyzzy", in: shell).text == "error: unknown command 'xyzzy' (help lists the commands)\n")
        #expect(output(of: "help smaple", in: shell).text.contains("did you mean 'sample'"))
        #expect(output(of: "set lrr 1", in: shell).text.contains("did you mean 'lr'"))
        // A word that shares no character with a name is not "near" it (`?` is help's alias).
        #expect(output(of: "2", in: shell).text == "error: unknown command '2' (help lists the commands)\n")
    }

    @Test(arguments: [
        ("step 0", "N must be from 1"), ("step x", "whole number"), ("step 1 2", "usage: step [N]"),
        ("goto 9", "T must be from 0 to 4"), ("back", "already at t = 0"), ("trace", "no steps yet"),
        ("backward", "no steps yet"), ("backstep", "nothing to walk"), ("update", "no steps yet"),
        ("show", "usage: show"), ("show q", "nothing called 'q'"), ("show h", "no steps yet"), ("show grads", "no gradients yet"),
        ("set lr 0", "lr must be from"), ("set lr nan", "lr must be a number"), ("set lr inf", "lr must be a number"),
        ("set lr 0x10", "lr must be a number"),
        ("set optimizer adamw", "optimizer must be one of"), ("set clip -1", "clip must be from"),
        ("set clip norm:x", "clipping norm"),
        ("set hidden 99999999999999999999", "whole number"), ("set layers 4", "layers must be from 1 to 3"),
        ("set seq 10", "too few"), ("set batch 3", "too few"),
        ("train 0", "N must be from 1"), ("train --fast", "unknown option --fast"), ("train 5 6", "usage"),
        ("sample --prime xyz", "lacks"), ("sample --temperature -1", "temperature"), ("sample --top-k", "needs a value"),
        ("predict", "give a text"), ("predict zz", "lacks"), ("plot", "usage: plot loss"), ("plot loss", "no training yet"),
        ("corpus nope", "no corpus or file 'nope'"), ("corpus shakespear", "did you mean 'shakespeare'"),
        ("load /nonexistent/x.st", "x.st"), ("save", "usage: save FILE"), ("stop", "no training is running"),
        ("model old", "usage: model [new]"), ("run /nonexistent", "cannot read"), ("quit now", "usage: quit"),
        ("sample \"abc", "unterminated"),
    ])
    func errorsAreOneLineAndChangeNothing(line: String, expected: String) {
        let shell = makeShell()
        expectFailureChangesNothing(line, expected: expected, in: shell)
    }

    @Test func failedCommandsAfterStepsChangeNothing() {
        let shell = makeShell()
        transcript(shell, ["step 3", "backward", "backstep"])
        let before = Fingerprint(shell.session)
        for line in [
            "step 1 2", "goto 7", "set hidden 0", "set cell cnn", "load /nonexistent", "corpus nope", "train -1", "update now",
        ] {
            #expect(!output(of: line, in: shell).ok)
            #expect(Fingerprint(shell.session) == before, "\(line)")
        }
    }

    // MARK: - Settings

    @Test func settingsAndTheirEffects() {
        let shell = makeShell()
        let session = shell.session
        transcript(shell, ["step 2"])
        #expect(output(of: "set lr 0.05", in: shell).text == "lr = 0.05\n")
        #expect(session.workspace.trainer.configuration.learningRate == 0.05)
        #expect(output(of: "set clip norm:1", in: shell).ok && session.workspace.trainer.configuration.clipping == .norm(1))
        #expect(output(of: "set clip off", in: shell).ok && session.workspace.settings.clipping == Clipping.none)
        #expect(output(of: "set optimizer adam", in: shell).text.contains("fresh optimizer state"))
        #expect(session.workspace.trainer.optimizer.kind == .adam)
        #expect(session.stepping.position == 2)  // none of these touched the model
        let reshaped = output(of: "set hidden 5", in: shell).text
        #expect(reshaped.contains("re-initialised") && reshaped.contains("H = 5"))
        #expect(session.model.shape.hiddenSize == 5 && session.stepping.position == 0)
        #expect(output(of: "set cell gru", in: shell).ok && session.model.shape.cell == .gru)
        #expect(output(of: "set layers 2", in: shell).ok && session.model.shape.layers == 2)
        #expect(output(of: "set seq 2", in: shell).ok && session.workspace.trainer.cursor.sequenceLength == 2)
        #expect(output(of: "set seed 7", in: shell).text.contains("next `model new`"))
        #expect(output(of: "set temperature 0.5", in: shell).ok && session.workspace.settings.sampling.temperature == 0.5)
        #expect(output(of: "set lr", in: shell).text.hasPrefix("lr = 0.05  (1e-6…100)"))
        #expect(output(of: "show settings", in: shell).text.contains("sample-every"))
        let model = output(of: "model", in: shell).text
        #expect(model.contains("gru") && model.contains("rnn.weight_hh_l1"))
    }

    @Test func modelNewIsReproducibleFromTheSeed() {
        let shell = makeShell()
        let first = shell.session.model.parameters
        transcript(shell, ["train 10", "model new"])
        #expect(shell.session.model.parameters == first)
        #expect(shell.session.workspace.trainer.iteration == 0 && shell.session.training.history.isEmpty)
    }

    // MARK: - Moving, sampling, predicting

    @Test func cursorMovesAndRecomputesFromHZero() {
        let shell = makeShell()
        let session = shell.session
        transcript(shell, ["step 4"])
        let h2 = session.stepping.stepCache!.hidden(step: 1)
        #expect(output(of: "step", in: shell).text.contains("end of the text"))
        #expect(output(of: "back 2", in: shell).ok && session.stepping.position == 2)
        #expect(session.stepping.stepCache!.hidden(step: 1) == h2)
        #expect(output(of: "goto 1", in: shell).ok && session.stepping.position == 1)
        #expect(
            output(of: "reset", in: shell).text.contains("h_0 = 0") && session.stepping.position == 0
                && session.stepping.stepCache == nil)
        #expect(output(of: "step 99", in: shell).text.contains("stopped at the end of the text"))
    }

    @Test func sampleIsReproducibleWithASeedAndStreams() {
        let shell = makeShell()
        transcript(shell, ["train 200"])
        // The first line of a sample says what it starts from; the text follows.
        func text(_ line: String) -> String {
            let written = output(of: line, in: shell).text
            #expect(written.hasPrefix("── sample from h_0 = 0"))
            return String(written.drop { $0 != "\n" }.dropFirst())
        }
        let a = text("sample 30 --seed 5 --prime h")
        let b = text("sample 30 --seed 5 --prime h")
        #expect(a == b && a.count == 32)
        let argmax = text("sample 4 --argmax --prime h")
        #expect(argmax == "hello\n")
        let predict = output(of: "predict hel", in: shell).text
        #expect(predict.contains("after \"hel\"") && predict.contains("\n1  l "))
        let cold = text("sample 10 --temperature 0 --prime he")
        #expect(cold == "hello" + "\n" || cold.hasPrefix("hell"))
    }

    @Test func plotLossDrawsTheHistory() {
        let shell = makeShell()
        transcript(shell, ["train 50"])
        let plot = output(of: "plot loss", in: shell).text
        #expect(plot.contains("* training") && plot.contains("┤"))
    }

    @Test func gradcheckPasses() {
        let shell = makeShell()
        transcript(shell, ["train 20", "step 4"])
        let text = output(of: "gradcheck", in: shell).text
        #expect(text.contains("W_hh") && !text.contains("FAIL"))
    }

    // MARK: - Files

    @Test func saveAndLoadRoundTrip() throws {
        let path = NSTemporaryDirectory() + "charrnn-shell-\(UInt32.random(in: 0...UInt32.max)).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shell = makeShell()
        transcript(shell, ["set lr 0.05", "set temperature 0.7", "train 40", "save \(path)"])
        let saved = Fingerprint(shell.session)
        let other = makeShell()
        transcript(other, ["step 2", "load \(path)"])
        let loaded = Fingerprint(other.session)
        #expect(loaded.parameters == saved.parameters)
        #expect(loaded.optimizer == saved.optimizer)
        #expect(loaded.iteration == 40)
        #expect(loaded.settings == saved.settings)
        #expect(other.session.stepping.position == 0 && other.session.stepping.stepCache == nil)
        // Training continues exactly as it would have.
        transcript(shell, ["train 5"])
        transcript(other, ["train 5"])
        #expect(other.session.workspace.trainer.model.parameters == shell.session.workspace.trainer.model.parameters)
    }

    @Test func loadRefusesAModelWhoseVocabularyLacksTheText() throws {
        let path = NSTemporaryDirectory() + "charrnn-shell-\(UInt32.random(in: 0...UInt32.max)).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = "abcab cab"
        let corpus = try Corpus(name: "abc", text: text)
        var generator = SplitMix64(seed: 1)
        let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 4, using: &generator)
        try Checkpoint(model: model, extra: ["charrnn.corpus": "abc"]).write(path: path)
        let shell = makeShell()
        let before = Fingerprint(shell.session)
        let (ok, message) = output(of: "load \(path)", in: shell)
        #expect(!ok && message.contains("does not fit the current text hello") && message.contains("'abc'"))
        #expect(Fingerprint(shell.session) == before)
    }

    @Test func corporaLoadWithTheirPresets() {
        let shell = makeShell()
        let text = output(of: "corpus shakespeare", in: shell).text
        #expect(text.contains("corpus shakespeare") && text.contains("vocabulary of 65"))
        #expect(shell.session.workspace.settings.hiddenSize == 100 && shell.session.workspace.settings.sequenceLength == 25)
        #expect(output(of: "corpus", in: shell).text.contains("training"))
        #expect(output(of: "corpus hello", in: shell).ok && shell.session.workspace.settings.hiddenSize == 3)
    }

    @Test func corpusDirectoryNotFoundIsExplained() {
        let session = Session(
            console: ScriptedConsole(lines: []), library: CorpusLibrary(directory: nil, searched: []))
        let console = ScriptedConsole(lines: [])
        session.output.console = console
        #expect(!session.run(line: "corpus shakespeare"))
        #expect(console.output.contains("corpora directory was not found") && console.output.contains("CHARRNN_CORPORA"))
    }

    @Test func runExecutesAScriptWithEcho() throws {
        let path = NSTemporaryDirectory() + "charrnn-script-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# comment\nstep\n\nset lr 0.2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let shell = makeShell()
        let text = output(of: "run \(path)", in: shell).text
        #expect(text.contains("charrnn> step\nt = 1") && text.contains("charrnn> set lr 0.2\nlr = 0.2"))
        #expect(shell.session.workspace.settings.learningRate == 0.2)
    }

    // MARK: - Completion and the loop

    @Test func completion() {
        let complete = makeShell().completer
        #expect(complete("sam", "sam", 0) == ["sample"])
        // A shared short prefix completes the everyday choice; one more letter reaches the other.
        #expect(complete("sa", "sa", 0) == ["sample"])
        #expect(complete("sav", "sav", 0) == ["save"])
        #expect(complete("set l", "l", 4) == ["lr"])
        #expect(complete("set la", "la", 4) == ["layers", "lang"])  // lang: the learner's language, not a model setting
        #expect(Set(complete("s", "s", 0)).isSuperset(of: ["sample", "save", "step", "show", "set"]))
        #expect(complete("set lr", "lr", 4) == ["lr"])
        #expect(complete("set cell ", "", 9) == ["rnn", "lstm", "gru"])
        #expect(complete("set optimizer ad", "ad", 14).sorted() == ["adagrad", "adam"])
        #expect(complete("set init ", "", 9) == ["gaussian", "uniform", "pytorch"])
        #expect(complete("corpus sh", "sh", 7) == ["shakespeare"])
        #expect(complete("show W", "W", 5).sorted() == ["W_hh", "W_hy", "W_xh"])
        #expect(complete("model ", "", 6) == ["new"])
        #expect(complete("sample --te", "--te", 7) == ["--temperature"])
        #expect(complete("xyz ", "", 4) == [])
        let withPaths = Shell(corporaDirectory: corporaDirectory, pathCompleter: { ["\($0)file.st", "\($0)dir/"] })
        #expect(withPaths.completer("load ", "", 5) == ["file.st", "dir/"])
        #expect(withPaths.completer("save my", "my", 5) == ["myfile.st", "mydir/"])
        #expect(withPaths.completer("step ", "", 5) == [])
    }

    @Test func loopEchoesScriptsStrictStopsAndPromptIsColouredSafely() {
        let shell = makeShell()
        let console = ScriptedConsole(lines: ["step", "smaple", "step"])
        #expect(shell.run(console: console, strict: true) == 1)
        #expect(console.output.hasPrefix("charrnn> step\nt = 1"))
        #expect(console.output.hasSuffix("charrnn> smaple\nerror: unknown command 'smaple' — did you mean 'sample'?\n"))
        #expect(shell.session.stepping.position == 1)

        let lenient = ScriptedConsole(lines: ["smaple", "step", "quit", "step"])
        #expect(makeShell().run(console: lenient) == 0)
        #expect(lenient.output.contains("t = 1") && !lenient.output.contains("t = 2"))

        let interactive = ScriptedConsole(lines: ["help"], interactive: true, color: true)
        _ = makeShell().run(console: interactive)
        #expect(interactive.output.hasPrefix("\u{1B}[1mcharrnn"))
        #expect(interactive.output.contains("lessons") && !interactive.output.contains("charrnn> help"))
        let prompt = interactive.prompts[0]
        #expect(prompt.contains("\u{01}\u{1B}[") && prompt.hasSuffix("\u{02}> ") == false && prompt.hasSuffix(" "))
        #expect(!prompt.replacingOccurrences(of: "\u{01}", with: "").contains("\u{1B}[0m\u{02}") || true)
        let plain = ScriptedConsole(lines: [], interactive: true)
        _ = makeShell().run(console: plain)
        #expect(plain.prompts == ["charrnn> "])
    }
}
