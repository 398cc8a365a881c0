import CharRNN
import Foundation
import Testing

@testable import Shell

/// The shell's side of issue 9's training items: the memory budget before `train`, a guard stop
/// that counts as a failure (`run --strict`, scripts), and the batch options' checks that reuse the
/// settings (`BatchSettings`).
@Suite struct TrainingBudgetTests {
    @Test func trainOverTheMemoryBudgetIsRefusedInOneLineAndChangesNothing() {
        let shell = makeShell()
        #expect(output(of: "set memory-budget 1MB", in: shell).ok)
        expectFailureChangesNothing(
            "train 10", expected: "the memory budget is 1.0 MB (set memory-budget or --memory-budget)", in: shell)
        #expect(output(of: "train 10", in: shell).text.hasPrefix("error: training would need about 32."))
        expectFailureChangesNothing("train --background", expected: "the memory budget is 1.0 MB", in: shell)
        #expect(output(of: "set memory-budget auto", in: shell).ok)
        #expect(output(of: "train 10", in: shell).ok)
        #expect(shell.session.workspace.trainer.iteration == 10)
    }

    /// A text is measured by its file size before a byte is read: over the budget, `corpus FILE`
    /// fails in one line and the session keeps its text.
    @Test func aTextOverTheMemoryBudgetIsRefusedBeforeItIsRead() throws {
        let path = NSTemporaryDirectory() + "charrnn-text-budget-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "abcdefgh\n", count: 300_000).write(toFile: path, atomically: true, encoding: .utf8)  // 2.7 MB
        let shell = makeShell()
        #expect(output(of: "set memory-budget 5MB", in: shell).ok)
        expectFailureChangesNothing("corpus \(path)", expected: "the memory budget is 5.0 MB", in: shell)
        #expect(output(of: "corpus \(path)", in: shell).text.hasPrefix("error: loading "))
        #expect(output(of: "set memory-budget 100MB", in: shell).ok)
        #expect(output(of: "corpus \(path)", in: shell).ok)
        #expect(shell.session.workspace.corpus.training.count + shell.session.workspace.corpus.validation.count == 2_700_000)
    }

    @Test func theMemoryBudgetSettingTakesSizesAndRefusesOthers() {
        let shell = makeShell()
        #expect(output(of: "set memory-budget 8GB", in: shell).ok)
        #expect(shell.session.workspace.settings.memoryBudget == 8e9)
        #expect(output(of: "show settings", in: shell).text.contains("8.0 GB"))
        for bad in ["0", "1x", "-5GB", "nan", "2000TB"] {
            expectFailureChangesNothing("set memory-budget \(bad)", expected: "memory-budget must be auto or a size", in: shell)
        }
    }

    /// The budget belongs to the machine: a checkpoint neither stores nor brings one.
    @Test func checkpointsDoNotCarryTheMemoryBudget() throws {
        let shell = makeShell()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("charrnn-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.safetensors").path
        #expect(output(of: "set memory-budget 8GB", in: shell).ok)
        #expect(output(of: "save \(path)", in: shell).ok)
        let checkpoint = try Checkpoint.read(path: path)
        #expect(checkpoint.extra["charrnn.setting.memory-budget"] == nil)
        #expect(checkpoint.extra["charrnn.setting.lr"] != nil)
        #expect(output(of: "set memory-budget 2GB", in: shell).ok)
        #expect(output(of: "load \(path)", in: shell).ok)
        #expect(shell.session.workspace.settings.memoryBudget == 2e9)
    }

    @Test func aGuardStopFailsTheCommandSoStrictScriptsStop() {
        let shell = makeShell()
        let console = ScriptedConsole(lines: ["set lr 10", "train", "show settings"])
        let status = shell.run(console: console, strict: true)
        #expect(status == 1)
        #expect(console.output.contains("guard:"))
        #expect(!console.output.contains("error:"))  // the guard's message is the only one
        #expect(!console.output.contains("charrnn> show settings"))
        let (ok, text) = output(of: "train", in: shell)
        #expect(!ok && text.contains("guard:"))
        #expect(output(of: "set lr 0.1", in: shell).ok)
        #expect(output(of: "train 5", in: shell).ok)
    }

    @Test func batchOptionsUseTheSettingsRangesAndNameTheOption() {
        func message(_ name: String, _ text: String, option: String? = nil) -> String? {
            var settings = BatchSettings()
            do { try settings.set(name, to: text, option: option) } catch { return error.message }
            return nil
        }
        #expect(message("lr", "1e30") == "--lr must be from 1e-06 to 100, not 1e+30")
        #expect(message("decay", "-1") == "--decay must be from 0.001 to 1, not -1")
        #expect(message("decay", "nan") == "--decay must be a number from 0.001 to 1, not 'nan'")
        #expect(
            message("init", "x", option: "initialization")
                == "--initialization must be one of gaussian, uniform, pytorch, not 'x'")
        #expect(message("clip", "norm:-1")?.hasPrefix("--clip: the clipping norm must be from") == true)
        #expect(message("lr", "0.5") == nil)
        var settings = BatchSettings()
        try? settings.set("lr", to: "0.5")
        try? settings.set("memory-budget", to: "3GB")
        #expect(settings.learningRate == 0.5 && settings.memoryBudget.bytes == 3e9)
        #expect(throws: BatchOptionError.self) { try BatchSettings.iterations("-5", option: "steps") }
        do {
            _ = try BatchSettings.iterations("-5", option: "steps")
        } catch {
            #expect(error.message == "--steps must be a positive whole number, not '-5'")
        }
        #expect((try? BatchSettings.iterations("100000001", option: "steps")) == nil)
        #expect((try? BatchSettings.number("inf", option: "seconds", in: TrainingLimits.seconds)) == nil)
        #expect((try? BatchSettings.number("2.5", option: "seconds", in: TrainingLimits.seconds)) == 2.5)
    }
}
