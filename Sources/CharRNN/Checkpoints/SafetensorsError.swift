// SafetensorsError — everything that can be wrong with a safetensors file, one case a problem.
//
// The cases come in the order a file is checked: opening and writing the file, the 8-byte header
// length, the header as JSON, each tensor's entry, the layout of the data buffer, the metadata, and
// the tensors given for writing. Each `description` is one line naming the file.

/// What is wrong with a safetensors file; `description` is one line naming the file.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    // The file itself: opening, reading, writing.

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

    // The 8-byte header length.

    /// Fewer than the 8 bytes of the header length.
    case tooShort(source: String, byteCount: Int)
    /// The header length is over the limit (`SafetensorsFile.maximumHeaderLength`).
    case headerTooLarge(source: String, headerLength: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerPastEnd(source: String, headerLength: UInt64, available: Int)

    // The header as a whole.

    /// The header is not valid UTF-8.
    case headerNotUTF8(source: String)
    /// The header is not valid JSON; `reason` says where.
    case headerNotJSON(source: String, reason: String)
    /// The header is JSON but not an object.
    case headerNotObject(source: String)

    // One tensor's entry: dtype, shape, data_offsets.

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

    // The layout of the data buffer: the tensors must tile it.

    /// Two tensors' byte ranges overlap.
    case overlap(source: String, tensor: String, other: String)
    /// Bytes `begin..<end` of the data buffer belong to no tensor.
    case hole(source: String, begin: Int, end: Int)
    /// The tensors need more data than the file holds.
    case truncated(source: String, expectedBytes: Int, actualBytes: Int)

    // The metadata.

    /// `__metadata__` is not an object.
    case metadataNotObject(source: String)
    /// A `__metadata__` value is not a string.
    case metadataValueNotString(source: String, key: String)

    // The tensors given for writing.

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
