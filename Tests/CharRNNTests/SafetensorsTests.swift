// Tests of the safetensors codec and of AtomicFile.
//
// The fixture below was made by the reference implementation (Python `safetensors` 0.8.0 with
// numpy 2.4, `safetensors.numpy.save`), so these tests check compatibility without Python.

import Foundation
import TestSupport
import Testing

@testable import CharRNN

// MARK: - Helpers

/// A file made of a header text (used as is, no padding) and a data buffer.
private func file(_ header: String, _ data: [UInt8] = []) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + headerBytes + data
}

/// Bytes from a hex string.
private func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}

/// Decodes `bytes` as "bad.safetensors"; checks it throws `expected`, in one line naming the file.
private func expectError(
    _ bytes: [UInt8], _ expected: SafetensorsError, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let decoded = try SafetensorsFile.decode(bytes, source: "bad.safetensors")
        Issue.record("decoded without error: \(decoded)", sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("bad.safetensors: "), sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    }
}

/// The bit patterns of some floats, to compare exactly (NaN and -0.0 included).
private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// A fresh empty directory under the system temporary directory.
private func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}

private func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// Metadata strings that a naive JSON writer gets wrong.
private let awkwardMetadata: [String: String] = [
    "vocabulary": "[\"h\",\"e\",\"l\",\"o\",\"\\\"\",\"\\n\"]",  // a JSON document inside a string
    "quotes and lines": "a \"quoted\" line\nsecond\r\tthird \\ backslash",
    "controls": String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) })) + "\u{7F}",
    "unicode": "é 中文 한국어 😀 \u{2028}\u{2029} e\u{301}",
    "": "empty key",
    "empty value": "",
    "__metadata__": "a key that looks reserved",
]

// MARK: - Round trip

@Test func roundTripIsBitExact() throws {
    var state: UInt64 = 42
    func next() -> UInt32 {  // SplitMix64, upper half
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: (z ^ (z >> 31)) >> 32)
    }
    let special: [Float] = [
        0, -0.0, 1, -1, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 0x1p-140, 1e30, -0x1.5p-136,
        .nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFFC0_0001),
    ]
    let random = (0..<60).map { _ in Float(bitPattern: next()) }  // every kind of bit pattern
    let original = SafetensorsFile(
        tensors: [
            SafetensorsTensor(name: "special", shape: [special.count], values: special),
            SafetensorsTensor(name: "random", shape: [3, 4, 5], values: random),
            SafetensorsTensor(name: "scalar", shape: [], values: [-0.0]),
            SafetensorsTensor(name: "empty", shape: [2, 0], values: []),
            SafetensorsTensor(name: "weird \"name\"\n\\ é😀", shape: [1, 1], values: [7]),
        ],
        metadata: awkwardMetadata)

    let decoded = try SafetensorsFile.decode(original.encoded(), source: "round.safetensors")
    #expect(decoded.metadata == original.metadata)
    #expect(decoded.tensors.map(\.name) == original.tensors.map(\.name))
    for tensor in original.tensors {
        let back = try #require(decoded[tensor.name])
        #expect(back.shape == tensor.shape)
        #expect(bits(back.values) == bits(tensor.values), "tensor \(tensor.name)")
    }
}

