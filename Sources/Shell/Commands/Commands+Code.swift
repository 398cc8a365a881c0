import CharRNN
import Foundation
import Rendering

// MARK: - code

extension Commands {
    /// The topics `code` takes as its first word.
    static let codeTopics = ["forward", "backward", "train"] + CellKind.allCases.map(\.rawValue)

    /// `code [TOPIC] [forward|backward]`: the reference model's lines for what the learner is looking at.
    struct Code: ShellCommand {
        static let name = "code"
        static let summary = "the reference model's source lines for what you are looking at"
        static let help = """
            Prints lines of the reference model (Sources/CharRNN/Reference/: the same network in
            plain Swift, forward above backward, each equation in a comment above its line), with
            the file and the line numbers, read from the files charrnn was built from.

                code                after step: the lines behind h_t, y_t, p_t, loss_t;
                                    after backward and during backstep: backward's
                code forward        the model's cell forward, then the output layer
                code backward       the output layer backward, then the model's cell
                code lstm           a cell forward and backward (also rnn, gru)
                code lstm forward   only its forward (or backward)
                code train          min-char-rnn's training loop: forward, backward, Adagrad

            The fast engine computes the same numbers (the tests prove it); the reference is the
            one to read. Long lines are cut with › (a wider terminal shows them whole).
            """
        static let usage = "code [forward | backward | train | rnn | lstm | gru] [forward | backward]"
        static let arguments: [Argument] = [.positional("TOPIC", optional: true), .positional("PASS", optional: true)]
        /// The words after `code` (none, a topic, or a cell and a pass), chosen from in `Session.codeSelection`.
        let words: [String]

        init(_ arguments: ParsedArguments) { words = [arguments.text("TOPIC"), arguments.text("PASS")].compactMap { $0 } }

        /// The topics, then `forward`/`backward` after a cell.
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            if previous.isEmpty { return Commands.codeTopics }
            if previous.count == 1, CellKind(rawValue: previous[0]) != nil { return ["forward", "backward"] }
            return []
        }

        func run(in session: Session) throws {
            let (caption, names) = try session.codeSelection(words)
            var regions: [ReferenceSource.Region] = []
            for name in names {
                do { regions.append(try ReferenceSource.region(name)) } catch { throw CommandError(String(describing: error)) }
            }
            session.output.line(caption)
            for region in regions {
                session.output.line()
                session.output.line(session.codeView(region))
            }
        }
    }
}

extension Session {
    /// The caption and the region names `code WORDS` shows (see `Commands.Code`'s help).
    func codeSelection(_ words: [String]) throws(CommandError) -> (caption: String, regions: [String]) {
        let cell = model.shape.cell
        let name = cell.rawValue.uppercased()
        let forward = ([cell.rawValue + ".forward", "output.forward"], "the \(name) cell, then the output layer")
        let backward = (["output.backward", cell.rawValue + ".backward"], "the output layer, then the \(name) cell")
        switch words.count {
        case 0:
            if let state = stepping.backwardState {
                let T = state.cache.steps
                let shown =
                    state.next < T
                    ? "backstep t = \(state.next + 1) ran these lines"
                    : "backward runs these lines at each step, t = \(T) down to 1,"
                return ("\(shown) (\(backward.1)):", backward.0)
            }
            let t = stepping.position
            if t > 0 {
                return (
                    "step t = \(t) computed h_\(t), y_\(t), p_\(t) and loss_\(t) "
                        + "with these lines (\(forward.1)):", forward.0
                )
            }
            return ("step runs these lines at each time step (\(forward.1)):", forward.0)
        case 1:
            switch words[0] {
            case "forward": return ("one time step forward: \(forward.1):", forward.0)
            case "backward": return ("one time step backward: \(backward.1):", backward.0)
            case "train": return ("min-char-rnn's training loop over the reference model:", ["train"])
            default:
                guard let chosen = CellKind(rawValue: words[0]) else { break }
                return (
                    "the \(chosen.rawValue.uppercased()) cell, one time step forward and the same step backward:",
                    [chosen.rawValue + ".forward", chosen.rawValue + ".backward"]
                )
            }
        case 2:
            guard let chosen = CellKind(rawValue: words[0]), ["forward", "backward"].contains(words[1]) else { break }
            return ("the \(chosen.rawValue.uppercased()) cell, one time step \(words[1]):", [chosen.rawValue + "." + words[1]])
        default: break
        }
        throw CommandError.usage(Commands.Code.usage)
    }

    /// A region as the learner reads it: a heading with the file and its line range, then each line
    /// with its number, the region's common indentation removed, every line cut (never wrapped) to
    /// the width with `›`.
    func codeView(_ region: ReferenceSource.Region) -> String {
        let last = region.firstLine + region.lines.count - 1
        var lines = [
            cut(style.bold("\(ReferenceSource.displayPath(of: region.file)):\(region.firstLine)–\(last)"), to: output.width)
        ]
        let indent = codeIndent(region.lines)
        let digits = String(last).count
        for (offset, line) in region.lines.enumerated() {
            let number = String(region.firstLine + offset)
            let label = String(repeating: " ", count: 2 + digits - number.count) + number
            lines.append(cut(style.dim(label) + "  " + String(line.dropFirst(indent)), to: output.width))
        }
        return lines.joined(separator: "\n")
    }
}

/// The indentation the lines of a code region share (blank lines do not count).
func codeIndent(_ lines: [String]) -> Int {
    lines.filter { !$0.allSatisfy { $0 == " " } }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
}
