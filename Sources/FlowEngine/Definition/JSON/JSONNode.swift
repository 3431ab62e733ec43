/// A parsed JSON value that remembers where it was written, so every validation issue can name a line and column.
///
/// `JSONDecoder` loses source positions; flow authors need them, so definitions are parsed by ``JSONParser`` into
/// this tree instead. Object members keep their document order (assignments in a definition run in that order).
package struct JSONNode: Sendable, Equatable {
    /// The value itself.
    package indirect enum Kind: Sendable, Equatable {
        case object([Member])
        case array([JSONNode])
        case string(String)
        /// The number exactly as written (no floating-point round trip), for example `"35000"` or `"1.5e3"`.
        case number(String)
        case bool(Bool)
        case null
    }

    /// One `"key": value` pair of an object, with the position of the key.
    package struct Member: Sendable, Equatable {
        package var key: String
        package var keyPosition: SourcePosition
        package var value: JSONNode
    }

    package var kind: Kind
    /// Where the value starts (for strings: the opening quote).
    package var position: SourcePosition
    /// For strings containing escapes: the source column of each unicode scalar of the decoded text, so an
    /// expression error inside the string points at the right column. `nil` when the string has no escapes.
    package var scalarColumns: [Int]?

    package init(kind: Kind, position: SourcePosition, scalarColumns: [Int]? = nil) {
        self.kind = kind
        self.position = position
        self.scalarColumns = scalarColumns
    }

    /// The source position of the unicode scalar at `offset` inside a string value.
    package func position(ofScalarAt offset: Int) -> SourcePosition {
        if let columns = scalarColumns {
            let column = offset < columns.count ? columns[offset] : (columns.last.map { $0 + 1 } ?? position.column + 1)
            return SourcePosition(line: position.line, column: column)
        }
        return SourcePosition(line: position.line, column: position.column + 1 + offset)
    }

    /// The member named `key`, when this is an object.
    package subscript(key: String) -> JSONNode? {
        guard case .object(let members) = kind else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A short name of the JSON type, for error messages ("expected a string, found a number").
    package var typeName: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A 1-based line and column in a source file (columns count unicode scalars).
package struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    package var line: Int
    package var column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    package var description: String { "\(line):\(column)" }
}