@Test func encodingIsDeterministicSortedAndPadded() throws {
    let tensors = [
        SafetensorsTensor(name: "b", shape: [2], values: [1, 2]),
        SafetensorsTensor(name: "a", shape: [], values: [3]),
    ]
    let one = SafetensorsFile(tensors: tensors, metadata: ["z": "1", "y": "2"]).encoded()
    let two = SafetensorsFile(tensors: tensors, metadata: ["y": "2", "z": "1"]).encoded()
    #expect(one == two)

    let headerLength = Int(one[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    #expect(headerLength % 8 == 0)
    let header = String(decoding: one[8..<8 + headerLength], as: UTF8.self)
    let expected =
        #"{"__metadata__":{"y":"2","z":"1"},"#
        + #""a":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"#
        + #""b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    #expect(header.trimmingCharacters(in: .init(charactersIn: " ")) == expected)
    #expect(header.count - expected.count < 8)
    // Data in the order of `tensors`: b = [1, 2], then a = [3], little-endian.
    #expect(Array(one[(8 + headerLength)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40])

    // No metadata: no `__metadata__` key at all.
    let bare = SafetensorsFile(tensors: [tensors[1]]).encoded()
    #expect(String(decoding: bare, as: UTF8.self).contains("__metadata__") == false)
}

// MARK: - The reference implementation's bytes

/// `safetensors.numpy.save` of
/// `rnn.weight_ih_l0` F32 [[1, -2.5, 0], [-0.0, 3.4028235e38, 1.4e-45]], `rnn.bias_ih_l0` F64 [0.5, -0.25],
/// `half` F16 [1, -2, 65504, 6e-08, 0.333251953125], `scalar` F32 7.25 (shape []), `empty` F32 shape [0, 3],
/// with metadata `raw`, `vocabulary`, `note`, `cell` (see the test).
private let pythonFixture = hexBytes(
    "f0010000000000007b225f5f6d657461646174615f5f223a7b22726177223a2261205c2271756f7465645c22206c696e"
        + "655c6e7365636f6e645c753030303163746c5c72222c22766f636162756c617279223a225b5c22685c222c5c22655c22"
        + "2c5c226c5c222c5c226f5c222c5c225c5c5c225c222c5c225c5c6e5c225d222c226e6f7465223a227461625c74686572"
        + "6520c3a9e4b8ad20f09f9880206261636b5c5c736c617368222c2263656c6c223a22726e6e227d2c22726e6e2e626961"
        + "735f69685f6c30223a7b226474797065223a22463634222c227368617065223a5b325d2c22646174615f6f6666736574"
        + "73223a5b302c31365d7d2c22656d707479223a7b226474797065223a22463332222c227368617065223a5b302c335d2c"
        + "22646174615f6f666673657473223a5b31362c31365d7d2c22726e6e2e7765696768745f69685f6c30223a7b22647479"
        + "7065223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b31362c34305d7d2c"
        + "227363616c6172223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473"
        + "223a5b34302c34345d7d2c2268616c66223a7b226474797065223a22463136222c227368617065223a5b355d2c226461"
        + "74615f6f666673657473223a5b34342c35345d7d7d202020000000000000e03f000000000000d0bf0000803f000020c0"
        + "0000000000000080ffff7f7f010000000000e840003c00c0ff7b01005535")

@Test func decodesTheReferenceImplementationsBytes() throws {
    let decoded = try SafetensorsFile.decode(pythonFixture, source: "python.safetensors")
    // Sorted by offset; the empty tensor sits at offset 16, before the one that starts there.
    #expect(decoded.tensors.map(\.name) == ["rnn.bias_ih_l0", "empty", "rnn.weight_ih_l0", "scalar", "half"])
    #expect(decoded.tensors.map(\.shape) == [[2], [0, 3], [2, 3], [], [5]])
    #expect(decoded["rnn.bias_ih_l0"]?.values == [0.5, -0.25])
    #expect(decoded["empty"]?.values == [])
    #expect(
        bits(decoded["rnn.weight_ih_l0"]!.values)
            == [0x3F80_0000, 0xC020_0000, 0, 0x8000_0000, 0x7F7F_FFFF, 0x0000_0001])
    #expect(decoded["scalar"]?.values == [7.25])
    #expect(decoded["half"]?.values == [1, -2, 65504, 0x1p-24, 0.333251953125])
    #expect(
        decoded.metadata == [
            "raw": "a \"quoted\" line\nsecond\u{01}ctl\r",
            "vocabulary": #"["h","e","l","o","\"","\n"]"#,
            "note": "tab\there é中 😀 back\\slash",
            "cell": "rnn",
        ])
}

