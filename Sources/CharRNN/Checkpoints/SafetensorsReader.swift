// SafetensorsReader — a safetensors file read in steps: the header first, checked, and the tensors'
// data only when asked, each by a read whose size was checked against the file.

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
