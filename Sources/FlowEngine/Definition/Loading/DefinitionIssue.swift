/// One problem in a flow definition file: where it is (file, JSON path, line and column) and what is wrong.
///
/// Printed like a compiler diagnostic, so editors and terminals can jump to it:
/// `flows/ev-charging.json:42:17: $.steps[3].amount: expected money, but `inputs.kwh` is integer (hint: ...)`.
public struct DefinitionIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file, as given to the loader.
    public var file: String
    /// The JSON path of the offending value, for example `$.steps[3].amount`.
    public var jsonPath: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (counting characters; inside an expression, the column of the offending token).
    public var column: Int
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is a likely fix.
    public var hint: String?

    /// Creates an issue.
    public init(file: String, jsonPath: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.file = file
        self.jsonPath = jsonPath
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "\(file):\(line):\(column): \(jsonPath): \(message)\(hint.map { " (hint: \($0))" } ?? "")"
    }
}

/// A flow definition (or a folder of them) did not load. Lists every problem found, not only the first.
public struct DefinitionValidationError: Error, Sendable, CustomStringConvertible {
    /// Every problem, in file order, then by line and column.
    public var issues: [DefinitionIssue]

    /// Creates an error from issues, sorting them by file and position.
    public init(issues: [DefinitionIssue]) {
        self.issues = issues.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    public var description: String {
        let files = Set(issues.map(\.file)).count
        let header = "\(issues.count) problem\(issues.count == 1 ? "" : "s") in \(files) flow definition file\(files == 1 ? "" : "s"):"
        return ([header] + issues.map(\.description)).joined(separator: "\n")
    }
}
