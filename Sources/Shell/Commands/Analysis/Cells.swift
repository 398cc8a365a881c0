import CharRNN
import Foundation
import Rendering

// `cells`: which hidden unit tracks a feature of the text (CharRNN/Analysis, CellSearch).

extension Commands {
    /// `cells [FEATURE] …`: the units ranked by how well they track a feature (or the best unit of every built-in one).
    struct Cells: ShellCommand {
        static let name = "cells"
        static let summary = "which hidden unit tracks a feature of the text (quote, if, comment, …)"
        static let help = """
            Runs the model over a text from h_0 = 0, keeps every hidden unit's value after every
            character (h, and c for an LSTM), and ranks the units by how well they track FEATURE:
              quote    inside double quotes          if       inside an if (…) condition
              comment  inside /* */ or // comments   speech   first line of a speech (NAME:)
              column   position in the line          indent   indentation of the line
              depth    nesting of {} () []           /REGEX/  inside a match of the expression
            For an inside/outside feature the score is TPR + TNR − 1 of the unit's best threshold
            (0 is chance, 1 perfect; accuracy is (TPR + TNR) / 2); for a number it is |r|, the size
            of the correlation. Without FEATURE, the best unit of every built-in feature.
            The text is the validation part of the current corpus (its first 20000 characters);
            --text corpus reads the corpus from its start, --text FILE (or a corpus name) a file.
            --html FILE writes the best unit's tinted text as a page for a browser.
            Look at a unit with `cell N`.
            """
        static let arguments: [Argument] = [
            .positional("FEATURE", optional: true), .option("text", "FILE|corpus", .text),
            .option("top", "K", .integer(1...1000), called: "--top"), .option("html", "FILE", .path),
        ]
        /// The feature searched for; nil for the best unit of every built-in feature.
        let feature: TextFeature?
        /// How many units the table shows.
        let top: Int
        /// Where the best unit's tinted page is written, if asked.
        let htmlPath: String?
        /// The `--text` word (a file, a corpus name or `corpus`), if given.
        let textSource: String?

        init(_ arguments: ParsedArguments) throws(CommandError) {
            feature = try arguments.text("FEATURE").map { name throws(CommandError) in try parseFeature(name) }
            top = arguments.integer("top") ?? 10
            htmlPath = try arguments.text("html").map { path throws(CommandError) in try checkedOutputPath(path) }
            if htmlPath != nil && feature == nil {
                throw CommandError(
                    "cells --html FILE needs a FEATURE (e.g. cells quote --html quote.html), or use cell N --html FILE")
            }
            textSource = arguments.text("text")
        }

        /// Features until one is given, options on a dash, the values an analysis option takes after it.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            if let option = previous.last, let values = analysisOptionValues(option, context: context, word: word) {
                return values
            }
            let options = ["--text", "--top", "--html"]
            if word.hasPrefix("-") { return options }
            // A feature is a word that is neither an option nor an option's value.
            let hasFeature = previous.indices.contains { i in
                !previous[i].hasPrefix("-") && (i == 0 || !analysisOptionsWithValues.contains(previous[i - 1]))
            }
            return hasFeature ? [] : TextFeature.builtIns.map(\.name) + options
        }

        func run(in session: Session) throws {
            let model = session.model
            let source = try session.analysisText(textSource, model: model)
            if let feature {
                // Compute the feature first: a bad pattern or a too-rare feature needs no model run.
                let signal: [Float]
                do { signal = try feature.inUnits(model.vocabulary.unit).signal(for: source.characters) } catch {
                    throw CommandError(String(describing: error))
                }
                if let problem = searchProblem(signal, feature: feature) { throw CommandError(problem.description) }
                guard let recording = session.record(model, source.indices),
                    let scores = session.rank(recording, signal: signal, isIndicator: feature.isIndicator, top: top)
                else { return }
                session.output.line(
                    session.style.bold("cells \(feature.name)") + " — \(feature.summary) — over \(source.description); "
                        + session.unitsPhrase(model))
                session.output.line(cellScoreTable(scores, feature: feature, style: session.style))
                session.output.note(scoreExplanation(feature))
                if let best = scores.first {
                    if let htmlPath {
                        try writeTintedPage(
                            path: htmlPath, characters: source.characters.map(standaloneUnit),
                            activations: shownActivations(recording, best.unit),
                            title:
                                "unit \(best.unit) — \(feature.name) (\(feature.summary)), score \(String(format: "%.3f", best.score)) — \(source.description)"
                        )
                        session.output.line(
                            "wrote \(htmlPath): unit \(best.unit) over "
                                + unitCount(source.characters.count, model.vocabulary.unit))
                    }
                    session.output.note("see it over the text: cell \(best.unit)" + source.option)
                }
            } else {
                guard let recording = session.record(model, source.indices) else { return }
                var rows: [[String]] = []
                for feature in TextFeature.builtIns {
                    let signal = (try? feature.signal(for: source.characters)) ?? []  // built-ins never throw
                    if let problem = searchProblem(signal, feature: feature) {
                        rows.append([feature.name, "—", "—", "", "", "", "", "not searched: " + shortReason(problem)])
                        continue
                    }
                    guard let best = session.rank(recording, signal: signal, isIndicator: feature.isIndicator, top: 1)?.first
                    else { return }
                    rows.append([feature.name] + scoreCells(best) + [feature.summary])
                }
                session.output.line(
                    session.style.bold("cells") + ": the best unit for every feature, over \(source.description); "
                        + session.unitsPhrase(model))
                session.output.line(
                    table(
                        headers: ["feature", "best", "score", "r", "sign", "threshold", "accuracy", "tracks"], rows: rows,
                        alignments: [.left, .left, .right, .right, .left, .right, .right, .left], style: session.style))
                session.output.note(
                    "score: TPR + TNR − 1 of the best threshold for inside/outside features, |r| for numbers; 0 is chance, 1 perfect"
                )
                session.output.note("more units for one feature: cells FEATURE; a unit over the text: cell N")
            }
        }
    }
}
