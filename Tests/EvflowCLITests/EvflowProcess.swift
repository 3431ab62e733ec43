import EvflowTestSupport
import Foundation
import Testing

/// What one `evflow` run produced.
typealias CommandResult = ChildProcess.Output

extension ChildProcess.Output {
    /// The stdout decoded as `type`.
    func decode<Value: Decodable>(_ type: Value.Type, sourceLocation: SourceLocation = #_sourceLocation) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(stdout.utf8))
        } catch {
            Issue.record("stdout is not \(type): \(error)\n\(self)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// Runs the built `evflow` executable (see ``BuiltProduct/evflow``) with a state folder, a flows folder and
/// `EPAYMENT_*` pointing at a simulator.
struct Evflow: Sendable {
    let stateDirectory: URL
    let flowsDirectory: URL
    let simulatorURL: String?
    var extraEnvironment: [String: String] = [:]

    /// The test process's environment without its own `EPAYMENT_*` and `EVFLOW_*` settings, plus the bed's.
    var environment: [String: String] {
        var environment = ["EVFLOW_STATE_DIR": stateDirectory.path]
        if let simulatorURL {
            environment["EPAYMENT_BASE_URL"] = simulatorURL
            environment["EPAYMENT_CLIENT_ID"] = "cli-test"
            environment["EPAYMENT_CLIENT_SECRET"] = "cli-test-secret"
            environment["EPAYMENT_SUBSCRIPTION_KEY"] = "cli-test-key"
            environment["EPAYMENT_MSN"] = "123456"
        }
        environment.merge(extraEnvironment) { _, new in new }
        return ChildProcess.environment(adding: environment, removingPrefixes: ["EPAYMENT_", "EVFLOW_"])
    }

    /// Runs `evflow <arguments>` (with `--flows-dir` added for commands that take it) and waits for it.
    func callAsFunction(_ arguments: String...) async throws -> CommandResult {
        try await run(arguments)
    }

    /// Runs `evflow <arguments>`, failing the test if it is still running after `timeout` (it is then killed).
    func run(_ arguments: [String], timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async throws -> CommandResult {
        let result = try await launch(arguments).finish(timeout: timeout)
        if result.timedOut { Issue.record("evflow \(arguments.joined(separator: " ")) timed out after \(timeout)\n\(result)", sourceLocation: sourceLocation) }
        return result
    }

    /// Starts `evflow <arguments>` without waiting, for the worker.
    func launch(_ arguments: [String]) throws -> ChildProcess {
        var arguments = arguments
        let takesFlowsDir: Set<String> = ["start", "signal", "run", "list", "show", "resume", "retry", "cancel", "reconcile", "fsck", "graph", "validate"]
        if let command = arguments.first, takesFlowsDir.contains(command), !arguments.contains("--flows-dir") {
            arguments += ["--flows-dir", flowsDirectory.path]
        }
        return try BuiltProduct.evflow.launch(arguments, environment: environment)
    }
}
