import Foundation

/// A text to learn from: its characters as indices into a vocabulary, split into a training part
/// (the first `1 - validationFraction` of the text) and a held-out validation part (the rest).
public struct Corpus: Sendable {
    /// A short name to show ("hello", "shakespeare", or a file name).
    public let name: String
    /// The whole text.
    public let text: String
    /// The characters of the text, each with its index.
    public let vocabulary: Vocabulary
    /// The whole text as vocabulary indices.
    public let indices: [Int]
    /// The training part of `indices`.
    public let training: [Int]
    /// The validation part of `indices` (may be empty for a tiny text such as "hello").
    public let validation: [Int]
    /// The fraction of the text held out for validation.
    public let validationFraction: Double

    /// A corpus over `text`. With no `vocabulary` given, the text's own characters in `order`
    /// make it; with one given (a loaded model's), every character must be in it.
    public init(
        name: String, text: String, vocabulary: Vocabulary? = nil,
        order: Vocabulary.Order = .sorted, validationFraction: Double = 0.1
    ) throws(CorpusError) {
        guard text.count >= 2 else { throw .tooShort(name: name, characters: text.count) }
        guard validationFraction >= 0, validationFraction < 1 else {
            throw .badFraction(validationFraction)
        }
        do throws(VocabularyError) {
            let chosen: Vocabulary
            if let vocabulary { chosen = vocabulary } else { chosen = try Vocabulary(of: text, order: order) }
            self.vocabulary = chosen
            self.indices = try chosen.encode(text)
        } catch {
            throw .vocabulary(name: name, error)
        }
        self.name = name
        self.text = text
        self.validationFraction = validationFraction
        var split = Int((Double(indices.count) * (1 - validationFraction)).rounded())
        if indices.count - split < 2 { split = indices.count }  // too little to validate on
        training = Array(indices[..<split])
        validation = Array(indices[split...])
    }

    /// Reads a UTF-8 text file into a corpus. Invalid UTF-8 is an error that gives the byte offset.
    public static func load(
        path: String, name: String? = nil, vocabulary: Vocabulary? = nil,
        order: Vocabulary.Order = .sorted, validationFraction: Double = 0.1
    ) throws(CorpusError) -> Corpus {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let text = try decodeUTF8([UInt8](data), path: path)
        let shortName = name ?? URL(fileURLWithPath: path).lastPathComponent
        return try Corpus(
            name: shortName, text: text, vocabulary: vocabulary, order: order,
            validationFraction: validationFraction)
    }

    /// Decodes strict UTF-8, naming the offset of the first invalid byte.
    static func decodeUTF8(_ bytes: [UInt8], path: String) throws(CorpusError) -> String {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        var offset = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s):
                scalars.append(s)
                offset += UTF8.width(s)
            case .emptyInput: break loop
            case .error: throw .invalidUTF8(path: path, offset: offset)
            }
        }
        return String(scalars)
    }
}

/// B parallel streams of T steps over a sequence of indices, for truncated backpropagation
/// through time. Stream b reads the b-th of B equal slices of the text, chunk after chunk; the
/// targets are the inputs shifted by one. With B = 1 this is min-char-rnn's loop exactly: chunks
/// from the start, and back to the start (with h reset to 0) when `p + T + 1 >= length`. A text of
/// exactly T + 1 characters ("hello" with T = 4) is read whole at every iteration, from h_0 = 0.
public struct BatchCursor: Sendable, Equatable {
    /// B, the number of parallel streams.
    public let batchSize: Int
    /// T, the steps per chunk.
    public let sequenceLength: Int
    /// The length of each stream's slice.
    public let streamLength: Int
    /// The offset of the next chunk inside every stream's slice.
    public var position: Int
    /// How many times the cursor went back to the start.
    public var epochs: Int

    /// A cursor over `count` indices; throws if the text is too short for B × T.
    public init(count: Int, batchSize: Int, sequenceLength: Int) throws(CorpusError) {
        guard batchSize >= 1, sequenceLength >= 1 else {
            throw .tooShortForBatch(characters: count, batch: batchSize, steps: sequenceLength)
        }
        let streamLength = count / batchSize
        guard streamLength >= sequenceLength + 1 else {  // T inputs and, shifted by one, T targets
            throw .tooShortForBatch(characters: count, batch: batchSize, steps: sequenceLength)
        }
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.streamLength = streamLength
        self.position = 0
        self.epochs = 0
    }

    /// One chunk: inputs and targets as (B, T) row-major arrays, and whether the cursor went back to
    /// the start (the caller then resets the hidden state, as min-char-rnn does).
    public mutating func next(from data: [Int]) -> (inputs: [Int], targets: [Int], restarted: Bool) {
        var restarted = false
        // (Written so that no counter, even one read from a file, can overflow.)
        if position < 0 || (position > 0 && position >= streamLength - sequenceLength - 1) {
            position = 0
            epochs = epochs < Int.max ? epochs + 1 : Int.max
            restarted = true
        }
        var inputs = [Int](repeating: 0, count: batchSize * sequenceLength)
        var targets = inputs
        for b in 0..<batchSize {
            let start = b * streamLength + position
            for t in 0..<sequenceLength {
                inputs[b * sequenceLength + t] = data[start + t]
                targets[b * sequenceLength + t] = data[start + t + 1]
            }
        }
        position += sequenceLength
        return (inputs, targets, restarted)
    }
}

/// What can go wrong when reading a text or cutting it into batches.
public enum CorpusError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, offset: Int)
    case tooShort(name: String, characters: Int)
    case badFraction(Double)
    case vocabulary(name: String, VocabularyError)
    case tooShortForBatch(characters: Int, batch: Int, steps: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidUTF8(let path, let offset):
            return "\(path) is not valid UTF-8: bad byte at offset \(offset)"
        case .tooShort(let name, let n):
            return "\(name) has \(n) character\(n == 1 ? "" : "s"); a text needs at least 2 (an input and a target)"
        case .badFraction(let f): return "validation fraction \(f) must be in [0, 1)"
        case .vocabulary(let name, let e): return "\(name): \(e)"
        case .tooShortForBatch(let n, let b, let t):
            return
                "the training text has \(n) characters; \(b) stream\(b == 1 ? "" : "s") × \(t) steps need at least \(b) × (\(t) + 1) = \(b * (t + 1))"
        }
    }
}
