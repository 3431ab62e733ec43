import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Logging
import PostgresStore
import Testing

/// The scale-out fault campaign (issue 15, item 9, `make chaos-pg`): N charging sessions through three
/// `evflow serve` processes sharing one PostgreSQL database (a throwaway cluster of this test's own), the
/// sessions' API calls spread over the three and the simulator's webhooks delivered to all three, while the
/// simulator injects the file campaign's faults, a random server is SIGKILLed every few seconds and restarted,
/// one server is SIGSTOPped past its lease and resumed (``ChaosZombie``), and the database is restarted with
/// `pg_ctl restart -m immediate` once, mid-run. Leases last ``leaseSeconds`` so takeovers happen within the run.
///
/// The verdict is the file campaign's (``ChaosVerdict``: the provider's ledger and the database), and the servers'
/// `/metrics` must show at least one takeover and one fencing rejection once the zombie ran. `make test` runs it
/// with 40 sessions; `make chaos-pg` with 1,000 (`EVFLOW_CHAOS_SESSIONS`, `EVFLOW_CHAOS_SEED`,
/// `EVFLOW_CHAOS_CONCURRENCY` as for the file campaign; `EVFLOW_CHAOS_OPERATOR_RATE` adds the operator, off by
/// default here).
@Suite(.serialized, .enabled(if: ThrowawayPostgres.isAvailable, "needs PostgreSQL (make test installs it)"))
struct PostgresChaosCampaignTests {
    static let servers = 3
    static let leaseSeconds = 3.0

    struct Summary: Sendable {
        var outcomes: [ChaosSessionDriver.Outcome]
        var ledger: Ledger
        var kills: Int
        var launches: Int
        var leases: ChaosLeaseCounters
        var zombie: ChaosZombie.Report
        var databaseRestarts: Int
        /// Sessions finished when the database was restarted: fewer than all, or the restart hit nothing.
        var finishedAtRestart: Int
        var bursts: [String: Int]
        var stops: [(status: Int32, exitedNormally: Bool, output: String)]
        var operatorRecords: [ChaosOperator.Record]
    }

