import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Logging
import Testing

/// The fault campaign (issue 9, `make chaos`): N charging sessions through the built `evflow serve` while the
/// simulator injects 5xx, 429, timeouts, lost responses and resets and duplicates and reorders webhooks, and the
/// server is SIGKILLed every few seconds and restarted. The verdict comes from the provider's ledger and the
/// state folder (``ChaosVerdict``). Meanwhile an operator (``ChaosOperator``) types `evflow` commands on random
/// sessions: retries, restarts from a step, cancels, resumes, reconciles.
///
/// CI runs it at the default size through `make test`; `make chaos` runs 1,000 sessions. A failure prints the
/// seed and the plan of every failing session; `EVFLOW_CHAOS_SEED` replays the same plans, kill intervals and
/// fault bursts (their interleaving with the sessions depends on scheduling).
@Suite(.serialized)
struct ChaosCampaignTests {
    struct Summary: Sendable {
        var outcomes: [ChaosSessionDriver.Outcome]
        var ledger: Ledger
        var kills: Int
        var launches: Int
        var bursts: [String: Int]
        var statuses: [Int: Int]
        var webhookAttempts: Int
        var webhookFailures: Int
        var webhookDuplicates: Int
        var stopStatus: Int32
        var stoppedNormally: Bool
        var stopOutput: String
        var operatorRecords: [ChaosOperator.Record]
        var operatorCounts: String
    }

    @Test(.timeLimit(.minutes(120)))
    func sessionsSurviveFaultsKillsAndRestarts() async throws {
        let configuration = try ChaosConfiguration.fromEnvironment()
        print("chaos: \(configuration)")
        let binary = try BuiltProduct.evflow.url()
        let port = try freePort()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-chaos-\(configuration.seed)-\(UUID().uuidString.prefix(8))")
        let flows = work.appendingPathComponent("flows")
        let state = work.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: flows, withIntermediateDirectories: true)
        // The shipped definition, unchanged, alone in its folder.
        let shipped = Repository.path("flows/ev-charging.json")
        try FileManager.default.copyItem(at: shipped, to: flows.appendingPathComponent("ev-charging.json"))

        let plans = (0..<configuration.sessions).map { ChaosSessionPlan.make(index: $0, seed: configuration.seed) }
        let began = ContinuousClock.now
        let summary = try await campaign(configuration, plans: plans, binary: binary, port: port, flows: flows, state: state,
                                         work: work)
        let elapsed = (ContinuousClock.now - began).secondsValue
        let moves = Dictionary(grouping: summary.operatorRecords.filter(\.mayHaveMoved).sorted { $0.beganAt < $1.beganAt }) { $0.id ?? "" }
        let verdict = ChaosVerdict(plans: plans, outcomes: summary.outcomes, ledger: summary.ledger, moves: moves) {
            try FileInstanceStore(stateDirectory: state)
        }

