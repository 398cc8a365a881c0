// The way beyond one machine (interop/pytorch/train.py): PyTorch trains charrnn's model, across two
// processes with torchrun and DistributedDataParallel, and charrnn loads the result to the same
// loss; a charrnn checkpoint continues in PyTorch from the same loss, the same next iteration.
//
// These tests need a Python with torch: `CHARRNN_PYTHON` (a path), else a `python3` on PATH that
// can `import torch`. Without one they are skipped and say why, so `swift test` needs no Python.

import Foundation
import Testing

@testable import CharRNN
import TestSupport

/// Finding and running the Python that has torch.
enum PyTorchInterop {
    /// The script under test.
    static let script = packageDirectory + "/interop/pytorch/train.py"

    /// The Python to use: `CHARRNN_PYTHON` as given (when set, the tests run and fail if it lacks
    /// torch), else `python3` from PATH if it can import torch, else nil (the tests are skipped).
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["CHARRNN_PYTHON"], !given.isEmpty { return given }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/python3"
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            let check = try? run(candidate, ["-c", "import torch"], in: NSTemporaryDirectory(), timeout: 120)
            return check?.status == 0 ? candidate : nil
        }
        return nil
    }()

    /// Why the tests are skipped, for the test report.
    static let skipped: Comment =
        "no Python with torch: set CHARRNN_PYTHON to one (e.g. a venv's bin/python) to test interop/pytorch/train.py"

    /// Runs `executable arguments` in `directory` (standard error into the output), killed after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], in directory: String, timeout: Double = 600) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs the script with the Python found (through torchrun with `processes` > 1) and returns
    /// its JSON lines; records the whole output as an issue if it failed.
    static func train(_ arguments: [String], processes: Int = 1, in directory: String) throws -> [[String: Any]] {
        let python = try #require(python)
        let launcher = processes > 1 ? ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "\(processes)"] : []
        let (status, output) = try run(python, launcher + [script] + arguments + ["--json"], in: directory)
        #expect(status == 0, "train.py failed:\n\(output)")
        return output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// A small text: the first `count` characters of the Shakespeare corpus, written to `directory`.
    static func smallText(_ count: Int, in directory: String) throws -> (path: String, text: String) {
        let whole = try String(contentsOfFile: packageDirectory + "/corpora/shakespeare.txt", encoding: .utf8)
        let text = String(whole.prefix(count))
        let path = directory + "/small.txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, text)
    }
}

@Suite(.serialized, .enabled(if: PyTorchInterop.python != nil, PyTorchInterop.skipped))
struct PyTorchInteropTests {
    /// charrnn's `eval`: the whole text as one sequence from h_0 = 0 (EvalCommand's numbers).
    static func charrnnEval(_ model: Model, _ text: String) throws -> Double {
        let corpus = try Corpus(name: "small", text: text, vocabulary: model.vocabulary, validationFraction: 0)
        return model.evaluate(corpus.indices, batchSize: 1, sequenceLength: 256)
    }

