import CurlHTTP
import EvflowTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `evflow serve` as a child process that the campaign SIGKILLs and restarts on the same port and store,
/// so the simulator's webhook URL stays valid; every incarnation's output is appended to one log file. The
/// PostgreSQL campaign also SIGSTOPs one past its lease (``pause()``) and reads its lease counters from `/metrics`
/// (``scrapeLeaseCounters()``), which restart from zero with every incarnation.
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
    /// SIGSTOPped by ``pause()`` until ``resume()``.
    private(set) var isPaused = false
    /// Left alone by the killer from ``pause()`` until ``unspare()``, so the zombie's own counters survive.
    private(set) var isSpared = false
    /// The lease counters of incarnations that were killed (their last scrape), and of the running one.
    private var banked = ChaosLeaseCounters()
    private var latest = ChaosLeaseCounters()

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
    /// ``killNow()`` unless the zombie episode spares this server, checked and done in one actor turn, so a server
    /// paused between a separate check and the kill is never killed mid-episode. `nil` when spared.
    func killNowUnlessSpared() async throws -> Int32? {
        guard !isSpared else { return nil }
        return try await killNow()
    }

    func killNow() async throws -> Int32 {
        guard let launched = current else { return 0 }
        current = nil
        let pid = launched.processIdentifier
        launched.kill()
        kills += 1
        isPaused = false
        isSpared = false
        banked = banked + latest
        latest = ChaosLeaseCounters()
        _ = try await keepOutput(of: launched, note: "SIGKILL #\(kills)")
        return pid
    }

    /// The running incarnation's process id.
    var processIdentifier: Int32? { current?.processIdentifier }

    /// SIGSTOP: the process stops where it is, its leases unrenewed, as a worker paused by a VM migration or a
    /// long GC would; ``resume()`` lets it go on, a zombie whose late saves must be fenced.
    /// - Returns: the stopped process id, `nil` when none runs.
    func pause() -> Int32? {
        guard let launched = current else { return nil }
        launched.send(SIGSTOP)
        isPaused = true
        isSpared = true
        return launched.processIdentifier
    }

    /// SIGCONT after ``pause()``; the killer still spares it until ``unspare()``.
    func resume() {
        current?.send(SIGCONT)
        isPaused = false
    }

    /// The killer may kill it again.
    func unspare() { isSpared = false }

    /// Reads the running incarnation's lease counters from `/metrics` (nothing when it does not answer: stopped,
    /// killed, restarting).
    func scrapeLeaseCounters() async {
        guard current != nil, !isPaused else { return }
        let request = HTTPRequest(method: .get, url: baseURL + "/metrics", timeout: .seconds(2))
        guard let reply = try? await http.execute(request), reply.status == 200,
              let counters = ChaosLeaseCounters(metrics: String(decoding: reply.body, as: UTF8.self)) else { return }
        latest = counters
    }

    /// Takeovers and fencing rejections of every incarnation so far (up to each one's last scrape).
    var leaseCounters: ChaosLeaseCounters { banked + latest }

    /// SIGTERM, as an operator stops it: the exit status and the incarnation's output.
    func stopGracefully() async throws -> (status: Int32, exitedNormally: Bool, output: String) {
        guard let launched = current else { throw ChaosSessionDriver.Failure("evflow serve is not running") }
        await scrapeLeaseCounters()
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
        // Its own "listening" line first: a /healthz answer alone could come from another process that holds the
        // port (another campaign's server, picked the same free port), and the campaign would then talk to it.
        let listening = "evflow serve listening on \(baseURL) "
        while clock.now < deadline, process.isRunning {
            let request = HTTPRequest(method: .get, url: baseURL + "/healthz", timeout: .seconds(2))
            if process.standardOutputSoFar.contains(listening), let reply = try? await http.execute(request), reply.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
