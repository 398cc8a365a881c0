// Checkpoints from strangers: validate before allocating, and a fuzzer over a small valid checkpoint.
//
// Every crafted file the issue lists (batch 10^15, seq Int.max, counters Int64.max, learning rates
// -1, 0, 1e308 and NaN, decay -5, format_version 99) is refused at load with one line; FIFOs,
// devices and directories are refused by stat(2) without being opened; a file over the size limit
// is refused without being read; and thousands of mutations of a valid checkpoint either throw or
// load a consistent model whose arrays are no larger than the file, which then trains one
// iteration without a trap.

import Foundation
import TestSupport
import Testing

@testable import CharRNN

/// A small training checkpoint (LSTM, 2 layers, Adam, B = 2, T = 3) and the text it trains on.
func smallTrainingCheckpoint(cell: CellKind = .lstm) throws -> (file: SafetensorsFile, text: [Int]) {
    let corpus = try Corpus(name: "t", text: String(repeating: "abcab cba. ", count: 6), validationFraction: 0)
    var g = SplitMix64(seed: 3)
    let model = Model(vocabulary: corpus.vocabulary, cell: cell, hiddenSize: 3, layers: 2, initialization: .pytorch, using: &g)
    var trainer = try Trainer(
        model: model,
        configuration: TrainingConfiguration(learningRate: 0.01, optimizer: .adam, batchSize: 2, sequenceLength: 3),
        trainingCount: corpus.training.count)
    var w = TrainingWorkspace(shape: model.shape)
    for _ in 0..<2 { try trainer.step(on: corpus.training, workspace: &w) }
    let checkpoint = Checkpoint(
        model: trainer.model, training: TrainingState(trainer: trainer, generator: SplitMix64(seed: 5)),
        extra: ["charrnn.corpus": "t"])
    return (checkpoint.file(), Array(corpus.training))
}

/// `file` with metadata `key` set to `value` (nil removes it).
func withMetadata(_ file: SafetensorsFile, _ key: String, _ value: String?) -> SafetensorsFile {
    var copy = file
    copy.metadata[key] = value
    return copy
}

/// A fresh empty directory under the system temporary directory.
/// Decoding `bytes` as a checkpoint: the error, or the checkpoint.
private func load(_ bytes: [UInt8], source: String = "c.safetensors") -> Result<Checkpoint, Error> {
    do {
        let file = try SafetensorsFile.decode(bytes, source: source)
        return .success(try Checkpoint(file: file, source: source))
    } catch {
        return .failure(error)
    }
}

/// Checks a failure is one printable line naming the file; returns its text.
@discardableResult
private func expectOneLine(_ error: Error, source: String = "c.safetensors", sourceLocation: SourceLocation = #_sourceLocation)
    -> String
{
    let text = String(describing: error)
    #expect(text.hasPrefix(source + ": "), "\(text)", sourceLocation: sourceLocation)
    #expect(
        !text.unicodeScalars.contains(where: MetadataText.isControl), "\(text.debugDescription)", sourceLocation: sourceLocation)
    return text
}

