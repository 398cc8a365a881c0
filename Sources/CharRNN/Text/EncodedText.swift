/// A text as vocabulary indices, stored compactly: one byte per character when V ≤ 256, two when
/// V ≤ 65,536, four otherwise (a 200 MB text of a small alphabet takes 200 MB, not the 1.6 GB of
/// an `[Int]`). Reads as a zero-based collection of `Int` indices; ``slice(_:)`` gives a part that
/// shares the storage (the training and validation parts cost nothing extra).
public struct EncodedText: RandomAccessCollection, Sendable, Equatable {
    /// The storage, sized for the vocabulary.
    enum Storage: Sendable, Equatable {
        case bytes([UInt8])
        case halfwords([UInt16])
        case words([UInt32])
    }

    let storage: Storage
    /// Where this text starts in the storage, and its length.
    let offset: Int
    public let count: Int

    /// An encoded text of `indices` (each in 0..<V; the storage width follows the largest).
    public init(_ indices: some Sequence<Int>) {
        let array = Array(indices)
        let largest = array.max() ?? 0
        precondition(array.allSatisfy { $0 >= 0 }, "indices are never negative")
        if largest <= Int(UInt8.max) {
            storage = .bytes(array.map { UInt8($0) })
        } else if largest <= Int(UInt16.max) {
            storage = .halfwords(array.map { UInt16($0) })
        } else {
            storage = .words(array.map { UInt32($0) })
        }
        offset = 0
        count = array.count
    }

    init(storage: Storage, offset: Int, count: Int) {
        self.storage = storage
        self.offset = offset
        self.count = count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// The vocabulary index of character `position` (0-based).
    @inlinable public subscript(position: Int) -> Int { element(at: position) }

    @usableFromInline func element(at position: Int) -> Int {
        precondition(position >= 0 && position < count, "index out of range")
        switch storage {
        case .bytes(let values): return Int(values[offset + position])
        case .halfwords(let values): return Int(values[offset + position])
        case .words(let values): return Int(values[offset + position])
        }
    }

    /// Characters `range` of this text as an encoded text of its own (indexed from 0), sharing
    /// the storage.
    public func slice(_ range: Range<Int>) -> EncodedText {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        return EncodedText(storage: storage, offset: offset + range.lowerBound, count: range.count)
    }

    /// Bytes per character in the storage (1, 2 or 4).
    public var bytesPerCharacter: Int {
        switch storage {
        case .bytes: return 1
        case .halfwords: return 2
        case .words: return 4
        }
    }

    public static func == (a: EncodedText, b: EncodedText) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }
}

// MARK: - Encoding a text in one pass

