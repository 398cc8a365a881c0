import CharRNN
import Foundation
import Testing

@testable import Shell

/// Training a learner can watch: validation in the progress and the plot, samples at chosen
/// iterations, learning-rate decay, checkpoints during training, time budgets, presets, and the
/// gate views of LSTM and GRU cells. Small models on a small text, so each test takes well under a second.
@Suite struct TrainingWatchTests {
    /// A shell on a 4,000-character text with a small model (validation: the last 10 %).
    func smallShell(_ extra: [String] = []) -> (Shell, String) {
        let directory = NSTemporaryDirectory() + "charrnn-watch-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = String(repeating: "ROMEO:\nBut soft, what light.\n\nJULIET:\nAy me.\n\n", count: 80)
        try! text.write(toFile: directory + "/play.txt", atomically: true, encoding: .utf8)
        let shell = makeShell()
        transcript(
            shell,
            ["corpus \(directory)/play.txt", "set hidden 16", "set seq 16", "set batch 2", "set lr 0.01", "set optimizer adam"]
                + extra)
        return (shell, directory)
    }

    @Test func samplesAtChosenIterationsAndValidationInReportsAndPlot() {
        let (shell, _) = smallShell(["set sample-at 3,5", "set val-every 2"])
        let (ok, text) = output(of: "train 6", in: shell)
        #expect(ok)
        #expect(text.contains("── sample at iteration 3 (loss "))
        #expect(text.contains("── sample at iteration 5 (loss "))
        #expect(!text.contains("sample at iteration 4"))
        #expect(text.contains("iteration 6  loss ") && text.contains("validation "), "\(text)")
        #expect(text.contains("trained 6 iterations (now at 6)") && text.contains(", validation "))
        let validated = shell.session.training.history.filter { $0.validation != nil }.map(\.iteration)
        #expect(validated == [2, 4, 6])
        #expect(output(of: "plot loss", in: shell).text.contains("validation"))
        #expect(output(of: "show settings", in: shell).text.contains("3,5"))
        #expect(output(of: "set sample-at none", in: shell).text == "sample-at = none\n")
        #expect(!output(of: "set sample-at 5,x", in: shell).ok)
        // A list a checkpoint could carry by the million is refused by its length, at once.
        let many = (1...101).map(String.init).joined(separator: ",")
        let refused = output(of: "set sample-at " + many, in: shell)
        #expect(!refused.ok && refused.text.contains("at most 100"), "\(refused.text)")
        #expect(output(of: "set sample-at " + (1...100).map(String.init).joined(separator: ","), in: shell).ok)
    }

    @Test func theLastIterationIsValidatedAtTheEnd() {
        let (shell, _) = smallShell(["set val-every 100"])
        _ = output(of: "train 3", in: shell)
        #expect(shell.session.training.history.last?.validation != nil)
        #expect(shell.session.training.history.dropLast().allSatisfy { $0.validation == nil })
        #expect(output(of: "set val-every 0", in: shell).ok)
        _ = output(of: "train 2", in: shell)
        #expect(shell.session.training.history.last?.validation == nil)
    }

    @Test func learningRateDecay() {
        let (shell, _) = smallShell(["set decay 0.5", "set decay-every 2"])
        #expect(shell.session.workspace.trainer.configuration.schedule == LearningRateSchedule(factor: 0.5, every: 2))
        _ = output(of: "train 4", in: shell)
        #expect(abs(shell.session.workspace.trainer.currentLearningRate - 0.01 * 0.25) < 1e-12)
        #expect(!output(of: "set decay 2", in: shell).ok)
        #expect(!output(of: "set decay-every -1", in: shell).ok)
    }

