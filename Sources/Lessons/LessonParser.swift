import Foundation

/// Reads the lesson format of `lessons/README.md` into a ``Lesson``.
///
/// Every error names the file and line; parsing stops at the first one.
public enum LessonParser {
    /// Parses a lesson's text. `file` is used in errors and kept in the lesson; the lesson's
    /// name is `name`, or else derived from `file` (`lessons/01-hello.md` → `hello`).
    public static func parse(_ text: String, file: String, name: String? = nil) throws(LessonFileError)
        -> Lesson
    {
        try checkControlCharacters(text, file: file)
        var reader = Reader(file: file, text: text)
        return try reader.lesson(name: name ?? lessonName(forFile: file))
    }

    /// The largest lesson file read, in bytes (the longest built-in lesson is about 15 KB).
    public static let maximumFileSize = 1 << 20

    /// Reads and parses one file. What the path is comes first (`stat`): a directory, FIFO or
    /// device, or a file over ``maximumFileSize`` bytes, is refused without reading; bytes that
    /// are not UTF-8 are named by line and byte.
    public static func parse(contentsOf url: URL, file: String? = nil) throws(LessonFileError) -> Lesson {
        let shown = file ?? url.path
        let data = try readChecked(path: url.path, shown: shown)
        let text = try decodeUTF8(data, file: shown)
        return try parse(text, file: shown, name: lessonName(forFile: url.lastPathComponent))
    }

    /// The bytes of a regular file of at most ``maximumFileSize`` bytes, checked by `stat` before
    /// it is opened (and by `fstat` after, without blocking on a FIFO swapped in between).
    static func readChecked(path: String, shown: String) throws(LessonFileError) -> Data {
        func failure(_ problem: LessonFileError.Problem) -> LessonFileError {
            LessonFileError(file: shown, line: 0, problem: problem)
        }
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(.unreadable(String(cString: strerror(errno)))) }
        try checkStatus(status, failure)
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(.unreadable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        guard fstat(descriptor, &status) == 0 else { throw failure(.unreadable(String(cString: strerror(errno)))) }
        try checkStatus(status, failure)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(.unreadable(String(cString: strerror(errno))))
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= maximumFileSize else { throw failure(.tooLarge(bytes: data.count)) }
        }
        return data
    }

    /// Refuses what is not a regular file, and a regular file over the size limit.
    private static func checkStatus(
        _ status: stat, _ failure: (LessonFileError.Problem) -> LessonFileError
    ) throws(LessonFileError) {
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw failure(.notRegularFile("a directory"))
        case S_IFIFO: throw failure(.notRegularFile("a FIFO"))
        case S_IFCHR, S_IFBLK: throw failure(.notRegularFile("a device"))
        case S_IFSOCK: throw failure(.notRegularFile("a socket"))
        default: throw failure(.notRegularFile("not a regular file"))
        }
        guard Int(status.st_size) <= maximumFileSize else { throw failure(.tooLarge(bytes: Int(status.st_size))) }
    }

    /// `data` as UTF-8, or an error naming the line and the byte (1-based within the line) of the
    /// first sequence that is not UTF-8.
    static func decodeUTF8(_ data: Data, file: String) throws(LessonFileError) -> String {
        let bytes = [UInt8](data)
        var line = 1, lineStart = 0, offset = 0
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = offset + 1
                }
                offset += encoded.count
            case .error:
                throw LessonFileError(
                    file: file, line: line, problem: .notUTF8(byte: offset - lineStart + 1, value: bytes[offset]))
            case .emptyInput:
                break loop
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Refuses C0 controls other than tab and newline (a carriage return only before a newline),
    /// DEL and C1 controls: lesson text reaches the learner's terminal, and an ESC there could
    /// clear the screen, set the title or write the clipboard.
    static func checkControlCharacters(_ text: String, file: String) throws(LessonFileError) {
        var line = 1, column = 0
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            column += 1
            let value = scalar.value
            if value == 0x0A {
                line += 1
                column = 0
                continue
            }
            if value == 0x09 { continue }
            if value == 0x0D, index + 1 == scalars.count || scalars[index + 1].value == 0x0A { continue }
            if value < 0x20 || (0x7F...0x9F).contains(value) {
                throw LessonFileError(file: file, line: line, problem: .controlCharacter(value, column: column))
            }
        }
    }

    /// The lesson name for a file: the base name without extension and without an ordering
    /// prefix of digits and `-` or `_` (`01-hello.md` → `hello`).
    public static func lessonName(forFile file: String) -> String {
        var base = Substring(file.split(separator: "/").last ?? Substring(file))
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = base[..<dot] }
        let digits = base.prefix { $0.isASCII && $0.isNumber }
        let rest = base.dropFirst(digits.count)
        if !digits.isEmpty, let separator = rest.first, separator == "-" || separator == "_",
            rest.count > 1
        {
            return String(rest.dropFirst())
        }
        return String(base)
    }
}