extension EncodedText {
    /// Encodes `text` in one pass over its characters. With `vocabulary`, every character must be
    /// in it (the unknown ones are collected in a set, in order of appearance: linear, however
    /// many); without, the vocabulary is the text's characters, numbered in order of first
    /// appearance as they are met and renumbered at the end for `.sorted` (a pass over the
    /// compact storage). ASCII characters are looked up in a table, others in a dictionary.
    /// `progress(charactersDone)` is called every million characters; returning false stops with
    /// `nil`. The text is read in units of the vocabulary's ``TextUnit`` (without a vocabulary, of
    /// `unit`).
    public static func encode(
        _ text: String, vocabulary: Vocabulary?, order: Vocabulary.Order, unit: TextUnit = .graphemes,
        progress: ((Int) -> Bool)? = nil
    ) throws(VocabularyError) -> (vocabulary: Vocabulary, text: EncodedText)? {
        let unit = vocabulary?.unit ?? unit
        var builder = Builder(capacity: text.utf8.count)
        var ascii = [Int32](repeating: -1, count: 128)
        var others: [Character: Int] = [:]
        var characters: [Character] = []
        if let vocabulary {
            for (i, c) in vocabulary.characters.enumerated() {
                if let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1, scalar.isASCII {
                    ascii[Int(scalar.value)] = Int32(i)
                } else {
                    others[c] = i
                }
            }
        }
        var unknown: [Character] = []
        var unknownSet = Set<Character>()
        var done = 0
        var stopped = false
        unit.forEachUnit(of: text) { c in
            if stopped { return }
            var index: Int
            if let scalar = c.unicodeScalars.first, scalar.isASCII, c.unicodeScalars.count == 1 {
                index = Int(ascii[Int(scalar.value)])
                if index < 0 {
                    if vocabulary != nil {
                        if unknownSet.insert(c).inserted { unknown.append(c) }
                        return
                    }
                    index = characters.count
                    ascii[Int(scalar.value)] = Int32(index)
                    characters.append(c)
                }
            } else if let known = others[c] {
                index = known
            } else {
                if vocabulary != nil {
                    if unknownSet.insert(c).inserted { unknown.append(c) }
                    return
                }
                index = characters.count
                others[c] = index
                characters.append(c)
            }
            builder.append(index)
            done += 1
            if done & 0xF_FFFF == 0, let progress, !progress(done) { stopped = true }
        }
        if stopped { return nil }
        if !unknown.isEmpty { throw .unknownCharacters(unknown) }
        if let vocabulary { return (vocabulary, builder.finish()) }
        guard !characters.isEmpty else { throw .empty }
        if order == .firstAppearance { return (try Vocabulary(characters: characters, unit: unit), builder.finish()) }
        // Sorted: renumber (new index of the character first met as i).
        let sortedOrder = characters.indices.sorted {
            characters[$0].unicodeScalars.lexicographicallyPrecedes(characters[$1].unicodeScalars)
        }
        var renumber = [Int](repeating: 0, count: characters.count)
        for (new, old) in sortedOrder.enumerated() { renumber[old] = new }
        builder.renumber(renumber)
        return (try Vocabulary(characters: sortedOrder.map { characters[$0] }, unit: unit), builder.finish())
    }

    /// Appends indices to the narrowest storage that holds them, widening once when needed.
    struct Builder {
        var storage: Storage
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            var bytes: [UInt8] = []
            bytes.reserveCapacity(capacity)
            storage = .bytes(bytes)
        }

        mutating func append(_ index: Int) {
            switch storage {
            case .bytes(var values):
                if index <= Int(UInt8.max) {
                    storage = .bytes([])  // keep `values` uniquely referenced while appending
                    values.append(UInt8(index))
                    storage = .bytes(values)
                } else {
                    var wider: [UInt16] = []
                    wider.reserveCapacity(capacity)
                    wider.append(contentsOf: values.lazy.map { UInt16($0) })
                    storage = .halfwords(wider)
                    append(index)
                }
            case .halfwords(var values):
                if index <= Int(UInt16.max) {
                    storage = .bytes([])
                    values.append(UInt16(index))
                    storage = .halfwords(values)
                } else {
                    var wider: [UInt32] = []
                    wider.reserveCapacity(capacity)
                    wider.append(contentsOf: values.lazy.map { UInt32($0) })
                    storage = .words(wider)
                    append(index)
                }
            case .words(var values):
                storage = .bytes([])
                values.append(UInt32(index))
                storage = .words(values)
            }
        }

        /// Replaces every index i by `table[i]` (same width: the largest index does not change).
        mutating func renumber(_ table: [Int]) {
            switch storage {
            case .bytes(var values):
                storage = .bytes([])
                for i in values.indices { values[i] = UInt8(table[Int(values[i])]) }
                storage = .bytes(values)
            case .halfwords(var values):
                storage = .bytes([])
                for i in values.indices { values[i] = UInt16(table[Int(values[i])]) }
                storage = .halfwords(values)
            case .words(var values):
                storage = .bytes([])
                for i in values.indices { values[i] = UInt32(table[Int(values[i])]) }
                storage = .words(values)
            }
        }

        func finish() -> EncodedText {
            switch storage {
            case .bytes(let values): return EncodedText(storage: storage, offset: 0, count: values.count)
            case .halfwords(let values): return EncodedText(storage: storage, offset: 0, count: values.count)
            case .words(let values): return EncodedText(storage: storage, offset: 0, count: values.count)
            }
        }
    }
}