/// A loaded checkpoint is consistent: numbers in range, arrays no larger than the file allows,
/// and one training iteration runs on a text long enough for its batch (no trap).
private func expectConsistent(_ checkpoint: Checkpoint, fileSize: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let model = checkpoint.model
    #expect(SettingRanges.hiddenSize.contains(model.shape.hiddenSize), sourceLocation: sourceLocation)
    #expect(SettingRanges.layers.contains(model.shape.layers), sourceLocation: sourceLocation)
    // Every float came from the file (2 bytes at least each), except an RNN's optional bias_hh (zeros).
    var floats = model.parameters.reduce(0) { $0 + $1.values.count }
    for (_, value) in checkpoint.extra { #expect(!value.unicodeScalars.contains(where: MetadataText.isControl)) }
    guard var trainer = checkpoint.training?.trainer else {
        #expect(floats * 2 <= fileSize + 2 * 4 * 1024 * 3, sourceLocation: sourceLocation)
        return
    }
    floats += trainer.optimizer.first.reduce(0) { $0 + $1.count } + trainer.optimizer.second.reduce(0) { $0 + $1.count }
    floats += trainer.state.hidden.reduce(0) { $0 + $1.count }
    #expect(floats * 2 <= fileSize + 2 * 4 * 1024 * 3, sourceLocation: sourceLocation)
    let c = trainer.configuration
    #expect(SettingRanges.learningRate.contains(c.learningRate), sourceLocation: sourceLocation)
    #expect(SettingRanges.batchSize.contains(c.batchSize), sourceLocation: sourceLocation)
    #expect(SettingRanges.sequenceLength.contains(c.sequenceLength), sourceLocation: sourceLocation)
    #expect(SettingRanges.decay.contains(c.schedule.factor), sourceLocation: sourceLocation)
    #expect(SettingRanges.dropout.contains(c.dropout), sourceLocation: sourceLocation)
    for counter in [trainer.iteration, trainer.optimizer.step, trainer.cursor.position, trainer.cursor.epochs] {
        #expect(SettingRanges.counter.contains(counter), sourceLocation: sourceLocation)
    }
    // One iteration on a text that fits the batch: whatever the counters, nothing overflows.
    let count = c.batchSize * (c.sequenceLength + 2)
    let V = model.vocabulary.count
    let data = (0..<count).map { $0 % V }
    try trainer.attach(trainingCount: count)
    var workspace = TrainingWorkspace(shape: model.shape)
    _ = try? trainer.step(on: data, workspace: &workspace)
}

// MARK: - The crafted files of the issue

@Test func craftedMetadataFromTheIssueIsRefusedAtLoad() throws {
    let (good, _) = try smallTrainingCheckpoint()
    let cases: [(String, String?, String)] = [
        (
            "batch_size", "1000000000000000",
            "batch_size = 1000000000000000 is not a whole number in 1…256, the range of the batch setting"
        ),
        ("seq_length", "9223372036854775807", "seq_length = 9223372036854775807 is not a whole number in 1…1000"),
        ("cursor_position", "9223372036854775807", "cursor_position = 9223372036854775807 is not a whole number in 0…2^40"),
        ("iteration", "9223372036854775807", "iteration = 9223372036854775807 is not a whole number in 0…2^40"),
        ("optimizer_step", "9223372036854775807", "optimizer_step = 9223372036854775807 is not a whole number in 0…2^40"),
        ("cursor_epochs", "9223372036854775807", "cursor_epochs = 9223372036854775807 is not a whole number in 0…2^40"),
        ("learning_rate", "-1", "learning_rate = -1 is not a number in 1e-06…100, the range of the lr setting"),
        ("learning_rate", "0", "learning_rate = 0 is not a number in 1e-06…100"),
        ("learning_rate", "1e308", "learning_rate = 1e308 is not a number in 1e-06…100"),
        ("learning_rate", "nan", "learning_rate = nan is not a number"),
        ("learning_rate", "NaN", "learning_rate = NaN is not a number"),
        ("learning_rate", "inf", "learning_rate = inf is not a number"),
        ("lr_decay_factor", "-5", "lr_decay_factor = -5 is not a number in 0.001…1, the range of the decay setting"),
        ("lr_decay_every", "-1", "lr_decay_every = -1 is not a whole number in 0…100000000"),
        ("dropout", "0.95", "dropout = 0.95 is not a number in 0…0.9"),
        ("clip", "value:1e30", "clip = value:1e30 is outside"),
        ("clip", "norm:nan", "'clip' is missing or malformed"),
        ("optimizer", "lion", "'optimizer' is missing or unknown"),
        ("batch_size", nil, "'batch_size' is missing"),
        ("format_version", "99", "format_version 99 is newer than this charrnn understands (1)"),
        ("format_version", "0", "format_version 0 is not a version of this format"),
        ("format_version", "1.5", "format_version '1.5' is not a whole number"),
        ("format", "other", "metadata format is 'other', expected 'charrnn'"),
        ("hidden_size", "9223372036854775807", "metadata hidden_size = 9223372036854775807 but the tensors say 3"),
        ("generator_state", "-1", "generator_state = -1 is not an unsigned 64-bit integer"),
    ]
    for (key, value, expected) in cases {
        switch load(withMetadata(good, key, value).encoded()) {
        case .success: Issue.record("\(key) = \(value ?? "nil") loaded")
        case .failure(let error):
            let text = expectOneLine(error)
            #expect(text.hasPrefix("c.safetensors: ") && text.contains(expected), "\(text)")
        }
    }
    // The good file itself loads, and so do counters at the top of their range (then train one step).
    let bytes = good.encoded()
    try expectConsistent(try load(bytes).get(), fileSize: bytes.count)
    var counters = good
    for key in ["iteration", "optimizer_step", "cursor_position", "cursor_epochs"] { counters.metadata[key] = String(1 << 40) }
    let top = counters.encoded()
    try expectConsistent(try load(top).get(), fileSize: top.count)
}

@Test func theRangesAreTheShellSettingsRanges() {
    // One table: what `set` allows is what a checkpoint may hold (spot checks of the bounds).
    #expect(SettingRanges.batchSize == 1...256)
    #expect(SettingRanges.sequenceLength == 1...1000)
    #expect(SettingRanges.hiddenSize == 1...1024)
    #expect(SettingRanges.learningRate == 1e-6...100)
    #expect(SettingRanges.decay == 0.001...1)
    #expect(SettingRanges.counter.upperBound == 1 << 40)
    // Far from overflow: a counter plus any T plus one, times any B, fits.
    let (product, overflow) = (SettingRanges.counter.upperBound + SettingRanges.sequenceLength.upperBound + 1)
        .multipliedReportingOverflow(by: SettingRanges.batchSize.upperBound)
    #expect(!overflow && product > 0)
}

@Test func controlCharactersInMetadataNeverReachTheCaller() throws {
    let (good, _) = try smallTrainingCheckpoint()
    var file = good
    file.metadata["charrnn.corpus"] = "evil\u{1B}]52;c;aGk=\u{07}\u{1B}[2J\u{9B}31m\u{202E}txt.exe\r\n"
    file.metadata["bad\u{1B}key"] = "x"
    let checkpoint = try load(file.encoded()).get()
    #expect(checkpoint.extra["charrnn.corpus"] == #"evil\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe\u{d}\u{a}"#)
    #expect(checkpoint.extra.keys.sorted() == ["charrnn.corpus"])
    // Messages quoting a file's strings neutralise them too, and cut long ones.
    for (key, value) in [
        ("cell", "\u{1B}[31mred"), ("format", "x\u{9B}2J"), ("learning_rate", String(repeating: "9", count: 10_000)),
    ] {
        let error = try #require(load(withMetadata(good, key, value).encoded()).failure)
        let text = expectOneLine(error)
        #expect(text.count < 300, "\(text.count)")
    }
    var vocabulary = good
    vocabulary.metadata["vocabulary"] = #"["\u001b[2J", "a"]"#
    expectOneLine(try #require(load(vocabulary.encoded()).failure))
}

// MARK: - Files that are not files

@Test func fifosDevicesAndDirectoriesAreRefusedWithoutOpening() throws {
    let directory = temporaryDirectory("nonregular")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fifo = directory + "/model.fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    // Opening a FIFO for reading would block forever without a writer: this returns at once.
    let cases: [(String, FileKind, String)] = [
        (fifo, .fifo, "is a FIFO"), (directory, .directory, "is a directory"), ("/dev/zero", .characterDevice, "is a device"),
    ]
    for (path, kind, phrase) in cases {
        #expect(throws: CheckpointError.file(.notRegularFile(path: path, kind: kind))) { try Checkpoint.read(path: path) }
        do { _ = try Checkpoint.read(path: path) } catch {
            #expect(error.description == "\(path): \(phrase), not a regular file")
        }
    }
    #expect(throws: CheckpointError.self) { try Checkpoint.read(path: directory + "/missing") }
}

@Test func aFileOverTheLimitOrWithAnImpossibleHeaderLengthIsNotRead() throws {
    let directory = temporaryDirectory("large")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (good, _) = try smallTrainingCheckpoint()
    let bytes = good.encoded()
    let path = directory + "/model.safetensors"
    try AtomicFile.write(bytes, to: path)
    // The same file under a smaller limit: refused by its size alone.
    #expect(throws: CheckpointError.file(.fileTooLarge(path: path, size: bytes.count, limit: 100))) {
        try Checkpoint.read(path: path, maximumFileSize: 100)
    }
    #expect(try Checkpoint.read(path: path, maximumFileSize: bytes.count).model.shape.hiddenSize == 3)
    // A sparse 2 GB file whose first 8 bytes already prove it invalid: refused from those 8 bytes.
    let sparse = directory + "/sparse.bin"
    let descriptor = open(sparse, O_WRONLY | O_CREAT, 0o600)
    #expect(descriptor >= 0)
    var prefix: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
    #expect(write(descriptor, &prefix, 8) == 8)
    #expect(ftruncate(descriptor, 2_000_000_000) == 0)
    close(descriptor)
    #expect(
        throws: CheckpointError.file(
            .headerTooLarge(source: sparse, headerLength: UInt64(Int64.max), limit: SafetensorsFile.maximumHeaderLength))
    ) { try Checkpoint.read(path: sparse) }
    // A header length that fits the limit but not the file.
    prefix = [0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0]
    try AtomicFile.write(prefix + [UInt8](repeating: 0x20, count: 100), to: path)
    #expect(throws: CheckpointError.file(.headerPastEnd(source: path, headerLength: 0x1000, available: 100))) {
        try Checkpoint.read(path: path)
    }
}