// MARK: - Reader

/// The kinds of step a field line can start, and the fields that go with them.
private let kindWords: Set<String> = ["do", "ask", "gate"]
private let fieldWords: Set<String> = ["answer", "hint", "meanwhile", "solution"]

/// A `word: value` line (with its indented continuation lines) inside a step.
private struct Field {
    let word: String
    let line: Int
    var values: [String]
    var choices: [Choice] = []
}

private struct Reader {
    let file: String
    /// The file's lines, with `<!-- -->` comment lines blanked (so line numbers stay right).
    var lines: [String]
    var commentError: LessonFileError?

    init(file: String, text: String) {
        self.file = file
        // "\r\n" is one Character in Swift: split on it too (Windows line ends).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        var openComment: Int?
        var inFence = false
        for index in lines.indices {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if openComment != nil {
                if trimmed.contains("-->") { openComment = nil }
                lines[index] = ""
            } else if trimmed.hasPrefix("```") {
                inFence.toggle()
            } else if !inFence && trimmed.hasPrefix("<!--") {
                if !trimmed.contains("-->") { openComment = index + 1 }
                lines[index] = ""
            }
        }
        self.lines = lines
        if let line = openComment {
            commentError = LessonFileError(file: file, line: line, problem: .unterminatedComment)
        }
    }

    func error(_ line: Int, _ problem: LessonFileError.Problem) -> LessonFileError {
        LessonFileError(file: file, line: line, problem: problem)
    }

    static func isStepHeading(_ line: String) -> Bool { line.hasPrefix("## ") || line == "##" }
    static func isTitle(_ line: String) -> Bool { line.hasPrefix("# ") || line == "#" }

    // MARK: Lesson

    mutating func lesson(name: String) throws(LessonFileError) -> Lesson {
        if let commentError { throw commentError }
        var index = 0
        func skipBlank() {
            while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces).isEmpty {
                index += 1
            }
        }
        skipBlank()
        guard index < lines.count else { throw error(1, .emptyFile) }
        let titleLine = lines[index]
        guard Reader.isTitle(titleLine) else {
            throw error(index + 1, .missingTitle(found: String(titleLine.prefix(60))))
        }
        let title = titleLine.dropFirst(1).trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { throw error(index + 1, .missingTitle(found: titleLine)) }
        let titleNumber = index + 1
        index += 1

        // The summary: the paragraph under the title.
        skipBlank()
        guard index < lines.count, !Reader.isStepHeading(lines[index]), !Reader.isTitle(lines[index]) else {
            throw error(index < lines.count ? index + 1 : titleNumber, .missingSummary)
        }
        var summaryLines: [String] = []
        while index < lines.count, !lines[index].trimmingCharacters(in: .whitespaces).isEmpty,
            !Reader.isStepHeading(lines[index])
        {
            try checkInterpolations(lines[index], line: index + 1)
            summaryLines.append(lines[index].trimmingCharacters(in: .whitespaces))
            index += 1
        }
        let summary = summaryLines.joined(separator: " ")
        skipBlank()
        if index < lines.count, !Reader.isStepHeading(lines[index]) {
            throw error(index + 1, Reader.isTitle(lines[index]) ? .secondTitle : .textBeforeFirstStep)
        }
        guard index < lines.count else { throw error(titleNumber, .noSteps) }

