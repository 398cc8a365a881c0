// Safetensors — the checkpoint format shared with PyTorch and the Hugging Face tools.
//
// Layout of a file:
//
//     [8 bytes]  N, the header length, unsigned 64-bit little-endian
//     [N bytes]  the header: a UTF-8 JSON object, possibly padded at the end with spaces
//                {"__metadata__": {"key": "value", ...},                     (optional, strings only)
//                 "rnn.weight_hh_l0": {"dtype": "F32", "shape": [H, H], "data_offsets": [b, e]},
//                 ...}
//     [rest]     the data buffer: every tensor's values, little-endian, row-major ("C" order);
//                `data_offsets` count bytes from the start of this buffer, and the tensors
//                must tile it exactly — no overlaps, no holes, nothing left over.
//
// Writing always uses F32. Reading accepts F32, F64, F16 and BF16 and converts to Float.
// The JSON header is parsed by a small strict parser below (it must see duplicate keys and
// tell `2` from `2.0`, which a general JSON library hides) and written by hand, so the output
// is byte-for-byte deterministic.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One named tensor of a safetensors file: its shape and its values in row-major order.
public struct SafetensorsTensor: Sendable, Equatable {
    /// The tensor's name, e.g. `rnn.weight_hh_l0`.
    public var name: String
    /// The size of each dimension, outermost first; `[]` is a scalar holding one value.
    public var shape: [Int]
    /// The values in row-major order; there are exactly `shape.reduce(1, *)` of them.
    public var values: [Float]

    /// Makes a tensor from its name, shape and row-major values.
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A safetensors file in memory: named float tensors plus string metadata.
///
/// `encoded()` and `write(path:)` produce the format PyTorch's `safetensors.torch.load_file`
/// reads; `decode(_:source:)` and `read(path:)` check every part of a file and throw a
/// `SafetensorsError` naming the file and the problem.
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors: in the order given when writing, sorted by position in the data when read.
    public var tensors: [SafetensorsTensor]
    /// The header's `__metadata__` object: free-form string keys and string values.
    public var metadata: [String: String]

