/// The text of a definition file from its bytes, refusing invalid UTF-8 with the line and column of the first bad
/// byte, so an author can find a stray Latin-1 `ø` instead of being told only that the file is unreadable.
enum SourceText {
    /// A byte sequence that is not UTF-8, and where it starts.
    struct InvalidUTF8: Error {
        /// Offset of the first byte that does not start a valid UTF-8 sequence.
        var offset: Int
        var position: SourcePosition
    }

    /// Decodes `bytes` as UTF-8; a byte-order mark is kept (the JSON parser skips it).
    static func decode(_ bytes: [UInt8]) throws(InvalidUTF8) -> String {
        if let offset = firstInvalidByte(in: bytes) {
            throw InvalidUTF8(offset: offset, position: position(of: offset, in: bytes))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no overlong forms,
    /// no surrogates, nothing above U+10FFFF), or `nil`.
    static func firstInvalidByte(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 1
            case 0xE0: length = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 2
            case 0xED: length = 2; high = 0x9F
            case 0xF0: length = 3; low = 0x90
            case 0xF1...0xF3: length = 3
            case 0xF4: length = 3; high = 0x8F
            default: return index
            }
            guard index + length < bytes.count else { return index }
            for continuation in 1...length {
                let byte = bytes[index + continuation]
                let range = continuation == 1 ? low...high : 0x80...0xBF
                if !range.contains(byte) { return index }
            }
            index += length + 1
        }
        return nil
    }

    /// Line and column (in characters, as the JSON parser counts them) of the byte at `offset` in valid UTF-8 text.
    private static func position(of offset: Int, in bytes: [UInt8]) -> SourcePosition {
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }
}
