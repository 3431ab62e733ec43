import CurlHTTP
import EvflowTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `evflow serve` as a child process that the campaign SIGKILLs and restarts on the same port and state
/// folder, so the simulator's webhook URL stays valid; every incarnation's output is appended to one log file.
actor ChaosServer {
    let binary: URL
    let arguments: [String]
    let environment: [String: String]
    let baseURL: String
    let http: HTTPClient
    let logFile: URL
    private var current: ChildProcess?
    private(set) var launches = 0
    private(set) var kills = 0

    init(binary: URL, arguments: [String], environment: [String: String], baseURL: String, http: HTTPClient, logFile: URL) {
        self.binary = binary
        self.arguments = arguments
        self.environment = environment
        self.baseURL = baseURL
        self.http = http
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
    }

    /// Starts an incarnation and waits for `/healthz`. A start that dies at once (the port not yet released by
    /// the killed one) is retried a few times.
    func launch() async throws {
        var lastOutput = ""
        for _ in 1...5 {
            launches += 1
            let launched = try ServeBinaryTests.launch(binary, arguments, environment)
            if await waitUntilHealthy(launched) {
                current = launched
                return
            }
            launched.kill()
            lastOutput = try await keepOutput(of: launched, note: "did not become healthy")
            try await Task.sleep(for: .milliseconds(300))
        }
        throw ChaosSessionDriver.Failure("evflow serve did not become healthy on \(baseURL) in 5 starts; last output:\n\(lastOutput)")
    }

    /// SIGKILLs the running incarnation: no shutdown, steps cut wherever they are.
    /// - Returns: the killed process id.
    @discardableResult
    func killNow() async throws -> Int32 {
        guard let launched = current else { return 0 }
        current = nil
        let pid = launched.processIdentifier
        launched.kill()
        kills += 1
        _ = try await keepOutput(of: launched, note: "SIGKILL #\(kills)")
        return pid
    }

    /// SIGTERM, as an operator stops it: the exit status and the incarnation's output.
    func stopGracefully() async throws -> (status: Int32, exitedNormally: Bool, output: String) {
        guard let launched = current else { throw ChaosSessionDriver.Failure("evflow serve is not running") }
        current = nil
        launched.terminate()
        let output = try await keepOutput(of: launched, note: "SIGTERM", timeout: .seconds(60))
        let result = await launched.finish()  // the output kept above, with the status
        return (result.status, !result.killedBySignal, output)
    }

    private func keepOutput(of launched: ChildProcess, note: String, timeout: Duration = .seconds(30)) async throws -> String {
        let result = await launched.finish(timeout: timeout)
        let output = result.output + (result.timedOut ? "\n[did not stop within \(timeout)]" : "")
        let handle = try FileHandle(forWritingTo: logFile)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("=== incarnation pid \(launched.processIdentifier), ended by \(note)\n\(output)\n".utf8))
        return output
    }

    private func waitUntilHealthy(_ process: ChildProcess) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while clock.now < deadline, process.isRunning {
            let request = HTTPRequest(method: .get, url: baseURL + "/healthz", timeout: .seconds(2))
            if let reply = try? await http.execute(request), reply.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