@Test func convertsBF16AndF64AndHalfSpecials() throws {
    // BF16 1.0 = 0x3F80, -2.0 = 0xC000, -inf = 0xFF80; F64 0.1 rounds to Float(0.1);
    // F16 -0.0 = 0x8000, inf = 0x7C00, smallest subnormal 0x0001 = 2^-24, largest subnormal 0x03FF.
    var data: [UInt8] = [0x80, 0x3F, 0x00, 0xC0, 0x80, 0xFF]
    withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian) { data.append(contentsOf: $0) }
    data += [0x00, 0x80, 0x00, 0x7C, 0x01, 0x00, 0xFF, 0x03]
    let header =
        #"{"b":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},"#
        + #""d":{"dtype":"F64","shape":[],"data_offsets":[6,14]},"#
        + #""h":{"dtype":"F16","shape":[2,2],"data_offsets":[14,22]}}"#
    let decoded = try SafetensorsFile.decode(file(header, data), source: "mixed.safetensors")
    #expect(decoded["b"]?.values == [1, -2, -.infinity])
    #expect(decoded["d"]?.values == [Float(0.1)])
    #expect(bits(decoded["h"]!.values) == bits([-0.0, .infinity, 0x1p-24, 1023 * 0x1p-24]))
    #expect(floatFromHalf(0x7E00).isNaN)
}

@Test func acceptsSpacePaddingAndEmptyFiles() throws {
    #expect(try SafetensorsFile.decode(file("{}        "), source: "e") == SafetensorsFile(tensors: []))
    #expect(try SafetensorsFile.decode(file(#" {"__metadata__":null} "#), source: "e").metadata == [:])
    let empty = SafetensorsFile(tensors: [])
    #expect(try SafetensorsFile.decode(empty.encoded(), source: "e") == empty)
}

// MARK: - Malformed files

private let w4 = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#

@Test func rejectsBadLengthPrefix() {
    expectError([1, 2, 3], .tooShort(source: "bad.safetensors", byteCount: 3))
    expectError([], .tooShort(source: "bad.safetensors", byteCount: 0))
    var huge = file("{}")
    huge.replaceSubrange(0..<8, with: [0, 0xC2, 0xEB, 0x0B, 0, 0, 0, 0])  // 200,000,000
    expectError(
        huge, .headerTooLarge(source: "bad.safetensors", headerLength: 200_000_000, limit: 100_000_000))
    huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    expectError(huge, .headerTooLarge(source: "bad.safetensors", headerLength: .max, limit: 100_000_000))
    var past = file("{}", [0, 0, 0, 0])
    past[0] = 100
    expectError(past, .headerPastEnd(source: "bad.safetensors", headerLength: 100, available: 6))
}

