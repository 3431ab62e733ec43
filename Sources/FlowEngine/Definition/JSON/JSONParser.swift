/// A small, strict JSON parser (RFC 8259) that records the line and column of every value.
///
/// Strict on purpose: duplicate object keys are an error (a second `"amount"` silently winning is how money goes
/// wrong), as are comments, trailing commas and leading zeros. Nesting is limited to ``maximumDepth`` levels, so
/// a hostile or broken file (100,000 `[`) is an error, not a stack overflow.
package struct JSONParser {
    /// A syntax error, with where it happened: line and column, and the JSON path of the value being read.
    package struct SyntaxError: Error, Sendable, Equatable {
        package var position: SourcePosition
        package var message: String
        /// For example `$.steps[3].amount`: the member or element being read when the error was found.
        package var jsonPath: String = "$"
    }

    /// One step of the path to the value being read, kept so an error can name where in the document it is.
    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0
    private var path: [PathComponent] = []
    /// Deeper than any definition or scenario needs, shallow enough that the recursive parser and the code walking
    /// the tree stay far from the end of a thread's stack.
    package static let maximumDepth = 256

    package init(text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// Parses the whole text as one JSON value.
    package static func parse(_ text: String) throws(SyntaxError) -> JSONNode {
        var parser = JSONParser(text: text)
        if parser.scalars.first == "\u{FEFF}" { parser.index = 1; parser.lineStart = 1 }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < parser.scalars.count {
            throw parser.error("unexpected '\(parser.scalars[parser.index])' after the end of the JSON value")
        }
        return value
    }

    private var position: SourcePosition { SourcePosition(line: line, column: index - lineStart + 1) }

    private func error(_ message: String) -> SyntaxError { error(message, at: position) }

    private func error(_ message: String, at position: SourcePosition) -> SyntaxError {
        SyntaxError(position: position, message: message, jsonPath: jsonPath)
    }

    /// The path being read, written like the definition decoder writes paths: `$.steps[2]["$schema"]`.
    private var jsonPath: String {
        var text = "$"
        for component in path {
            switch component {
            case .key(let key):
                let scalars = key.unicodeScalars
                let isIdentifier = scalars.first.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) } == true
                    && scalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
                text += isIdentifier ? ".\(key)" : "[\"\(key)\"]"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipWhitespace() {
        while let scalar = current {
            switch scalar {
            case " ", "\t", "\r": index += 1
            case "\n": index += 1; line += 1; lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue() throws(SyntaxError) -> JSONNode {
        guard let scalar = current else { throw error("unexpected end of file, expected a value") }
        let start = position
        switch scalar {
        case "{": return try parseObject()
        case "[": return try parseArray()
        case "\"":
            let (text, columns) = try parseString()
            return JSONNode(kind: .string(text), position: start, scalarColumns: columns)
        case "t": try expectWord("true"); return JSONNode(kind: .bool(true), position: start)
        case "f": try expectWord("false"); return JSONNode(kind: .bool(false), position: start)
        case "n": try expectWord("null"); return JSONNode(kind: .null, position: start)
        case "-", "0"..."9": return JSONNode(kind: .number(try parseNumber()), position: start)
        default: throw error("unexpected '\(scalar)', expected a value")
        }
    }

    private mutating func expectWord(_ word: String) throws(SyntaxError) {
        for expected in word.unicodeScalars {
            guard current == expected else { throw error("invalid literal, expected '\(word)'") }
            index += 1
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nesting deeper than \(Self.maximumDepth) levels of arrays and objects; flatten the structure")
        }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONNode {
        let start = position
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [JSONNode.Member] = []
        // A set, not a scan of `members`: an object with 100,000 members must not take quadratic time.
        var keys = Set<String>()
        skipWhitespace()
        if current == "}" { index += 1; return JSONNode(kind: .object(members), position: start) }
        while true {
            skipWhitespace()
            guard current == "\"" else { throw error("expected a quoted member name") }
            let keyPosition = position
            let (key, _) = try parseString()
            if !keys.insert(key).inserted {
                throw error("duplicate member \"\(key)\" in the same object", at: keyPosition)
            }
            skipWhitespace()
            guard current == ":" else { throw error("expected ':' after member name \"\(key)\"") }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let value = try parseValue()
            path.removeLast()
            members.append(JSONNode.Member(key: key, keyPosition: keyPosition, value: value))
            skipWhitespace()
            switch current {
            case ",": index += 1
            case "}": index += 1; return JSONNode(kind: .object(members), position: start)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONNode {
        let start = position
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONNode] = []
        skipWhitespace()
        if current == "]" { index += 1; return JSONNode(kind: .array(elements), position: start) }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue())
            path.removeLast()
            skipWhitespace()
            switch current {
            case ",": index += 1
            case "]": index += 1; return JSONNode(kind: .array(elements), position: start)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    /// Returns the decoded text and, when it contained escapes, the source column of each decoded scalar.
    private mutating func parseString() throws(SyntaxError) -> (String, [Int]?) {
        index += 1
        var text = String.UnicodeScalarView()
        var columns: [Int] = []
        var sawEscape = false
        while true {
            guard let scalar = current else { throw error("unterminated string") }
            let column = index - lineStart + 1
            switch scalar {
            case "\"":
                index += 1
                return (String(text), sawEscape ? columns : nil)
            case "\\":
                sawEscape = true
                index += 1
                guard let escaped = current else { throw error("unterminated escape") }
                index += 1
                let decoded: Unicode.Scalar
                switch escaped {
                case "\"": decoded = "\""
                case "\\": decoded = "\\"
                case "/": decoded = "/"
                case "b": decoded = "\u{08}"
                case "f": decoded = "\u{0C}"
                case "n": decoded = "\n"
                case "r": decoded = "\r"
                case "t": decoded = "\t"
                case "u": decoded = try parseUnicodeEscape()
                default: throw error("invalid escape '\\\(escaped)'")
                }
                text.append(decoded)
                columns.append(column)
            default:
                if scalar.value < 0x20 { throw error("control character in string; escape it") }
                text.append(scalar)
                columns.append(column)
                index += 1
            }
        }
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = current, let digit = hexValue(scalar)
            else { throw error("expected four hex digits in \\u escape") }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    private mutating func parseUnicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800...0xDBFF).contains(high) {
            guard current == "\\" else { throw error("unpaired surrogate in \\u escape") }
            index += 1
            guard current == "u" else { throw error("unpaired surrogate in \\u escape") }
            index += 1
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            else { throw error("invalid surrogate pair in \\u escape") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("invalid \\u escape") }
        return scalar
    }

    private mutating func parseNumber() throws(SyntaxError) -> String {
        let start = index
        if current == "-" { index += 1 }
        guard let first = current, ("0"..."9").contains(first) else { throw error("invalid number") }
        if first == "0" {
            index += 1
            if let next = current, ("0"..."9").contains(next) { throw error("leading zeros are not allowed") }
        } else {
            while let digit = current, ("0"..."9").contains(digit) { index += 1 }
        }
        if current == "." {
            index += 1
            guard let digit = current, ("0"..."9").contains(digit) else { throw error("expected digits after '.'") }
            while let digit = current, ("0"..."9").contains(digit) { index += 1 }
        }
        if current == "e" || current == "E" {
            index += 1
            if current == "+" || current == "-" { index += 1 }
            guard let digit = current, ("0"..."9").contains(digit) else { throw error("expected exponent digits") }
            while let digit = current, ("0"..."9").contains(digit) { index += 1 }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<index])
        return String(text)
    }
}
