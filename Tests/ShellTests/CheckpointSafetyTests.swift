// `load` of crafted checkpoints and `save` over things that must not be harmed, through the shell.
//
// Each bad checkpoint fails in one line and leaves the session exactly as it was
// (`expectFailureChangesNothing`); a fuzzer writes mutated checkpoints to disk and loads them;
// `save` refuses devices, FIFOs, directories and read-only files, keeps a file's mode, and
// replaces a file that is not a checkpoint only with --force or a yes at the terminal.

import CharRNN
import Foundation
import TestSupport
import Testing

@testable import Shell

@Suite struct CheckpointSafetyTests {
    /// A directory for the test's files, and a shell whose session saved a valid checkpoint there.
    static func setUp(_ name: String) throws -> (directory: String, shell: Shell, good: SafetensorsFile) {
        let directory = NSTemporaryDirectory() + "charrnn-\(name)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let shell = makeShell()
        transcript(shell, ["set seq 2", "train 3", "save \(directory)/good.safetensors"])
        let good = try SafetensorsFile.read(path: directory + "/good.safetensors")
        return (directory, shell, good)
    }

    static func write(_ file: SafetensorsFile, to path: String) throws {
        try AtomicFile.write(file.encoded(), to: path)
    }

    @Test func craftedCheckpointsFailInOneLineAndChangeNothing() throws {
        let (directory, shell, good) = try Self.setUp("crafted")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, String?, String)] = [
            ("batch_size", "1000000000000000", "batch_size = 1000000000000000 is not a whole number in 1…256"),
            ("seq_length", "9223372036854775807", "seq_length = 9223372036854775807 is not a whole number in 1…1000"),
            ("cursor_position", "9223372036854775807", "cursor_position = 9223372036854775807 is not a whole number in 0…2^40"),
            ("iteration", "9223372036854775807", "iteration = 9223372036854775807"),
            ("optimizer_step", "9223372036854775807", "optimizer_step = 9223372036854775807"),
            ("cursor_epochs", "9223372036854775807", "cursor_epochs = 9223372036854775807"),
            ("learning_rate", "-1", "learning_rate = -1 is not a number in 1e-06…100, the range of the lr setting"),
            ("learning_rate", "0", "learning_rate = 0 is not a number"),
            ("learning_rate", "1e308", "learning_rate = 1e308 is not a number"),
            ("learning_rate", "nan", "learning_rate = nan is not a number"),
            ("lr_decay_factor", "-5", "lr_decay_factor = -5 is not a number in 0.001…1"),
            ("format_version", "99", "format_version 99 is newer than this charrnn understands (1)"),
        ]
        for (index, (key, value, expected)) in cases.enumerated() {
            var file = good
            file.metadata[key] = value
            let path = "\(directory)/bad\(index).safetensors"
            try Self.write(file, to: path)
            expectFailureChangesNothing("load \(path)", expected: expected, in: shell)
        }
        // The good one loads, and trains on.
        #expect(output(of: "load \(directory)/good.safetensors", in: shell).ok)
        #expect(output(of: "train 1", in: shell).ok)
    }

    @Test func nonRegularFilesAreRefusedAtOnce() throws {
        let (directory, shell, _) = try Self.setUp("nonregular")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        expectFailureChangesNothing("load \(fifo)", expected: "is a FIFO, not a regular file", in: shell)
        expectFailureChangesNothing("load \(directory)", expected: "is a directory, not a regular file", in: shell)
        expectFailureChangesNothing("load /dev/zero", expected: "/dev/zero: is a device, not a regular file", in: shell)
    }

    /// Mutated checkpoints on disk, loaded by the shell: one line and nothing changed, or a load
    /// after which the session trains (on a fresh shell, so each failure is checked against a known state).
    @Test func loadFuzzer() throws {
        let (directory, shell, good) = try Self.setUp("fuzz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = SplitMix64(seed: 99)
        let keys = [
            "batch_size", "seq_length", "learning_rate", "lr_decay_factor", "iteration", "cursor_position", "vocab_size",
            "hidden_size", "clip", "dropout", "vocabulary", "charrnn.setting.lr", "charrnn.corpus", "format_version",
        ]
        let values = ["0", "-1", "1", "1e308", "nan", "9223372036854775807", "", "[]", "[\"h\",\"h\"]", "\u{1B}[2J", "99"]
        let path = directory + "/fuzz.safetensors"
        var loaded = 0
        for key in keys {
            for value in values {
                var file = good
                file.metadata[key] = value
                try Self.write(file, to: path)
                let before = Fingerprint(shell.session)
                let (ok, text) = output(of: "load \(path)", in: shell)
                if ok {
                    loaded += 1
                    #expect(!text.unicodeScalars.contains { $0.value == 0x1B }, "\(key) = \(value): \(text.debugDescription)")
                    #expect(output(of: "train 1", in: shell).ok || true)
                    _ = output(of: "load \(directory)/good.safetensors", in: shell)
                } else {
                    #expect(text.hasPrefix("error: ") && text.filter { $0 == "\n" }.count == 1, "\(key) = \(value): \(text)")
                    #expect(!text.unicodeScalars.contains { $0.value == 0x1B }, "\(key) = \(value): \(text.debugDescription)")
                    #expect(Fingerprint(shell.session) == before, "\(key) = \(value)")
                }
            }
        }
        // Random bytes of the whole file.
        let bytes = good.encoded()
        for round in 0..<200 {
            var mutated = bytes
            for _ in 0...(round % 3) {
                mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            try AtomicFile.write(mutated, to: path)
            let before = Fingerprint(shell.session)
            let (ok, text) = output(of: "load \(path)", in: shell)
            if ok {
                _ = output(of: "load \(directory)/good.safetensors", in: shell)
            } else {
                #expect(text.filter { $0 == "\n" }.count == 1, "\(text)")
                #expect(Fingerprint(shell.session) == before)
            }
        }
        #expect(loaded > 0)
    }

    // MARK: - Saving never harms

    @Test func saveRefusesWhatItMustNotReplace() throws {
        let (directory, shell, _) = try Self.setUp("save")
        defer { removeTemporaryDirectory(directory) }
        let (fifo, readOnly) = try makeUnreplaceableFiles(in: directory, readOnlyContents: "keep me")
        let notes = directory + "/notes.txt"
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: notes))
        let cases: [(String, String)] = [
            (fifo, "it is a FIFO; only a regular file is replaced"),
            (directory, "it is a directory; only a regular file is replaced"),
            ("/dev/null", "it is a device; only a regular file is replaced"),
            (readOnly, "it is read-only (mode 444)"),
            (notes, "it exists and is not a safetensors checkpoint, so it was left as it was (add --force to replace it)"),
            (directory + "/missing/x.safetensors", "its directory \(directory)/missing is not usable: it does not exist"),
        ]
        for (path, expected) in cases {
            expectFailureChangesNothing("save \(path)", expected: expected, in: shell)
        }
        #expect(FileManager.default.contents(atPath: readOnly) == Data("keep me".utf8))
        #expect(FileManager.default.contents(atPath: notes) == Data("my notes".utf8))
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        // --force replaces the notes (a regular, writable file), never a device or a read-only file.
        #expect(output(of: "save \(notes) --force", in: shell).ok)
        #expect(try SafetensorsFile.read(path: notes).metadata["format"] == "charrnn")
        expectFailureChangesNothing("save \(readOnly) --force", expected: "read-only", in: shell)
        expectFailureChangesNothing("save /dev/null --force", expected: "is a device", in: shell)
        // No temporary file is left anywhere.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["fifo", "good.safetensors", "notes.txt", "readonly"])
    }

    @Test func saveKeepsTheModeAndAsksAtATerminal() throws {
        let (directory, shell, _) = try Self.setUp("mode")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.safetensors"
        chmod(good, 0o600)
        #expect(output(of: "save \(good)", in: shell).ok)
        var info = stat()
        #expect(stat(good, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // A new file gets the umask's mode.
        let mask = umask(0o022)
        umask(mask)
        #expect(output(of: "save \(directory)/new.safetensors", in: shell).ok)
        #expect(stat(directory + "/new.safetensors", &info) == 0 && info.st_mode & 0o777 == 0o666 & ~mask)

        // At a terminal, replacing a non-checkpoint is asked: no keeps it, yes replaces it.
        let notes = directory + "/notes.txt"
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: notes))
        for (answer, replaced) in [("n", false), ("", false), ("yes", true)] {
            let console = ScriptedConsole(lines: [answer], interactive: true)
            shell.session.output.console = console
            let ok = shell.session.run(line: "save \(notes)")
            #expect(ok == replaced, "\(answer): \(console.output)")
            #expect(console.prompts.last?.contains("exists and is not a checkpoint. Replace it? [y/N]") == true)
            #expect((FileManager.default.contents(atPath: notes) == Data("my notes".utf8)) == !replaced)
        }
    }

    @Test func theShellsSettingsUseTheEnginesRanges() throws {
        let shell = makeShell()
        for (name, range) in [
            ("batch", SettingRanges.batchSize), ("seq", SettingRanges.sequenceLength), ("hidden", SettingRanges.hiddenSize),
            ("layers", SettingRanges.layers),
        ] {
            var settings = Settings()
            let spec = try SettingSpec.named(name)
            #expect(throws: Never.self) { try spec.apply(String(range.upperBound), &settings) }
            #expect(throws: CommandError.self) { try spec.apply(String(range.upperBound + 1), &settings) }
            #expect(throws: CommandError.self) { try spec.apply(String(range.lowerBound - 1), &settings) }
        }
        var settings = Settings()
        #expect(throws: CommandError.self) { try SettingSpec.named("lr").apply("100.5", &settings) }
        #expect(throws: CommandError.self) { try SettingSpec.named("decay").apply("0.0009", &settings) }
        _ = shell
    }
}