        // The steps: from each `## ` heading to the next, fences taken into account.
        var steps: [Step] = []
        while index < lines.count {
            let start = index
            index += 1
            var inFence = false
            while index < lines.count {
                let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("```") { inFence.toggle() }
                if !inFence, Reader.isStepHeading(lines[index]) { break }
                if !inFence, Reader.isTitle(lines[index]) { throw error(index + 1, .secondTitle) }
                index += 1
            }
            steps.append(try step(heading: start, body: (start + 1)..<index))
        }
        return Lesson(name: name, file: file, title: title, summary: summary, steps: steps)
    }

    // MARK: Step

    func step(heading: Int, body: Range<Int>) throws(LessonFileError) -> Step {
        let title = lines[heading].dropFirst(2).trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { throw error(heading + 1, .emptyStep(title: "")) }

        var content: [Block] = []
        var prose: [String] = []
        var proseStart = 0
        var fields: [Field] = []
        var current: Int?  // index in `fields` still taking continuation lines and choices
        var fenceStart: Int?

        func flushProse() {
            while prose.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { prose.removeLast() }
            if !prose.isEmpty { content.append(.prose(prose.joined(separator: "\n"), line: proseStart)) }
            prose = []
        }
        func addProse(_ text: String, line: Int) {
            if prose.isEmpty {
                if text.trimmingCharacters(in: .whitespaces).isEmpty { return }
                proseStart = line
            }
            prose.append(text)
        }

        for index in body {
            let number = index + 1
            let raw = lines[index]
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let interactionWord = fields.first?.word

            if fenceStart != nil {
                if trimmed.hasPrefix("```") {
                    fenceStart = nil
                } else {
                    addProse("    " + raw, line: number)
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                if let interactionWord {
                    throw error(number, .contentAfterInteraction(kind: interactionWord))
                }
                current = nil
                fenceStart = number
                continue
            }
            if trimmed.isEmpty {
                current = nil
                addProse("", line: number)
                continue
            }
            if trimmed == "$" || trimmed.hasPrefix("$ ") {
                if let interactionWord {
                    throw error(number, .contentAfterInteraction(kind: interactionWord))
                }
                let command = trimmed.dropFirst(1).trimmingCharacters(in: .whitespaces)
                guard !command.isEmpty else { throw error(number, .emptyValue("$")) }
                flushProse()
                content.append(.run(command, line: number))
                current = nil
                continue
            }
            if let (word, value) = Reader.fieldLine(raw), word == "check" {
                if let interactionWord {
                    throw error(number, .contentAfterInteraction(kind: interactionWord))
                }
                guard !value.isEmpty else { throw error(number, .emptyValue("check:")) }
                flushProse()
                content.append(.check(value, line: number))
                current = nil
                continue
            }
            if let (word, value) = Reader.fieldLine(raw) {
                if kindWords.contains(word) {
                    if let interactionWord {
                        throw error(number, .secondInteraction(word, first: interactionWord))
                    }
                } else if fieldWords.contains(word) {
                    guard interactionWord != nil else { throw error(number, .fieldWithoutKind(word)) }
                    if fields.contains(where: { $0.word == word }) {
                        throw error(number, .duplicateField(word))
                    }
                } else {
                    throw error(number, .unknownKind(word))
                }
                flushProse()
                try checkInterpolations(value, line: number)
                fields.append(Field(word: word, line: number, values: value.isEmpty ? [] : [value]))
                current = fields.count - 1
                continue
            }
            if let fieldIndex = current {
                if fields[fieldIndex].word == "ask", let choice = Reader.choiceLine(trimmed) {
                    if fields[fieldIndex].choices.contains(where: { $0.letter == choice.letter }) {
                        throw error(number, .duplicateChoice(choice.letter))
                    }
                    try checkInterpolations(choice.text, line: number)
                    fields[fieldIndex].choices.append(choice)
                    continue
                }
                if raw.first == " " || raw.first == "\t" {
                    try checkInterpolations(trimmed, line: number)
                    fields[fieldIndex].values.append(trimmed)
                    continue
                }
            }
            if let interactionWord { throw error(number, .contentAfterInteraction(kind: interactionWord)) }
            try checkInterpolations(raw, line: number)
            addProse(raw, line: number)
        }
        if let fenceStart { throw error(fenceStart, .unterminatedFence) }
        flushProse()
        if content.isEmpty && fields.isEmpty { throw error(heading + 1, .emptyStep(title: title)) }
        return Step(title: title, line: heading + 1, content: content, interaction: try interaction(fields))
    }

    /// `word: value` at the start of a line, `word` in lowercase letters.
    static func fieldLine(_ line: String) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let word = line[..<colon]
        guard !word.isEmpty, word.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return nil }
        let rest = line[line.index(after: colon)...]
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return (String(word), rest.trimmingCharacters(in: .whitespaces))
    }

    /// `a) text` or `(a) text`.
    static func choiceLine(_ trimmed: String) -> Choice? {
        var rest = Substring(trimmed)
        if rest.first == "(" { rest = rest.dropFirst() }
        guard let letter = rest.first, letter.isASCII, letter.isLetter else { return nil }
        rest = rest.dropFirst()
        guard rest.first == ")" else { return nil }
        rest = rest.dropFirst()
        guard rest.first == " " || rest.first == "\t" else { return nil }
        let text = rest.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        return Choice(letter: Character(letter.lowercased()), text: text)
    }

    /// Every `{{` closes with `}}` on the same line, around a non-empty expression.
    func checkInterpolations(_ text: String, line: Int) throws(LessonFileError) {
        do {
            _ = try Interpolation.parse(text)
        } catch let problem {
            throw error(line, problem)
        }
    }

    // MARK: Interaction

    func interaction(_ fields: [Field]) throws(LessonFileError) -> Interaction? {
        guard let head = fields.first else { return nil }
        var extra: [String: Field] = [:]
        for field in fields.dropFirst() { extra[field.word] = field }

        func text(_ field: Field) throws(LessonFileError) -> String {
            let joined = field.values.joined(separator: "\n")
            guard !joined.isEmpty else { throw error(field.line, .emptyValue(field.word + ":")) }
            return joined
        }
        func list(_ field: Field, separator: Character) throws(LessonFileError) -> [String] {
            let items = field.values.flatMap { $0.split(separator: separator) }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw error(field.line, .emptyValue(field.word + ":")) }
            return items
        }
        func refuse(_ word: String, advice: String) throws(LessonFileError) {
            if let field = extra[word] {
                throw error(field.line, .fieldNotAllowed(field: word, kind: head.word, advice: advice))
            }
        }
        let hint: String?
        if let field = extra["hint"] { hint = try text(field) } else { hint = nil }

        switch head.word {
        case "do":
            try refuse("answer", advice: "answers go with ask:")
            try refuse("meanwhile", advice: "meanwhile: goes with gate:")
            let patterns = try list(head, separator: "|").map(CommandPattern.init)
            let solution: [String]
            if let field = extra["solution"] {
                solution = try list(field, separator: ";")
                guard solution.contains(where: { command in patterns.contains { $0.matches(command) } })
                else {
                    throw error(field.line, .solutionNotAccepted(solution.joined(separator: "; ")))
                }
            } else if let plain = patterns.first(where: { !$0.hasWildcard }) {
                solution = [plain.text]
            } else {
                throw error(head.line, .doWithoutSolution)
            }
            return .command(CommandTask(patterns: patterns, solution: solution, hint: hint, line: head.line))

        case "ask":
            try refuse("meanwhile", advice: "meanwhile: goes with gate:")
            try refuse("solution", advice: "the answer: line is the solution")
            let question = try text(head)
            guard let answerField = extra["answer"] else { throw error(head.line, .askWithoutAnswer) }
            let answer = try text(answerField)
            let expected = try expectedAnswer(answer, choices: head.choices, line: answerField.line)
            return .question(
                Question(
                    text: question, choices: head.choices, expected: expected, hint: hint, line: head.line))

        default:  // gate
            try refuse("answer", advice: "answers go with ask:")
            let condition = try text(head)
            guard let meanwhile = extra["meanwhile"] else { throw error(head.line, .gateWithoutMeanwhile) }
            guard let solution = extra["solution"] else { throw error(head.line, .gateWithoutSolution) }
            return .gate(
                Gate(
                    condition: condition, meanwhile: try text(meanwhile),
                    solution: try list(solution, separator: ";"), hint: hint, line: head.line))
        }
    }

    /// A choice letter, a number with a tolerance, or texts separated by `|`.
    func expectedAnswer(_ answer: String, choices: [Choice], line: Int) throws(LessonFileError)
        -> ExpectedAnswer
    {
        if !choices.isEmpty {
            let letters = choices.map { String($0.letter) }.joined(separator: ", ")
            guard let letter = ExpectedAnswer.choiceLetter(in: answer, choices: choices),
                ExpectedAnswer.normalized(answer).count <= 3
            else { throw error(line, .badChoice(answer, letters: letters)) }
            return .choice(letter)
        }
        for separator in ["±", "+/-", "+-"] {
            guard let range = answer.range(of: separator) else { continue }
            let value = Double(answer[..<range.lowerBound].trimmingCharacters(in: .whitespaces))
            let tolerance = Double(answer[range.upperBound...].trimmingCharacters(in: .whitespaces))
            guard let value, let tolerance, value.isFinite, tolerance.isFinite, tolerance >= 0 else {
                throw error(line, .badTolerance(answer))
            }
            return .number(value, tolerance: tolerance)
        }
        if let value = Double(answer), value.isFinite { return .number(value, tolerance: 0) }
        let texts = answer.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !texts.isEmpty else { throw error(line, .emptyValue("answer:")) }
        return .text(texts)
    }
}
