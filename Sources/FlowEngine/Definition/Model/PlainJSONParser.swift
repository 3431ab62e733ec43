/// Parses JSON bytes into ``PlainJSON`` in one linear pass, refusing nesting deeper than a limit.
///
/// Why not `JSONDecoder`: decoding `PlainJSON` through `Decodable` tries each JSON type in turn, and every failed
/// try builds an error carrying the whole coding path, so the cost grew with size × depth: a 15 KB body nested
/// 500 levels deep took seconds of CPU (and 38 s on a loaded server), a flat 64 KB array a quarter of a second.
/// This parser looks at each byte once, keeps integers apart from decimals and booleans, and stops at
/// ``maximumDepth``.
package struct PlainJSONParser: Sendable {
    /// The deepest nesting accepted: flow inputs and signal data are a few levels deep (money is two).
    package static let defaultMaximumDepth = 32

    /// Why the bytes are not acceptable JSON, with the byte offset.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var offset: Int
        package var reason: String
        /// `true` when the document is nested deeper than the limit.
        package var tooDeep: Bool

        package var description: String { "\(reason) (at byte \(offset))" }
    }

    package let maximumDepth: Int

    package init(maximumDepth: Int = PlainJSONParser.defaultMaximumDepth) {
        self.maximumDepth = maximumDepth
    }

    /// The one JSON value in `bytes` (whitespace around it allowed).
    /// - Throws: ``Failure`` naming what is wrong and where.
    package func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> PlainJSON {
        let buffer = Array(bytes)
        var cursor = Cursor(bytes: buffer, maximumDepth: maximumDepth)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        guard cursor.index == buffer.count else { throw cursor.failure("unexpected text after the JSON value") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        let maximumDepth: Int
        var index = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        func failure(_ reason: String, tooDeep: Bool = false) -> Failure {
            Failure(offset: index, reason: reason, tooDeep: tooDeep)
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
            guard current == byte else { throw failure("expected \(what)") }
            index += 1
        }

        mutating func value(depth: Int) throws(Failure) -> PlainJSON {
            switch current {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < maximumDepth else {
                    throw failure("nested deeper than \(maximumDepth) levels of objects and arrays", tooDeep: true)
                }
                return current == UInt8(ascii: "{") ? try object(depth: depth + 1) : try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .boolean(true)
            case UInt8(ascii: "f"): try literal("false"); return .boolean(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): return try number()
            case nil: throw failure("the JSON ends where a value was expected")
            default: throw failure("expected a JSON value")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            let matches = index + count <= bytes.count && word.withUTF8Buffer { Array($0) == Array(bytes[index..<index + count]) }
            guard matches else { throw failure("expected \(word)") }
            index += count
        }

        mutating func object(depth: Int) throws(Failure) -> PlainJSON {
            index += 1
            var members: [String: PlainJSON] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a member name in double quotes") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after a member name")
                skipWhitespace()
                members[key] = try value(depth: depth)
                skipWhitespace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(Failure) -> PlainJSON {
            index += 1
            var elements: [PlainJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return .array(elements)
            }
        }

        mutating func string() throws(Failure) -> String {
            index += 1
            var scalars: [UInt8] = []
            while true {
                guard let byte = current else { throw failure("a string is not closed") }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: scalars, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    try escape(into: &scalars)
                case 0x00..<0x20:
                    throw failure("a control character must be escaped in a string")
                default:
                    scalars.append(byte)
                    index += 1
                }
            }
        }

        mutating func escape(into output: inout [UInt8]) throws(Failure) {
            guard let byte = current else { throw failure("a string is not closed") }
            index += 1
            let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
            if let replacement = simple[byte] { output.append(replacement); return }
            guard byte == UInt8(ascii: "u") else { throw failure("unknown escape in a string") }
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a \\u surrogate must come in a pair")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a \\u surrogate must come in a pair") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("a \\u escape is not a Unicode scalar") }
            output.append(contentsOf: String(Character(unicode)).utf8)
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("a \\u escape needs four hex digits") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw failure("a \\u escape needs four hex digits") }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }

        mutating func number() throws(Failure) -> PlainJSON {
            let start = index
            func digits(_ cursor: inout Cursor) -> Int {
                let first = cursor.index
                while let byte = cursor.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { cursor.index += 1 }
                return cursor.index - first
            }
            if current == UInt8(ascii: "-") { index += 1 }
            let integerDigits = digits(&self)
            guard integerDigits > 0 else { throw failure("a number needs digits") }
            guard integerDigits == 1 || bytes[index - integerDigits] != UInt8(ascii: "0") else { throw failure("a number cannot start with 0") }
            var isInteger = true
            if current == UInt8(ascii: ".") {
                index += 1
                isInteger = false
                guard digits(&self) > 0 else { throw failure("a number needs digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                isInteger = false
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw failure("a number needs digits in its exponent") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let integer = Int64(text) { return .integer(integer) }
            guard let double = Double(text), double.isFinite else { throw failure("the number \(text.prefix(40)) is out of range") }
            return .number(double)
        }
    }
}
