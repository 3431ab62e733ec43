import Foundation

/// The DBOS peer (`Benchmarks/peers/dbos/ev_flow.py`): the same EV flow as a DBOS workflow on SQLite, run by
/// the virtual environment's Python as a child process against the same simulator, one process per
/// measurement (so each starts on a fresh SQLite database, as evflow starts on a fresh state folder).
struct FlowDBOSPeer: Sendable {
    /// `Benchmarks/`, found from this source file like ``BenchOptions/defaultOutput``.
    static let benchmarksDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = benchmarksDirectory.appendingPathComponent(".venv/bin/python").path
    static let script = benchmarksDirectory.appendingPathComponent("peers/dbos/ev_flow.py").path

    struct Measurement: Sendable {
        var load: FlowLoad.Result
        var version: String
        var line: String
    }

    let baseURL: String
    let stateDirectory: URL
    let pollInterval: Double
    let journalMode: String
    /// A `postgresql://` URL: DBOS on its PostgreSQL backend (the `pg` suite) instead of SQLite.
    var systemDatabaseURL: String? = nil

    /// Why the peer cannot run here, with what to do about it; `nil` when it can.
    static func unavailableReason() -> String? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return "no virtual environment at \(benchmarksDirectory.appendingPathComponent(".venv").path); create it with `make bench-peers` (python3 -m venv Benchmarks/.venv && Benchmarks/.venv/bin/pip install -r Benchmarks/peers/dbos/requirements.txt)"
        }
        guard FileManager.default.fileExists(atPath: script) else { return "the peer script \(script) is missing" }
        return nil
    }

    /// Runs one measurement; the child is waited for on a dispatch thread, not on the cooperative pool.
    func measure(concurrency: Int, warmup: Duration, window: Duration) async throws -> Measurement {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.measureBlocking(concurrency: concurrency, warmup: warmup, window: window) })
            }
        }
    }

    private func measureBlocking(concurrency: Int, warmup: Duration, window: Duration) throws -> Measurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [
            Self.script, "--base-url", baseURL, "--concurrency", String(concurrency),
            "--warmup", String(warmup / .seconds(1)), "--seconds", String(window / .seconds(1)),
            "--state-dir", stateDirectory.path, "--poll-interval", String(pollInterval), "--journal-mode", journalMode,
        ] + (systemDatabaseURL.map { ["--system-database-url", $0] } ?? [])
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end so that a chatty stderr cannot block the child.
        let collected = CollectedOutput()
        let group = DispatchGroup()
        for (pipe, isError) in [(output, false), (errors, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, isError: isError)
                group.leave()
            }
        }
        let limit = warmup / .seconds(1) + window / .seconds(1) + 240
        if group.wait(timeout: .now() + limit) == .timedOut {
            process.terminate()
            throw BenchError("the DBOS peer at concurrency \(concurrency) did not finish within \(Int(limit)) s; stopped it")
        }
        process.waitUntilExit()
        let (stdout, stderr) = collected.values
        let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let measured = object["flows_measured"] as? Int, let seconds = object["seconds"] as? Double else {
            throw BenchError("the DBOS peer at concurrency \(concurrency) exited \(process.terminationStatus) without a result line; stderr ends: \(String(stderr.suffix(800)))")
        }
        if let failures = object["failures"] as? Int, failures > 0 {
            throw BenchError("the DBOS peer had \(failures) failed session(s) at concurrency \(concurrency): \(object["failure_sample"] ?? "")")
        }
        let load = FlowLoad.Result(
            concurrency: concurrency, measured: measured, seconds: seconds,
            p50Milliseconds: object["p50_ms"] as? Double, p99Milliseconds: object["p99_ms"] as? Double,
            total: object["flows_total"] as? Int ?? measured, drainSeconds: object["drain_seconds"] as? Double ?? 0)
        return Measurement(load: load, version: object["dbos_version"] as? String ?? "unknown", line: line)
    }
}

/// The child's two output streams, filled by two reader threads.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var stdout = ""
    private var stderr = ""

    func set(_ data: Data, isError: Bool) {
        let text = String(decoding: data, as: UTF8.self)
        lock.withLock { if isError { stderr = text } else { stdout = text } }
    }

    var values: (String, String) { lock.withLock { (stdout, stderr) } }
}
