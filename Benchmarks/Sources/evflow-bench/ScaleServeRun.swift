import CurlHTTP
import Foundation

/// One start of `evflow serve` on a parked folder: how long until the worker has recovered every instance, and
/// how much memory the process holds once it has settled.
struct ScaleServeRun {
    /// Launch until the worker logged "worker started" (after `recover()` has scheduled every instance).
    var recoverySeconds: Double
    /// Launch until the HTTP listener printed its port (the two run concurrently).
    var listeningSeconds: Double
    /// Launch until `/healthz` first reported every instance scheduled.
    var healthySeconds: Double
    var rssMiB: Double
    var peakMiB: Double

    /// Starts `serve` on `fixture`, waits for readiness, checks `/healthz`, samples memory, stops it with SIGTERM.
    static func measure(_ fixture: ScaleFixture, tools: ScaleTools, simulatorURL: String) async throws -> ScaleServeRun {
        var environment = ScaleTools.paymentEnvironment(baseURL: simulatorURL)
        environment["EVFLOW_API_TOKENS"] = "bench-token-\(UUID().uuidString)"
        let serve = try ScaleProcess(tools.evflow, [
            "serve", "--host", "127.0.0.1", "--port", "0", "--state-dir", fixture.directory.path, "--flows-dir", tools.flows,
            "--log-level", "info",
        ], environment: environment)
        do {
            let run = try await watch(serve, fixture: fixture)
            let status = serve.stop()
            guard status == 0 else { throw BenchError("evflow serve exited with \(status) after SIGTERM:\n\(serve.errors.tail())") }
            return run
        } catch {
            serve.stop(signal: SIGKILL)
            throw error
        }
    }

    private static func watch(_ serve: ScaleProcess, fixture: ScaleFixture) async throws -> ScaleServeRun {
        // The worker logs this once `recover()` has read every instance file and scheduled the unfinished ones.
        let started = try serve.waitForLine(containing: "worker started", onErrors: true, timeout: .seconds(900))
        guard let unfinished = number(after: "unfinished=", in: started.text) else {
            throw BenchError("no unfinished=<n> in the worker's start line: \(started.text)")
        }
        guard unfinished == fixture.count else {
            throw BenchError("the worker recovered \(unfinished) unfinished instances, expected \(fixture.count):\n\(serve.errors.tail())")
        }
        let listening = try serve.waitForLine(containing: "evflow serve listening on ", timeout: .seconds(120))
        guard let urlStart = listening.text.range(of: "http://"),
              let urlEnd = listening.text[urlStart.lowerBound...].firstIndex(of: " ") else {
            throw BenchError("unexpected serve line: \(listening.text)")
        }
        let baseURL = String(listening.text[urlStart.lowerBound..<urlEnd])
        let healthy = try await waitUntilHealthy(baseURL, scheduled: fixture.count)
        let memory = try settledMemory(serve)
        return ScaleServeRun(
            recoverySeconds: (started.at - serve.launchedAt).scaleSeconds,
            listeningSeconds: (listening.at - serve.launchedAt).scaleSeconds,
            healthySeconds: (healthy - serve.launchedAt).scaleSeconds,
            rssMiB: memory.rss, peakMiB: memory.peak)
    }

    /// Polls `/healthz` until it answers 200 with `scheduled` equal to the folder's count.
    private static func waitUntilHealthy(_ baseURL: String, scheduled expected: Int) async throws -> ContinuousClock.Instant {
        try await withHTTPClient { client in
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            var last = "no answer"
            while ContinuousClock.now < deadline {
                if let response = try? await client.execute(HTTPRequest(url: baseURL + "/healthz", timeout: .seconds(5))) {
                    let now = ContinuousClock.now
                    last = "HTTP \(response.status): \(response.bodyText)"
                    if response.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                       object["scheduled"] as? Int == expected {
                        return now
                    }
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            throw BenchError("/healthz never reported \(expected) scheduled instances; last: \(last)")
        }
    }

    /// VmRSS once it stops moving (two samples 250 ms apart within 1%, at most 10 s), and the peak so far.
    private static func settledMemory(_ serve: ScaleProcess) throws -> (rss: Double, peak: Double) {
        guard var previous = serve.memory() else { throw BenchError("cannot read /proc/\(serve.pid)/status") }
        for _ in 0..<40 {
            usleep(250_000)
            guard let current = serve.memory() else { throw BenchError("evflow serve exited while settling:\n\(serve.errors.tail())") }
            if abs(current.rss - previous.rss) <= previous.rss * 0.01 { return current }
            previous = current
        }
        return previous
    }

    private static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