    @Test func checkpointsDuringTrainingLoadBack() throws {
        let (shell, directory) = smallShell()
        let path = directory + "/during.safetensors"
        _ = output(of: "set checkpoint-file \(path)", in: shell)
        _ = output(of: "set checkpoint-every 2", in: shell)
        let text = output(of: "train 5", in: shell).text
        #expect(text.contains("checkpoint: wrote \(path) at iteration 2"))
        #expect(text.contains("checkpoint: wrote \(path) at iteration 4"))
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.training?.trainer.iteration == 4)
        #expect(checkpoint.extra["charrnn.setting.checkpoint-every"] == "2")
        // Nothing but the target was left behind (the write is atomic: a temporary file, then a rename).
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("during") }
        #expect(files == ["during.safetensors"])
        _ = output(of: "set checkpoint-every 0", in: shell)
        let loaded = output(of: "load \(path)", in: shell)
        #expect(loaded.ok && loaded.text.contains("iteration 4"))
        #expect(shell.session.workspace.settings.checkpointEvery == 0)  // a file does not turn checkpoints on
        // A file that cannot be written is said, and training goes on.
        _ = output(of: "set checkpoint-file /nonexistent/dir/x.safetensors", in: shell)
        _ = output(of: "set checkpoint-every 2", in: shell)
        let failing = output(of: "train 2", in: shell)
        #expect(failing.ok && failing.text.contains("checkpoint: could not write"))
    }

    @Test func saveModelOnlyIsSmallerAndLoadsWithAFreshOptimizer() throws {
        let (shell, directory) = smallShell()
        _ = output(of: "train 2", in: shell)
        #expect(output(of: "save \(directory)/full.safetensors", in: shell).ok)
        #expect(output(of: "save \(directory)/model.safetensors --model-only", in: shell).text.contains("(the model only)"))
        let full = try FileManager.default.attributesOfItem(atPath: directory + "/full.safetensors")[.size] as! Int
        let small = try FileManager.default.attributesOfItem(atPath: directory + "/model.safetensors")[.size] as! Int
        #expect(small * 2 < full)
        #expect(try Checkpoint.read(path: directory + "/model.safetensors").training == nil)
        #expect(output(of: "load \(directory)/model.safetensors", in: shell).text.contains("fresh adam optimizer"))
    }

    @Test func aTimeBudget() {
        let (shell, _) = smallShell()
        let start = Date()
        let (ok, text) = output(of: "train --seconds 0.3", in: shell)
        #expect(ok && text.contains("trained "))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(shell.session.workspace.trainer.iteration > 0)
        #expect(!output(of: "train --seconds 0", in: shell).ok)
        // With N too, whichever ends first.
        _ = output(of: "train 3 --seconds 100", in: shell)
        #expect(shell.session.lastTraining?.iterations == 3)
    }

    @Test func backgroundTrainingHonoursSamplesValidationCheckpointsAndTime() throws {
        let (shell, directory) = smallShell(["set sample-at 2", "set val-every 3", "set checkpoint-every 3"])
        _ = output(of: "set checkpoint-file \(directory)/bg.safetensors", in: shell)
        let console = ScriptedConsole(lines: [], width: 10_000)  // wide: the long path is not wrapped
        shell.session.output.console = console
        #expect(shell.session.run(line: "train 6 --background"))
        #expect(waitUntil { shell.session.training.job?.isFinished ?? true })
        shell.session.collectFinishedJob()
        #expect(shell.session.workspace.trainer.iteration == 6)
        #expect(console.output.contains("── sample at iteration 2"))
        #expect(console.output.contains("checkpoint: wrote \(directory)/bg.safetensors at iteration 6"))
        #expect(console.output.contains("finished 6 iterations in the background") && console.output.contains("validation"))
        #expect(shell.session.training.history.filter { $0.validation != nil }.map { $0.iteration } == [3, 6])
        #expect(try Checkpoint.read(path: directory + "/bg.safetensors").training?.trainer.iteration == 6)
        // A time budget ends a background run too.
        #expect(shell.session.run(line: "train --background --seconds 0.2"))
        #expect(waitUntil { shell.session.training.job?.isFinished ?? true })
        #expect(output(of: "status", in: shell).text.contains("no training running"))
    }

    // MARK: - Presets

    @Test func presetAppliesItsSettingsAndReinitialises() {
        let (shell, _) = smallShell()
        let (ok, text) = output(of: "preset c", in: shell)
        #expect(ok, "\(text)")
        let preset = Preset.named("c")!
        let s = shell.session.workspace.settings
        #expect(s.cell == preset.cell && s.hiddenSize == preset.hiddenSize && s.layers == preset.layers)
        #expect(s.batchSize == preset.training.batchSize && s.sequenceLength == preset.training.sequenceLength)
        #expect(s.optimizer == preset.training.optimizer && s.learningRate == preset.training.learningRate)
        #expect(s.initialization == preset.initialization)
        #expect(shell.session.model.shape.cell == preset.cell && shell.session.model.shape.hiddenSize == preset.hiddenSize)
        #expect(text.contains("preset c: ") && text.contains("re-initialised"))
        #expect(text.contains("made for the text c"))
        #expect(output(of: "preset", in: shell).text.contains("shakespeare"))
        #expect(output(of: "preset shakespear", in: shell).text.contains("did you mean 'shakespeare'"))
    }

    @Test func presetOnATooShortTextChangesNothing() {
        let shell = makeShell()
        let before = Fingerprint(shell.session)
        let (ok, text) = output(of: "preset shakespeare", in: shell)
        #expect(!ok && text.hasPrefix("error: the training text of hello has"))
        #expect(Fingerprint(shell.session) == before)
    }

    @Test func corpusPointsToItsPreset() {
        let shell = makeShell()
        #expect(output(of: "corpus latex", in: shell).text.contains("preset latex"))
    }

    // MARK: - Gates per layer

    @Test func lstmStepAndBackstepShowGatesCellStateAndTheirGradientsPerLayer() {
        let shell = makeShell()
        transcript(shell, ["set cell lstm", "set layers 2"])
        let step = output(of: "step", in: shell).text
        for name in ["i_1", "f_1", "g_1", "o_1", "c_1", "h_1", "layer 1", "layer 2", "input gate", "forget gate", "output gate"] {
            #expect(step.contains(name), "\(name)")
        }
        _ = output(of: "backward", in: shell)
        let back = output(of: "backstep", in: shell).text
        for name in ["dc_1", "da_i", "da_f", "da_g", "da_o", "forget gate", "[da_i da_f da_g da_o]", "layer 2", "layer 1"] {
            #expect(back.contains(name), "\(name)")
        }
    }

    @Test func gruStepShowsResetUpdateAndCandidate() {
        let shell = makeShell()
        transcript(shell, ["set cell gru"])
        let step = output(of: "step", in: shell).text
        for name in ["r_1", "z_1", "n_1", "reset gate", "update gate", "candidate"] { #expect(step.contains(name), "\(name)") }
        _ = output(of: "backward", in: shell)
        let back = output(of: "backstep", in: shell).text
        for name in ["da_r", "da_z", "da_n", "reset gate", "[da_r da_z da_n]"] { #expect(back.contains(name), "\(name)") }
    }

    // MARK: - Lessons

    @Test func theTestTimeLimitsCapTrain() {
        let shell = Shell(corporaDirectory: corporaDirectory, lessonTrainingLimit: 50, lessonTrainingSeconds: 2)
        let session = shell.session
        session.output.console = ScriptedConsole(lines: [])
        #expect(session.limitedForTest("train 2000") == "train 50 --seconds 2")
        #expect(session.limitedForTest("train 20") == "train 20 --seconds 2")
        #expect(session.limitedForTest("train 20 --seconds 1") == "train 20 --seconds 1")
        #expect(session.limitedForTest("train --seconds 60") == "train 50 --seconds 2")
        #expect(session.limitedForTest("train") == "train 50 --seconds 2")
        #expect(session.limitedForTest("train 500 --background") == "train 50 --seconds 2 --background")
        #expect(session.limitedForTest("sample 200") == "sample 200")
        let unlimited = Shell(corporaDirectory: corporaDirectory, lessonTrainingLimit: nil, lessonTrainingSeconds: nil)
        if ProcessInfo.processInfo.environment["CHARRNN_LESSON_TRAIN_LIMIT"] == nil
            && ProcessInfo.processInfo.environment["CHARRNN_LESSON_TRAIN_SECONDS"] == nil
        {
            #expect(unlimited.session.limitedForTest("train 2000") == "train 2000")
        }
    }

    @Test func lessonValuesForWatchingTraining() throws {
        let (shell, _) = smallShell(["set val-every 2"])
        let session = shell.session
        #expect(throws: (any Error).self) { try session.value(of: "val loss") }
        #expect(try session.check("val loss below 100") == false)
        _ = output(of: "train 4", in: shell)
        let val = try session.value(of: "val loss")
        #expect(Double(val) != nil)
        #expect(try session.check("val loss below 100"))
        #expect(try session.check("not val loss below 0.001"))
        #expect(try session.value(of: "train iterations") == "4")
        #expect(Double(try session.value(of: "train seconds")) != nil)
        #expect(Int(try session.value(of: "parameters")) == session.model.parameterCount)
        _ = output(of: "sample 30 --prime R --seed 3", in: shell)
        let sample = try session.value(of: "sample")
        #expect(try session.check("sample contains R"))
        #expect(try session.check("sample contains \(sample.prefix(3))") || sample.prefix(3).contains(" "))
        #expect(try session.check("sample contains zzzqqq") == false)
    }
}