@Test func rejectsHeadersThatAreNotAJSONObject() {
    expectError([2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE], .headerNotUTF8(source: "bad.safetensors"))
    expectError(
        [4, 0, 0, 0, 0, 0, 0, 0] + Array("{\"".utf8) + [0xC3, 0x28], .headerNotUTF8(source: "bad.safetensors")
    )
    for broken in [
        #"{"a":"#, "", "{}x", "{'a':1}", #"{"a":1,}"#, #"{"\ud800":1}"#, #"{"a\q":1}"#, "{\"\t\":1}",
        "{\"a\":01}",
    ] {
        do {
            _ = try SafetensorsFile.decode(file(broken), source: "bad.safetensors")
            Issue.record("accepted \(broken)")
        } catch {
            guard case .headerNotJSON(let source, let reason) = error else {
                Issue.record("\(broken): \(error)")
                continue
            }
            #expect(source == "bad.safetensors")
            #expect(reason.contains("at byte"))
        }
    }
    expectError(
        file(String(repeating: "[", count: 100_000)),
        .headerNotJSON(
            source: "bad.safetensors", reason: "nested deeper than 64 levels at byte 64 of the header"))
    expectError(file("[1, 2]"), .headerNotObject(source: "bad.safetensors"))
    expectError(file(#""text""#), .headerNotObject(source: "bad.safetensors"))
}

@Test func rejectsMalformedTensorEntries() {
    let s = "bad.safetensors"
    expectError(file(#"{"w":3}"#), .entryNotObject(source: s, tensor: "w"))
    expectError(
        file(#"{"w":{"shape":[],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .missingField(source: s, tensor: "w", field: "dtype"))
    expectError(
        file(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .missingField(source: s, tensor: "w", field: "shape"))
    expectError(
        file(#"{"w":{"dtype":"F32","shape":[]}}"#, [0, 0, 0, 0]),
        .missingField(source: s, tensor: "w", field: "data_offsets"))
    expectError(
        file(#"{"w":{"dtype":32,"shape":[],"data_offsets":[0,4]}}"#),
        .wrongFieldType(source: s, tensor: "w", field: "dtype", expected: "a string"))
    expectError(
        file(#"{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#),
        .wrongFieldType(source: s, tensor: "w", field: "shape", expected: "an array of integers"))
    expectError(
        file(#"{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#),
        .wrongFieldType(source: s, tensor: "w", field: "shape", expected: "an array of integers"))
    for offsets in ["[0]", "[0,4,8]", "{}", #"[0,"4"]"#, "null"] {
        expectError(
            file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":"# + offsets + "}}"),
            .wrongFieldType(
                source: s, tensor: "w", field: "data_offsets", expected: "an array of two integers"))
    }
    expectError(
        file(#"{"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .unsupportedDType(source: s, tensor: "w", dtype: "I32"))
    #expect(
        SafetensorsError.unsupportedDType(source: s, tensor: "w", dtype: "I32").description
            == #"bad.safetensors: unsupported dtype I32 for tensor "w" (supported: F32, F64, F16, BF16)"#)
    for dimension in ["-1", "2.5", "1e0", "1.0", "99999999999999999999"] {
        expectError(
            file(#"{"w":{"dtype":"F32","shape":["# + dimension + #"],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
            .invalidDimension(source: s, tensor: "w", dimension: dimension))
    }
    for offset in ["-4", "4.0", "4e0"] {
        expectError(
            file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,"# + offset + "]}}", [0, 0, 0, 0]),
            .invalidOffset(source: s, tensor: "w", offset: offset))
    }
    expectError(
        file(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, Array(repeating: 0, count: 8)),
        .reversedOffsets(source: s, tensor: "w", begin: 8, end: 4))
    expectError(
        file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .sizeMismatch(source: s, tensor: "w", dtype: "F32", shape: [2], expectedBytes: 8, spanBytes: 4))
    expectError(
        file(#"{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,24]}}"#, Array(repeating: 0, count: 24)),
        .sizeMismatch(source: s, tensor: "w", dtype: "F16", shape: [2, 3], expectedBytes: 12, spanBytes: 24))
    expectError(
        file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .shapeTooLarge(source: s, tensor: "w", shape: [4_611_686_018_427_387_904, 4]))
}

/// The JSON entry of an F32 tensor `name` with `count` values at `begin..<end`.
private func f32(_ name: String, _ count: Int, _ begin: Int, _ end: Int) -> String {
    #""\#(name)":{"dtype":"F32","shape":[\#(count)],"data_offsets":[\#(begin),\#(end)]}"#
}

@Test func rejectsOffsetsThatDoNotTileTheData() {
    let s = "bad.safetensors"
    let eight: [UInt8] = Array(repeating: 0, count: 8)
    expectError(
        file(
            "{" + f32("a", 2, 0, 8) + "," + f32("b", 2, 4, 12) + "}",
            eight + [0, 0, 0, 0]),
        .overlap(source: s, tensor: "b", other: "a"))
    expectError(
        file(
            "{" + f32("a", 1, 0, 4) + "," + f32("b", 1, 0, 4) + "}",
            [0, 0, 0, 0]),
        .overlap(source: s, tensor: "b", other: "a"))
    expectError(
        file(
            "{" + f32("a", 1, 0, 4) + "," + f32("b", 1, 8, 12) + "}",
            eight + [0, 0, 0, 0]),
        .hole(source: s, begin: 4, end: 8))
    expectError(
        file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight),
        .hole(source: s, begin: 0, end: 4))
    expectError(file(w4, eight), .hole(source: s, begin: 4, end: 8))  // trailing bytes
    expectError(file("{}", [1]), .hole(source: s, begin: 0, end: 1))
    expectError(
        file(
            #"{"w":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}}"#, Array(repeating: 0, count: 1000)
        ),
        .truncated(source: s, expectedBytes: 4096, actualBytes: 1000))
    #expect(
        SafetensorsError.truncated(source: "s.safetensors", expectedBytes: 4096, actualBytes: 1000)
            .description
            == "s.safetensors: truncated: header says 4096 bytes of tensor data, file has 1000")
}

@Test func rejectsBadMetadataAndDuplicates() {
    let s = "bad.safetensors"
    expectError(file(#"{"__metadata__":["a"]}"#), .metadataNotObject(source: s))
    expectError(file(#"{"__metadata__":"a"}"#), .metadataNotObject(source: s))
    expectError(file(#"{"__metadata__":{"a":"x","n":1}}"#), .metadataValueNotString(source: s, key: "n"))
    expectError(file(#"{"__metadata__":{"a":null}}"#), .metadataValueNotString(source: s, key: "a"))
    expectError(
        file(#"{"__metadata__":{"a":"x","a":"y"}}"#),
        .duplicateKey(source: s, key: "a", object: "__metadata__"))
    expectError(
        file(#"{"__metadata__":{},"__metadata__":{}}"#),
        .duplicateKey(source: s, key: "__metadata__", object: "the header"))
    let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
    expectError(
        file(#"{"w":"# + entry + #","w":"# + entry + "}", [0, 0, 0, 0]),
        .duplicateTensor(source: s, name: "w"))
    expectError(
        file(#"{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
        .duplicateKey(source: s, key: "dtype", object: "tensor w"))
}

@Test func everyTruncationThrowsAndNoCorruptionCrashes() throws {
    let ours = SafetensorsFile(
        tensors: [
            SafetensorsTensor(name: "a", shape: [2, 2], values: [1, 2, 3, 4]),
            SafetensorsTensor(name: "s", shape: [], values: [5]),
        ],
        metadata: ["k": "v\"\n"]
    ).encoded()
    for whole in [pythonFixture, ours] {
        _ = try SafetensorsFile.decode(whole, source: "whole")
        for length in 0..<whole.count {
            #expect(throws: SafetensorsError.self, "length \(length)") {
                try SafetensorsFile.decode(Array(whole[..<length]), source: "cut.safetensors")
            }
        }
        // Corrupting any single byte may give a valid file or an error, never a crash.
        for position in whole.indices {
            for value: UInt8 in [0x00, 0x22, 0x5C, 0x7B, 0xFF, whole[position] ^ 0x01] {
                var corrupt = whole
                corrupt[position] = value
                _ = try? SafetensorsFile.decode(corrupt, source: "corrupt.safetensors")
            }
        }
    }
}

// MARK: - Files

@Test func writeAndReadAFile() throws {
    let directory = temporaryDirectory("safetensors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/model.safetensors"
    let model = SafetensorsFile(
        tensors: [SafetensorsTensor(name: "decoder.weight", shape: [2, 1], values: [0.25, -8])],
        metadata: awkwardMetadata)
    try model.write(path: path)
    #expect(try SafetensorsFile.read(path: path) == model)
    #expect(contents(path) == model.encoded())
    #expect(listing(directory) == ["model.safetensors"])

    #expect(
        throws: SafetensorsError.cannotRead(path: directory + "/missing", reason: "No such file or directory")
    ) {
        try SafetensorsFile.read(path: directory + "/missing")
    }
    let missingDirectory = directory + "/nowhere/model.safetensors"
    do {
        try model.write(path: missingDirectory)
        Issue.record("wrote into a missing directory")
    } catch {
        guard case .cannotWrite(let path, _) = error else { throw error }
        #expect(path == missingDirectory)
        #expect(error.description.hasPrefix(missingDirectory + ": cannot write: "))
    }
}

@Test func writeRefusesTensorsThatCannotBeEncoded() throws {
    let directory = temporaryDirectory("safetensors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/m.safetensors"
    let cases: [([SafetensorsTensor], SafetensorsError)] = [
        (
            [SafetensorsTensor(name: "w", shape: [2, 2], values: [1, 2, 3])],
            .valueCountMismatch(source: path, tensor: "w", shape: [2, 2], valueCount: 3)
        ),
        (
            [
                SafetensorsTensor(name: "w", shape: [0], values: []),
                SafetensorsTensor(name: "w", shape: [0], values: []),
            ],
            .duplicateTensor(source: path, name: "w")
        ),
        ([SafetensorsTensor(name: "__metadata__", shape: [0], values: [])], .reservedName(source: path)),
        (
            [SafetensorsTensor(name: "w", shape: [-1], values: [])],
            .invalidDimension(source: path, tensor: "w", dimension: "-1")
        ),
    ]
    for (tensors, expected) in cases {
        #expect(throws: expected) { try SafetensorsFile(tensors: tensors).write(path: path) }
        #expect(listing(directory) == [])
    }
}

// MARK: - AtomicFile

@Test func atomicWriteReplacesAnExistingFile() throws {
    let directory = temporaryDirectory("safetensors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/f"
    try AtomicFile.write(Array("old contents, longer".utf8), to: path)
    try AtomicFile.write(Array("new".utf8), to: path)
    #expect(contents(path) == Array("new".utf8))
    try AtomicFile.write([], to: path)
    #expect(contents(path) == [])
    #expect(listing(directory) == ["f"])
}

@Test func failedAtomicWritesLeaveTheOldFileAndNoTemporary() throws {
    let directory = temporaryDirectory("safetensors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/f"
    let old = Array("the old file".utf8)
    try AtomicFile.write(old, to: path)

    // Each step of the recipe failing (simulated EIO): the old file stays, the temporary goes.
    for step in [AtomicFile.Step.write, .sync, .close, .rename] {
        #expect(throws: AtomicFileError.self, "\(step)") {
            try AtomicFile.write(Array("new".utf8), to: path, failingAt: step)
        }
        #expect(contents(path) == old, "\(step)")
        #expect(listing(directory) == ["f"], "\(step)")
    }

    // A directory as the target: refused before anything is written (it was a rename failure).
    let target = directory + "/dir"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    try AtomicFile.write(old, to: target + "/inside")
    do {
        try AtomicFile.write(Array("new".utf8), to: target)
        Issue.record("renamed over a directory")
    } catch {
        guard case .notReplaceable(let failed, _) = error else { throw error }
        #expect(failed == target)
        #expect(error.description.hasPrefix(target + ": cannot write: it is a directory"))
    }
    #expect(listing(directory) == ["dir", "f"])
    #expect(contents(target + "/inside") == old)

    // A missing directory: nothing can be created.
    #expect(throws: AtomicFileError.self) { try AtomicFile.write(old, to: directory + "/missing/f") }
    #expect(listing(directory) == ["dir", "f"])
}

@Test(.enabled(if: geteuid() != 0, "root may write into a read-only directory"))
func atomicWriteIntoAReadOnlyDirectoryFails() throws {
    let directory = temporaryDirectory("safetensors")
    defer {
        chmod(directory, 0o755)
        try? FileManager.default.removeItem(atPath: directory)
    }
    let path = directory + "/f"
    let old = Array("the old file".utf8)
    try AtomicFile.write(old, to: path)
    chmod(directory, 0o555)
    #expect(throws: AtomicFileError.self) { try AtomicFile.write(Array("new".utf8), to: path) }
    #expect(contents(path) == old)
    #expect(listing(directory) == ["f"])
}
