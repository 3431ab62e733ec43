import Foundation

/// The size and pace of a fault campaign, from the environment so `make chaos N=1000` and CI's `make test` run
/// the same suite at different sizes.
///
/// - `EVFLOW_CHAOS_SESSIONS`: charging sessions to run (default 60: about 15 s alone on a 2-core machine).
/// - `EVFLOW_CHAOS_SEED`: the seed of every random decision (default 20261127); printed at the start.
/// - `EVFLOW_CHAOS_CONCURRENCY`: sessions in flight at once (default 40, at most the session count; `make test` runs
///   other suites alongside, so the default stays gentle).
/// - `EVFLOW_CHAOS_OPERATOR_RATE`: operator commands per session (default 0.4: about 400 at 1,000 sessions, two
///   dozen at 60; 0 leaves the operator out). See ``ChaosOperator``.
struct ChaosConfiguration: Sendable, CustomStringConvertible {
    static let sessionsVariable = "EVFLOW_CHAOS_SESSIONS"
    static let seedVariable = "EVFLOW_CHAOS_SEED"
    static let concurrencyVariable = "EVFLOW_CHAOS_CONCURRENCY"
    static let operatorRateVariable = "EVFLOW_CHAOS_OPERATOR_RATE"

    var sessions: Int
    var seed: UInt64
    var concurrency: Int
    /// Operator commands per session, spread over the run (``ChaosOperatorAction/plan(count:sessions:concurrency:seed:)``).
    var operatorRate = 0.4
    /// What one operator command may take before it is SIGKILLed, as a person gives up on a hung terminal.
    var operatorTimeLimit: Duration = .seconds(60)
    /// Operator commands running at once (two terminals).
    var operatorTerminals = 2
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

    /// - Parameters:
    ///   - defaultSessions, defaultConcurrency, defaultOperatorRate: what a campaign runs when the environment does
    ///     not say (the PostgreSQL campaign: 40 sessions, 12 in flight, no operator).
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, defaultSessions: UInt64 = 60,
                                defaultConcurrency: UInt64 = 40, defaultOperatorRate: Double = 0.4) throws -> ChaosConfiguration {
        func number(_ name: String, default value: UInt64) throws -> UInt64 {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let parsed = UInt64(text) else {
                throw ChaosSessionDriver.Failure("\(name) must be a non-negative integer, got '\(text)'")
            }
            return parsed
        }
        let sessions = Int(try number(sessionsVariable, default: defaultSessions))
        guard sessions >= 1 else { throw ChaosSessionDriver.Failure("\(sessionsVariable) must be at least 1") }
        let concurrency = Int(try number(concurrencyVariable, default: defaultConcurrency))
        guard concurrency >= 1 else { throw ChaosSessionDriver.Failure("\(concurrencyVariable) must be at least 1") }
        var configuration = ChaosConfiguration(sessions: sessions, seed: try number(seedVariable, default: 20_261_127),
                                               concurrency: min(concurrency, sessions))
        configuration.operatorRate = defaultOperatorRate
        if let text = environment[operatorRateVariable], !text.isEmpty {
            guard let rate = Double(text), rate >= 0, rate <= 100 else {
                throw ChaosSessionDriver.Failure("\(operatorRateVariable) must be a number of commands per session from 0 to 100, got '\(text)'")
            }
            configuration.operatorRate = rate
        }
        return configuration
    }

    /// How many commands the operator issues in the whole campaign.
    var operatorActions: Int { Int((operatorRate * Double(sessions)).rounded()) }

    var description: String {
        "sessions=\(sessions) seed=\(seed) concurrency=\(concurrency) operator=\(operatorActions) commands (\(operatorRate)/session)"
            + " (replay: \(Self.sessionsVariable)=\(sessions) \(Self.seedVariable)=\(seed) \(Self.operatorRateVariable)=\(operatorRate))"
    }
}