    /// Makes a file from tensors (kept in this order in the data buffer) and metadata.
    public init(tensors: [SafetensorsTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The first tensor called `name`, or `nil` if there is none.
    public subscript(name: String) -> SafetensorsTensor? {
        tensors.first { $0.name == name }
    }

    /// Largest header accepted when reading, as in the reference implementation (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Largest file `read(path:)` accepts by default (4 GiB): larger is refused before reading a byte.
    /// Callers may pass their own limit (`read(path:maximumFileSize:)`).
    public static let maximumFileSize = 4 << 30

    /// The dtypes `decode` understands, with their size in bytes.
    static let dtypeSizes: [String: Int] = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2]
}

// MARK: - Writing

extension SafetensorsFile {
    /// The file's bytes, deterministically: sorted header keys, F32 data in `tensors` order.
    ///
    /// The header lists `__metadata__` first (omitted when empty), then the tensors sorted by
    /// the UTF-8 bytes of their names, each object's keys in a fixed order; metadata keys are
    /// sorted the same way. The header is padded with spaces to a multiple of 8 bytes, so the
    /// data starts 8-byte aligned. The tensors must be valid (see `validate(source:)`): this is
    /// checked with a precondition; `write(path:)` checks first and throws instead.
    public func encoded() -> [UInt8] {
        do throws(SafetensorsError) {
            try validate(source: "<memory>")
        } catch {
            preconditionFailure(error.description)
        }

        // Byte ranges in the data buffer, in the order of `tensors`.
        var offsets: [(begin: Int, end: Int)] = []
        var position = 0
        for tensor in tensors {
            offsets.append((position, position + 4 * tensor.values.count))
            position += 4 * tensor.values.count
        }

        var header: [UInt8] = []
        header.append(UInt8(ascii: "{"))
        var first = true
        func separator() {
            if !first { header.append(UInt8(ascii: ",")) }
            first = false
        }
        if !metadata.isEmpty {
            separator()
            JSONWriter.appendString("__metadata__", to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted(by: utf8Precedes).enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                JSONWriter.appendString(metadata[key]!, to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        let order = tensors.indices.sorted { utf8Precedes(tensors[$0].name, tensors[$1].name) }
        for index in order {
            let tensor = tensors[index]
            separator()
            JSONWriter.appendString(tensor.name, to: &header)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let entry =
                ":{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offsets[index].begin),\(offsets[index].end)]}"
            header.append(contentsOf: Array(entry.utf8))
        }
        header.append(UInt8(ascii: "}"))
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + position)
        appendLittleEndian(UInt64(header.count), to: &bytes)
        bytes.append(contentsOf: header)
        for tensor in tensors {
            for value in tensor.values {
                appendLittleEndian(value.bitPattern, to: &bytes)
            }
        }
        return bytes
    }

    /// Writes `encoded()` to `path` atomically: the old file stays intact if anything fails.
    ///
    /// The target is checked first (`checkWritable(path:force:)`): an existing file that is not
    /// safetensors is only replaced with `force`.
    public func write(path: String, force: Bool = false) throws(SafetensorsError) {
        try validate(source: path)
        try SafetensorsFile.checkWritable(path: path, force: force)
        do {
            try AtomicFile.write(encoded(), to: path)
        } catch {
            throw .cannotWrite(path: path, reason: error.description)
        }
    }

    /// Checks, without writing, that `write(path:force:)` may replace `path`: `AtomicFile`'s rules
    /// (a writable directory; an existing target a writable regular file), and, unless `force`, an
    /// existing non-empty target must be a safetensors file (its header is read, nothing more), so
    /// that saving a checkpoint over the learner's text or notes by a slip of the name is refused.
    public static func checkWritable(path: String, force: Bool = false) throws(SafetensorsError) {
        let existing: FileStatus?
        do { existing = try AtomicFile.checkWritable(path: path) } catch {
            throw .cannotWrite(path: path, reason: error.description)
        }
        guard let existing, existing.size > 0, !force else { return }
        do { _ = try SafetensorsReader(path: path, maximumFileSize: Int.max) } catch {
            throw .notSafetensors(path: path)
        }
    }

    /// Checks that the tensors can be written: unique names, none called `__metadata__`,
    /// no negative dimension, and as many values as the shape holds.
    public func validate(source: String) throws(SafetensorsError) {
        var seen: Set<String> = []
        for tensor in tensors {
            if tensor.name == "__metadata__" {
                throw .reservedName(source: source)
            }
            if !seen.insert(tensor.name).inserted {
                throw .duplicateTensor(source: source, name: tensor.name)
            }
            var count = 1
            for dimension in tensor.shape {
                if dimension < 0 {
                    throw .invalidDimension(source: source, tensor: tensor.name, dimension: "\(dimension)")
                }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                if overflow { throw .shapeTooLarge(source: source, tensor: tensor.name, shape: tensor.shape) }
                count = product
            }
            if count != tensor.values.count {
                throw .valueCountMismatch(
                    source: source, tensor: tensor.name, shape: tensor.shape, valueCount: tensor.values.count)
            }
        }
    }
}

// MARK: - Reading

extension SafetensorsFile {
    /// Reads and decodes the file at `path`; errors name `path`.
    ///
    /// The file is checked before it is read: a regular file (a FIFO, device or directory is
    /// refused at once), at most `maximumFileSize` bytes, then the header length against the
    /// file's size, then the header, and only then the data (see `SafetensorsReader`).
    public static func read(path: String, maximumFileSize: Int = SafetensorsFile.maximumFileSize)
        throws(SafetensorsError) -> SafetensorsFile
    {
        try SafetensorsReader(path: path, maximumFileSize: maximumFileSize).readFile()
    }

    /// Decodes a whole safetensors file, checking every part of it.
    ///
    /// `source` names the file in error messages. Values of F64, F16 and BF16 tensors are
    /// converted to Float (F64 rounds to nearest). Tensors come back sorted by their offset in
    /// the data buffer (empty tensors, which share an offset, by name).
    public static func decode(_ bytes: [UInt8], source: String) throws(SafetensorsError) -> SafetensorsFile {
        guard bytes.count >= 8 else { throw .tooShort(source: source, byteCount: bytes.count) }
        let headerLength = try checkedHeaderLength(
            readLittleEndian(UInt64.self, bytes, at: 0), fileSize: bytes.count, source: source)
        let dataStart = 8 + headerLength
        let header = try decodeHeader(bytes[8..<dataStart], dataSize: bytes.count - dataStart, source: source)
        return header.file(data: bytes, at: dataStart)
    }

    /// 1. The 8-byte header length, checked against the limit and the file's size; returns it as an Int.
    static func checkedHeaderLength(_ headerLength: UInt64, fileSize: Int, source: String) throws(SafetensorsError)
        -> Int
    {
        if headerLength > UInt64(maximumHeaderLength) {
            throw .headerTooLarge(source: source, headerLength: headerLength, limit: maximumHeaderLength)
        }
        if headerLength > UInt64(fileSize - 8) {
            throw .headerPastEnd(source: source, headerLength: headerLength, available: fileSize - 8)
        }
        return Int(headerLength)
    }

    /// Steps 2 to 4: the header's bytes, checked and decoded; the entries must tile `dataSize` bytes.
    static func decodeHeader(_ headerBytes: ArraySlice<UInt8>, dataSize: Int, source: String) throws(SafetensorsError)
        -> SafetensorsHeader
    {
        // 2. The header: UTF-8, JSON, an object.
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw .headerNotUTF8(source: source)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(headerBytes))
        } catch {
            throw .headerNotJSON(source: source, reason: error.description)
        }
        guard case .object(let members) = json else { throw .headerNotObject(source: source) }

        // 3. Each entry: the metadata, or a tensor's dtype, shape and offsets.
        var entries: [SafetensorsEntry] = []
        var metadata: [String: String] = [:]
        var seen: Set<String> = []
        for (name, value) in members {
            if !seen.insert(name).inserted {
                if name == "__metadata__" {
                    throw .duplicateKey(source: source, key: name, object: "the header")
                }
                throw .duplicateTensor(source: source, name: name)
            }
            if name == "__metadata__" {
                metadata = try decodeMetadata(value, source: source)
                continue
            }
            guard case .object(let fields) = value else {
                throw .entryNotObject(source: source, tensor: name)
            }
            var fieldValues: [String: JSONValue] = [:]
            for (key, fieldValue) in fields {
                if fieldValues.updateValue(fieldValue, forKey: key) != nil {
                    throw .duplicateKey(source: source, key: key, object: "tensor \(name)")
                }
            }
            func field(_ key: String) throws(SafetensorsError) -> JSONValue {
                guard let value = fieldValues[key] else {
                    throw .missingField(source: source, tensor: name, field: key)
                }
                return value
            }

            guard case .string(let dtype) = try field("dtype") else {
                throw .wrongFieldType(source: source, tensor: name, field: "dtype", expected: "a string")
            }
            guard let dtypeSize = dtypeSizes[dtype] else {
                throw .unsupportedDType(source: source, tensor: name, dtype: dtype)
            }

            guard case .array(let dimensions) = try field("shape") else {
                throw .wrongFieldType(
                    source: source, tensor: name, field: "shape", expected: "an array of integers")
            }
            var shape: [Int] = []
            for dimension in dimensions {
                guard case .number(let text) = dimension else {
                    throw .wrongFieldType(
                        source: source, tensor: name, field: "shape", expected: "an array of integers")
                }
                guard let size = Int(jsonInteger: text), size >= 0 else {
                    throw .invalidDimension(source: source, tensor: name, dimension: text)
                }
                shape.append(size)
            }

            guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2 else {
                throw .wrongFieldType(
                    source: source, tensor: name, field: "data_offsets", expected: "an array of two integers")
            }
            var bounds: [Int] = []
            for offset in offsets {
                guard case .number(let text) = offset else {
                    throw .wrongFieldType(
                        source: source, tensor: name, field: "data_offsets",
                        expected: "an array of two integers")
                }
                guard let position = Int(jsonInteger: text), position >= 0 else {
                    throw .invalidOffset(source: source, tensor: name, offset: text)
                }
                bounds.append(position)
            }
            let (begin, end) = (bounds[0], bounds[1])
            if begin > end { throw .reversedOffsets(source: source, tensor: name, begin: begin, end: end) }

            // The shape's byte size must be the span exactly: product(shape) × size(dtype).
            var byteCount = dtypeSize
            for size in shape {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
                if overflow { throw .shapeTooLarge(source: source, tensor: name, shape: shape) }
                byteCount = product
            }
            if byteCount != end - begin {
                throw .sizeMismatch(
                    source: source, tensor: name, dtype: dtype, shape: shape,
                    expectedBytes: byteCount, spanBytes: end - begin)
            }
            entries.append(SafetensorsEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // 4. The tensors tile the data buffer: sorted by offset, each begins where the last ended.
        entries.sort { a, b in
            (a.begin, a.end) != (b.begin, b.end)
                ? (a.begin, a.end) < (b.begin, b.end) : utf8Precedes(a.name, b.name)
        }
        var covered = 0
        for (index, entry) in entries.enumerated() {
            if entry.begin < covered {
                let other = entries[..<index].last { $0.end > entry.begin }!
                throw .overlap(source: source, tensor: entry.name, other: other.name)
            }
            if entry.begin > covered { throw .hole(source: source, begin: covered, end: entry.begin) }
            covered = entry.end
        }
        if covered > dataSize {
            throw .truncated(source: source, expectedBytes: covered, actualBytes: dataSize)
        }
        if covered < dataSize { throw .hole(source: source, begin: covered, end: dataSize) }

        return SafetensorsHeader(metadata: metadata, entries: entries, dataSize: dataSize)
    }

    /// The `__metadata__` object as a dictionary; every value must be a string.
    private static func decodeMetadata(_ value: JSONValue, source: String) throws(SafetensorsError)
        -> [String: String]
    {
        var metadata: [String: String] = [:]
        switch value {
        case .null:
            return [:]  // the reference implementation reads `null` as "no metadata"
        case .object(let members):
            for (key, value) in members {
                guard case .string(let text) = value else {
                    throw .metadataValueNotString(source: source, key: key)
                }
                if metadata.updateValue(text, forKey: key) != nil {
                    throw .duplicateKey(source: source, key: key, object: "__metadata__")
                }
            }
            return metadata
        default:
            throw .metadataNotObject(source: source)
        }
    }

    /// Converts the bytes `from..<to` of a tensor stored as `dtype` to Floats.
    static func decodeValues(_ bytes: [UInt8], from begin: Int, to end: Int, dtype: String) -> [Float] {
        switch dtype {
        case "F32":
            return stride(from: begin, to: end, by: 4).map {
                Float(bitPattern: readLittleEndian(UInt32.self, bytes, at: $0))
            }
        case "F64":
            return stride(from: begin, to: end, by: 8).map {
                Float(Double(bitPattern: readLittleEndian(UInt64.self, bytes, at: $0)))
            }
        case "F16":
            return stride(from: begin, to: end, by: 2).map {
                floatFromHalf(readLittleEndian(UInt16.self, bytes, at: $0))
            }
        case "BF16":
            // bfloat16 is the top half of a float32: same sign and exponent, 7 mantissa bits.
            return stride(from: begin, to: end, by: 2).map {
                Float(bitPattern: UInt32(readLittleEndian(UInt16.self, bytes, at: $0)) << 16)
            }
        default:
            preconditionFailure("dtype \(dtype) passed validation but has no decoder")
        }
    }
}

// MARK: - Reading a file in steps

/// One tensor's entry in a checked header: its dtype, shape and byte range in the data buffer.
public struct SafetensorsEntry: Sendable, Equatable {
    public var name: String
    /// F32, F64, F16 or BF16.
    public var dtype: String
    public var shape: [Int]
    /// The byte range `begin..<end` in the data buffer; `end - begin` is the shape's byte size exactly.
    public var begin: Int
    public var end: Int
}

/// A checked header: the metadata, and tensor entries (sorted by offset) that tile `dataSize` bytes.
///
/// Every number in it has been checked against the data buffer's size, so reading the values it
/// describes allocates no more than the file holds.
public struct SafetensorsHeader: Sendable, Equatable {
    /// The `__metadata__` strings.
    public var metadata: [String: String]
    /// The tensors' entries, sorted by their offset in the data buffer.
    public var entries: [SafetensorsEntry]
    /// The size of the data buffer in bytes.
    public var dataSize: Int

    /// The entry called `name`, or nil.
    public subscript(name: String) -> SafetensorsEntry? {
        entries.first { $0.name == name }
    }

    /// The file these entries describe, with the values decoded from `bytes[dataStart...]`.
    func file(data bytes: [UInt8], at dataStart: Int) -> SafetensorsFile {
        let tensors = entries.map { entry in
            SafetensorsTensor(
                name: entry.name, shape: entry.shape,
                values: SafetensorsFile.decodeValues(
                    bytes, from: dataStart + entry.begin, to: dataStart + entry.end, dtype: entry.dtype))
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }
}

/// A safetensors file opened for reading in steps: the header is read and checked first, and the
/// data only when the caller asks, so that a caller can check the metadata before reading the data.
///
/// The order: a regular file (stat(2): a FIFO, a device or a directory is refused at once, never
/// opened for reading), at most `maximumFileSize` bytes, the 8-byte header length against the limit
/// and the file's size, then the header (at most `SafetensorsFile.maximumHeaderLength` bytes), its
/// entries against the data's size. Every read is of a size already checked against the file.
public struct SafetensorsReader {
    /// The checked header.
    public let header: SafetensorsHeader
    private let file: RegularFileReader
    private let dataStart: Int

    /// Opens `path` and reads and checks its header.
    public init(path: String, maximumFileSize: Int = SafetensorsFile.maximumFileSize) throws(SafetensorsError) {
        func opened<T>(_ body: () throws(FileCheckError) -> T) throws(SafetensorsError) -> T {
            do { return try body() } catch { throw SafetensorsError(error) }
        }
        let file = try opened { () throws(FileCheckError) in try RegularFileReader(path: path, maximumSize: maximumFileSize) }
        guard file.size >= 8 else { throw .tooShort(source: path, byteCount: file.size) }
        let prefix = try opened { () throws(FileCheckError) in try file.read(count: 8, at: 0) }
        let headerLength = try SafetensorsFile.checkedHeaderLength(
            readLittleEndian(UInt64.self, prefix, at: 0), fileSize: file.size, source: path)
        let headerBytes = try opened { () throws(FileCheckError) in try file.read(count: headerLength, at: 8) }
        self.file = file
        dataStart = 8 + headerLength
        header = try SafetensorsFile.decodeHeader(headerBytes[...], dataSize: file.size - dataStart, source: path)
    }

    /// Reads and decodes only the tensors whose names pass `include`, each by its own bounded read:
    /// tensors a caller does not use are neither read nor allocated.
    public func readFile(including include: (String) -> Bool) throws(SafetensorsError) -> SafetensorsFile {
        var tensors: [SafetensorsTensor] = []
        for entry in header.entries where include(entry.name) {
            let bytes: [UInt8]
            do { bytes = try file.read(count: entry.end - entry.begin, at: dataStart + entry.begin) } catch {
                throw SafetensorsError(error)
            }
            tensors.append(
                SafetensorsTensor(
                    name: entry.name, shape: entry.shape,
                    values: SafetensorsFile.decodeValues(bytes, from: 0, to: bytes.count, dtype: entry.dtype)))
        }
        return SafetensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// Reads the data buffer (exactly `header.dataSize` bytes) and decodes every tensor.
    public func readFile() throws(SafetensorsError) -> SafetensorsFile {
        let data: [UInt8]
        do { data = try file.read(count: header.dataSize, at: dataStart) } catch { throw SafetensorsError(error) }
        return header.file(data: data, at: 0)
    }
}

extension SafetensorsError {
    /// The safetensors error for a file that could not be opened or read safely.
    init(_ error: FileCheckError) {
        switch error {
        case .notRegular(let path, let kind): self = .notRegularFile(path: path, kind: kind)
        case .tooLarge(let path, let size, let limit): self = .fileTooLarge(path: path, size: size, limit: limit)
        case .cannotOpen(let path, let reason), .cannotRead(let path, let reason): self = .cannotRead(path: path, reason: reason)
        case .shrank: self = .cannotRead(path: error.path, reason: String(error.problem.dropFirst("cannot read: ".count)))
        }
    }
}

// MARK: - Errors

/// What is wrong with a safetensors file; `description` is one line naming the file.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read.
    case cannotRead(path: String, reason: String)
    /// The path names a FIFO, a device, a directory, ...: refused before opening it.
    case notRegularFile(path: String, kind: FileKind)
    /// The file is over the size limit: refused before reading it.
    case fileTooLarge(path: String, size: Int, limit: Int)
    /// Writing: the target exists and is not safetensors, so it is not replaced without `force`.
    case notSafetensors(path: String)
    /// The file could not be written (see `AtomicFileError`); any old file is left as it was.
    case cannotWrite(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case tooShort(source: String, byteCount: Int)
    /// The header length is over the limit (`SafetensorsFile.maximumHeaderLength`).
    case headerTooLarge(source: String, headerLength: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerPastEnd(source: String, headerLength: UInt64, available: Int)
    /// The header is not valid UTF-8.
    case headerNotUTF8(source: String)
    /// The header is not valid JSON; `reason` says where.
    case headerNotJSON(source: String, reason: String)
    /// The header is JSON but not an object.
    case headerNotObject(source: String)
    /// A tensor's entry is not a JSON object.
    case entryNotObject(source: String, tensor: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(source: String, tensor: String, field: String)
    /// A tensor's field has the wrong JSON type.
    case wrongFieldType(source: String, tensor: String, field: String, expected: String)
    /// Two tensors have the same name.
    case duplicateTensor(source: String, name: String)
    /// A key appears twice in one object (`object` says which).
    case duplicateKey(source: String, key: String, object: String)
    /// The dtype is not one of F32, F64, F16, BF16.
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// A dimension is negative or not an integer (`dimension` is its JSON text).
    case invalidDimension(source: String, tensor: String, dimension: String)
    /// An offset is negative, not an integer or too large (`offset` is its JSON text).
    case invalidOffset(source: String, tensor: String, offset: String)
    /// The end offset is before the begin offset.
    case reversedOffsets(source: String, tensor: String, begin: Int, end: Int)
    /// The shape's byte size overflows a 64-bit integer.
    case shapeTooLarge(source: String, tensor: String, shape: [Int])
    /// The shape times the dtype size differs from the span of `data_offsets`.
    case sizeMismatch(
        source: String, tensor: String, dtype: String, shape: [Int], expectedBytes: Int, spanBytes: Int)
    /// Two tensors' byte ranges overlap.
    case overlap(source: String, tensor: String, other: String)
    /// Bytes `begin..<end` of the data buffer belong to no tensor.
    case hole(source: String, begin: Int, end: Int)
    /// The tensors need more data than the file holds.
    case truncated(source: String, expectedBytes: Int, actualBytes: Int)
    /// `__metadata__` is not an object.
    case metadataNotObject(source: String)
    /// A `__metadata__` value is not a string.
    case metadataValueNotString(source: String, key: String)
    /// Writing: a tensor has a different number of values than its shape holds.
    case valueCountMismatch(source: String, tensor: String, shape: [Int], valueCount: Int)
    /// Writing: a tensor is named `__metadata__`, which the format reserves.
    case reservedName(source: String)

    /// The file (or `source` name) the error is about.
    public var source: String {
        switch self {
        case .cannotRead(let source, _), .cannotWrite(let source, _), .tooShort(let source, _),
            .notRegularFile(let source, _), .fileTooLarge(let source, _, _), .notSafetensors(let source),
            .headerTooLarge(let source, _, _), .headerPastEnd(let source, _, _), .headerNotUTF8(let source),
            .headerNotJSON(let source, _), .headerNotObject(let source), .entryNotObject(let source, _),
            .missingField(let source, _, _), .wrongFieldType(let source, _, _, _),
            .duplicateTensor(let source, _), .duplicateKey(let source, _, _),
            .unsupportedDType(let source, _, _), .invalidDimension(let source, _, _),
            .invalidOffset(let source, _, _), .reversedOffsets(let source, _, _, _),
            .shapeTooLarge(let source, _, _), .sizeMismatch(let source, _, _, _, _, _),
            .overlap(let source, _, _), .hole(let source, _, _), .truncated(let source, _, _),
            .metadataNotObject(let source), .metadataValueNotString(let source, _),
            .valueCountMismatch(let source, _, _, _), .reservedName(let source):
            return source
        }
    }

    /// One line: the file, then what is wrong with it.
    public var description: String {
        "\(source): " + problem
    }

    private var problem: String {
        func shapeText(_ shape: [Int]) -> String {
            "[" + shape.map(String.init).joined(separator: ", ") + "]"
        }
        switch self {
        case .cannotRead(_, let reason):
            return "cannot read: \(reason)"
        case .notRegularFile(let path, let kind):
            return FileCheckError.notRegular(path: path, kind: kind).problem
        case .fileTooLarge(let path, let size, let limit):
            return FileCheckError.tooLarge(path: path, size: size, limit: limit).problem
        case .notSafetensors:
            return "cannot write: it exists and is not a safetensors checkpoint, so it was left as it was "
                + "(add --force to replace it)"
        case .cannotWrite(_, let reason):
            // AtomicFileError's description already starts with the path.
            let prefix = "\(source): "
            return reason.hasPrefix(prefix)
                ? String(reason.dropFirst(prefix.count)) : "cannot write: \(reason)"
        case .tooShort(_, let byteCount):
            return "not a safetensors file: \(byteCount) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(_, let headerLength, let limit):
            return "header length \(headerLength) bytes is over the \(limit)-byte limit "
                + "(corrupt, or not safetensors)"
        case .headerPastEnd(_, let headerLength, let available):
            return "header length \(headerLength) bytes runs past the end of the file "
                + "(\(available) bytes after the length)"
        case .headerNotUTF8:
            return "header is not valid UTF-8"
        case .headerNotJSON(_, let reason):
            return "header is not valid JSON: \(reason)"
        case .headerNotObject:
            return "header is not a JSON object"
        case .entryNotObject(_, let tensor):
            return "entry for tensor \(quoted(tensor)) is not a JSON object"
        case .missingField(_, let tensor, let field):
            return "tensor \(quoted(tensor)) has no \"\(field)\" field"
        case .wrongFieldType(_, let tensor, let field, let expected):
            return "\"\(field)\" of tensor \(quoted(tensor)) is not \(expected)"
        case .duplicateTensor(_, let name):
            return "tensor \(quoted(name)) appears more than once"
        case .duplicateKey(_, let key, let object):
            return "key \(quoted(key)) appears twice in \(object)"
        case .unsupportedDType(_, let tensor, let dtype):
            return "unsupported dtype \(dtype) for tensor \(quoted(tensor)) (supported: F32, F64, F16, BF16)"
        case .invalidDimension(_, let tensor, let dimension):
            return "shape of tensor \(quoted(tensor)) has dimension \(dimension), not a non-negative integer"
        case .invalidOffset(_, let tensor, let offset):
            return "data_offsets of tensor \(quoted(tensor)) has \(offset), not a non-negative integer"
        case .reversedOffsets(_, let tensor, let begin, let end):
            return "data_offsets of tensor \(quoted(tensor)) end before they begin: [\(begin), \(end)]"
        case .shapeTooLarge(_, let tensor, let shape):
            return "shape \(shapeText(shape)) of tensor \(quoted(tensor)) is too large to address"
        case .sizeMismatch(_, let tensor, let dtype, let shape, let expectedBytes, let spanBytes):
            return "tensor \(quoted(tensor)) of shape \(shapeText(shape)) and dtype \(dtype) "
                + "needs \(expectedBytes) bytes, but its data_offsets span \(spanBytes)"
        case .overlap(_, let tensor, let other):
            return "data of tensor \(quoted(tensor)) overlaps tensor \(quoted(other))"
        case .hole(_, let begin, let end):
            return "bytes \(begin)..<\(end) of the tensor data belong to no tensor"
        case .truncated(_, let expectedBytes, let actualBytes):
            return "truncated: header says \(expectedBytes) bytes of tensor data, file has \(actualBytes)"
        case .metadataNotObject:
            return "__metadata__ is not a JSON object"
        case .metadataValueNotString(_, let key):
            return "__metadata__ value for key \(quoted(key)) is not a string"
        case .valueCountMismatch(_, let tensor, let shape, let valueCount):
            let expected = shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue })
            return "tensor \(quoted(tensor)) has shape \(shapeText(shape)) (\(expected) values) "
                + "but \(valueCount) values"
        case .reservedName:
            return "a tensor cannot be named \"__metadata__\": the format reserves it"
        }
    }

    /// A name in double quotes, with control characters and quotes escaped, so it stays one line
    /// and cannot drive the terminal; a very long name is cut (it comes from a stranger's file).
    private func quoted(_ name: String) -> String {
        let long = name.utf8.count > 200
        var bytes: [UInt8] = []
        JSONWriter.appendString(long ? String(String.UnicodeScalarView(name.unicodeScalars.prefix(80))) : name, to: &bytes)
        return MetadataText.neutralised(String(decoding: bytes, as: UTF8.self)) + (long ? "…" : "")
    }
}

// MARK: - Bytes

/// Appends `value` as little-endian bytes.
private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// Reads a little-endian `T` at byte `offset` (no alignment needed).
@inline(__always)
private func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
}

/// Converts IEEE 754 binary16 bits to Float, exactly (every half is a float).
///
/// A half has 1 sign bit, 5 exponent bits (bias 15) and 10 mantissa bits:
/// normal `(-1)^s · 2^(e-15) · 1.m`, subnormal (e = 0) `(-1)^s · 2^-24 · m`, e = 31 is inf/NaN.
func floatFromHalf(_ half: UInt16) -> Float {
    let sign = UInt32(half & 0x8000) << 16
    let exponent = UInt32(half >> 10) & 0x1F
    let mantissa = UInt32(half & 0x3FF)
    switch exponent {
    case 0:  // zero or subnormal: m · 2^-24
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    case 0x1F:  // infinity or NaN: keep the payload
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:  // rebias the exponent: 127 - 15 = 112
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// Orders strings by their UTF-8 bytes (Swift's `<` compares canonical Unicode, not bytes).
private func utf8Precedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

extension Int {
    /// The value of a JSON number that is a plain integer (no fraction, no exponent), if it fits.
    fileprivate init?(jsonInteger jsonNumber: String) {
        guard !jsonNumber.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        self.init(jsonNumber)
    }
}

// MARK: - JSON

/// A parsed JSON value; objects keep their members in order, duplicates included.
private enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number as written, e.g. `"12"`, `"-0.5e3"`; its meaning is up to the reader.
    case number(String)
    case bool(Bool)
    case null
}

/// A JSON syntax error at a byte offset of the header.
private struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "\(message) at byte \(offset) of the header" }
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes (already validated as UTF-8).
private struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private static let maximumDepth = 64
    /// At most this many values in one header: a real one has a handful per tensor, and the limit
    /// keeps a 100 MB header of `[0,0,0,…]` from becoming gigabytes of parsed values.
    static let maximumValues = 1_000_000
    private var valueCount = 0

    /// Parses one JSON value, allowing only whitespace around it.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, message: message)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error("expected \(literal)") }
            index += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
        valueCount += 1
        guard valueCount <= Self.maximumValues else { throw error("more than \(Self.maximumValues) values") }
        guard let byte = current else { throw error("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, value: JSONValue)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                } else if current == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw error("expected , or } in an object")
                }
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                } else if current == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    throw error("expected , or ] in an array")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw error("unexpected character")
        }
    }

