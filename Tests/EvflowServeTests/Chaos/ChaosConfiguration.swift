import Foundation

/// The size and pace of a fault campaign, from the environment so `make chaos N=1000` and CI's `make test` run
/// the same suite at different sizes.
///
/// - `EVFLOW_CHAOS_SESSIONS`: charging sessions to run (default 60: about 15 s alone on a 2-core machine).
/// - `EVFLOW_CHAOS_SEED`: the seed of every random decision (default 20261127); printed at the start.
/// - `EVFLOW_CHAOS_CONCURRENCY`: sessions in flight at once (default 40, at most the session count; `make test` runs
///   other suites alongside, so the default stays gentle).
struct ChaosConfiguration: Sendable, CustomStringConvertible {
    static let sessionsVariable = "EVFLOW_CHAOS_SESSIONS"
    static let seedVariable = "EVFLOW_CHAOS_SEED"
    static let concurrencyVariable = "EVFLOW_CHAOS_CONCURRENCY"

    var sessions: Int
    var seed: UInt64
    var concurrency: Int
    /// What `evflow serve` allows one outbound request (`EVFLOW_HTTP_TIMEOUT`); injected latency goes beyond it.
    var serverHTTPTimeoutSeconds = 3.0
    /// The pause between two SIGKILLs of the server, drawn per kill.
    var killInterval: ClosedRange<Double> = 1...4
    /// How long the server stays down after a kill, drawn per kill: webhooks and API calls fail meanwhile.
    var downtime: ClosedRange<Double> = 0...0.5
    /// The pause between two armed fault bursts (lost response, reset, timeout).
    var burstInterval: ClosedRange<Double> = 0.15...0.6
    /// How long one session may take from its start to a finished instance before it counts as stuck. Generous:
    /// a session can sit through several restarts and a flow-level retry backoff.
    var sessionDeadline: Duration = .seconds(300)

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ChaosConfiguration {
        func number(_ name: String, default value: UInt64) throws -> UInt64 {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let parsed = UInt64(text) else {
                throw ChaosSessionDriver.Failure("\(name) must be a non-negative integer, got '\(text)'")
            }
            return parsed
        }
        let sessions = Int(try number(sessionsVariable, default: 60))
        guard sessions >= 1 else { throw ChaosSessionDriver.Failure("\(sessionsVariable) must be at least 1") }
        let concurrency = Int(try number(concurrencyVariable, default: 40))
        guard concurrency >= 1 else { throw ChaosSessionDriver.Failure("\(concurrencyVariable) must be at least 1") }
        return ChaosConfiguration(sessions: sessions, seed: try number(seedVariable, default: 20_261_127),
                                  concurrency: min(concurrency, sessions))
    }

    var description: String {
        "sessions=\(sessions) seed=\(seed) concurrency=\(concurrency) (replay: \(Self.sessionsVariable)=\(sessions) \(Self.seedVariable)=\(seed))"
    }
}
