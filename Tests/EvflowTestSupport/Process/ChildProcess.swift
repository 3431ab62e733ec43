import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process a test starts: a built binary (see ``BuiltProduct``), `python3` or a shell, with arguments,
/// an environment and optional standard input; stdout and stderr are collected in files and a timeout kills it.
///
/// Why files and not pipes: a chatty child never blocks on a full pipe, and nothing has to read while the test
/// waits, so no thread is parked on a read (Swift concurrency's cooperative pool has as many threads as cores, and
/// the in-process simulator a child talks to needs them). Waiting for the exit is a continuation resumed by
/// Foundation's termination handler, never `waitUntilExit()`.
///
/// Foundation's `Process.run` crashes when the test process has more than about 1,360 descriptors open (it copies
/// every `/proc/self/fd` entry's whole `d_name`: swift-corelibs-foundation `findMaximumOpenFromProcSelfFD`);
/// `make test` keeps at most 12 tests running at once (about 600 descriptors). ``init(_:_:environment:standardInput:mergingStandardError:)``
/// refuses to launch past ``descriptorCeiling``, so a leak shows as a test failure that says so, not as a crash of
/// the whole test run.
///
/// ```swift
/// let run = try await ChildProcess.run(try BuiltProduct.evflow.url(), ["validate", "flows/"])
/// #expect(run.status == 0, "\(run)")
/// ```
package final class ChildProcess: @unchecked Sendable {  // Process is not Sendable; it is only touched as documented by Foundation.
    /// What a finished child left behind.
    package struct Output: Sendable, CustomStringConvertible {
        /// The exit status, or the signal number when ``killedBySignal``.
        package var status: Int32
        /// It ended by a signal (SIGKILL, an abort) rather than by exiting.
        package var killedBySignal: Bool
        /// It was still running at the deadline and was killed.
        package var timedOut: Bool
        package var stdout: String
        /// Empty when the child was started with `mergingStandardError`.
        package var stderr: String

        /// Both streams, stdout first, for checks that do not care which one a line went to.
        package var output: String { stderr.isEmpty ? stdout : stdout + stderr }

        package var description: String {
            let end = timedOut ? "killed after its timeout" : killedBySignal ? "killed by signal \(status)" : "exit \(status)"
            return "\(end)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
        }
    }

    /// Launching is refused with more descriptors open than this (see the type's documentation).
    package static let descriptorCeiling = 1_200

    private struct State {
        var exited = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        var output: Output?
    }

    /// Shared with the termination handler, which must not retain the child.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let process = Process()
    private let shared = Shared()
    /// Holds the output files; removed when the child is finished.
    private let folder: URL
    private let mergesStandardError: Bool
    /// The command line, for failure messages.
    package let commandLine: String

    /// Starts `executable`.
    /// - Parameters:
    ///   - environment: the child's whole environment; `nil` inherits this process's (see ``environment(adding:removingPrefixes:)``).
    ///   - standardInput: what the child reads on stdin; `nil` gives it `/dev/null`.
    ///   - mergingStandardError: stderr goes to the same file as stdout, interleaved as written (server logs).
    /// - Throws: when the executable cannot be started, or more than ``descriptorCeiling`` descriptors are open.
    package init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                 standardInput: String? = nil, mergingStandardError: Bool = false) throws {
        commandLine = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        mergesStandardError = mergingStandardError
        if let open = Self.openDescriptorCount(), open > Self.descriptorCeiling {
            throw LaunchRefused(commandLine: commandLine, openDescriptors: open)
        }
        folder = try TemporaryFolder.make("evflow-child")
        let shared = self.shared
        do {
            _ = FileManager.default.createFile(atPath: folder.appending(path: "stdout").path, contents: nil)
            _ = FileManager.default.createFile(atPath: folder.appending(path: "stderr").path, contents: nil)
            let stdout = try FileHandle(forWritingTo: folder.appending(path: "stdout"))
            let stderr = mergingStandardError ? stdout : try FileHandle(forWritingTo: folder.appending(path: "stderr"))
            var stdin = FileHandle.nullDevice
            if let standardInput {
                let file = folder.appending(path: "stdin")
                try Data(standardInput.utf8).write(to: file)
                stdin = try FileHandle(forReadingFrom: file)
            }
            // The child has its own copies once it runs; closing ours keeps the test process's descriptors few.
            defer {
                try? stdout.close()
                if !mergingStandardError { try? stderr.close() }
                if standardInput != nil { try? stdin.close() }
            }
            process.executableURL = executable
            process.arguments = arguments
            if let environment { process.environment = environment }
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
            process.terminationHandler = { _ in
                let waiters = shared.state.withLock { state in
                    state.exited = true
                    defer { state.waiters = [:] }
                    return Array(state.waiters.values)
                }
                for waiter in waiters { waiter.resume() }
            }
            try process.run()
        } catch {
            TemporaryFolder.remove(folder)
            throw error
        }
    }

    deinit {
        // A test that forgot its child (or threw before finishing it) must not leave it running.
        if !shared.state.withLock(\.exited) { deliver(SIGKILL, to: process.processIdentifier) }
        TemporaryFolder.remove(folder)
    }

    /// Runs `executable` to completion (killing it after `timeout`) and returns what it printed.
    package static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                            standardInput: String? = nil, mergingStandardError: Bool = false,
                            timeout: Duration = .seconds(120)) async throws -> Output {
        let child = try ChildProcess(executable, arguments, environment: environment, standardInput: standardInput,
                                     mergingStandardError: mergingStandardError)
        return await child.finish(timeout: timeout)
    }

    /// Runs `executable` to completion, blocking the calling thread: only for a one-off probe evaluated outside a
    /// test (an `.enabled(if:)` condition), where no `await` is possible.
    package static func runBlocking(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let child = try ChildProcess(executable, arguments, environment: environment)
        child.process.waitUntilExit()
        return child.collect(timedOut: false)
    }

    /// This process's environment with `extra` set and every variable starting with one of `prefixes` removed
    /// (so a developer's own `EVFLOW_*` or `EPAYMENT_*` settings cannot leak into a test).
    package static func environment(adding extra: [String: String] = [:], removingPrefixes prefixes: [String] = []) -> [String: String] {
        ProcessInfo.processInfo.environment
            .filter { variable in !prefixes.contains { variable.key.hasPrefix($0) } }
            .merging(extra) { _, new in new }
    }

    package var processIdentifier: Int32 { process.processIdentifier }

    /// Whether it is still running (its exit has not been reaped yet).
    package var isRunning: Bool { !shared.state.withLock(\.exited) }

    /// Sends `signal` (SIGTERM, SIGINT, SIGKILL, SIGSTOP) unless it has exited.
    package func send(_ signal: Int32) {
        guard isRunning else { return }
        deliver(signal, to: process.processIdentifier)
    }

    /// SIGTERM, as a supervisor stops it.
    package func terminate() { send(SIGTERM) }

    /// SIGINT, as Ctrl-C.
    package func interrupt() { send(SIGINT) }

    /// SIGKILL: no shutdown.
    package func kill() { send(SIGKILL) }

    /// What it wrote to stdout so far (the whole output once it exited), for waiting on a line it prints.
    package var standardOutputSoFar: String {
        (try? String(contentsOf: folder.appending(path: "stdout"), encoding: .utf8)) ?? ""
    }

    /// Waits for the exit, at most `timeout`.
    /// - Returns: whether it exited in time.
    package func waitForExit(timeout: Duration) async -> Bool {
        let exited = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.exited(); return !Task.isCancelled }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        return exited || !isRunning
    }

    /// Waits for it to exit, SIGKILLing it after `timeout`, and returns its output. Calling it again returns the
    /// same output.
    package func finish(timeout: Duration = .seconds(120)) async -> Output {
        if let output = shared.state.withLock(\.output) { return output }
        let timedOut = await !waitForExit(timeout: timeout)
        if timedOut {
            kill()
            // Bounded too: a grandchild still holding the descriptor Foundation watches keeps the exit unseen.
            _ = await waitForExit(timeout: .seconds(10))
        }
        return collect(timedOut: timedOut)
    }

    /// Suspends until the exit is reaped, or the task is cancelled.
    private func exited() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = shared.state.withLock { state -> Bool in
                    if state.exited || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            shared.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func collect(timedOut: Bool) -> Output {
        let read = { (name: String) in (try? String(contentsOf: self.folder.appending(path: name), encoding: .utf8)) ?? "" }
        // Not reaped (the waiting task was cancelled, or a grandchild holds the descriptor Foundation watches):
        // Foundation traps on the status of a running process, so report it as killed by SIGKILL, which it was sent.
        guard shared.state.withLock(\.exited) else {
            return Output(status: SIGKILL, killedBySignal: true, timedOut: true, stdout: read("stdout"), stderr: mergesStandardError ? "" : read("stderr"))
        }
        let output = Output(status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal,
                            timedOut: timedOut, stdout: read("stdout"), stderr: mergesStandardError ? "" : read("stderr"))
        shared.state.withLock { $0.output = output }
        return output
    }

    /// Descriptors open in this process, where `/proc` says (Linux).
    package static func openDescriptorCount() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map(\.count)
    }

    /// The test process had too many descriptors open to start a child safely.
    package struct LaunchRefused: Error, CustomStringConvertible {
        package var commandLine: String
        package var openDescriptors: Int
        package var description: String {
            "not starting \(commandLine): \(openDescriptors) descriptors are open (more than \(ChildProcess.descriptorCeiling)), and "
                + "Foundation's Process.run crashes past about 1,360; a test leaks descriptors, or more than `make test`'s 12 run at once"
        }
    }
}

/// `kill(2)`, out of reach of ``ChildProcess/kill()``'s name.
private func deliver(_ signal: Int32, to process: pid_t) {
    _ = kill(process, signal)
}