@Test func metadataIsCheckedBeforeTheDataIsRead() throws {
    // A file whose header is fine but whose data section is not there at all (the size says so):
    // the safetensors layer refuses it; with the data present but a bad batch size, the metadata
    // check speaks first, even though the state tensors would also be the wrong shape.
    let (good, _) = try smallTrainingCheckpoint()
    let bad = withMetadata(good, "batch_size", "100000")
    let error = try #require(load(bad.encoded()).failure)
    #expect(expectOneLine(error).contains("batch_size = 100000 is not a whole number in 1…256"))
}

// MARK: - The fuzzer

/// Thousands of mutations of a small valid checkpoint: each throws one printable line, or loads a
/// consistent model that then trains one iteration. A trap would end the test run.
@Test func checkpointFuzzer() throws {
    let (good, _) = try smallTrainingCheckpoint()
    let (rnn, _) = try smallTrainingCheckpoint(cell: .rnn)
    var generator = SplitMix64(seed: 2024)
    var tried = 0, refused = 0, loaded = 0, fromDisk = 0
    let directory = temporaryDirectory("fuzz")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/c.safetensors"
    func check(_ bytes: [UInt8], _ what: @autoclosure () -> String) {
        tried += 1
        let result = load(bytes, source: path)
        switch result {
        case .failure(let error):
            refused += 1
            let text = String(describing: error)
            if !text.hasPrefix(path + ": ") || text.unicodeScalars.contains(where: MetadataText.isControl) {
                Issue.record("\(what()): \(text.debugDescription)")
            }
        case .success(let checkpoint):
            loaded += 1
            do { try expectConsistent(checkpoint, fileSize: bytes.count) } catch { Issue.record("\(what()): \(error)") }
        }
        // One in five through a file too: the streaming reader agrees with decoding in memory.
        guard tried % 5 == 0 else { return }
        fromDisk += 1
        // A plain write to a fresh name (no fsync, and no ext4 flush on truncation), thousands of times.
        let file = directory + "/\(tried).safetensors"
        defer { unlink(file) }
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            Issue.record("cannot write \(file)")
            return
        }
        let fromFile = Result { try Checkpoint.read(path: file) }
        switch (result, fromFile) {
        case (.success(let a), .success(let b)): if a != b { Issue.record("\(what()): the file loads differently") }
        case (.failure(let a), .failure(let b)):
            let b = "\(b)".replacingOccurrences(of: file, with: path)
            if "\(a)" != b { Issue.record("\(what()): in memory \(a); from the file \(b)") }
        case (_, let b): Issue.record("\(what()): in memory \(result); from the file \(b)")
        }
    }

    for base in [good, rnn] {
        // 1. Metadata numbers and strings.
        let keys = [
            "batch_size", "seq_length", "learning_rate", "lr_decay_factor", "lr_decay_every", "dropout", "iteration",
            "cursor_position", "cursor_epochs", "optimizer_step", "hidden_size", "num_layers", "vocab_size", "format_version",
            "generator_state", "dropout_generator_state", "clip", "optimizer", "cell", "format",
        ]
        let values = [
            "0", "-1", "1", "2", "3", "255", "256", "257", "1000", "1001", "1e308", "-1e308", "nan", "NaN", "inf", "-inf",
            "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1099511627776", "1099511627777",
            "1.5", "abc", "", " 1", "0x10", "1e-7", "1e-6", "100", "100.1", "0.9", "0.91", "norm:5", "value:0", "norm:nan",
            "none", "lstm", "gru", "rnn", "adam", "sgd", "momentum", "charrnn", "\u{1B}[2J", String(repeating: "7", count: 5000),
        ]
        for key in keys {
            check(withMetadata(base, key, nil).encoded(), "\(key) removed")
            for value in values { check(withMetadata(base, key, value).encoded(), "\(key) = \(value)") }
        }
        // 2. Vocabularies.
        let vocabularies = [
            "[]", "[\"\"]", "[\"a\",\"a\",\"b\",\"c\",\".\",\" \"]", "[\"ab\",\"b\",\"c\",\".\",\" \"]", "{}", "[1,2,3]",
            "not json",
            "[\"a\",\"b\",\"c\",\".\"]", "[\"a\",\"b\",\"c\",\".\",\" \",\"x\"]",
            "[\"\(String(repeating: "a", count: 100_000))\"]",
            "[" + (0..<20_000).map { "\"\(Character(Unicode.Scalar(0x4E00 + $0)!))\"" }.joined(separator: ",") + "]",
            "[\"\u{1B}\",\"b\",\"c\",\".\",\" \"]", "[\"e\u{301}\",\"b\",\"c\",\".\",\" \"]", "null", "",
        ]
        for vocabulary in vocabularies {
            check(withMetadata(base, "vocabulary", vocabulary).encoded(), "vocabulary \(vocabulary.prefix(40))")
        }

        // 3. Every number in the header (shapes, offsets, metadata), replaced.
        let bytes = base.encoded()
        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = Array(bytes[8..<8 + headerLength])
        let data = Array(bytes[(8 + headerLength)...])
        func file(header: [UInt8], data: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
            return out + header + data
        }
        var runs: [Range<Int>] = []
        var index = 0
        while index < header.count {
            if (0x30...0x39).contains(header[index]) {
                let start = index
                while index < header.count, (0x30...0x39).contains(header[index]) { index += 1 }
                runs.append(start..<index)
            } else {
                index += 1
            }
        }
        let replacements = ["0", "1", "-1", "4", "12", "9223372036854775807", "99999999999999999999", "1e3", "2.0", "4294967296"]
        for run in runs {
            for replacement in replacements {
                var mutated = header
                mutated.replaceSubrange(run, with: Array(replacement.utf8))
                check(file(header: mutated, data: data), "number at \(run.lowerBound) = \(replacement)")
            }
        }
        // 4. Dtypes and shapes, textually.
        let text = String(decoding: header, as: UTF8.self)
        for (from, to) in [
            ("\"F32\"", "\"F16\""), ("\"F32\"", "\"F64\""), ("\"F32\"", "\"BF16\""), ("\"F32\"", "\"I32\""), ("\"F32\"", "\"\""),
            ("\"F32\"", "32"), ("\"shape\":[", "\"shape\":[0,"), ("\"shape\":[", "\"shape\":[2,"), ("\"shape\":[", "\"shape\":["),
            ("\"shape\":[", "\"shape\":[-1,"), ("\"data_offsets\":[", "\"data_offsets\":[0,"), ("rnn.", "rnm."),
            ("decoder.", "decoder"), ("optimizer.first", "optimizer.firstx"), ("state.h_l0", "state.h_l9"),
        ] {
            // Each occurrence on its own, and all at once.
            var searchStart = text.startIndex
            while let range = text.range(of: from, range: searchStart..<text.endIndex) {
                check(file(header: Array(text.replacingCharacters(in: range, with: to).utf8), data: data), "\(from) → \(to)")
                searchStart = range.upperBound
            }
            check(file(header: Array(text.replacingOccurrences(of: from, with: to).utf8), data: data), "all \(from) → \(to)")
        }
        // 5. The header length.
        for length: UInt64 in [
            0, 1, 7, 8, UInt64(headerLength - 1), UInt64(headerLength + 1), UInt64(bytes.count), .max, 1 << 63,
        ] {
            var mutated = bytes
            withUnsafeBytes(of: length.littleEndian) { mutated.replaceSubrange(0..<8, with: $0) }
            check(mutated, "header length \(length)")
        }
        // 6. Random bytes of the header, and data turned to NaN and infinity.
        for _ in 0..<600 {
            var mutated = bytes
            let position = 8 + Int(generator.next() % UInt64(headerLength))
            mutated[position] = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x2C, 0x31, 0xFF, 0x1B][Int(generator.next() % 10)]
            check(mutated, "header byte \(position)")
        }
        for _ in 0..<100 {
            var mutated = bytes
            let position = 8 + headerLength + Int(generator.next() % UInt64(data.count / 4)) * 4
            mutated.replaceSubrange(position..<position + 4, with: [0x00, 0x00, 0xC0, 0x7F])  // NaN
            check(mutated, "NaN at \(position)")
        }
        // 7. Truncation at every length.
        for length in 0..<bytes.count { check(Array(bytes[..<length]), "cut at \(length)") }
    }
    #expect(tried > 3000, "\(tried)")
    #expect(loaded > 0 && refused > loaded, "loaded \(loaded), refused \(refused)")
    #expect(fromDisk > 500, "\(fromDisk)")
}

