import CharRNN
import Foundation
import TestSupport
import Testing

@testable import Shell

/// `cells`, `cell`, `gradflow` and `toy`: their views (snapshots), their errors, completion.
///
/// The cell views run over a small C text with a planted unit: h0 of a 4-unit RNN is +tanh(2)
/// after a `"` or an upper-case letter or `_` (the only characters inside the text's strings) and
/// −tanh(2) after anything else, so it tracks "inside double quotes" except at each closing `"`.
@Suite struct AnalysisCommandTests {
    static let smallC = """
        int main(void) {
            puts("HELLO_WORLD");
            if (n > 0) { puts("YES_NO"); }
            return 0;
        }

        """

    /// A fresh directory for one test's files.
    static func scratchDirectory() throws -> String {
        temporaryDirectory("analysis")
    }

    /// A shell on `small.c` with a 4-unit RNN whose h0 is the planted quote unit.
    static func plantedShell() throws -> (shell: Shell, directory: String) {
        let directory = try scratchDirectory()
        let path = directory + "/small.c"
        try smallC.write(toFile: path, atomically: true, encoding: .utf8)
        let shell = makeShell()
        #expect(output(of: "corpus \(path)", in: shell).ok)
        #expect(output(of: "set hidden 4", in: shell).ok)
        let session = shell.session
        var model = session.workspace.trainer.model
        let characters = model.vocabulary.characters, V = characters.count, H = 4
        let wxh = model.parameters.firstIndex { $0.mathName == "W_xh" }!  // (H, V)
        let whh = model.parameters.firstIndex { $0.mathName == "W_hh" }!  // (H, H)
        for (v, c) in characters.enumerated() {
            let inside = c == "\"" || c == "_" || c.isUppercase
            model.parameters[wxh].values[0 * V + v] = inside ? 2 : -2  // row 0: unit h0
        }
        for j in 0..<H { model.parameters[whh].values[0 * H + j] = 0 }  // h0 forgets: it reads the character alone
        session.workspace.trainer.model = model
        session.modelChanged()
        return (shell, directory)
    }

    // MARK: - toy

    @Test func toyWritesOutTheLecturesExample() {
        let text = transcript(makeShell(), ["toy", "toy --linear --clip 5"])
        expectSnapshot(text, named: "analysis-toy")
        #expect(text.contains("h_3 = tanh(2x_3 + 3 tanh(2x_2 + 3 tanh(2x_1 + 3h_0 + 1) + 1) + 1)"))
        #expect(text.contains("3 × 3 × 3"))  // the linear recurrence: w_hh^(T−t)
    }

    @Test func toyTakesWeightsInputsAndStartingState() {
        let shell = makeShell()
        let text = output(of: "toy 1 -1 0.5 1 --whh 0.5 --wxh 1 --b 0 --h0 0.25", in: shell).text
        #expect(text.contains("w_hh = 0.5, w_xh = 1, b = 0, h_0 = 0.25; inputs x_1 … x_4 = 1 −1 0.5 1"))
        #expect(text.contains("h_4 = tanh(x_4 + 0.5 tanh(x_3 + 0.5 tanh(x_2 + 0.5 tanh(x_1 + 0.5h_0)))"))
        #expect(text.contains("the gradient vanishes"))
        // ∂h_4/∂h_0 is the product of the four factors 0.5·(1 − h_k²), as ToyTrace computes it.
        let trace = ToyRNN(whh: 0.5, wxh: 1, b: 0).run(inputs: [1, -1, 0.5, 1], h0: 0.25)
        #expect(text.contains("∂h_4/∂h_0 = \(toyNumber(trace.derivative(from: 0, to: 4)))"))
    }

    // MARK: - gradflow

    @Test func gradflowOnHello() {
        let text = transcript(
            makeShell(), ["gradflow", "gradflow --steps 2 --compare lstm", "set cell lstm", "gradflow --steps 3"])
        expectSnapshot(text, named: "analysis-gradflow")
        #expect(text.contains("σ_max(W_hh)"))
        #expect(text.contains("lstm ‖∂L/∂c_t‖"))
    }

