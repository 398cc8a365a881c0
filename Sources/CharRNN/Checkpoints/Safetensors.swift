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
// The JSON header is parsed by a small strict parser (it must see duplicate keys and tell `2`
// from `2.0`, which a general JSON library hides) and written by hand, so the output is
// byte-for-byte deterministic.
//
// The format's files, one concept each:
//   Safetensors.swift            the file in memory (tensors, metadata) and writing it
//   Safetensors+Decoding.swift   checking and decoding a file's bytes, in the order above
//   SafetensorsReader.swift      reading a file from disk in steps: header first, data on demand
//   SafetensorsError.swift       what can be wrong with a file, one line each
//   JSON.swift                   the bounded JSON parser and the string writer of the header
//   Bytes.swift                  little-endian integers and half-precision floats

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