extension Result {
    /// The error, or nil on success.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A stranger's extra tensor is skipped unread: a sparse file with a 600 MB tensor no checkpoint
/// uses loads without the process's peak memory growing by anything like that.
@Test func unusedTensorsAreNotRead() throws {
    let directory = temporaryDirectory("unused")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (good, _) = try smallTrainingCheckpoint()
    let bytes = good.encoded()
    let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    var header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    let dataSize = bytes.count - 8 - headerLength
    let junk = 600_000_000
    header.removeLast()  // the closing brace
    header += ",\"zz.junk\":{\"dtype\":\"F32\",\"shape\":[\(junk / 4)],\"data_offsets\":[\(dataSize),\(dataSize + junk)]}}"
    var file: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
    file += Array(header.utf8) + bytes[(8 + headerLength)...]
    let path = directory + "/extra.safetensors"
    try AtomicFile.write(file, to: path)
    #expect(truncate(path, off_t(file.count + junk)) == 0)  // sparse: no disk used

    func peakMegabytes() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage.ru_maxrss / 1024
    }
    let before = peakMegabytes()
    let checkpoint = try Checkpoint.read(path: path)
    #expect(checkpoint.model.shape.hiddenSize == 3)
    #expect(peakMegabytes() - before < 300, "peak grew from \(before) MB to \(peakMegabytes()) MB")
}