    @Test func gradflowNumbersAreTheEnginesAndTheLSTMIsSaidToBeFresh() {
        let shell = makeShell()
        let text = output(of: "gradflow --compare lstm", in: shell).text
        #expect(text.contains("a fresh, untrained LSTM"))
        let flow = GradientFlow(model: shell.session.model, indices: Array(shell.session.workspace.corpus.indices), steps: 4)
        let norms = flow.hiddenNorms()
        #expect(text.contains("from \(String(format: "%.3g", norms[3])) to \(String(format: "%.3g", norms[0]))"))
    }

    @Test func gradflowComparesACheckpoint() throws {
        let directory = try Self.scratchDirectory()
        let shell = makeShell()
        transcript(shell, ["set cell lstm", "train 20", "save \(directory)/lstm.st", "set cell rnn"])
        let text = output(of: "gradflow --compare \(directory)/lstm.st", in: shell).text
        #expect(text.contains("lstm H = 3, trained 20 iterations"), "\(text)")
        #expect(text.contains("lstm* ‖∂L/∂c_t‖"))
    }

    // MARK: - cells and cell

    @Test func cellsFindsThePlantedQuoteUnit() throws {
        let (shell, _) = try Self.plantedShell()
        let text = transcript(shell, ["cells quote --text corpus", "cells --text corpus --top 2"])
        expectSnapshot(text, named: "analysis-cells")
        let scores = text.split(separator: "\n").first { $0.hasPrefix("1  h0 ") }
        #expect(scores != nil, "\(text)")
    }

    @Test(arguments: [false, true])
    func cellTintsTheText(color: Bool) throws {
        let (shell, _) = try Self.plantedShell()
        let text = transcript(
            shell, ["cell 0 --text corpus", "cell h1 --text corpus --chars 20", "cell h1 --text corpus --from 20 --chars 20"],
            color: color, width: 60)
        expectSnapshot(text, named: color ? "analysis-cell-color" : "analysis-cell")
        #expect(text.contains("more: cell h1 --from 20 --text corpus --chars 20"))
    }

