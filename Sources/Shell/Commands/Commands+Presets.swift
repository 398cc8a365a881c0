import CharRNN
import Foundation
import Rendering

// `preset NAME`: the named settings a lesson uses (`Preset.all`, shared with `charrnn train
// --preset`), applied to the current text in one command.

extension Commands {
    /// `preset [NAME]`: applies a named setup, or lists them.
    struct PresetCommand: ShellCommand {
        static let name = "preset"
        static let summary = "apply a named model and training setup (shakespeare, c, latex, …)"
        static let help = """
            Sets the cell, hidden size, layers, batch, seq, optimizer, learning rate, clipping, decay
            and init to the named preset's values — the same ones `charrnn train --preset NAME`
            and the lessons use — and re-initialises the model (seed from the settings), saying so.
            It applies to the current text: load the text first (`corpus shakespeare`, then
            `preset shakespeare`). Without NAME, lists the presets.
            """
        static let arguments: [Argument] = [.positional("NAME", optional: true)]
        /// The preset to apply; nil lists them.
        let name: String?

        init(_ arguments: ParsedArguments) { name = arguments.text("NAME") }

        /// The preset names, for the one argument (any other word is refused with a suggestion).
        static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
            previous.isEmpty ? Preset.all.map(\.name) : []
        }

        func run(in session: Session) throws {
            guard let name else {
                session.output.line(session.presetTable())
                return
            }
            guard let preset = Preset.named(name) else {
                let near = nearest(name, among: Preset.all.map(\.name))
                throw CommandError(
                    "no preset '\(shown(name))'" + didYouMean(near)
                        + " (presets: \(Preset.all.map(\.name).joined(separator: ", ")))")
            }
            try session.requireIdle()
            try session.apply(preset)
        }
    }
}

extension Session {
    /// `preset` alone: each preset's name, sizes and training, and its summary.
    func presetTable() -> String {
        let rows = Preset.all.map { p in
            [
                p.name, "\(p.cell.rawValue) \(p.hiddenSize) × \(p.layers)",
                "\(p.training.batchSize) × \(p.training.sequenceLength)",
                "\(p.training.optimizer.rawValue) \(formatPlain(p.training.learningRate))", p.summary,
            ]
        }
        return table(
            headers: ["preset", "cell H × layers", "batch × seq", "optimizer lr", "what it is for"], rows: rows,
            alignments: [.left, .left, .left, .left, .left], style: style)
    }

    /// The settings with a preset's model and training values.
    static func settings(_ base: Settings, with preset: Preset) -> Settings {
        var new = base
        new.cell = preset.cell
        new.hiddenSize = preset.hiddenSize
        new.layers = preset.layers
        new.initialization = preset.initialization
        new.learningRate = preset.training.learningRate
        new.optimizer = preset.training.optimizer
        new.clipping = preset.training.clipping
        new.batchSize = preset.training.batchSize
        new.sequenceLength = preset.training.sequenceLength
        new.decay = preset.training.schedule.factor
        new.decayEvery = preset.training.schedule.every
        return new
    }

    /// Applies `preset` to the current text with a fresh model; nothing changes if the text is
    /// too short for its batch and sequence length.
    func apply(_ preset: Preset) throws(CommandError) {
        let old = workspace.settings
        let new = Session.settings(old, with: preset)
        let model = Session.makeModel(vocabulary: workspace.corpus.vocabulary, settings: new)
        try replaceModel(model, settings: new, corpus: workspace.corpus)
        workspace.generator = SplitMix64(seed: new.seed)
        output.line(
            "preset \(preset.name): \(new.cell.rawValue), H = \(new.hiddenSize), \(new.layers) layer\(new.layers == 1 ? "" : "s"), "
                + "batch \(new.batchSize) × seq \(new.sequenceLength), \(new.optimizer.rawValue) lr \(formatPlain(new.learningRate)), "
                + "clip \(clippingText(new.clipping)), \(new.initialization.rawValue) init"
                + (new.decayEvery > 0 && new.decay != 1 ? ", lr × \(formatPlain(new.decay)) every \(new.decayEvery)" : ""))
        output.note(
            "the model was re-initialised: \(model.parameterCount) parameters from seed \(new.seed); optimizer and loss history cleared; t = 0"
                + (library.names.contains(preset.name) && workspace.corpus.name != preset.name
                    ? " (this preset is made for the text \(preset.name); the current text is \(workspace.corpus.name))" : ""))
        output.note(Settings.provenance(from: old, to: new, by: "preset \(preset.name)"))
    }
}
