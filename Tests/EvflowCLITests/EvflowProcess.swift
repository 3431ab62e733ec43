import Dispatch
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What one `evflow` run produced.
struct CommandResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// The stdout parsed as JSON.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// Runs the built `evflow` executable (the one `swift build --build-tests` put next to the test bundle)
/// with a state folder, a flows folder and `EPAYMENT_*` pointing at a simulator.
struct Evflow: Sendable {
    let stateDirectory: URL
    let flowsDirectory: URL
    let simulatorURL: String?
    var extraEnvironment: [String: String] = [:]

    /// The `evflow` binary: `EVFLOW_BINARY`, else next to the test bundle, else `.build/debug/evflow`.
    static let binary: URL = {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["EVFLOW_BINARY"] { candidates.append(URL(filePath: explicit)) }
        let argument = URL(filePath: CommandLine.arguments[0]).standardizedFileURL
        for base in [argument.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent(), argument.deletingLastPathComponent().deletingLastPathComponent()] {
            candidates.append(base.appending(path: "evflow"))
        }
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appending(path: ".build/debug/evflow"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EPAYMENT_") && !$0.key.hasPrefix("EVFLOW_") }
        environment["EVFLOW_STATE_DIR"] = stateDirectory.path
        if let simulatorURL {
            environment["EPAYMENT_BASE_URL"] = simulatorURL
            environment["EPAYMENT_CLIENT_ID"] = "cli-test"
            environment["EPAYMENT_CLIENT_SECRET"] = "cli-test-secret"
            environment["EPAYMENT_SUBSCRIPTION_KEY"] = "cli-test-key"
            environment["EPAYMENT_MSN"] = "123456"
        }
        environment.merge(extraEnvironment) { _, new in new }
        return environment
    }

    /// Runs `evflow <arguments>` (with `--flows-dir` added for commands that take it) and waits for it.
    func callAsFunction(_ arguments: String...) async throws -> CommandResult {
        try await run(arguments)
    }

    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let process = try launch(arguments)
        return try await process.finish(timeout: timeout)
    }

    /// Starts `evflow <arguments>` without waiting, for the worker.
    func launch(_ arguments: [String]) throws -> RunningProcess {
        var arguments = arguments
        let takesFlowsDir: Set<String> = ["start", "signal", "run", "list", "show", "resume", "retry", "cancel", "reconcile", "graph", "validate"]
        if let command = arguments.first, takesFlowsDir.contains(command), !arguments.contains("--flows-dir") {
            arguments += ["--flows-dir", flowsDirectory.path]
        }
        return try RunningProcess(executable: Self.binary, arguments: arguments, environment: environment)
    }
}

/// A child process whose output is collected on GCD threads, so waiting for it never blocks Swift
/// concurrency's cooperative pool (which the in-process simulator needs to answer the child).
final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let collected = DispatchGroup()
    private var stdoutData = Data()
    private var stderrData = Data()

    init(executable: URL, arguments: [String], environment: [String: String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isStdout) in [(stdoutPipe, true), (stderrPipe, false)] {
            collected.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if isStdout { self.stdoutData = data } else { self.stderrData = data }
                self.collected.leave()
            }
        }
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Sends a signal (SIGTERM, SIGINT) to the process.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit (killing it after `timeout`) and returns what it printed.
    func finish(timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let seconds = Double(timeout.components.seconds)
        let (status, timedOut): (Int32, Bool) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var timedOut = false
                if self.collected.wait(timeout: .now() + seconds) == .timedOut {
                    timedOut = true
                    kill(self.process.processIdentifier, SIGKILL)
                    self.collected.wait()
                }
                self.process.waitUntilExit()
                continuation.resume(returning: (self.process.terminationStatus, timedOut))
            }
        }
        let result = CommandResult(status: status, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
        if timedOut { Issue.record("evflow \(process.arguments?.joined(separator: " ") ?? "") timed out after \(timeout)\n\(result)") }
        return result
    }
}