    @Test func cellsHTMLWritesAPage() throws {
        let (shell, directory) = try Self.plantedShell()
        let path = directory + "/quote.html"
        let result = output(of: "cells quote --text corpus --html \(path)", in: shell)
        #expect(result.ok && result.text.contains("wrote \(path): unit h0 over 93 characters"), "\(result.text)")
        let page = try String(contentsOfFile: path, encoding: .utf8)
        expectSnapshot(page, named: "analysis-cells-html")
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("unit h0 — quote"))
        // `cell N --html` writes the same page body for the same unit.
        let cellPath = directory + "/h0.html"
        #expect(output(of: "cell h0 --text corpus --html \(cellPath)", in: shell).ok)
        let cellPage = try String(contentsOfFile: cellPath, encoding: .utf8)
        #expect(
            cellPage.components(separatedBy: "<div class=\"text\">").last
                == page.components(separatedBy: "<div class=\"text\">").last)
    }

    @Test func readsTheValidationTextByDefaultAndOtherFiles() throws {
        let shell = makeShell()
        #expect(output(of: "corpus c", in: shell).ok)
        #expect(output(of: "set hidden 8", in: shell).ok)
        let text = output(of: "cells comment --top 3", in: shell).text
        #expect(text.contains("over the validation text of c (its first 20000 of "), "\(text)")
        #expect(text.contains("\n3  "))
        let directory = try Self.scratchDirectory()
        try "int x = 1; /* one */ int y = 2; /* two */\n".write(toFile: directory + "/t.c", atomically: true, encoding: .utf8)
        let file = output(of: "cells comment --text \(directory)/t.c", in: shell).text
        #expect(file.contains("over the text of t.c (42 characters)"), "\(file)")
        #expect(file.contains("see it over the text: cell h") && file.contains("--text \(directory)/t.c"))
    }

    @Test func ctrlCStopsACellSearch() throws {
        let (shell, _) = try Self.plantedShell()
        shell.session.interrupted = { true }
        let result = output(of: "cells quote --text corpus", in: shell)
        #expect(result.ok && result.text == "interrupted (Ctrl-C)\n")
    }

    // MARK: - Errors and completion

    @Test(arguments: [
        ("cells quot", "unknown feature 'quot' — did you mean 'quote'?"), ("cells xyz", "features: quote, if, comment"),
        ("cells /(/ --text corpus", "bad regular expression /(/"), ("cells //", "empty regular expression"),
        ("cells quote if", "usage: cells"), ("cells quote --top 0", "--top must be from 1"),
        ("cells --top x", "--top must be a whole number"),
        ("cells --html x.html", "needs a FEATURE"), ("cells quote --text /nonexistent/f", "no file or corpus"),
        ("cells quote --text corpus", "0 characters inside"), ("cells depth --text corpus", "never changes"),
        ("cells quote --text shakespeare", "lacks"), ("cells quote --html /tmp", "is a directory"),
        ("cell", "usage: cell N"), ("cell 3", "no unit h3: the model (rnn, H = 3) has h0…h2"),
        ("cell c1", "only an LSTM has a cell state"),
        ("cell l1.h0", "no unit l1.h0"), ("cell abc", "'abc' is not a unit"), ("cell 1 --from -1", "--from must be from 0"),
        ("cell 1 --from 5", "--from must be below the text's 5 characters"), ("cell 1 --chars 0", "--chars must be from 1"),
        ("gradflow --steps 0", "--steps must be from 1 to 4"), ("gradflow --steps 5", "--steps must be from 1 to 4"),
        ("gradflow 3", "usage: gradflow"), ("gradflow --compare gru", "--compare:"), ("gradflow --fast", "unknown option --fast"),
        ("toy x", "x_1 must be a number"), ("toy --whh abc", "--whh must be a number"),
        ("toy --whh 1e9", "--whh must be from -100 to 100"),
        ("toy --clip 0", "--clip must be from"), ("toy --b nan", "--b must be a number"),
        ("toy --linear=1", "--linear takes no value"),
    ])
    func errorsAreOneLineAndChangeNothing(line: String, expected: String) {
        let shell = makeShell()
        transcript(shell, ["step 2"])
        expectFailureChangesNothing(line, expected: expected, in: shell)
    }

    @Test func gradflowCompareLSTMNeedsAnRNN() {
        let shell = makeShell()
        transcript(shell, ["set cell lstm"])
        let text = output(of: "gradflow --compare lstm", in: shell).text
        #expect(text.hasPrefix("error: the model is already an LSTM"))
    }

    @Test func completion() {
        let complete = Shell(corporaDirectory: corporaDirectory, pathCompleter: { ["\($0)file.html"] }).completer
        #expect(complete("cells q", "q", 6) == ["quote"])
        #expect(
            complete("cells ", "", 6) == [
                "quote", "if", "comment", "column", "indent", "depth", "speech", "--text", "--top", "--html",
            ])
        #expect(complete("cells --t", "--t", 6) == ["--text", "--top"])
        #expect(complete("cells quote ", "", 12) == [])
        #expect(complete("cells --top 5 ", "", 14).contains("quote"))
        #expect(complete("cells quote --text ", "", 19).prefix(3) == ["corpus", "hello", "c"])
        #expect(complete("cells quote --html q", "q", 19) == ["qfile.html"])
        #expect(complete("cell 3 --", "--", 7) == ["--text", "--from", "--chars", "--html"])
        #expect(complete("gradflow --compare ", "", 19) == ["lstm", "file.html"])
        #expect(complete("gradflow --", "--", 9) == ["--steps", "--compare", "--all"])
        #expect(complete("toy --l", "--l", 4) == ["--linear"])
        #expect(complete("gra", "gra", 0) == ["gradcheck", "gradflow"])
    }
}
