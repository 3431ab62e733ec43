import ArgumentParser
import FlowEngine
import FlowTesting
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `evflow test`: runs flow-definition tests (`flows/tests/*.json`) on a virtual clock against the in-process
/// simulator, and says which expectations failed.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run flow-definition tests (scenario files) on a virtual clock against the embedded simulator.",
        discussion: """
            Each scenario file gives a flow, its input, how the customer, the payment provider and the station \
            behave, a timeline of signals at virtual times, and expectations (status, money captured, released \
            and refunded from the provider's ledger, captures, steps visited, notifications). Every scenario runs \
            on its own simulator and station over real sockets; a 12-hour session takes milliseconds. See \
            docs/flow-tests.md.

            Prints one line per scenario (✔, or ✘ with every failed expectation), then "N passed, M failed".

            Exit codes: 0 all passed; 1 a scenario failed; 2 a scenario file or definition is malformed (every \
            problem is listed with file:line:column and JSON path) or no scenario matched.

            Examples:
              evflow test                        # <flows-dir>/tests
              evflow test flows/tests/ev-cost-cap.json
              evflow test --filter ev-capture --json
            """
    )

    @Argument(help: "Scenario files or folders (default: <flows-dir>/tests).")
    var paths: [String] = []

    @Option(name: .customLong("flows-dir"), help: "The folder of flow definitions the scenarios run against.")
    var flowsDirectory: String = ProcessInfo.processInfo.environment["EVFLOW_FLOWS_DIR"] ?? "flows"

    @Option(help: "Run only scenarios whose name contains this text.")
    var filter: String?

    @Flag(help: "Print the results as JSON (for scripts) instead of lines.")
    var json = false

    @Option(help: "How many scenarios run at once (each has its own simulator and station; default: twice the cores, at most 16).")
    var jobs: Int = ScenarioRunner.defaultConcurrency

    func run() async throws {
        let flows = URL(filePath: flowsDirectory)
        let runner: ScenarioRunner
        let scenarios: [FlowScenario]
        do {
            runner = try ScenarioRunner(flowsDirectory: flows)
            let targets = paths.isEmpty ? [flows.appending(path: "tests")] : paths.map { URL(filePath: $0) }
            scenarios = try runner.load(paths: targets).filter { filter == nil || $0.name.contains(filter!) }
        } catch let error as ScenarioFileError {
            Self.standardError(error.description)
            throw ExitCode(2)
        } catch let error as DefinitionValidationError {
            Self.standardError(error.description)
            throw ExitCode(2)
        }
        guard !scenarios.isEmpty else {
            Self.standardError(filter.map { "no scenario name contains \"\($0)\"" } ?? "no scenario files found")
            throw ExitCode(2)
        }
        let printer = ResultPrinter(total: scenarios.count, json: json)
        printer.started()
        let results = await runner.run(scenarios, maximumConcurrency: max(1, jobs)) { result, finished in
            printer.finished(result, count: finished, index: scenarios.firstIndex { $0.name == result.name } ?? 0)
        }
        let failed = results.filter { !$0.passed }.count
        let summary = "\(results.count - failed) passed, \(failed) failed"
        if json {
            try Self.printJSON(Report(passed: results.count - failed, failed: failed, results: results))
            Self.standardError(summary)
        } else {
            print(summary)
        }
        if failed > 0 { throw ExitCode(1) }
    }

    struct Report: Encodable {
        var passed: Int
        var failed: Int
        var results: [ScenarioResult]
    }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// One line for a result: `✔ name (flow, 0.12s, 1h virtual)` or `✘ name (...): captured: expected ..., actual ...`.
    static func line(for result: ScenarioResult) -> String {
        let virtual = FlowDuration(milliseconds: Int64(result.virtualSeconds * 1000)).description
        let head = "\(result.passed ? "✔" : "✘") \(result.name) (\(result.flow), \(String(format: "%.2f", result.seconds))s, \(virtual) virtual)"
        return result.passed ? head : head + ": " + result.failures.map(\.description).joined(separator: "; ")
    }
}

/// Prints results in file order as they become available (scenarios may finish out of order when several run
/// at once), with a progress line on stderr when it is a terminal.
private final class ResultPrinter: Sendable {
    private struct State {
        var pending: [Int: ScenarioResult] = [:]
        var nextToPrint = 0
    }

    let total: Int
    let json: Bool
    private let state = Mutex(State())
    private let showsProgress = isatty(STDERR_FILENO) == 1

    init(total: Int, json: Bool) {
        self.total = total
        self.json = json
    }

    func started() {
        if showsProgress { FileHandle.standardError.write(Data("testing 0/\(total) …".utf8)) }
    }

    func finished(_ result: ScenarioResult, count: Int, index: Int) {
        state.withLock { state in
            state.pending[index] = result
            if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            while let ready = state.pending.removeValue(forKey: state.nextToPrint) {
                if !json { FileHandle.standardOutput.write(Data((TestCommand.line(for: ready) + "\n").utf8)) }
                state.nextToPrint += 1
            }
            if showsProgress && count < total {
                FileHandle.standardError.write(Data("testing \(count)/\(total) …".utf8))
            }
        }
    }
}
