// Decoding a safetensors file: the header length, the header, each tensor's entry and the layout of
// the data buffer are checked in that order before a value is read (see `Safetensors.swift` for
// the format).

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

            /// The field `key` as non-negative integers: not an array (of `count` elements, when
            /// given) or not all numbers is `expected`'s wrong type; a number that is not a
            /// non-negative integer is `invalid(itsText)`.
            func integers(
                _ key: String, count: Int? = nil, expected: String, invalid: (String) -> SafetensorsError
            ) throws(SafetensorsError) -> [Int] {
                guard case .array(let elements) = try field(key), count == nil || elements.count == count else {
                    throw .wrongFieldType(source: source, tensor: name, field: key, expected: expected)
                }
                var values: [Int] = []
                for element in elements {
                    guard case .number(let text) = element else {
                        throw .wrongFieldType(source: source, tensor: name, field: key, expected: expected)
                    }
                    guard let value = Int(jsonInteger: text), value >= 0 else { throw invalid(text) }
                    values.append(value)
                }
                return values
            }
            let shape = try integers("shape", expected: "an array of integers") {
                .invalidDimension(source: source, tensor: name, dimension: $0)
            }
            let bounds = try integers("data_offsets", count: 2, expected: "an array of two integers") {
                .invalidOffset(source: source, tensor: name, offset: $0)
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
