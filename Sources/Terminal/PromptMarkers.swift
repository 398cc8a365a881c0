/// Wraps every ANSI escape sequence in `prompt` in `\u{01}`…`\u{02}` so that readline does not
/// count the escape bytes as prompt columns (otherwise editing a long line corrupts the display).
/// Runs of adjacent sequences share one pair. Text already between `\u{01}` and `\u{02}` is left
/// as it is, so applying it twice changes nothing. `ReadlineConsole` applies it to every prompt.
///
/// Recognised: CSI (`ESC [` … final byte 0x40–0x7E), OSC (`ESC ]` … BEL or `ESC \`), and
/// two-byte `ESC x`.
public func promptMarkers(_ prompt: String) -> String {
    let scalars = Array(prompt.unicodeScalars)
    var out = String.UnicodeScalarView()
    var index = 0
    var insideMarkers = false
    var openedHere = false
    func close() {
        if openedHere {
            out.append("\u{02}")
            openedHere = false
        }
    }
    while index < scalars.count {
        let scalar = scalars[index]
        if insideMarkers {
            out.append(scalar)
            if scalar == "\u{02}" { insideMarkers = false }
            index += 1
            continue
        }
        if scalar == "\u{01}" {
            close()
            out.append(scalar)
            insideMarkers = true
            index += 1
            continue
        }
        guard scalar == "\u{1B}" else {
            close()
            out.append(scalar)
            index += 1
            continue
        }
        // An escape sequence: find its end.
        var end = index + 1
        if end < scalars.count {
            switch scalars[end] {
            case "[":
                end += 1
                while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) { end += 1 }
                end = min(end + 1, scalars.count)
            case "]":
                end += 1
                while end < scalars.count {
                    if scalars[end] == "\u{07}" { end += 1; break }
                    if scalars[end] == "\u{1B}", end + 1 < scalars.count, scalars[end + 1] == "\\" {
                        end += 2
                        break
                    }
                    end += 1
                }
            default:
                end += 1
            }
        }
        if !openedHere {
            out.append("\u{01}")
            openedHere = true
        }
        out.append(contentsOf: scalars[index..<end])
        index = end
    }
    close()
    return String(out)
}
