import Foundation

/// Reads the reference values in `Fixtures/` (copied from independent implementations — numpy and
/// PyTorch, computed in float64 — so the tests need neither Python nor ../shared).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func json(_ name: String) -> [String: Any] {
        let data = try! Data(contentsOf: directory.appendingPathComponent(name))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// A nested JSON array of numbers, flattened row-major.
    static func flat(_ value: Any?) -> [Float] {
        if let n = value as? NSNumber { return [n.floatValue] }
        if let array = value as? [Any] { return array.flatMap { flat($0) } }
        return []
    }

    static func flatDouble(_ value: Any?) -> [Double] {
        if let n = value as? NSNumber { return [n.doubleValue] }
        if let array = value as? [Any] { return array.flatMap { flatDouble($0) } }
        return []
    }
}

/// The largest |a − b| over two arrays (infinity if their lengths differ).
func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// ‖a − b‖ / max(‖b‖, tiny): the relative error of a whole tensor.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count else { return .infinity }
    var difference = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        difference += Double(x - y) * Double(x - y)
        norm += Double(y) * Double(y)
    }
    return difference.squareRoot() / max(norm.squareRoot(), 1e-12)
}