/// A 200,000-entry vocabulary loads in linear time (the header's JSON strings were built by
/// quadratic appends: 65 s for this file; now well under a second).
@Test func aLargeVocabularyLoadsInLinearTime() throws {
    let ranges: [ClosedRange<UInt32>] = [
        0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x20000...0x2A6DF, 0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD,
    ]
    let characters = ranges.joined().prefix(200_000).map { Character(Unicode.Scalar($0)!) }
    #expect(characters.count == 200_000)
    var g = SplitMix64(seed: 1)
    let model = Model(vocabulary: try Vocabulary(characters: characters), hiddenSize: 1, using: &g)
    let bytes = Checkpoint(model: model).file().encoded()
    let start = Date()
    let loaded = try load(bytes).get()
    #expect(loaded.model.vocabulary.count == 200_000)
    #expect(Date().timeIntervalSince(start) < 20)
}

/// A header of millions of tiny JSON values is refused while parsing, before it becomes gigabytes.
@Test func aHeaderOfMillionsOfValuesIsRefused() throws {
    let header = "{\"x\":[" + String(repeating: "0,", count: 1_500_000) + "0]}"
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += Array(header.utf8)
    let error = try #require(load(bytes).failure)
    #expect(expectOneLine(error).contains("more than 1000000 values"), "\(error)")
}

/// An optimizer's sums of squares (Adam's v, Adagrad's and RMSprop's memory) cannot be negative:
/// such a file is refused at load, where it used to load and make the first update blame the
/// learning rate. Adam's m can be negative and still loads.
@Test func negativeSumsOfSquaresAreRefusedAtLoad() throws {
    let (file, _) = try smallTrainingCheckpoint()
    func withNegative(_ prefix: String) -> SafetensorsFile {
        var copy = file
        let index = copy.tensors.firstIndex { $0.name.hasPrefix(prefix) }!
        copy.tensors[index].values[0] = -1
        return copy
    }
    let refused = load(withNegative("optimizer.second.").encoded())
    guard case .failure(let error) = refused else { Issue.record("a negative v loaded"); return }
    #expect(expectOneLine(error).contains("holds negative values"))
    if case .failure(let error) = load(withNegative("optimizer.first.").encoded()) {
        Issue.record("a negative m was refused: \(error)")
    }
}
