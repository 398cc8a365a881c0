import CharRNN
import Foundation
import Rendering

// `cell N`: the text tinted by one unit, the classic view (HiddenStateRecording).

extension Commands {
    /// `cell N …`: the text tinted by one unit, a screen at a time.
    struct Cell: ShellCommand {
        static let name = "cell"
        static let summary = "the text tinted by one hidden unit: blue negative, red positive"
        static let help = """
            Runs the model over the text from h_0 = 0 and colours every character by unit N's value
            after reading it: blue for negative, white near zero, red for positive (the classic view
            of interpretable cells). Without colour a ramp line under each line says the same with
            = - . + #. N is 12 (h12 of layer 0), h12, c12 (an LSTM's cell state, drawn as tanh(c))
            or l1.h12 (a higher layer). One screen at a time: --from POS starts further in (the
            last line says where the next screen starts), --chars K shows K characters.
            The text is as for `cells` (the validation text by default). --html FILE writes the
            whole text (or the --from/--chars part) as a page for a browser.
            """
        static let arguments: [Argument] = [
            .positional("N"), .option("text", "FILE|corpus", .text),
            .option("from", "POS", .integer(0...100_000_000), called: "--from"),
            .option("chars", "K", .integer(1...1_000_000), called: "--chars"), .option("html", "FILE", .path),
        ]
        /// The unit's name as typed (`12`, `h12`, `c12`, `l1.h12`), checked against the model when it runs.
        let unitName: String
        /// The first character shown.
        let from: Int
        /// How many characters are shown; a screenful when nil.
        let chars: Int?
        /// Where the tinted page is written, if asked.
        let htmlPath: String?
        /// The `--text` word (a file, a corpus name or `corpus`), if given.
        let textSource: String?

        init(_ arguments: ParsedArguments) throws(CommandError) {
            unitName = arguments.text("N") ?? ""
            from = arguments.integer("from") ?? 0
            chars = arguments.integer("chars")
            htmlPath = try arguments.text("html").map { path throws(CommandError) in try checkedOutputPath(path) }
            textSource = arguments.text("text")
        }

        /// Options on a dash, the values an analysis option takes after it.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            if let option = previous.last, let values = analysisOptionValues(option, context: context, word: word) {
                return values
            }
            return word.hasPrefix("-") ? ["--text", "--from", "--chars", "--html"] : []
        }

        func run(in session: Session) throws {
            let model = session.model
            let unit = try parseUnit(unitName, shape: model.shape)
            let source = try session.analysisText(textSource, model: model)
            let count = source.characters.count
            // One cell per step: a jamo stands alone as its letter (ㅎ ㅏ ㄴ, each tinted by its own step).
            let characters = source.characters.map(standaloneUnit)
            let word = Session.unitWord(model.vocabulary.unit)
            guard from < count else {
                throw CommandError("--from must be below the text's \(count) characters, not \(from)")
            }
            let plain = !session.style.colorEnabled
            let width = min(session.width, 100)
            let shown =
                chars.map { min($0, count - from) }
                ?? screenful(characters, from: from, width: width, lines: plain ? 7 : 20)
            let end = htmlPath != nil && chars == nil ? count : from + shown
            // The unit's value at a character depends on everything before it: record from the start.
            guard let recording = session.record(model, Array(source.indices[0..<end])) else { return }
            let values = shownActivations(recording, unit)
            if let htmlPath {
                try writeTintedPage(
                    path: htmlPath, characters: Array(characters[from..<end]), activations: Array(values[from..<end]),
                    title: "unit \(unit) — \(source.description), \(word) \(from)…\(end - 1)")
                session.output.line("wrote \(htmlPath): unit \(unit) over \(word) \(from)…\(end - 1) of \(source.description)")
                return
            }
            session.output.line(
                session.style.bold("unit \(unit)") + " (\(session.unitPhrase(unit, model))) over \(source.description): "
                    + "\(word) \(from)…\(from + shown - 1) of \(count)")
            session.output.line(
                tintLegend(style: session.style) + (unit.kind == .cell ? session.style.dim("   (c drawn as tanh(c))") : ""))
            if model.vocabulary.unit == .jamo {
                session.output.note("one letter a step: 한 is ㅎ ㅏ ㄴ, each tinted by its own step")
            }
            session.output.line(
                tintedText(
                    characters: Array(characters[from..<(from + shown)]),
                    activations: Array(values[from..<(from + shown)]),
                    style: session.style, width: width))
            if from + shown < count {
                session.output.note(
                    "more: cell \(unit) --from \(from + shown)" + source.option + (chars.map { " --chars \($0)" } ?? ""))
            } else {
                session.output.note("(end of the text)")
            }
        }
    }
}