    /// number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = index
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(current) {
            while isDigit(current) { index += 1 }
        } else {
            throw error("expected a digit")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard isDigit(current) else { throw error("expected a digit after the decimal point") }
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard isDigit(current) else { throw error("expected a digit in the exponent") }
            while isDigit(current) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Parses a string starting at its opening quote, decoding escapes (surrogate pairs included).
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // the opening quote
        // The string's UTF-8 bytes, built in one growing buffer (appending to a String piece by
        // piece was quadratic for a long string with many escapes, such as a 100k-entry vocabulary).
        var utf8: [UInt8] = []
        var runStart = index  // start of a run of unescaped bytes, copied in one go
        func flush(_ parser: JSONParser, upTo end: Int) {
            utf8.append(contentsOf: parser.bytes[runStart..<end])
        }
        func append(_ scalar: Unicode.Scalar) {
            UTF8.encode(scalar) { utf8.append($0) }
        }
        while true {
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                flush(self, upTo: index)
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                flush(self, upTo: index)
                index += 1
                guard let escape = current else { throw error("unterminated string") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): append("\"")
                case UInt8(ascii: "\\"): append("\\")
                case UInt8(ascii: "/"): append("/")
                case UInt8(ascii: "b"): append("\u{08}")
                case UInt8(ascii: "f"): append("\u{0C}")
                case UInt8(ascii: "n"): append("\n")
                case UInt8(ascii: "r"): append("\r")
                case UInt8(ascii: "t"): append("\t")
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code) {  // high surrogate: a low one must follow
                        guard current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    append(scalar)
                default:
                    index -= 1
                    throw error("invalid escape")
                }
                runStart = index
            case 0x00..<0x20:
                throw error("control character in a string")
            default:
                index += 1
            }
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("unterminated \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }
}

/// Writes JSON strings: `"` and `\` escaped, control characters as `\n`, `\t`, ... or `\u00XX`,
/// everything else (non-ASCII included) as its UTF-8 bytes.
private enum JSONWriter {
    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
