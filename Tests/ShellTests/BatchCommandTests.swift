import CharRNN
import Foundation
import Testing

/// The `charrnn` executable's batch subcommands, run as child processes: options checked as the
/// shell checks settings, `--save` checked before the run, exit statuses that tell the truth
/// (the guard, standard output closed or full, `run DIRECTORY`, `run --strict`), the memory
/// budget, and SIGTERM / SIGHUP during `charrnn train` saving like Ctrl-C.
@Suite(.serialized) struct BatchCommandTests {
    /// The built executable, beside the test bundle (`swift test` builds it).
    static let executable: String? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("charrnn").path,
            Bundle.main.bundleURL.appendingPathComponent("charrnn").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("charrnn").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// A scratch folder with a short text.
    struct Scratch {
        let directory: URL
        var text: String { directory.appendingPathComponent("fox.txt").path }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("charrnn-batch-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 200)
                .write(toFile: directory.appendingPathComponent("fox.txt").path, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// A small model of the text, written as a checkpoint.
        func checkpoint() throws -> String {
            let corpus = try Corpus(name: "fox", text: try String(contentsOfFile: text, encoding: .utf8))
            var generator = SplitMix64(seed: 3)
            let model = Model(vocabulary: corpus.vocabulary, hiddenSize: 8, using: &generator)
            let path = self.path("model.safetensors")
            try Checkpoint(model: model).write(path: path)
            return path
        }
    }

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs the executable with `arguments` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL, shell: Bool = false) throws -> Result {
        let process = Process()
        if shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", arguments.joined(separator: " ")]
        } else {
            process.executableURL = URL(fileURLWithPath: executable!)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            error: String(decoding: errData, as: UTF8.self))
    }

