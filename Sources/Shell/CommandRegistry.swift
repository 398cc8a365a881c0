/// Every command, in the order `help` lists them, grouped by what they are for.
enum CommandRegistry {
    /// The groups of `help`, each with its commands.
    static let groups: [(title: String, commands: [Command])] = [
        (
            "Lessons",
            [
                Commands.lessons, Commands.lesson, Commands.next, Commands.back, Commands.again, Commands.hint, Commands.skip,
                Commands.whereCommand, Commands.leave, Commands.answer,
            ]
        ),
        ("Text and model", [Commands.corpus, Commands.preset, Commands.model, Commands.set, Commands.show]),
        ("One step at a time", [Commands.step, Commands.trace, Commands.unstep, Commands.goto, Commands.reset]),
        ("Backpropagation", [Commands.backward, Commands.backstep, Commands.update, Commands.gradcheck]),
        ("Training", [Commands.train, Commands.status, Commands.stop, Commands.plot]),
        ("Generating", [Commands.sample, Commands.predict]),
        ("Inside the network", [Commands.cells, Commands.cell, Commands.gradflow, Commands.toy, Commands.code]),
        ("Files and the shell", [Commands.save, Commands.load, Commands.runScript, Commands.help, Commands.quit]),
    ]

    /// All commands.
    static let all: [Command] = groups.flatMap(\.commands)

    /// Every name and alias.
    static let allNames: [String] = all.flatMap { [$0.name] + $0.aliases }

    /// The command with this name or alias.
    static func command(named name: String) -> Command? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    // MARK: - Completion

    /// Candidates for Tab: command names for the first word; after that, what the command declares.
    /// `line` is the whole line, `word` the word being completed, `start` its offset (in characters).
    static func complete(line: String, word: String, start: Int, context: CompletionContext) -> [String] {
        let before = String(line.prefix(max(0, start)))
        let previous = (try? tokenize(before)) ?? before.split(separator: " ").map(String.init)
        let candidates: [String]
        if previous.isEmpty {
            candidates = allNames.sorted()
        } else if let command = command(named: previous[0]) {
            let arguments = Array(previous.dropFirst())
            candidates = command.complete(context, arguments, word)
        } else {
            candidates = []
        }
        return preferred(candidates.filter { $0.hasPrefix(word) }, word: word)
    }

    /// Where a short prefix is shared by a command (or setting) a learner types all the time and
    /// one they rarely need, Tab completes the common one: `sa` → `sample` (type `sav` for `save`),
    /// `set l` → `set lr` (type `set la` for `layers`). Longer prefixes complete as usual.
    static let favourites: [String: String] = ["sa": "sample", "l": "lr"]

    static func preferred(_ matches: [String], word: String) -> [String] {
        guard matches.count > 1, let favourite = favourites[word], matches.contains(favourite) else { return matches }
        return [favourite]
    }
}
