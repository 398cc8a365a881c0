// A command declared as a type: its name, summary, help and arguments are written once, and the
// usage line, the argument checks and Tab completion are made from them. The words are parsed
// into the command's typed fields before it runs, so `run(in:)` reads numbers, not strings.
//
//   extension Commands {
//       struct Step: ShellCommand {
//           static let name = "step"
//           static let summary = "advance N characters …"
//           static let arguments: [Argument] = [.positional("N", .integer(1...1_000_000), optional: true)]
//           let count: Int
//           init(_ arguments: ParsedArguments) { count = arguments.integer("N") ?? 1 }
//           func run(in session: Session) throws { … }
//       }
//   }
//
// The registry holds ``Command`` values (`Commands.Step.command`). A command whose usage line or
// completion the declaration cannot say writes its own (`static let usage`, `static func complete`).

/// A shell command declared as a type (see the top of this file).
protocol ShellCommand {
    /// The name typed at the prompt.
    static var name: String { get }
    /// Other names that run it.
    static var aliases: [String] { get }
    /// One line for `help`.
    static var summary: String { get }
    /// A longer explanation for `help NAME`.
    static var help: String { get }
    /// What the command takes after its name, in the order the usage line shows them.
    static var arguments: [Argument] { get }
    /// Said after the usage line when the words do not fit it (`(or back N)`).
    static var usageHint: String { get }
    /// The usage line; made from the declared arguments unless a command writes its own.
    static var usage: String { get }
    /// Candidates for Tab after `previous` (the words typed before `word`); made from the declared
    /// arguments unless a command offers its own (say, options as soon as the word is empty).
    static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String]
    /// The command with its arguments, from the parsed words; checks that need no session go here.
    init(_ arguments: ParsedArguments) throws(CommandError)
    /// Runs the command. It throws before it changes anything.
    func run(in session: Session) throws
}

/// A typed command that takes no arguments: `init()` is all it needs.
protocol ArgumentlessCommand: ShellCommand {
    init()
}

extension ArgumentlessCommand {
    init(_ arguments: ParsedArguments) { self.init() }
    static var arguments: [Argument] { [] }
}

extension ShellCommand {
    static var aliases: [String] { [] }
    static var help: String { "" }
    static var usageHint: String { "" }

    /// The usage line, made from the declared arguments: `train [N] [--seconds S] [--background]`.
    static var usage: String { ([name] + arguments.map(\.usage)).joined(separator: " ") }

    /// Tab candidates from the declared arguments.
    static func complete(_ context: CompletionContext, previous: [String], word: String) -> [String] {
        Argument.complete(arguments, context: context, previous: previous, word: word)
    }

    /// Parses `words` (the words after the name) as the arguments declare, then runs the command.
    static func parseAndRun(_ words: [String], in session: Session) throws {
        let hint = usageHint.isEmpty ? "" : "  " + usageHint
        let parsed = try ParsedArguments(words, declared: arguments, usage: usage + hint)
        try Self(parsed).run(in: session)
    }

    /// The command as the registry holds it.
    static var command: Command {
        Command(
            name: name, aliases: aliases, summary: summary, usage: usage, help: help,
            complete: { context, previous, word in complete(context, previous: previous, word: word) },
            run: { session, words in try parseAndRun(words, in: session) })
    }
}

// MARK: - Arguments

/// One argument a typed command declares: a positional word, an `--option VALUE` or a `--flag`.
struct Argument: Sendable {
    /// What a value must be, checked when the words are parsed.
    enum Value: Sendable {
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A finite number in the range.
        case number(ClosedRange<Double>)
        /// Any word.
        case text
        /// One of these words (completed by Tab); any other is a usage error.
        case choice([String])
        /// A file path (completed by Tab).
        case path
        /// A lesson name (completed by Tab).
        case lesson
    }

    enum Kind: Sendable, Equatable {
        /// A word in its place; `optional` ones may be left out from the end.
        case positional(optional: Bool)
        /// All the remaining words, at least one (`answer TEXT`).
        case rest
        /// All the remaining words, none or more, kept as a list for the command to check (`toy [x1 x2 …]`).
        case list
        /// `--name VALUE` (or `--name=VALUE`).
        case option
        /// `--name`.
        case flag
    }

    let kind: Kind
    /// The option's or flag's name without dashes; for a positional, its label.
    let name: String
    /// What the usage line shows for the value (`N`, `FILE`, `S`).
    let label: String
    let value: Value
    /// What an error calls the value (`the temperature must be from 0 to 10`); the label by default.
    var called: String? = nil

    /// A positional word: `.positional("N", .integer(1...10), optional: true)` shows as `[N]`.
    static func positional(_ label: String, _ value: Value = .text, optional: Bool = false) -> Argument {
        Argument(kind: .positional(optional: optional), name: label, label: label, value: value)
    }

    /// Every remaining word, joined by spaces (at least one).
    static func rest(_ label: String) -> Argument { Argument(kind: .rest, name: label, label: label, value: .text) }

    /// Every remaining positional word, none or more, as a list: `.list("x1 x2 x3 …")` shows as `[x1 x2 x3 …]`.
    static func list(_ label: String) -> Argument { Argument(kind: .list, name: label, label: label, value: .text) }