    @Test(arguments: [
        (["--lr", "1e30"], "--lr must be from 1e-06 to 100, not 1e+30"),
        (["--decay=-1"], "--decay must be from 0.001 to 1, not -1"),
        (["--decay", "nan"], "--decay must be a number from 0.001 to 1, not 'nan'"),
        (["--steps", "-5"], "--steps must be a positive whole number"),
        (["--batch", "0"], "--batch must be from 1 to 256, not 0"),
        (["--hidden", "5000"], "--hidden must be from 1 to 1024, not 5000"),
        (["--seconds", "inf"], "--seconds must be a number from 0.01 to 1000000, not 'inf'"),
        (["--memory-budget", "lots"], "--memory-budget must be auto or a size"),
    ])
    func trainRefusesWhatTheShellRefuses(arguments: [String], message: String) throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try Self.run(
            ["train", "--text", scratch.text, "--save", "m.safetensors"] + arguments, in: scratch.directory)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "\(result.error)")
        #expect(!result.error.contains("Missing value"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("m.safetensors")))
    }

    @Test func benchAndSampleRefuseBadNumbers() throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bench = try Self.run(["bench", "--seconds", "inf"], in: scratch.directory)
        #expect(bench.status != 0 && bench.error.contains("--seconds must be a number from 0.01"), "\(bench.error)")
        let checkpoint = try scratch.checkpoint()
        let sample = try Self.run(["sample", "--checkpoint", checkpoint, "--length", "-5"], in: scratch.directory)
        #expect(sample.status != 0 && sample.error.contains("--length must be from 0"), "\(sample.error)")
        let hot = try Self.run(["sample", "--checkpoint", checkpoint, "--temperature", "1e9"], in: scratch.directory)
        #expect(hot.status != 0 && hot.error.contains("--temperature must be from 0 to 10"), "\(hot.error)")
    }

    @Test func saveIsCheckedBeforeTheRun() throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = try Self.run(
            ["train", "--text", scratch.text, "--save", "no/such/folder/m.safetensors", "--steps", "100000000"],
            in: scratch.directory)
        #expect(missing.status == 1)
        #expect(missing.error.hasPrefix("error: no/such/folder/m.safetensors: cannot write") && missing.error.contains("does not exist"))
        #expect(missing.output.isEmpty)  // not even the first line of training
        let folder = try Self.run(["train", "--text", scratch.text, "--save", ".", "--steps", "5"], in: scratch.directory)
        #expect(folder.status == 1 && folder.error.contains("it is a directory"), "\(folder.error)")
        let device = try Self.run(["train", "--text", scratch.text, "--save", "/dev/null", "--steps", "5"], in: scratch.directory)
        #expect(device.status == 1 && device.error.contains("it is a device"), "\(device.error)")
        let kept = scratch.path("kept.safetensors")
        try "mine".write(toFile: kept, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: kept)
        let readOnly = try Self.run(["train", "--text", scratch.text, "--save", kept, "--steps", "5"], in: scratch.directory)
        #expect(readOnly.status == 1 && readOnly.error.contains("it is read-only"), "\(readOnly.error)")
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mine")
        // A file that is not a checkpoint is kept unless --force says to replace it.
        let notes = scratch.path("notes.txt")
        try "my notes".write(toFile: notes, atomically: true, encoding: .utf8)
        let refused = try Self.run(["train", "--text", scratch.text, "--save", notes, "--steps", "5"], in: scratch.directory)
        #expect(refused.status == 1 && refused.error.contains("--force") && refused.output.isEmpty, "\(refused.error)")
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "my notes")
        let forced = try Self.run(
            ["train", "--text", scratch.text, "--save", notes, "--steps", "5", "--force"], in: scratch.directory)
        #expect(forced.status == 0, "\(forced.error)")
        #expect((try? Checkpoint.read(path: notes)) != nil)
    }

    @Test func theGuardStopsBatchTrainingWithAFailureAndSavesTheLastGoodWeights() throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try Self.run(
            [
                "train", "--text", scratch.text, "--save", "g.safetensors", "--lr", "100", "--optimizer", "sgd", "--clip", "none",
                "--steps", "500",
            ], in: scratch.directory)
        #expect(result.status == 1)
        #expect(result.error.contains("guard:") && result.error.contains("try --lr 10"), "\(result.error)")
        let checkpoint = try Checkpoint.read(path: scratch.path("g.safetensors"))
        for tensor in checkpoint.model.parameters { #expect(tensor.values.allSatisfy { $0.isFinite }) }
        #expect((checkpoint.training?.trainer.iteration ?? .max) < 500)
    }

    @Test func lostOutputIsAFailure() throws {
        guard let executable = Self.executable else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let checkpoint = try scratch.checkpoint()
        for redirection in [">&-", "> /dev/full"] {
            let sample = try Self.run(
                [executable, "sample", "--checkpoint", checkpoint, "--length", "10", redirection], in: scratch.directory,
                shell: true)
            #expect(sample.status == 1, "\(redirection)")
            #expect(sample.error.contains("error: could not write the output"), "\(sample.error)")
            let eval = try Self.run(
                [executable, "eval", "--checkpoint", checkpoint, "--text", scratch.text, redirection], in: scratch.directory,
                shell: true)
            #expect(eval.status == 1 && eval.error.contains("could not write the output"), "\(eval.error)")
        }
        // With standard output closed, the checkpoint train opens must not receive the progress lines.
        let train = try Self.run(
            [executable, "train", "--text", scratch.text, "--save", "c.safetensors", "--steps", "3", ">&-"],
            in: scratch.directory,
            shell: true)
        #expect(train.status == 1)
        #expect((try? Checkpoint.read(path: scratch.path("c.safetensors"))) != nil)
        let fine = try Self.run(["sample", "--checkpoint", checkpoint, "--length", "10"], in: scratch.directory)
        #expect(fine.status == 0 && fine.output.count == 11)
    }

    @Test func runADirectoryOrAStrictScriptThatHitsTheGuardFails() throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = try Self.run(["run", scratch.directory.path], in: scratch.directory)
        #expect(directory.status == 1 && directory.error.contains("is a directory"), "\(directory.error)")
        try "set lr 10\ntrain\nshow settings\n".write(toFile: scratch.path("s.txt"), atomically: true, encoding: .utf8)
        let strict = try Self.run(["run", "--strict", "s.txt"], in: scratch.directory)
        #expect(strict.status == 1)
        #expect(strict.output.contains("guard:") && !strict.output.contains("charrnn> show settings"))
        let lax = try Self.run(["run", "s.txt"], in: scratch.directory)
        #expect(lax.status == 0)
    }

    @Test func theMemoryBudgetRefusesTrainingAndFullBackwardPasses() throws {
        guard Self.executable != nil else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let train = try Self.run(
            ["train", "--text", scratch.text, "--save", "m.safetensors", "--memory-budget", "10MB"], in: scratch.directory)
        #expect(train.status == 1)
        #expect(train.error.hasPrefix("error: training would need about "), "\(train.error)")
        #expect(train.error.hasSuffix("; the memory budget is 10.0 MB (set memory-budget or --memory-budget)\n"))
        let checkpoint = try scratch.checkpoint()
        let eval = try Self.run(
            [
                "eval", "--checkpoint", checkpoint, "--text", scratch.text, "--gradients", "g.safetensors", "--memory-budget",
                "1MB",
            ],
            in: scratch.directory)
        #expect(eval.status == 1 && eval.error.contains("eval --gradients would need about"), "\(eval.error)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("g.safetensors")))
    }

    @Test(arguments: [(SIGTERM, "terminated (SIGTERM)"), (SIGHUP, "hung up (SIGHUP)")])
    func aTerminationSignalSavesLikeCtrlC(signal: Int32, message: String) throws {
        guard let executable = Self.executable else { Issue.record("charrnn was not built"); return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["train", "--text", scratch.text, "--save", "s.safetensors", "--steps", "100000000", "--every", "1"]
        process.currentDirectoryURL = scratch.directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait until training has started (the first progress line), then send the signal.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("iter 1 ") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        kill(process.processIdentifier, signal)
        // Never hang the tests: a child still running after a minute is killed (and the test fails).
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if process.isRunning { kill(pid, SIGKILL) } }
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let output = String(decoding: seen + rest, as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 128 + signal)
        #expect(errors.contains("\(message): saving after iteration"), "\(errors)")
        #expect(output.contains("saved s.safetensors after"))
        let checkpoint = try Checkpoint.read(path: scratch.path("s.safetensors"))
        #expect((checkpoint.training?.trainer.iteration ?? 0) >= 1)
    }
}