    @Test(.timeLimit(.minutes(120)))
    func sessionsSurviveKillsAZombieAndADatabaseRestart() async throws {
        let configuration = try ChaosConfiguration.fromEnvironment(defaultSessions: 40, defaultConcurrency: 12, defaultOperatorRate: 0)
        print("chaos-pg: \(configuration) servers=\(Self.servers) lease=\(Self.leaseSeconds)s")
        let binary = try BuiltProduct.evflow.url()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-chaos-pg-\(configuration.seed)-\(UUID().uuidString.prefix(8))")
        let flows = work.appendingPathComponent("flows")
        try FileManager.default.createDirectory(at: flows, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Repository.path("flows/ev-charging.json"), to: flows.appendingPathComponent("ev-charging.json"))
        let cluster = try await ThrowawayPostgres.start("evflow-chaos-pg")
        do {
            try await campaign(configuration, binary: binary, cluster: cluster, flows: flows, work: work)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func campaign(_ configuration: ChaosConfiguration, binary: URL, cluster: ThrowawayPostgres, flows: URL, work: URL) async throws {
        let migrated = try await BuiltProduct.evflow.run(["db", "migrate", "--store", cluster.url])
        try #require(migrated.status == 0, "evflow db migrate: \(migrated)")
        let plans = (0..<configuration.sessions).map { ChaosSessionPlan.make(index: $0, seed: configuration.seed, prefix: "chaospg") }
        let began = ContinuousClock.now
        let summary = try await run(configuration, plans: plans, binary: binary, cluster: cluster, flows: flows, work: work)
        let elapsed = (ContinuousClock.now - began).secondsValue
        let moves = Dictionary(grouping: summary.operatorRecords.filter(\.mayHaveMoved).sorted { $0.beganAt < $1.beganAt }) { $0.id ?? "" }
        let verdict = ChaosVerdict(plans: plans, outcomes: summary.outcomes, ledger: summary.ledger, moves: moves) {
            try PostgresInstanceStore(address: try PostgresAddress(cluster.url))
        }
        let finished = summary.outcomes.count { $0.problem == nil && ($0.status == "succeeded" || $0.status == "failed") }
        let line = "chaos-pg summary: sessions=\(plans.count) finished=\(finished) problems=\(verdict.problems.count) servers=\(Self.servers)"
            + " kills=\(summary.kills) starts=\(summary.launches) takeovers=\(summary.leases.takeovers) fencing rejections=\(summary.leases.fencingRejections)"
            + " database restarts=\(summary.databaseRestarts) \(summary.zombie) operator=\(summary.operatorRecords.count) commands"
            + " elapsed=\(String(format: "%.1f", elapsed))s seed=\(configuration.seed)"
        print(line)
        for (number, stop) in summary.stops.enumerated() {
            #expect(stop.status == 0 && stop.exitedNormally, "server \(number): the final SIGTERM should exit 0: \(stop.output.suffix(2000))")
        }
        #expect(summary.outcomes.count == plans.count)
        #expect(summary.databaseRestarts >= 1, "the database was restarted mid-run")
        #expect(summary.finishedAtRestart < plans.count, "sessions were still in flight when the database restarted (\(summary.finishedAtRestart) of \(plans.count) finished)")
        #expect(summary.zombie.ran, "a server was stopped holding a lease that another one took over: \(summary.zombie)")
        if summary.zombie.ran {
            #expect(summary.leases.takeovers >= 1, "takeovers on /metrics: \(line)")
            #expect(summary.leases.fencingRejections >= 1, "fencing rejections on /metrics: \(line)")
        }
        #expect(summary.bursts.values.reduce(0, +) > 0, "faults fired: \(summary.bursts)")
        if verdict.problems.isEmpty && ProcessInfo.processInfo.environment["EVFLOW_CHAOS_KEEP"] == nil {
            try? FileManager.default.removeItem(at: work)
        } else {
            for problem in verdict.problems.prefix(40) { print("chaos-pg: PROBLEM \(problem)") }
            print("chaos-pg: every server incarnation's output kept in \(work.path) (server-N.log)")
        }
        #expect(verdict.problems.isEmpty, "\(verdict.problems.count) problems (first: \(verdict.problems.first ?? "")); \(line)")
    }

    /// The simulator, the station stub, three servers, the sessions, the killer, the fault injector and the
    /// disturbances (the zombie, then the database restart); ends with a graceful stop of every server.
    private func run(_ configuration: ChaosConfiguration, plans: [ChaosSessionPlan], binary: URL, cluster: ThrowawayPostgres,
                     flows: URL, work: URL) async throws -> Summary {
        let ports = try (0..<Self.servers).map { _ in try freePort() }
        let baseURLs = ports.map { "http://127.0.0.1:\($0)" }
        let simulatorConfiguration = configuration.simulator(webhookURLs: baseURLs.map { $0 + "/webhooks/epayment" })
        let station = StationBackendStub()
        return try await withSimulator(configuration: simulatorConfiguration, clock: .system(), logger: .quiet) { simulator in
            try await station.serve { stationURL in
                try await withHTTPClient(logger: .quiet) { http in
                    let environment = configuration.serverEnvironment(simulatorURL: simulator.baseURL, stationURL: stationURL)
                        .merging(["EVFLOW_LEASE_SECONDS": "\(Int(Self.leaseSeconds))"]) { $1 }
                    let pool = ChaosServerPool(ports.enumerated().map { number, port in
                        ChaosServer(binary: binary, arguments: ["serve", "--port", "\(port)", "--store", cluster.url, "--flows-dir", flows.path, "--log-level", "info"],
                                    environment: environment, baseURL: baseURLs[number], http: http,
                                    logFile: work.appendingPathComponent("server-\(number).log"))
                    })
                    let person = ChaosOperator(binary: binary, environment: environment, store: ["--store", cluster.url], flowsDirectory: flows,
                                               ids: plans.map(\.id), timeLimit: configuration.operatorTimeLimit,
                                               terminals: configuration.operatorTerminals)
                    let actions = ChaosOperatorAction.plan(count: configuration.operatorActions, sessions: plans.count,
                                                           concurrency: configuration.concurrency, seed: configuration.seed)
                    try await pool.launchAll()
                    let injector = ChaosFaultInjector(simulator: simulator, serverHTTPTimeoutSeconds: configuration.serverHTTPTimeoutSeconds)
                    var random = ChaosRandom(seed: configuration.seed, stream: 3)
                    let zombieIndex = Int.random(in: 0..<Self.servers, using: &random)
                    let zombie = ChaosZombie(cluster: cluster, leaseSeconds: Self.leaseSeconds)
                    // Stopped on every path: the injector's and the pool's loops run until it is, so a disturbance
                    // that throws must not leave them (and the servers) running until the time limit.
                    defer { injector.stop() }
                    let (outcomes, disturbance) = try await withThrowingTaskGroup(of: Void.self) { chaos in
                        chaos.addTask {
                            await injector.run(random: ChaosRandom(seed: configuration.seed, stream: 2), interval: configuration.burstInterval)
                        }
                        chaos.addTask { try await pool.killRepeatedly(configuration, until: injector) }
                        chaos.addTask { await pool.scrapeRepeatedly(every: .milliseconds(500), until: injector) }
                        async let disturbed = Self.disturb(pool, zombie: zombie, zombieIndex: zombieIndex, cluster: cluster,
                                                           sessions: plans.count, operator: person)
                        async let operated: Void = person.run(actions)
                        let outcomes = await ChaosCampaignTests.runSessions(plans, configuration, http: http, simulator: simulator,
                                                                             pool: pool, operator: person)
                        await operated
                        await ChaosCampaignTests.settle(plans.map(\.id).filter { !person.moves(of: $0).isEmpty }, configuration, http: http,
                                                        baseURLs: pool.baseURLs)
                        let disturbance = try await disturbed
                        injector.stop()
                        try await chaos.waitForAll()
                        return (outcomes, disturbance)
                    }
                    let stops = try await pool.stopAll()
                    try person.writeLog(to: work.appendingPathComponent("operator.log"))
                    return Summary(outcomes: outcomes, ledger: simulator.ledger(), kills: await pool.kills, launches: await pool.launches,
                                   leases: await pool.leaseCounters, zombie: disturbance.zombie, databaseRestarts: disturbance.restarts,
                                   finishedAtRestart: disturbance.finishedAtRestart, bursts: injector.bursts,
                                   stops: stops, operatorRecords: person.records)
                }
            }
        }
    }

    /// Once a tenth of the sessions are done, the zombie; once half are (and the zombie is done), the immediate
    /// restart of the database, with the servers running. `EVFLOW_CHAOS_PG_RESTARTS` = R restarts instead, once
    /// 1/(R+1), 2/(R+1), … of the sessions are done (the first of them after the zombie).
    private static func disturb(_ pool: ChaosServerPool, zombie: ChaosZombie, zombieIndex: Int, cluster: ThrowawayPostgres,
                                sessions: Int, operator person: ChaosOperator) async throws -> (zombie: ChaosZombie.Report, restarts: Int, finishedAtRestart: Int) {
        let began = ContinuousClock.now
        while person.sessionsFinished < max(1, sessions / 10) { try await Task.sleep(for: .milliseconds(100)) }
        let report = try await zombie.run(pool.servers[zombieIndex], index: zombieIndex)
        print("chaos-pg: \(report)")
        let setting = ProcessInfo.processInfo.environment["EVFLOW_CHAOS_PG_RESTARTS"]
        guard let restarts = setting.map({ Int($0) }) ?? 1, restarts >= 1 else {
            throw ChaosSessionDriver.Failure("EVFLOW_CHAOS_PG_RESTARTS must be a whole number of restarts, at least 1 (got \(setting ?? ""))")
        }
        var finishedAtFirstRestart: Int?
        for number in 1...restarts {
            while person.sessionsFinished < sessions * number / (restarts + 1) { try await Task.sleep(for: .milliseconds(100)) }
            let restartAt = (ContinuousClock.now - began).secondsValue
            finishedAtFirstRestart = finishedAtFirstRestart ?? person.sessionsFinished
            try await cluster.restartImmediately()
            print("chaos-pg: PostgreSQL restarted (pg_ctl restart -m immediate) at +\(String(format: "%.1f", restartAt))s with \(person.sessionsFinished) of \(sessions) sessions finished, back after \(String(format: "%.1f", (ContinuousClock.now - began).secondsValue - restartAt))s")
        }
        return (report, restarts, finishedAtFirstRestart ?? 0)
    }
}
