// The provenance of the models in lessons/checkpoints/: each records how it was trained
// (`charrnn.trained.*` in its metadata: the command and the settings), the record agrees with the
// model and with what `load` sets, and what the lessons and lessons/README.md say about a model
// agrees with its record. The lessons show the record through `{{checkpoint FILE KEY}}`.

import CharRNN
import Foundation
import TestSupport
import Testing

@testable import Shell

@Suite struct LessonCheckpointProvenanceTests {
    /// The keys every committed model records under `charrnn.trained.`.
    static let keys = [
        "corpus", "cell", "hidden", "layers", "batch", "seq", "optimizer", "lr", "clip", "initialization", "seed", "iterations",
        "command",
    ]

    /// A checkpoint's `charrnn.trained.*` record, by key.
    static func record(_ name: String) throws -> [String: String] {
        let checkpoint = try Checkpoint.read(path: lessonCheckpointsDirectory + "/" + name)
        var record: [String: String] = [:]
        for key in keys { record[key] = checkpoint.extra["charrnn.trained.\(key)"] }
        return record
    }

    @Test func everyCheckpointRecordsHowItWasTrainedAndTheRecordFitsTheModel() throws {
        #expect(!LessonCheckpointTests.files.isEmpty)
        for name in LessonCheckpointTests.files {
            let checkpoint = try Checkpoint.read(path: lessonCheckpointsDirectory + "/" + name)
            let record = try Self.record(name)
            for key in Self.keys { #expect(record[key] != nil, "\(name) does not record charrnn.trained.\(key)") }
            let shape = checkpoint.model.shape
            #expect(record["cell"] == shape.cell.rawValue, "\(name)")
            #expect(record["hidden"] == String(shape.hiddenSize), "\(name)")
            #expect(record["layers"] == String(shape.layers), "\(name)")
            #expect(record["corpus"] == checkpoint.extra["charrnn.corpus"], "\(name)")
            #expect(record["iterations"] == checkpoint.extra["charrnn.trained_iterations"], "\(name)")
            // What `load` sets agrees with how the model was trained.
            for (setting, key) in [("batch", "batch"), ("seq", "seq"), ("optimizer", "optimizer"), ("init", "initialization")] {
                #expect(checkpoint.extra["charrnn.setting.\(setting)"] == record[key], "\(name): charrnn.setting.\(setting)")
            }
            for (setting, key) in [("lr", "lr"), ("clip", "clip")] {
                #expect(
                    checkpoint.extra["charrnn.setting.\(setting)"].flatMap(Double.init) == record[key].flatMap(Double.init),
                    "\(name): charrnn.setting.\(setting)")
            }
            // The command says the same: its flags, or the preset it names.
            let command = record["command"] ?? ""
            if let presetName = Self.flag("--preset", in: command) {
                let preset = try #require(Preset.named(presetName), "\(name): unknown preset \(presetName)")
                #expect(String(preset.training.batchSize) == record["batch"], "\(name)")
                #expect(String(preset.training.sequenceLength) == record["seq"], "\(name)")
                #expect(Double(preset.training.learningRate) == record["lr"].flatMap(Double.init), "\(name)")
                #expect(preset.training.optimizer.rawValue == record["optimizer"], "\(name)")
            } else {
                for (flag, key) in [("--batch", "batch"), ("--seq", "seq"), ("--lr", "lr"), ("--optimizer", "optimizer"),
                                    ("--seed", "seed"), ("--steps", "iterations"), ("--initialization", "initialization")] {
                    #expect(Self.flag(flag, in: command) == record[key], "\(name): \(flag) in the recorded command")
                }
            }
            #expect(command.contains("corpora/\(record["corpus"] ?? "?").txt"), "\(name)")
        }
    }

    /// The value a flag has in a command line.
    static func flag(_ flag: String, in command: String) -> String? {
        let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let index = words.firstIndex(of: flag), index + 1 < words.count else { return nil }
        return words[index + 1]
    }

