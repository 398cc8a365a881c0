import Foundation

/// A text to learn from: its characters as indices into a vocabulary, split into a training part
/// (the first `1 - validationFraction` of the text) and a held-out validation part (the rest).
///
/// The indices are an ``EncodedText`` (one to four bytes a character, by the vocabulary's size);
/// the training and validation parts share its storage. A text is encoded in one pass.
public struct Corpus: Sendable {
    /// A short name to show ("hello", "shakespeare", or a file name).
    public let name: String
    /// The whole text.
    public let text: String
    /// The characters of the text, each with its index.
    public let vocabulary: Vocabulary
    /// The whole text as vocabulary indices.
    public let indices: EncodedText
    /// The training part of `indices`.
    public let training: EncodedText
    /// The validation part of `indices` (may be empty for a tiny text such as "hello").
    public let validation: EncodedText
    /// The fraction of the text held out for validation.
    public let validationFraction: Double

    /// A corpus over `text`. With no `vocabulary` given, the text's own characters in `order`
    /// make it; with one given (a loaded model's), every character must be in it.
    /// `progress(charactersEncoded)` is called every million characters; returning false stops
    /// with ``CorpusError/interrupted(name:)``. `unit` is what a character is when no vocabulary
    /// is given (with one, its unit).
    public init(
        name: String, text: String, vocabulary: Vocabulary? = nil,
        order: Vocabulary.Order = .sorted, unit: TextUnit = .graphemes, validationFraction: Double = 0.1,
        progress: ((Int) -> Bool)? = nil
    ) throws(CorpusError) {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw .badFraction(validationFraction)
        }
        let encoded: (vocabulary: Vocabulary, text: EncodedText)?
        do {
            encoded = try EncodedText.encode(text, vocabulary: vocabulary, order: order, unit: unit, progress: progress)
        } catch {
            if case .empty = error { throw .tooShort(name: name, characters: 0) }
            throw .vocabulary(name: name, error)
        }
        guard let encoded else { throw .interrupted(name: name) }
        guard encoded.text.count >= 2 else { throw .tooShort(name: name, characters: encoded.text.count) }
        self.vocabulary = encoded.vocabulary
        self.indices = encoded.text
        self.name = name
        self.text = text
        self.validationFraction = validationFraction
        var split = Int((Double(indices.count) * (1 - validationFraction)).rounded())
        if indices.count - split < 2 { split = indices.count }  // too little to validate on
        training = indices.slice(0..<split)
        validation = indices.slice(split..<indices.count)
    }

    /// Reads a UTF-8 text file into a corpus: only a regular file (a directory, a FIFO or a device
    /// is refused at once, by `stat`), read in chunks and checked as strict UTF-8 on the way
    /// (an error gives the byte offset), then encoded in one pass. `progress(step, done, total)`
    /// reports reading (bytes) and then encoding (characters, total 0 when unknown); returning
    /// false stops with ``CorpusError/interrupted(name:)`` and nothing is kept.
    public static func load(
        path: String, name: String? = nil, vocabulary: Vocabulary? = nil,
        order: Vocabulary.Order = .sorted, unit: TextUnit = .graphemes, validationFraction: Double = 0.1,
        progress: ((LoadStep, Int, Int) -> Bool)? = nil, budget: MemoryBudget? = nil
    ) throws(CorpusError) -> Corpus {
        let shortName = name ?? (path.split(separator: "/").last.map(String.init) ?? path)
        // The memory it will take, from the file's size, before a byte is read (`budget`: refuse above it).
        if let budget {
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                do { try budget.check(MemoryEstimate.text(bytes: Int(info.st_size)), for: "loading \(shortName)") } catch {
                    throw .overBudget(error)
                }
            }
        }
        let text: String
        do {
            text = try TextFile.readText(path, progress: progress.map { report in { report(.reading, $0, $1) } })
        } catch {
            switch error {
            case .invalidUTF8(let path, let offset): throw .invalidUTF8(path: path, offset: offset)
            case .interrupted: throw .interrupted(name: shortName)
            default: throw .unreadable(path: path, reason: error.description)
            }
        }
        let total = text.utf8.count
        return try Corpus(
            name: shortName, text: text, vocabulary: vocabulary, order: order, unit: unit,
            validationFraction: validationFraction, progress: progress.map { report in { report(.encoding, $0, total) } })
    }

    /// What ``load(path:name:vocabulary:order:validationFraction:progress:)`` is doing.
    public enum LoadStep: Sendable {
        /// Reading the file: done and total are bytes.
        case reading
        /// Encoding the text: done is characters, total is the text's bytes (an upper bound).
        case encoding
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
    public mutating func next<Data: RandomAccessCollection<Int>>(
        from data: Data
    ) -> (inputs: [Int], targets: [Int], restarted: Bool) where Data.Index == Int {
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
    /// Ctrl-C while reading or encoding.
    case interrupted(name: String)
    /// The text would need more memory than the budget allows.
    case overBudget(MemoryBudgetError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return reason.hasPrefix("cannot read") || reason.hasPrefix(path) ? reason : "cannot read \(path): \(reason)"
        case .interrupted(let name): return "loading \(name) was interrupted (Ctrl-C); nothing was changed"
        case .overBudget(let error): return error.description
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
