// Hidden-state recording: run a model over a text, one stream, and keep every hidden unit's
// value at every character — the data behind cell search (CellSearch.swift) and the tinted view.
//
// Legend: T characters, H hidden, G gates (LSTM 4, GRU 3), L layers.
// Row t of every array is the state *after reading* character t (0-based), i.e. h_{t+1} in the
// lecture's 1-based notation: the colour of a character in the classic view is what the unit
// holds once it has seen that character.
//
// The text is run in chunks with the state carried from one to the next (exactly as truncated
// BPTT carries it), so a long text never needs one giant forward cache: only T × H floats per
// layer (and per c / gates for the LSTM) are kept.

import Foundation

/// Which recorded quantity a unit is: the hidden state h, or the LSTM's cell state c.
public enum StateKind: String, Sendable, CaseIterable, Codable {
    /// h_t, the hidden state every cell has.
    case hidden = "h"
    /// c_t, the LSTM's cell state.
    case cell = "c"
}

/// One hidden unit of a model: its layer, h or c, and its index in the layer.
public struct UnitID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The layer, 0 at the bottom.
    public var layer: Int
    /// h or c.
    public var kind: StateKind
    /// The index in the layer, 0..<H.
    public var index: Int

    public init(layer: Int = 0, kind: StateKind = .hidden, index: Int) {
        self.layer = layer
        self.kind = kind
        self.index = index
    }

    /// `h12` in layer 0, `l1.c7` above it.
    public var description: String {
        (layer == 0 ? "" : "l\(layer).") + kind.rawValue + String(index)
    }

    /// Parses `12` (layer 0, h), `h12`, `c12`, `l1.h12`, `l1.12`; nil for anything else.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        var layer = 0
        if rest.hasPrefix("l"), let dot = rest.firstIndex(of: ".") {
            guard let k = Int(rest[rest.index(after: rest.startIndex)..<dot]) else { return nil }
            layer = k
            rest = rest[rest.index(after: dot)...]
        }
        var kind = StateKind.hidden
        if let first = rest.first, let k = StateKind(rawValue: String(first)) {
            kind = k
            rest = rest.dropFirst()
        }
        guard let index = Int(rest), index >= 0, layer >= 0 else { return nil }
        self.init(layer: layer, kind: kind, index: index)
    }

    public static func < (a: UnitID, b: UnitID) -> Bool {
        (a.layer, a.kind == .hidden ? 0 : 1, a.index) < (b.layer, b.kind == .hidden ? 0 : 1, b.index)
    }
}

/// Every hidden unit's value at every character of a text: (T, H) per layer, for h, and for the
/// LSTM also c and the gates.
public struct HiddenStateRecording: Sendable, Equatable {
    /// The model's shape.
    public let shape: ModelShape
    /// The text, one character per step.
    public let characters: [Character]
    /// h after reading each character, per layer: (T, H) row-major.
    public let hidden: [[Float]]
    /// c after reading each character, per layer (LSTM; empty otherwise): (T, H).
    public let cell: [[Float]]
    /// The gates after their nonlinearity at each character, per layer (LSTM i f g o, GRU r z n;
    /// empty for the RNN or when not kept): (T, G·H).
    public let gates: [[Float]]

    /// T, the number of characters recorded.
    public var steps: Int { characters.count }

    /// Runs `model` over `text` from h_0 = 0 (or `state`), in chunks of `chunkLength` characters
    /// with the state carried across, and records every unit.
    /// - Throws: `VocabularyError` if the text has characters the model does not know.
    public init(
        model: Model, text: String, from state: RecurrentState? = nil, chunkLength: Int = 256,
        keepGates: Bool = true
    ) throws(VocabularyError) {
        let indices = try model.vocabulary.encode(text)
        self.init(model: model, indices: indices, from: state, chunkLength: chunkLength, keepGates: keepGates)
    }

    /// Records `model` over vocabulary indices (see `init(model:text:…)`).
    public init(
        model: Model, indices: [Int], from state: RecurrentState? = nil, chunkLength: Int = 256,
        keepGates: Bool = true
    ) {
        let H = model.shape.hiddenSize, GH = model.shape.cell.gateCount * H, L = model.shape.layers
        let T = indices.count
        let isLSTM = model.shape.cell == .lstm
        let keepsGates = keepGates && model.shape.cell != .rnn
        var hidden = [[Float]](repeating: [], count: L)
        var cell = [[Float]](repeating: [], count: L)
        var gates = [[Float]](repeating: [], count: L)
        for k in 0..<L {
            hidden[k].reserveCapacity(T * H)  // (T, H)
            if isLSTM { cell[k].reserveCapacity(T * H) }  // (T, H)
            if keepsGates { gates[k].reserveCapacity(T * GH) }  // (T, G·H)
        }
        var carried = state ?? .zero(model.shape, batchSize: 1)
        precondition(carried.batchSize == 1, "a recording runs one stream")
        var cache = ForwardCache(shape: model.shape)
        var start = 0
        while start < T {
            let end = min(T, start + max(1, chunkLength))
            model.forward(
                inputs: Array(indices[start..<end]), targets: nil, batchSize: 1, from: carried, into: &cache)
            for k in 0..<L {
                let trace = cache.layers[k]
                hidden[k].append(contentsOf: trace.hidden[H...])  // h_1 … h_T of the chunk (row 0 is h_0)
                if isLSTM { cell[k].append(contentsOf: trace.cell[H...]) }
                if keepsGates { gates[k].append(contentsOf: trace.gates) }
            }
            carried = cache.finalState  // the next chunk starts where this one ended
            start = end
        }
        self.shape = model.shape
        self.characters = indices.map { model.vocabulary.characters[$0] }
        self.hidden = hidden
        self.cell = cell
        self.gates = gates
    }

    /// Every unit recorded: h of every layer, and c for the LSTM, in `UnitID` order.
    public var units: [UnitID] {
        let kinds: [StateKind] = shape.cell == .lstm ? [.hidden, .cell] : [.hidden]
        return (0..<shape.layers).flatMap { k in
            kinds.flatMap { kind in (0..<shape.hiddenSize).map { UnitID(layer: k, kind: kind, index: $0) } }
        }
    }

    /// Whether the recording has this unit.
    public func contains(_ unit: UnitID) -> Bool {
        unit.layer >= 0 && unit.layer < shape.layers && unit.index >= 0 && unit.index < shape.hiddenSize
            && (unit.kind == .hidden || shape.cell == .lstm)
    }

    /// One unit's value after each character: T values.
    public func values(of unit: UnitID) -> [Float] {
        precondition(contains(unit), "no unit \(unit) in a \(shape.layers)-layer \(shape.cell) of size \(shape.hiddenSize)")
        let H = shape.hiddenSize
        let array = unit.kind == .hidden ? hidden[unit.layer] : cell[unit.layer]
        return (0..<steps).map { array[$0 * H + unit.index] }
    }

    /// One gate of one unit after each character (`gate` is a name of `shape.cell.gateNames`,
    /// e.g. "f"): T values, or nil if the cell has no such gate or gates were not kept.
    public func gateValues(_ gate: String, layer: Int = 0, index: Int) -> [Float]? {
        guard let block = shape.cell.gateNames.firstIndex(of: gate), shape.cell != .rnn,
            layer < gates.count, !gates[layer].isEmpty, index >= 0, index < shape.hiddenSize
        else { return nil }
        let H = shape.hiddenSize, GH = shape.cell.gateCount * H
        return (0..<steps).map { gates[layer][$0 * GH + block * H + index] }
    }
}
