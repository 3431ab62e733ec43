import ArgumentParser
import FlowEngine
import Foundation

/// `evflow validate`: checks definitions the way the runner loads them, reporting every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check flow definitions: every problem with file:line:column, JSON path and a hint.",
        discussion: """
            Paths are definition files or folders (every *.json in a folder except schema.json; flow names must \
            be unique within a folder). Without paths, --flows-dir is checked. Problems are printed like \
            compiler diagnostics, one per line, so editors can jump to them:

              flows/ev-charging.json:88:17: $.steps[6].amount: capture amount ... (hint: ...)

            Exit codes: 0 all valid, 2 any problem, 3 a path does not exist.

            Examples:
              evflow validate
              evflow validate flows/ev-charging.json
              evflow validate flows/ staging-flows/ --json
            """)

    @Argument(help: ArgumentHelp("Definition files or folders (default: --flows-dir).", valueName: "paths"))
    var paths: [String] = []

    @Option(name: .customLong("flows-dir"), help: ArgumentHelp("The folder checked when no path is given.", valueName: "path"))
    var flowsDirectory: String = "./flows"

    @Flag(help: "Print the problems (or the valid flows) as JSON.")
    var json = false

    func run() throws {
        var issues: [DefinitionIssue] = []
        var valid: [FlowDefinition] = []
        let loader = FlowDefinitionLoader()
        for path in paths.isEmpty ? [flowsDirectory] : paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandFailure(.notFound, "no such file or folder: \(path)")
            }
            do {
                if isDirectory.boolValue {
                    valid += try loader.load(directory: URL(filePath: path)).values.sorted { $0.file < $1.file }
                } else {
                    valid.append(try loader.load(fileAt: URL(filePath: path)))
                }
            } catch {
                issues += error.issues
            }
        }
        if json {
            try Output.printJSON(Report(
                valid: issues.isEmpty,
                flows: valid.map { Report.Flow(name: $0.name, version: $0.version, file: $0.file, contentHash: $0.contentHash) },
                problems: issues.map { Report.Problem(file: $0.file, line: $0.line, column: $0.column, jsonPath: $0.jsonPath, message: $0.message, hint: $0.hint) }))
        } else if issues.isEmpty {
            for definition in valid {
                print("ok  \(definition.file): \(definition.name) v\(definition.version) (\(definition.steps.count) steps)")
            }
        } else {
            for issue in issues { print(issue.description) }
            let files = Set(issues.map(\.file)).count
            Output.note("\(issues.count) problem\(issues.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")")
        }
        if !issues.isEmpty { throw ExitCode(CommandFailure.Status.usage.rawValue) }
    }

    /// What `validate --json` prints.
    struct Report: Encodable {
        struct Flow: Encodable {
            var name: String
            var version: Int
            var file: String
            var contentHash: String
        }

        struct Problem: Encodable {
            var file: String
            var line: Int
            var column: Int
            var jsonPath: String
            var message: String
            var hint: String?
        }

        var valid: Bool
        var flows: [Flow]
        var problems: [Problem]
    }
}
