import CharRNN
import Foundation
import Rendering

extension Commands {
    struct Sample: ShellCommand {
        static let name = "sample"
        static let summary = "generate N characters, each drawn from p and fed back in"
        static let help = """
            The prediction at one step becomes the next step's input, so the model writes text of
            any length (default 200). It starts from h_0 = 0 (its first line says so): --prime warms the
            hidden state with a text first (default: the vocabulary's first character); --temperature divides the logits (below 1 sharper);
            --top-k draws only among the k most likely; --argmax always takes the most likely;
            --seed draws from a generator of its own (the same seed gives the same text).
            Without options, the temperature and topk settings apply. Ctrl-C stops it.
            """
        static let arguments: [Argument] = [
            .positional("N", .integer(1...1_000_000), optional: true), .option("prime", "TEXT", .text),
            .option("temperature", "T", .number(0...10), called: "the temperature"),
            .option("top-k", "K", .integer(0...10_000), called: "top-k"), .flag("argmax"),
            .option("seed", "S", .integer(0...Int.max), called: "the seed"),
        ]
        /// Characters to draw.
        let length: Int
        /// The text that warms the hidden state first.
        let prime: String
        /// The temperature and top-k given (nil: the settings'); 0 for top-k means all.
        let temperature: Double?
        let topK: Int?
        /// Always take the most likely character.
        let argmax: Bool
        /// A generator of its own, if given.
        let seed: Int?

        init(_ arguments: ParsedArguments) {
            length = arguments.integer("N") ?? 200
            prime = arguments.text("prime") ?? ""
            temperature = arguments.number("temperature")
            topK = arguments.integer("top-k")
            argmax = arguments.flag("argmax")
            seed = arguments.integer("seed")
        }

        func run(in session: Session) throws {
            var options = session.workspace.settings.sampling
            if let temperature { options.temperature = temperature }
            if let topK { options.topK = topK > 0 ? topK : nil }
            options.argmax = argmax
            let seed = self.seed.map { UInt64($0) }
            let model = session.model
            do { _ = try model.vocabulary.encode(prime) } catch {
                throw CommandError("--prime: \(String(describing: error))")
            }
            var generator = seed.map { SplitMix64(seed: $0) } ?? session.workspace.generator
            // Lines longer than the terminal are broken before its last column, with a dim `›`.
            var wrap = StreamingWrap(width: session.width)
            let style = session.style
            session.output.line(style.dim(sampleOrigin(prime: prime, vocabulary: model.vocabulary)))
            var written = style.dim(wrap.wrap(safeText(prime), style: .plain))
            session.output.write(written)
            let interrupted = session.interrupted
            let output = session.output
            var composer: JamoComposer? = model.vocabulary.unit == .jamo ? JamoComposer() : nil  // jamo shown as syllables
            _ = try? model.sample(prime: prime, length: length, options: options, using: &generator) { c in
                let text = composer?.feed(c) ?? String(c)
                let piece = wrap.wrap(safeText(text), style: style)  // ESC or NUL from a text: shown, not obeyed or lost
                written += piece
                output.write(piece)
                return !interrupted()
            }
            if let rest = composer?.finish(), !rest.isEmpty {
                let piece = wrap.wrap(safeText(rest), style: style)
                written += piece
                output.write(piece)
            }
            session.output.write("\n")
            session.report(.sampled(text: sampleText(written)))
            if seed == nil { session.workspace.generator = generator }
        }
    }

    struct Predict: ShellCommand {
        static let name = "predict"
        static let summary = "the next-character distribution after a text, before and after temperature"
        static let help = """
            Feeds TEXT from h_0 = 0 (default: the stepped text) and shows the most likely next
            characters: p = softmax(y) and the distribution `sample` would draw from with the
            temperature and topk settings.
            """
        static let arguments: [Argument] = [.positional("TEXT", optional: true)]
        static let usageHint = "(quote a text with spaces)"
        /// The text to feed, if given (default: the stepped text).
        let text: String?

        init(_ arguments: ParsedArguments) { text = arguments.text("TEXT") }

        func run(in session: Session) throws {
            let model = session.model
            // The units fed: the text given, or the first t units of the stepped text (step t read unit t).
            let indices: [Int]
            if let given = self.text {
                do { indices = try model.vocabulary.encode(given) } catch { throw CommandError(String(describing: error)) }
            } else if session.stepping.position > 0 {
                indices = session.steppedIndices(session.stepping.position)
            } else {
                throw CommandError("predict TEXT: give a text (quote it if it has spaces), or step first")
            }
            guard !indices.isEmpty else { throw CommandError("predict TEXT: the text is empty") }
            var stepper = Stepper(model: model)
            var logits: [Float] = []
            for i in indices { logits = stepper.feed(i) }
            let before = SamplingOptions(temperature: 1).distribution(logits: logits)
            let options = session.workspace.settings.sampling
            let after = options.distribution(logits: logits)
            let V = logits.count
            let k = min(V, 10)
            let order = (0..<V).sorted { before[$0] != before[$1] ? before[$0] > before[$1] : $0 < $1 }.prefix(k)
            let labels = model.vocabulary.labels
            // A second column only when temperature or top-k change the distribution (at T = 1 without
            // top-k it would repeat the first).
            let changed = options.temperature != 1 || options.topK != nil
            // Jamo: a letter's label cannot say whether it ends the syllable (ㄴ of 한) or starts the next
            // (ㄴ of 하나); the text it would make, composed, can.
            let jamo = model.vocabulary.unit == .jamo
            let rows = order.enumerated().map { rank, v in
                [String(rank + 1), labels[v]]
                    + (jamo ? [composedTail(indices, then: v, vocabulary: model.vocabulary, graphemes: 3)] : [])
                    + [String(format: "%.4f", before[v])]
                    + (changed ? [String(format: "%.4f", after[v])] : [])
            }
            let last = jamo ? " (\(unitCount(indices.count, .jamo)), the last \(session.quoted(indices[indices.count - 1])))" : ""
            let room = session.width - displayWidth("after \"\"\(last) the model predicts:")
            let shownText = composedTail(indices, vocabulary: model.vocabulary, graphemes: 30, columns: max(8, room))
            session.output.line("after \"\(shownText)\"\(last) the model predicts:")
            session.output.line(
                table(
                    headers: ["#", "next"] + (jamo ? ["text"] : []) + ["p (T = 1)"]
                        + (changed
                            ? ["p (T = \(formatPlain(options.temperature))\(options.topK.map { ", top \($0)" } ?? ""))"] : []),
                    rows: rows, alignments: [.right, .left] + (jamo ? [.left] : []) + [.right, .right], style: session.style))
            if !changed { session.output.note("set temperature (or topk) to see the distribution sample draws from beside it") }
        }
    }
}

/// The first line of `sample`: what it starts from (h_0 = 0 and the prime, or the vocabulary's
/// first character when there is none).
func sampleOrigin(prime: String, vocabulary: Vocabulary) -> String {
    if prime.isEmpty, let first = vocabulary.characters.first {
        return "── sample from h_0 = 0, after \"\(safeText(visible(String(first))))\" (the vocabulary's first character) ──"
    }
    return "── sample from h_0 = 0, primed with \"\(safeText(visible(prime)))\" ──"
}