        var line = Self.summaryLine(configuration, plans: plans, summary, elapsed: elapsed, problems: verdict.problems.count)
        var classes: [String: Int] = [:]
        for expectation in verdict.expectations.values where expectation != .planned { classes["\(expectation)", default: 0] += 1 }
        line += " operator: \(summary.operatorRecords.count) commands (\(summary.operatorCounts)); sessions "
            + (classes.isEmpty ? "none moved" : classes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print(line)
        #expect(summary.stopStatus == 0 && summary.stoppedNormally, "the final SIGTERM should exit 0: \(summary.stopOutput.suffix(2000))")
        #expect(summary.stopOutput.contains("evflow serve stopped"), "\(summary.stopOutput.suffix(2000))")
        #expect(summary.outcomes.count == plans.count)
        // A floor on the faults that fired, so the campaign cannot pass by injecting little: every kind of burst
        // fires; from 500 sessions on, every kind fires on each money-moving call (a burst lapses after
        // ChaosFaultInjector.burstWindow when no request reaches it).
        let money = [SimulatedOperation.createPayment, .capturePayment, .cancelPayment].map(\.rawValue)
        for kind in ["lost", "reset", "timeout"] {
            let fired = summary.bursts.filter { $0.key.hasPrefix("\(kind) ") }
            #expect(fired.values.reduce(0, +) > 0, "no \(kind) burst fired: \(summary.bursts)")
            if plans.count >= 500 {
                for operation in money { #expect((fired["\(kind) \(operation)"] ?? 0) > 0, "no \(kind) burst on \(operation): \(summary.bursts)") }
            }
        }
        // EVFLOW_CHAOS_KEEP=1 keeps the folder and prints the operator's commands after a passing run too.
        if verdict.problems.isEmpty && ProcessInfo.processInfo.environment["EVFLOW_CHAOS_KEEP"] == nil {
            try? FileManager.default.removeItem(at: work)
        } else {
            for record in summary.operatorRecords.sorted(by: { $0.beganAt < $1.beganAt }) { print("chaos: operator \(record)") }
            for problem in verdict.problems.prefix(40) { print("chaos: PROBLEM \(problem)") }
            print("chaos: state folder, every server incarnation's output and the operator's (operator.log) kept in \(work.path)")
        }
        #expect(verdict.problems.isEmpty, "\(verdict.problems.count) problems (first: \(verdict.problems.first ?? "")); \(line)")
    }

    /// Runs the simulator, the station stub and the server, the sessions, the killer and the fault injector;
    /// ends with a graceful stop of the server.
    private func campaign(_ configuration: ChaosConfiguration, plans: [ChaosSessionPlan], binary: URL, port: Int,
                          flows: URL, state: URL, work: URL) async throws -> Summary {
        let baseURL = "http://127.0.0.1:\(port)"
        let simulatorConfiguration = configuration.simulator(webhookURLs: [baseURL + "/webhooks/epayment"])
        let station = StationBackendStub()
        return try await withSimulator(configuration: simulatorConfiguration, clock: .system(), logger: .quiet) { simulator in
            try await station.serve { stationURL in
                try await withHTTPClient(logger: .quiet) { http in
                    let environment = configuration.serverEnvironment(simulatorURL: simulator.baseURL, stationURL: stationURL)
                    let server = ChaosServer(
                        binary: binary, arguments: ["serve", "--port", "\(port)", "--state-dir", state.path, "--flows-dir", flows.path],
                        environment: environment, baseURL: baseURL, http: http, logFile: work.appendingPathComponent("serve.log"))
                    let person = ChaosOperator(binary: binary, environment: environment, store: ["--state-dir", state.path], flowsDirectory: flows,
                                               ids: plans.map(\.id), timeLimit: configuration.operatorTimeLimit,
                                               terminals: configuration.operatorTerminals)
                    let actions = ChaosOperatorAction.plan(count: configuration.operatorActions, sessions: plans.count,
                                                           concurrency: configuration.concurrency, seed: configuration.seed)
                    let pool = ChaosServerPool([server])
                    try await pool.launchAll()
                    let injector = ChaosFaultInjector(simulator: simulator, serverHTTPTimeoutSeconds: configuration.serverHTTPTimeoutSeconds)
                    let outcomes = try await withThrowingTaskGroup(of: Void.self) { chaos in
                        chaos.addTask {
                            await injector.run(random: ChaosRandom(seed: configuration.seed, stream: 2), interval: configuration.burstInterval)
                        }
                        chaos.addTask { try await pool.killRepeatedly(configuration, until: injector) }
                        async let operated: Void = person.run(actions)
                        let outcomes = await Self.runSessions(plans, configuration, http: http, simulator: simulator,
                                                              pool: pool, operator: person)
                        await operated
                        // Faults and kills go on until the sessions the operator moved after their driver was done have finished too.
                        await Self.settle(plans.map(\.id).filter { !person.moves(of: $0).isEmpty }, configuration, http: http, baseURLs: pool.baseURLs)
                        injector.stop()
                        try await chaos.waitForAll()
                        return outcomes
                    }
                    let stop = try await server.stopGracefully()
                    try person.writeLog(to: work.appendingPathComponent("operator.log"))
                    let deliveries = simulator.webhookDeliveries()
                    var deliveredPerEvent: [String: Int] = [:]
                    for delivery in deliveries where delivery.delivered { deliveredPerEvent["\(delivery.reference) \(delivery.eventName)", default: 0] += 1 }
                    var statuses: [Int: Int] = [:]
                    for response in simulator.recordedResponses() { statuses[response.status, default: 0] += 1 }
                    return Summary(
                        outcomes: outcomes, ledger: simulator.ledger(), kills: await server.kills, launches: await server.launches,
                        bursts: injector.bursts, statuses: statuses, webhookAttempts: deliveries.count,
                        webhookFailures: deliveries.count { !$0.delivered },
                        webhookDuplicates: deliveredPerEvent.values.reduce(0) { $0 + max(0, $1 - 1) },
                        stopStatus: stop.status, stoppedNormally: stop.exitedNormally, stopOutput: stop.output,
                        operatorRecords: person.records, operatorCounts: person.counts)
                }
            }
        }
    }

    /// Every session in flight `configuration.concurrency` at a time, its API calls spread over the pool's servers;
    /// a progress line every tenth.
    static func runSessions(_ plans: [ChaosSessionPlan], _ configuration: ChaosConfiguration, http: HTTPClient,
                            simulator: Simulator, pool: ChaosServerPool, operator person: ChaosOperator) async -> [ChaosSessionDriver.Outcome] {
        let baseURLs = pool.baseURLs
        let began = ContinuousClock.now
        return await withTaskGroup(of: ChaosSessionDriver.Outcome.self) { group in
            var next = 0
            func startNext() {
                let plan = plans[next]
                next += 1
                person.sessionStarted()
                group.addTask {
                    let deadline = ContinuousClock.now.advanced(by: configuration.sessionDeadline)
                    return await ChaosSessionDriver(plan: plan, http: http, baseURLs: baseURLs, token: ServeFixture.token,
                                                    simulator: simulator, deadline: deadline, touched: { person.touched(plan.id) }).run()
                }
            }
            while next < configuration.concurrency { startNext() }
            var outcomes: [ChaosSessionDriver.Outcome] = []
            let step = max(1, plans.count / 10)
            while let outcome = await group.next() {
                outcomes.append(outcome)
                person.sessionFinished()
                if let problem = outcome.problem { print("chaos: \(outcome.plan.id) gave up: \(problem)") }
                if outcomes.count % step == 0 {
                    print("chaos: \(outcomes.count)/\(plans.count) sessions finished after \(Int((ContinuousClock.now - began).secondsValue))s, \(await pool.kills) kills")
                }
                if next < plans.count { startNext() }
            }
            return outcomes
        }
    }

    /// Waits until every one of `ids` has finished, as the API reports it, or the session deadline has passed;
    /// the verdict then finds any that did not.
    static func settle(_ ids: [String], _ configuration: ChaosConfiguration, http: HTTPClient, baseURLs: [String]) async {
        let began = ContinuousClock.now
        let deadline = began.advanced(by: configuration.sessionDeadline)
        var waiting = ids
        while !waiting.isEmpty, ContinuousClock.now < deadline {
            var still: [String] = []
            for (number, id) in waiting.enumerated() {
                let request = HTTPRequest(method: .get, url: baseURLs[number % baseURLs.count] + "/v1/instances/\(id)",
                                          headers: HTTPHeaders([("Authorization", "Bearer \(ServeFixture.token)")]), timeout: .seconds(10))
                let reply = try? await http.execute(request)
                let object = reply.flatMap { try? JSONDecoder().decode(APIInstance.self, from: Data($0.body)) }
                if object.map(ChaosSessionDriver.isFinished) != true { still.append(id) }
            }
            waiting = still
            if !waiting.isEmpty { try? await Task.sleep(for: .milliseconds(500)) }
        }
        print("chaos: \(ids.count) sessions the operator moved: \(ids.count - waiting.count) finished within \(Int((ContinuousClock.now - began).secondsValue))s after the sessions"
              + (waiting.isEmpty ? "" : "; not finished: \(waiting.prefix(20).joined(separator: ", "))"))
    }

    static func summaryLine(_ configuration: ChaosConfiguration, plans: [ChaosSessionPlan], _ summary: Summary, elapsed: Double, problems: Int) -> String {
        var kinds: [String: Int] = [:]
        for plan in plans { kinds[plan.kind.rawValue, default: 0] += 1 }
        var bursts: [String: Int] = [:]
        for (key, count) in summary.bursts { bursts[String(key.split(separator: " ")[0]), default: 0] += count }
        let finished = summary.outcomes.count { $0.problem == nil && ($0.status == "succeeded" || $0.status == "failed") }
        let seconds = summary.outcomes.map(\.seconds).sorted()
        let p50 = seconds.isEmpty ? 0 : seconds[seconds.count / 2]
        let retried = summary.outcomes.reduce(0) { $0 + $1.retriedCalls }
        let duplicates = summary.outcomes.reduce(0) { $0 + $1.duplicateSignals }
        return "chaos summary: sessions=\(plans.count) (" + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + ") finished=\(finished) problems=\(problems) kills=\(summary.kills) starts=\(summary.launches)"
            + " faults: 5xx=\(summary.statuses[500] ?? 0) 429=\(summary.statuses[429] ?? 0) lost=\(bursts["lost"] ?? 0) reset=\(bursts["reset"] ?? 0) timeout=\(bursts["timeout"] ?? 0) (bursts of up to 2 requests)"
            + " webhooks: attempts=\(summary.webhookAttempts) failed=\(summary.webhookFailures) duplicated=\(summary.webhookDuplicates)"
            + " driver retries=\(retried) duplicate signals=\(duplicates) session seconds p50=\(String(format: "%.1f", p50)) max=\(String(format: "%.1f", seconds.last ?? 0))"
            + " elapsed=\(String(format: "%.1f", elapsed))s seed=\(configuration.seed)"
    }
}