    /// `--name LABEL`; errors call the value `called` (the label when nil).
    static func option(_ name: String, _ label: String, _ value: Value, called: String? = nil) -> Argument {
        Argument(kind: .option, name: name, label: label, value: value, called: called)
    }

    /// `--name`.
    static func flag(_ name: String) -> Argument { Argument(kind: .flag, name: name, label: name, value: .text) }

    /// How the usage line shows it.
    var usage: String {
        switch kind {
        case .positional(let optional): return optional ? "[\(label)]" : label
        case .rest: return label
        case .list: return "[\(label)]"
        case .option: return "[--\(name) \(label)]"
        case .flag: return "[--\(name)]"
        }
    }

    /// Candidates for Tab after `previous` (the arguments typed before the word), from the declaration.
    static func complete(_ declared: [Argument], context: CompletionContext, previous: [String], word: String) -> [String] {
        let options = declared.filter { $0.kind == .option }
        let named = declared.filter { $0.kind == .option || $0.kind == .flag }.map { "--" + $0.name }
        if let last = previous.last, let option = options.first(where: { "--" + $0.name == last }) {
            return option.value.candidates(context: context, word: word)
        }
        if word.hasPrefix("-") { return named }
        // The word's place among the positional words (those neither options nor option values).
        var place = 0
        for (i, w) in previous.enumerated() where !w.hasPrefix("--") {
            if i > 0, options.contains(where: { "--" + $0.name == previous[i - 1] }) { continue }
            place += 1
        }
        let positionals = declared.filter { $0.kind != .option && $0.kind != .flag }
        guard place < positionals.count else { return [] }
        return positionals[place].value.candidates(context: context, word: word)
    }
}

extension Argument.Value {
    /// What Tab offers for a value of this kind.
    func candidates(context: CompletionContext, word: String) -> [String] {
        switch self {
        case .choice(let words): return words
        case .path: return context.paths(word)
        case .lesson: return context.lessons
        case .integer, .number, .text: return []
        }
    }
}

/// A typed command's words, parsed and checked against its declaration: numbers are numbers in
/// their ranges, choices are among theirs, and nothing is missing or left over.
struct ParsedArguments {
    private var integers: [String: Int] = [:]
    private var numbers: [String: Double] = [:]
    private var texts: [String: String] = [:]
    private var flags: Set<String> = []
    private var lists: [String: [String]] = [:]

    /// Parses `words` as `declared` says; a wrong number of words is `usage: USAGE`. A command that
    /// declares no options or flags takes every word as positional (so `-5` and `--x` are words).
    init(_ words: [String], declared: [Argument], usage: String) throws(CommandError) {
        let named = declared.filter { $0.kind == .option || $0.kind == .flag }
        var positional = words
        var optionValues: [String: String] = [:]
        if !named.isEmpty {
            let split = try Arguments(
                words, options: Set(named.filter { $0.kind == .option }.map(\.name)),
                flags: Set(named.filter { $0.kind == .flag }.map(\.name)))
            positional = split.positional
            optionValues = split.options
            flags = split.flags
        }
        let places = declared.filter { $0.kind != .option && $0.kind != .flag }
        let required = places.filter { $0.kind == .positional(optional: false) || $0.kind == .rest }.count
        let takesRest = places.contains { $0.kind == .rest || $0.kind == .list }
        guard positional.count >= required, takesRest || positional.count <= places.count else {
            throw CommandError.usage(usage)
        }
        for (index, argument) in places.enumerated() where index <= positional.count && argument.kind == .list {
            lists[argument.name] = Array(positional[index...])
        }
        for (index, argument) in places.enumerated() where index < positional.count && argument.kind != .list {
            let word = argument.kind == .rest ? positional[index...].joined(separator: " ") : positional[index]
            try store(word, as: argument, usage: usage)
        }
        for argument in named where argument.kind == .option {
            if let word = optionValues[argument.name] { try store(word, as: argument, usage: usage) }
        }
    }

    private mutating func store(_ word: String, as argument: Argument, usage: String) throws(CommandError) {
        switch argument.value {
        case .integer(let range): integers[argument.name] = try parseInteger(word, argument.called ?? argument.label, in: range)
        case .number(let range): numbers[argument.name] = try parseNumber(word, argument.called ?? argument.label, in: range)
        case .choice(let words):
            guard words.contains(word) else { throw CommandError.usage(usage) }
            texts[argument.name] = word
        case .path: texts[argument.name] = expandingHome(word)
        case .text, .lesson: texts[argument.name] = word
        }
    }

    /// The whole number given for the positional `label` or the option `name`, if given.
    func integer(_ name: String) -> Int? { integers[name] }
    /// The number given for `name`, if given.
    func number(_ name: String) -> Double? { numbers[name] }
    /// The word given for `name` (all the words, for a `rest` argument), if given.
    func text(_ name: String) -> String? { texts[name] }
    /// The words given for the `list` argument `name` (none when none were given).
    func list(_ name: String) -> [String] { lists[name] ?? [] }
    /// Whether `--name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }
}
