import Foundation

/// A problem in a lesson file, with the file and line an author needs to fix it.
///
/// `description` reads `lessons/hello.md:12: ask: has no answer: add a line "answer: ..."`.
public struct LessonFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as given to the parser or found by the catalog.
    public let file: String
    /// The 1-based line; 0 when the problem is the whole file (it cannot be read).
    public let line: Int
    /// What is wrong.
    public let problem: Problem

    /// Creates an error.
    public init(file: String, line: Int, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// `FILE:LINE: message`.
    public var description: String {
        if case .notUTF8 = problem {  // "FILE: not UTF-8 at line L, byte B (0xFF): …"
            return "\(file): " + problem.message.replacingOccurrences(of: "not UTF-8 at ", with: "not UTF-8 at line \(line), ")
        }
        return line > 0 ? "\(file):\(line): \(problem.message)" : "\(file): \(problem.message)"
    }

    /// What can be wrong in a lesson file.
    public enum Problem: Error, Sendable, Equatable {
        /// The file cannot be read (the reason from the system).
        case unreadable(String)
        /// The file has no text at all.
        case emptyFile
        /// The first line with text is not a `# Title` line.
        case missingTitle(found: String)
        /// No summary line between the title and the first step.
        case missingSummary
        /// More text between the summary and the first `## Step`.
        case textBeforeFirstStep
        /// A second `# Title` line.
        case secondTitle
        /// A lesson with a title and summary but no `## Step`.
        case noSteps
        /// A `## Step` heading with no text, or a heading without a title.
        case emptyStep(title: String)
        /// A `word:` line whose word is not a step kind or a field.
        case unknownKind(String)
        /// A field given twice in one step.
        case duplicateField(String)
        /// A field (`answer:`, `hint:`, ...) before any `do:`, `ask:` or `gate:`.
        case fieldWithoutKind(String)
        /// A field that does not belong to this kind of step (`answer:` in a `gate:`).
        case fieldNotAllowed(field: String, kind: String, advice: String)
        /// A second `do:`, `ask:` or `gate:` in one step.
        case secondInteraction(String, first: String)
        /// Prose or commands after the step's `do:`, `ask:` or `gate:`.
        case contentAfterInteraction(kind: String)
        /// A field or command with nothing after it.
        case emptyValue(String)
        /// An `ask:` without `answer:`.
        case askWithoutAnswer
        /// A numeric answer whose value or tolerance is not a number (or is negative).
        case badTolerance(String)
        /// A choice answer that is not one of the choices' letters.
        case badChoice(String, letters: String)
        /// The same choice letter twice.
        case duplicateChoice(Character)
        /// A `gate:` without `solution:`.
        case gateWithoutSolution
        /// A `gate:` without `meanwhile:`.
        case gateWithoutMeanwhile
        /// A `do:` whose patterns all have wildcards and no `solution:`.
        case doWithoutSolution
        /// A `do:` whose solution is not accepted by its own patterns.
        case solutionNotAccepted(String)
        /// A ```` ``` ```` fence that is never closed.
        case unterminatedFence
        /// A `<!--` comment that is never closed.
        case unterminatedComment
        /// A `{{` without `}}` on the same line.
        case unterminatedInterpolation
        /// `{{}}` with nothing inside.
        case emptyInterpolation
        /// Two lessons with the same name in one catalog.
        case duplicateName(String, other: String)
        /// The path is not a regular file (what it is: "a directory", "a FIFO", …); refused before reading.
        case notRegularFile(String)
        /// The file is larger than ``LessonParser/maximumFileSize`` bytes; refused before reading.
        case tooLarge(bytes: Int)
        /// A byte sequence that is not UTF-8; `byte` is 1-based from the start of the line.
        case notUTF8(byte: Int, value: UInt8)
        /// A control character other than tab (ESC, NUL, a C1 code …) at a 1-based column: it could
        /// drive the learner's terminal.
        case controlCharacter(UInt32, column: Int)
        /// The file's name holds control characters (shown as `?`).
        case controlCharacterInName

        /// One line for the author.
        public var message: String {
            switch self {
            case .unreadable(let reason): return "cannot read the lesson: \(reason)"
            case .emptyFile: return "empty lesson file: start with a \"# Title\" line"
            case .missingTitle(let found):
                return "missing title: the first line must be \"# Title\", found \"\(found)\""
            case .missingSummary: return "missing summary: put one line of summary under the title"
            case .textBeforeFirstStep:
                return "text between the summary and the first step: the summary is one paragraph; "
                    + "start a step with \"## Title\""
            case .secondTitle: return "a second \"# \" title: steps start with \"## \""
            case .noSteps: return "empty lesson: no steps (start one with \"## Title\")"
            case .emptyStep(let title):
                return title.isEmpty ? "a step heading without a title" : "step \"\(title)\" is empty"
            case .unknownKind(let word):
                return "unknown step kind \"\(word):\" (a step can have do:, ask: or gate:, "
                    + "with answer:, hint:, meanwhile:, solution:)"
            case .duplicateField(let field): return "\"\(field):\" given twice in one step"
            case .fieldWithoutKind(let field):
                return "\"\(field):\" must follow a do:, ask: or gate: line in the same step"
            case .fieldNotAllowed(let field, let kind, let advice):
                return
                    "\"\(field):\" does not belong in a \(kind): step\(advice.isEmpty ? "" : ": \(advice)")"
            case .secondInteraction(let second, let first):
                return
                    "a step waits for one thing: \"\(second):\" after \"\(first):\" (start a new step with \"## Title\")"
            case .contentAfterInteraction(let kind):
                return "text after the step's \(kind): line: \(kind): comes last in its step "
                    + "(indent a line to continue a field, or start a new step with \"## Title\")"
            case .emptyValue(let field): return "\"\(field)\" with nothing after it"
            case .askWithoutAnswer: return "ask: has no answer: add a line \"answer: ...\""
            case .badTolerance(let text):
                return
                    "bad numeric answer \"\(text)\": write a number and a tolerance ≥ 0, like \"1.386 ± 0.05\""
            case .badChoice(let text, let letters):
                return "answer \"\(text)\" is not one of the choices \(letters)"
            case .duplicateChoice(let letter): return "choice \(letter)) given twice"
            case .gateWithoutSolution:
                return "gate: has no solution: add \"solution: COMMAND\" (commands that make it hold)"
            case .gateWithoutMeanwhile:
                return "gate: has no meanwhile: add \"meanwhile: ...\" telling the learner what to do"
            case .doWithoutSolution:
                return "do: has only wildcard patterns: add \"solution: COMMAND\""
            case .solutionNotAccepted(let solution):
                return "the solution \"\(solution)\" is not accepted by the step's do: patterns"
            case .unterminatedFence: return "unterminated ``` block: close it with a ``` line"
            case .unterminatedComment: return "unterminated <!-- comment: close it with -->"
            case .unterminatedInterpolation: return "unterminated {{ : close it with }} on the same line"
            case .emptyInterpolation: return "empty {{}}: put an expression inside, like {{loss}}"
            case .duplicateName(let name, let other):
                return "a second lesson named \"\(name)\" (the first is \(other)); this one is ignored"
            case .notRegularFile(let what): return "not a lesson file: it is \(what)"
            case .tooLarge(let bytes):
                return "too large for a lesson (\(bytes) bytes; at most \(LessonParser.maximumFileSize))"
            case .notUTF8(let byte, let value):
                return "not UTF-8 at byte \(byte) (0x" + String(value, radix: 16, uppercase: true) + "): save the file as UTF-8"
            case .controlCharacterInName: return "the file name holds control characters (shown as ?): rename the file"
            case .controlCharacter(let scalar, let column):
                return "a control character U+" + String(format: "%04X", scalar)
                    + " at column \(column): lesson text may hold no control characters but tab"
            }
        }
    }
}
