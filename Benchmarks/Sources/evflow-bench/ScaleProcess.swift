import Foundation

/// A child process of the scale and scenario suites (`evflow`, `epayment-sim`): run to completion and timed,
/// or kept running while the benchmark watches its output lines and its memory.
final class ScaleProcess {
    /// What a finished command left behind.
    struct Completion {
        var status: Int32
        var output: Data
        var errors: String
        /// Wall time from launch to exit.
        var seconds: Double
    }

    let process = Process()
    let output: ScaleOutputLines
    let errors: ScaleOutputLines
    let launchedAt: ContinuousClock.Instant
    var pid: Int32 { process.processIdentifier }

    /// Launches `executable`; its stdout and stderr lines are collected (see ``ScaleOutputLines``).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        output = ScaleOutputLines(out)
        errors = ScaleOutputLines(err)
        launchedAt = ContinuousClock.now
        do {
            try process.run()
        } catch {
            throw BenchError("cannot launch \(executable): \(error.localizedDescription)")
        }
    }

    /// Waits until a line containing `text` arrives on stdout (or stderr, with `onErrors`), the process exits, or
    /// `timeout` passes.
    func waitForLine(containing text: String, onErrors: Bool = false, timeout: Duration) throws -> ScaleOutputLines.Line {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let lines = onErrors ? errors : output
        while ContinuousClock.now < deadline {
            if let line = lines.first(containing: text) { return line }
            if !process.isRunning {
                usleep(50_000)
                if let line = lines.first(containing: text) { return line }
                throw BenchError("\(name) exited with \(process.terminationStatus) before printing \"\(text)\":\n\(errors.tail())\n\(output.tail())")
            }
            usleep(2_000)
        }
        throw BenchError("\(name) did not print \"\(text)\" within \(timeout):\n\(errors.tail())\n\(output.tail())")
    }

    /// `VmRSS` and `VmHWM` (peak) from /proc, in MiB.
    func memory() -> (rss: Double, peak: Double)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// Sends `signal` and waits for the exit; `SIGKILL` after `grace`.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(20)) -> Int32 {
        if process.isRunning { kill(pid, signal) }
        let deadline = ContinuousClock.now.advanced(by: grace)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private var name: String { process.executableURL?.lastPathComponent ?? "child" }

    /// Runs a command to completion, draining its stdout (the way a pipe into `wc -l` would) and timing it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Completion {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-bench-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = out
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        let start = ContinuousClock.now
        do {
            try process.run()
        } catch {
            throw BenchError("cannot launch \(executable): \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        try? errorHandle.close()
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Completion(status: process.terminationStatus, output: data, errors: errors, seconds: elapsed.scaleSeconds)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (named for this suite so it cannot clash with another suite's helper).
    var scaleSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
