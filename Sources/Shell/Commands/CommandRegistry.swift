/// Every command, in the order `help` lists them, grouped by what they are for.
enum CommandRegistry {
    /// The groups of `help`, each with its commands.
    static let groups: [(title: String, commands: [Command])] = [
        ("Lessons", lessonCommands),
        (
            "Text and model",
            [
                Commands.CorpusCommand.command, Commands.PresetCommand.command, Commands.ModelCommand.command,
                Commands.SetCommand.command, Commands.Show.command,
            ]
        ),
        (
            "One step at a time",
            [
                Commands.Step.command, Commands.Trace.command, Commands.Unstep.command, Commands.Goto.command,
                Commands.Reset.command,
            ]
        ),
        (
            "Backpropagation",
            [Commands.Backward.command, Commands.Backstep.command, Commands.Update.command, Commands.GradCheck.command]
        ),
        ("Training", [Commands.Train.command, Commands.Status.command, Commands.Stop.command, Commands.Plot.command]),
        ("Generating", [Commands.Sample.command, Commands.Predict.command]),
        (
            "Inside the network",
            [
                Commands.Cells.command, Commands.Cell.command, Commands.GradFlow.command, Commands.Toy.command,
                Commands.Code.command,
            ]
        ),
        (
            "Files and the shell",
            [
                Commands.Save.command, Commands.Load.command, Commands.RunScript.command, Commands.Help.command,
                Commands.Quit.command,
            ]
        ),
    ]

    /// The commands that drive the lesson player: it handles them, and they are not reported to it
    /// as the learner's commands (see `Session.runLearnerLine`).
    static let lessonCommands: [Command] = [
        Commands.LessonList.command, Commands.StartLesson.command, Commands.Next.command, Commands.Back.command,
        Commands.Again.command, Commands.Hint.command, Commands.Skip.command, Commands.Where.command, Commands.Leave.command,
        Commands.Answer.command,
    ]

    /// The names and aliases of ``lessonCommands``.
    static let lessonCommandNames: Set<String> = Set(lessonCommands.flatMap { [$0.name] + $0.aliases })

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
