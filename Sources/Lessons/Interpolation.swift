/// `{{expression}}` in lesson text: the player asks the shell for the expression's value.
enum Interpolation {
    /// A piece of text: literal, or an expression to evaluate.
    enum Segment: Equatable {
        case literal(String)
        case expression(String)
    }

    /// Splits text into literals and expressions; `{{` must close with `}}` on the same line.
    static func parse(_ text: String) throws(LessonFileError.Problem) -> [Segment] {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                segments.append(.literal(String(rest[..<open.lowerBound])))
            }
            let afterOpen = rest[open.upperBound...]
            let lineEnd = afterOpen.firstIndex(of: "\n") ?? afterOpen.endIndex
            guard let close = afterOpen[..<lineEnd].range(of: "}}") else { throw .unterminatedInterpolation }
            let expression = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !expression.isEmpty else { throw .emptyInterpolation }
            segments.append(.expression(expression))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        return segments
    }
}
