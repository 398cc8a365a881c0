// Big texts: one pass, compact indices, linear unknown-character reports, regular files only,
// strict UTF-8 with the byte offset, and a progress callback that can stop the loading.

import Foundation
import Testing

@testable import CharRNN

/// A fresh temporary path (the caller removes it).
private func temporaryPath(_ suffix: String) -> String {
    NSTemporaryDirectory() + "charrnn-large-\(UUID().uuidString)" + suffix
}

@Suite struct EncodedTextTests {
    @Test func sortedAndFirstAppearanceMatchTheVocabulary() throws {
        let text = "hello, wörld 한국어\r\nhé"
        for order in Vocabulary.Order.allCases {
            let corpus = try Corpus(name: "t", text: text, order: order, validationFraction: 0)
            let expected = try Vocabulary(of: text, order: order)
            #expect(corpus.vocabulary == expected)
            #expect(Array(corpus.indices) == (try expected.encode(text)))
            #expect(corpus.indices.bytesPerCharacter == 1)
        }
    }

    @Test func storageWidensWithTheVocabulary() throws {
        let wide = String((0..<300).map { Character(Unicode.Scalar(0x4E00 + $0)!) })
        let corpus = try Corpus(name: "wide", text: wide + wide, validationFraction: 0)
        #expect(corpus.vocabulary.count == 300 && corpus.indices.bytesPerCharacter == 2)
        #expect(Array(corpus.indices) == (try corpus.vocabulary.encode(wide + wide)))
        // Private-use scalars: no two are canonically equivalent (CJK compatibility ideographs would be).
        let huge = String((0..<70_000).map { Character(Unicode.Scalar(0xF0000 + $0)!) })
        let big = try Corpus(name: "huge", text: huge, validationFraction: 0)
        #expect(big.vocabulary.count == 70_000 && big.indices.bytesPerCharacter == 4)
        #expect(big.indices[69_999] == 69_999)
    }

    @Test func trainingAndValidationShareTheIndices() throws {
        let corpus = try Corpus(name: "t", text: String(repeating: "abcdefghij", count: 10))
        #expect(corpus.training.count == 90 && corpus.validation.count == 10)
        #expect(Array(corpus.training) + Array(corpus.validation) == Array(corpus.indices))
        #expect(corpus.validation[0] == corpus.indices[90])
    }

    /// 60,000 distinct unknown characters: one linear pass (it was quadratic: 6 s for 20,000, so
    /// about a minute for these).
    @Test func manyUnknownCharactersAreReportedInOnePass() throws {
        let vocabulary = try Vocabulary(characters: ["a", "b"])
        let text = "ab" + String((0..<60_000).map { Character(Unicode.Scalar(0xF0000 + $0)!) })
        let start = Date()
        #expect(throws: VocabularyError.self) { _ = try vocabulary.encode(text) }
        do {
            _ = try Corpus(name: "t", text: text, vocabulary: vocabulary)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("60000 characters") && error.description.contains("and 59990 more"))
        }
        #expect(Date().timeIntervalSince(start) < 20)
    }

    /// A 280 KB "zalgo" text (letters under piles of combining marks, nearly every character
    /// distinct): the unknown-character report is linear (it took over 60 s).
    @Test func zalgoTextIsReportedQuickly() throws {
        var generator = SplitMix64(seed: 9)
        var text = ""
        while text.utf8.count < 280_000 {
            text.append("a")
            for _ in 0..<6 { text.unicodeScalars.append(Unicode.Scalar(0x300 + UInt32(generator.next() % 0x70))!) }
        }
        let vocabulary = try Vocabulary(characters: ["a"])
        let start = Date()
        #expect(throws: CorpusError.self) { _ = try Corpus(name: "zalgo", text: text, vocabulary: vocabulary) }
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func largeVocabularyIsBuiltLinearly() throws {
        // Private-use and CJK scalars: none is canonically equivalent to another.
        let scalars = Array(0xF0000...0x10FFFD) + Array(0x20000...0x2A6DF) + Array(0x4E00...0x9FFF) + Array(0x3400...0x4DBF)
        let characters = scalars.prefix(200_000).map { Character(Unicode.Scalar(UInt32($0))!) }
        let start = Date()
        let vocabulary = try Vocabulary(characters: characters)
        #expect(vocabulary.count == 200_000 && vocabulary.index(of: characters[199_999]) == 199_999)
        #expect(Date().timeIntervalSince(start) < 20)
    }
}

@Suite struct TextFileTests {
    @Test func directoriesFIFOsAndDevicesAreRefusedAtOnce() throws {
        let directory = temporaryPath("")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases = [
            (directory, "\(directory) is a directory"), (fifo, "\(fifo) is a FIFO (a named pipe), not a file"),
            ("/dev/zero", "/dev/zero is a device, not a file"),
            (directory + "/none", "cannot read \(directory)/none: it does not exist"),
        ]
        for (path, message) in cases {
            do {
                _ = try Corpus.load(path: path)
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.description == message)
                #expect(!error.description.contains("NSCocoaErrorDomain") && !error.description.contains("permission"))
            }
        }
    }

    /// Invalid UTF-8 after the first chunk: the offset is the file's; a character cut by the
    /// chunk boundary is read whole.
    @Test func invalidUTF8GivesTheFileOffsetAcrossChunks() throws {
        let path = temporaryPath(".txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: TextFile.chunkSize - 1)
        bytes += Array("한".utf8)  // 3 bytes across the chunk boundary
        bytes += Array("bc".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let text = try TextFile.readText(path)
        #expect(text.utf8.count == bytes.count && text.hasSuffix("한bc"))
        let badOffset = bytes.count
        bytes += [0xFF] + Array("tail".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: CorpusError.invalidUTF8(path: path, offset: badOffset)) { _ = try Corpus.load(path: path) }
    }

    @Test func progressIsReportedAndCanStopTheLoading() throws {
        let path = temporaryPath(".txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "abcdefgh\n", count: 1_000_000).write(toFile: path, atomically: true, encoding: .utf8)
        var steps: [Corpus.LoadStep] = []
        let corpus = try Corpus.load(path: path) { step, done, total in
            steps.append(step)
            #expect(done <= total)
            return true
        }
        #expect(corpus.indices.count == 9_000_000 && steps.contains(.reading) && steps.contains(.encoding))
        #expect(throws: CorpusError.interrupted(name: "big")) {
            _ = try Corpus.load(path: path, name: "big") { step, _, _ in step == .reading }
        }
        #expect(throws: CorpusError.interrupted(name: "big")) {
            _ = try Corpus.load(path: path, name: "big") { _, _, _ in false }
        }
    }
}
