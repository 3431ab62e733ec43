import Foundation

/// `evflow serve --store postgres://…` worker processes sharing one database: each runs the API, the webhook
/// receiver and a worker, and claims whatever instance is due (`SKIP LOCKED`), woken by LISTEN/NOTIFY.
final class PGWorkers {
    /// A dummy API token (serve wants at least 32 characters) and webhook secret, per run.
    let token = "pg-bench-token-" + UUID().uuidString
    let webhookSecret = "pg-bench-webhook-" + UUID().uuidString
    private(set) var processes: [ScaleProcess] = []
    /// `http://127.0.0.1:PORT` of each worker.
    private(set) var baseURLs: [String] = []

    /// Runs `evflow db migrate` on `storeURL`, then starts `count` workers on it.
    init(count: Int, storeURL: String, tools: ScaleTools, simulatorURL: String) throws {
        let migrate = try ScaleProcess.run(tools.evflow, ["db", "migrate", "--store", storeURL])
        guard migrate.status == 0 else {
            throw BenchError("evflow db migrate --store \(storeURL) exited \(migrate.status): \(migrate.errors.suffix(800))")
        }
        var environment = ScaleTools.paymentEnvironment(baseURL: simulatorURL)
        environment["EVFLOW_API_TOKENS"] = token
        environment["EPAYMENT_WEBHOOK_SECRET"] = webhookSecret
        // A pool size to try (`EVFLOW_DB_CONNECTIONS=32 evflow-bench pg`); the workers' default otherwise.
        if let connections = ProcessInfo.processInfo.environment["EVFLOW_DB_CONNECTIONS"] { environment["EVFLOW_DB_CONNECTIONS"] = connections }
        do {
            for _ in 0..<count {
                let serve = try ScaleProcess(tools.evflow, [
                    "serve", "--host", "127.0.0.1", "--port", "0", "--store", storeURL, "--flows-dir", tools.flows,
                    "--log-level", "warning",
                ], environment: environment)
                processes.append(serve)
            }
            for serve in processes {
                let listening = try serve.waitForLine(containing: "evflow serve listening on ", timeout: .seconds(60))
                guard let start = listening.text.range(of: "http://") else { throw BenchError("unexpected serve line: \(listening.text)") }
                let url = listening.text[start.lowerBound...].prefix { !$0.isWhitespace }
                baseURLs.append(String(url))
            }
        } catch {
            stop()
            throw error
        }
    }

    /// CPU seconds every worker has used so far (utime + stime from /proc).
    func cpuSeconds() -> Double {
        processes.reduce(0) { total, serve in
            guard let stat = try? String(contentsOfFile: "/proc/\(serve.pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return total }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
            return total + (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
    }

    /// SIGTERM to every worker, then waits for them (SIGKILL after 20 s).
    func stop() {
        for serve in processes where serve.process.isRunning { kill(serve.pid, SIGTERM) }
        for serve in processes { serve.stop() }
        processes = []
    }

    deinit { stop() }
}