    /// torchrun, 2 processes (gloo on CPU), 3 iterations of a 2-layer LSTM: charrnn loads the file,
    /// its eval and validation losses are PyTorch's, and its training state continues in charrnn.
    @Test func torchrunTrainedCheckpointLoadsIntoCharrnnWithPyTorchsLoss() throws {
        let directory = temporaryDirectory("interop")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (path, text) = try PyTorchInterop.smallText(6000, in: directory)
        let lines = try PyTorchInterop.train(
            [
                "--text", path, "--save", "torch.safetensors", "--cell", "lstm", "--hidden", "16", "--layers", "2",
                "--batch", "4", "--seq", "16", "--lr", "0.01", "--steps", "3", "--every", "1", "--eval",
            ], processes: 2, in: directory)
        #expect(lines.first?["processes"] as? Int == 2)
        let evals = lines.compactMap { $0["eval_loss"] as? Double }
        let final = try #require(lines.last { $0["val_loss"] != nil })
        let pytorchEval = try #require(evals.last), pytorchValidation = try #require(final["val_loss"] as? Double)
        #expect(evals.count == 2 && evals[1] < evals[0])  // before and after: it learned

        let checkpoint = try Checkpoint.read(path: directory + "/torch.safetensors")
        let V = checkpoint.model.vocabulary.count
        #expect(checkpoint.model.shape == ModelShape(cell: .lstm, vocabularySize: V, hiddenSize: 16, layers: 2))
        #expect(abs(try Self.charrnnEval(checkpoint.model, text) - pytorchEval) < 1e-5)
        let corpus = try Corpus(name: "small", text: text, vocabulary: checkpoint.model.vocabulary)
        #expect(abs(checkpoint.model.validationLoss(corpus.validation) - pytorchValidation) < 1e-5)
        #expect(checkpoint.extra["trained_by"]?.contains("2 processes on cpu") == true)

        // The training state: iteration 3, Adam's t = 3, the carried state of all 4 streams. charrnn
        // trains on from it, and its iteration 4 is the one PyTorch has in one process with all 4 streams.
        var trainer = try #require(checkpoint.training?.trainer)
        #expect(trainer.iteration == 3 && trainer.optimizer.step == 3 && trainer.cursor.position == 48)
        #expect(trainer.state.batchSize == 4 && trainer.state.hidden[1].contains { $0 != 0 })
        try trainer.attach(trainingCount: corpus.training.count)
        var workspace = TrainingWorkspace(shape: trainer.model.shape)
        let report = try trainer.step(on: corpus.training, workspace: &workspace)
        let oneProcess = try PyTorchInterop.train(
            [
                "--text", path, "--cell", "lstm", "--hidden", "16", "--layers", "2", "--batch", "4", "--seq", "16",
                "--lr", "0.01", "--steps", "4", "--every", "1",
            ], in: directory)
        let pytorchLosses = oneProcess.compactMap { line in (line["iteration"] as? Int).map { ($0, line["loss"] as? Double) } }
        let three = try #require(pytorchLosses.first { $0.0 == 3 }?.1), four = try #require(pytorchLosses.first { $0.0 == 4 }?.1)
        #expect(abs(three - (try #require(final["loss"] as? Double))) < 1e-5)  // 1 process = 2 processes
        #expect(report.iteration == 4 && abs(report.loss - four) < 1e-5)
    }

    /// A charrnn-trained checkpoint continued one iteration in PyTorch: the starting loss is
    /// charrnn's eval, the iteration's loss is the loss charrnn's own next iteration has, and the
    /// file PyTorch writes loads back into charrnn with PyTorch's final loss.
    @Test(arguments: [CellKind.rnn, .gru])
    func charrnnCheckpointContinuesInPyTorch(cell: CellKind) throws {
        let directory = temporaryDirectory("interop")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (path, text) = try PyTorchInterop.smallText(5000, in: directory)
        let corpus = try Corpus(name: "small", text: text)
        var generator = SplitMix64(seed: 5)
        let model = Model(
            vocabulary: corpus.vocabulary, cell: cell, hiddenSize: 12, layers: 2, initialization: .pytorch, using: &generator)
        let configuration = TrainingConfiguration(
            learningRate: 0.01, optimizer: .adam, clipping: .value(5), batchSize: 4, sequenceLength: 16)
        var trainer = try Trainer(model: model, configuration: configuration, trainingCount: corpus.training.count)
        var workspace = TrainingWorkspace(shape: model.shape)
        for _ in 0..<5 { try trainer.step(on: corpus.training, workspace: &workspace) }
        let checkpointPath = directory + "/charrnn.safetensors"
        let training = TrainingState(trainer: trainer, generator: nil)
        try Checkpoint(model: trainer.model, training: training).write(path: checkpointPath)
        let charrnnStart = try Self.charrnnEval(trainer.model, text)
        var next = trainer
        let nextReport = try next.step(on: corpus.training, workspace: &workspace)

        let lines = try PyTorchInterop.train(
            [
                "--text", path, "--resume", checkpointPath, "--save", "continued.safetensors", "--steps", "1", "--every", "1",
                "--eval",
            ],
            in: directory)
        let evals = lines.compactMap { $0["eval_loss"] as? Double }
        let step = try #require(lines.first { $0["iteration"] as? Int == 6 && $0["loss"] != nil })
        try #require(evals.count == 2)
        #expect(abs(evals[0] - charrnnStart) < 1e-5, "\(cell): starting loss")
        #expect(abs(try #require(step["loss"] as? Double) - nextReport.loss) < 1e-5, "\(cell): iteration 6")
        #expect(abs(evals[1] - (try Self.charrnnEval(next.model, text))) < 1e-4, "\(cell): after the same update")

        let continued = try Checkpoint.read(path: directory + "/continued.safetensors")
        #expect(abs(try Self.charrnnEval(continued.model, text) - evals[1]) < 1e-5, "\(cell): loaded back")
        #expect(continued.training?.trainer.iteration == 6 && continued.training?.trainer.optimizer.step == 6)
        #expect(continued.training?.trainer.cursor.position == next.cursor.position, "\(cell): where the text goes on")
    }
}