    /// The numbers a text states about a model's training: "N iterations", "B streams × T",
    /// "B × T characters", "lr X" — each must be the recorded one.
    static func contradictions(in text: String, of record: [String: String]) -> [String] {
        var found: [String] = []
        func each(_ pattern: String, _ body: ([String]) -> String?) {
            let expression = try! NSRegularExpression(pattern: pattern)
            for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let groups = (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }
                if let problem = body(groups) { found.append(problem) }
            }
        }
        let iterations = Int(record["iterations"] ?? "") ?? -1
        each(#"(\d[\d,]*) iterations"#) { groups in
            let n = Int(groups[0].replacingOccurrences(of: ",", with: "")) ?? -1
            // A part of a run in two (1078 of 3483) is below the total; never above it.
            return n > iterations ? "\(groups[0]) iterations (recorded: \(iterations))" : nil
        }
        each(#"(\d+) (?:streams )?× (\d+) (?:characters|streams|chars)"#) { groups in
            groups[0] == record["batch"] && groups[1] == record["seq"]
                ? nil : "\(groups[0]) × \(groups[1]) (recorded: \(record["batch"] ?? "?") × \(record["seq"] ?? "?"))"
        }
        each(#"(?:lr|learning rate|rate) (\d[\d.e-]*\d)"#) { groups in
            Double(groups[0]) == record["lr"].flatMap(Double.init) ? nil : "lr \(groups[0]) (recorded: \(record["lr"] ?? "?"))"
        }
        if text.contains("same settings") { found.append("\"same settings\": say how it was trained, from its record") }
        return found
    }

    /// Every lesson step that loads a committed model shows how it was trained from the record
    /// (`{{checkpoint checkpoints/NAME trained}}` or one of its keys), and states no other numbers.
    @Test func lessonsSayWhatTheRecordSays() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: lessonsDirectory).filter {
            $0.hasSuffix(".md") && $0 != "README.md"
        }
        var loads = 0
        for file in files.sorted() {
            let text = try String(contentsOfFile: lessonsDirectory + "/" + file, encoding: .utf8)
            // The lesson's steps (## headings), and the authors' comment at the top, each on its own.
            let steps = text.components(separatedBy: "\n## ")
            for name in LessonCheckpointTests.files {
                let record = try Self.record(name)
                for step in steps where step.contains("load checkpoints/\(name)") {
                    loads += 1
                    if file.contains("shakespeare") {  // the lessons this suite's author keeps (the others follow)
                        #expect(
                            step.contains("{{checkpoint checkpoints/\(name) "),
                            "\(file): say how \(name) was trained with {{checkpoint …}}")
                    }
                }
                for step in steps where step.contains(name) {
                    let problems = Self.contradictions(in: step, of: record)
                    #expect(problems.isEmpty, "\(file) about \(name): \(problems.joined(separator: "; "))")
                }
            }
        }
        #expect(loads >= 2)
    }

    /// lessons/README.md's paragraph on each model ("Models the lessons load") states its record.
    @Test func authoringGuideSaysWhatTheRecordSays() throws {
        let guide = try String(contentsOfFile: lessonsDirectory + "/README.md", encoding: .utf8)
        for name in LessonCheckpointTests.files {
            let record = try Self.record(name)
            let start = try #require(guide.range(of: "- `\(name)`"), "lessons/README.md says nothing of \(name)")
            let rest = guide[start.upperBound...]
            let paragraph = String(rest[..<(rest.range(of: "\n- `")?.lowerBound ?? rest.endIndex)])
            #expect(paragraph.contains("\(record["iterations"] ?? "?") iterations"), "lessons/README.md on \(name)")
            #expect(paragraph.contains("\(record["batch"] ?? "?") × \(record["seq"] ?? "?")"), "lessons/README.md on \(name)")
            let problems = Self.contradictions(in: paragraph, of: record)
            #expect(problems.isEmpty, "lessons/README.md on \(name): \(problems.joined(separator: "; "))")
        }
    }

    /// In a lesson the value reads a model in the lesson's folders, and refuses one outside them.
    @Test func lessonValueReadsOnlyInsideTheLessonsFolders() throws {
        let root = temporaryDirectory()
        let lessons = root + "/lessons", outside = root + "/outside"
        for directory in [lessons + "/checkpoints", outside] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let source = lessonCheckpointsDirectory + "/shakespeare-lstm256.safetensors"
        try FileManager.default.copyItem(atPath: source, toPath: lessons + "/checkpoints/m.safetensors")
        try FileManager.default.copyItem(atPath: source, toPath: outside + "/m.safetensors")
        try """
            # Provenance
            Reads a model's record.

            ## Record
            Trained: {{checkpoint checkpoints/m.safetensors trained}}.
            Steps: {{checkpoint checkpoints/m.safetensors iterations}}.
            Outside: {{checkpoint ../outside/m.safetensors iterations}}.
            """.write(toFile: lessons + "/p.md", atomically: true, encoding: .utf8)
        let shell = Shell(
            corporaDirectory: corporaDirectory, lessonsDirectory: lessons, progressPath: root + "/home/progress.json")
        let text = transcript(shell, ["lesson p", "leave"], width: 10_000)
        #expect(
            text.contains("Trained: LSTM 256 × 1, 4000 iterations of 32 streams × 64 characters of shakespeare, Adam lr 0.002"))
        #expect(text.contains("Steps: 4000."))
        #expect(text.contains("p.md:7: a lesson may not read outside its folders"))
        #expect(!text.contains("Outside: 4000"))
    }

    /// The lesson value reads the record: `trained` gives one line of it, a key its value.
    @Test func checkpointValueReadsTheRecord() throws {
        let path = lessonCheckpointsDirectory + "/shakespeare-lstm256.safetensors"
        let extra = try Checkpoint.read(path: path).extra
        #expect(try checkpointProvenance(extra, "iterations") == "4000")
        #expect(try checkpointProvenance(extra, "lr") == "0.002")
        let line = try checkpointProvenance(extra, "trained")
        #expect(line.contains("4000 iterations of 32 streams × 64 characters"))
        #expect(line.contains("lr 0.002"))
        #expect(throws: LessonTermError.self) { try checkpointProvenance(extra, "colour") }
        #expect(throws: LessonTermError.self) { try checkpointProvenance([:], "trained") }
    }
}
