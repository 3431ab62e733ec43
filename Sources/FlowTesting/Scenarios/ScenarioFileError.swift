import FlowEngine

/// One or more flow-test files could not be used: unreadable, invalid JSON, or a scenario that does not fit the
/// format or its flow (unknown signal, wrong input type, an expected step the flow does not have).
///
/// Every problem of every file is listed, each with its file, JSON path and line:column, like the definition
/// loader's errors: `flows/tests/ev.json:12:9: $.timeline[1].data.energyWh: expected integer, found a string`.
public struct ScenarioFileError: Error, Sendable, CustomStringConvertible {
    /// One problem at one place in one file: the same diagnostic the definition loader reports.
    public typealias Issue = DefinitionIssue

    /// Every problem, by file, then position.
    public var issues: [Issue]

    public init(issues: [Issue]) {
        self.issues = issues.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    public var description: String {
        let files = Set(issues.map(\.file)).count
        let header = "\(issues.count) problem\(issues.count == 1 ? "" : "s") in \(files) flow-test file\(files == 1 ? "" : "s"):"
        return ([header] + issues.map(\.description)).joined(separator: "\n")
    }
}
