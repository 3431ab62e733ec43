import CurlHTTP
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `evflow-bench pg`: the EV flow on PostgreSQL, side by side in one run: `evflow serve --store postgres://…` at
/// 1, 16 and 256 sessions in flight; 1, 2 and 4 workers sharing the database; the DBOS peer on its own database
/// of the same cluster; and a floor (evflow's statements per flow and the flow's HTTP calls through postgres-nio,
/// no engine). All against one `epayment-sim` child; each run on a fresh database of a throwaway cluster that
/// this suite starts (`scripts/test-postgres.sh`) and always stops.
///
/// Keys: `pg.*` in `results/latest.json` (see ``PGReport``).
enum PGBench {
    static func run(_ arguments: [String]) async throws {
        let options = try PGBenchOptions.parse(arguments)
        let loadAtStart = loadAverage()
        let repository = FlowDBOSPeer.benchmarksDirectory.deletingLastPathComponent()
        let tools = try ScaleTools(evflow: options.evflow, simulator: options.simulator)
        var peerProblem: String?
        if options.peers { peerProblem = FlowDBOSPeer.unavailableReason() } else { peerProblem = "skipped (--no-peers)" }
        if options.peers, let peerProblem { log("DBOS peer skipped: \(peerProblem)") }

        let clusterDirectory = options.clusterDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("evflow-bench-pg-\(getpid())")
        let cluster = try PGCluster(directory: clusterDirectory, repository: repository)
        defer { cluster.stopSynchronously() }
        let simulator = try FlowSimulatorProcess(executable: tools.simulator)
        defer { simulator.stop() }
        do {
            try await cluster.open()
            let settings = try await cluster.settings()
            log("cluster \(cluster.serverURL) in \(clusterDirectory.path): \(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            log("epayment-sim pid \(simulator.pid) on \(simulator.baseURL)")
            var configuration = HTTPClient.Configuration()
            let connections = max(512, (options.levels + [options.workerLevel]).max() ?? 1)
            configuration.maximumConnectionsPerHost = connections
            configuration.maximumIdleConnections = connections
            let measurements = try await withHTTPClient(configuration: configuration) { http in
                try await measure(options, cluster: cluster, simulator: simulator, tools: tools, http: http,
                                  peersAvailable: options.peers && peerProblem == nil)
            }
            let report = PGReport(options: options, measurements: measurements, settings: settings, loadAverageAtStart: loadAtStart,
                                  loadAverageAtEnd: loadAverage(), swiftVersion: swiftVersion(), revision: FlowBench.revision(of: repository),
                                  peerProblem: peerProblem)
            await cluster.stop()
            print(report.table())
            if let output = options.output {
                try ResultsFile.merge(report.figures, into: output)
                print("results merged into \(output)")
            }
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private static func measure(
        _ options: PGBenchOptions, cluster: PGCluster, simulator: FlowSimulatorProcess, tools: ScaleTools, http: HTTPClient,
        peersAvailable: Bool
    ) async throws -> PGMeasurements {
        var results = PGMeasurements()
        let request = try await FloorRequest.prepare(baseURL: simulator.baseURL, http: http)
        let dbosState = FlowDBOSPeer.benchmarksDirectory.appendingPathComponent(".build/pg-bench")
        try FileManager.default.createDirectory(at: dbosState, withIntermediateDirectories: true)
        for round in 1...options.rounds {
            for level in options.levels {
                var engines: [PGMeasurements.Engine] = [.evflow] + (peersAvailable ? [.dbos] : [])
                if round % 2 == 0 { engines.reverse() }
                for engine in engines {
                    let load = loadAverage()
                    if engine == .evflow {
                        let run = try await evflow(workers: 1, level: level, database: "evflow_r\(round)_c\(level)", options, cluster, simulator, tools, http)
                        results.add(run, .evflow, level)
                        log("round \(round) evflow 1 worker \(level): \(summary(run)); load \(FlowBench.format(load))")
                    } else {
                        let run = try await dbos(level: level, database: "dbos_r\(round)_c\(level)", options, cluster, simulator, dbosState)
                        results.dbosVersion = run.version
                        results.add(run.run, .dbos, level)
                        log("round \(round) dbos \(level): \(summary(run.run)); load \(FlowBench.format(load))")
                    }
                }
            }
            var counts = options.workers
            if round % 2 == 0 { counts.reverse() }
            for count in counts {
                let load = loadAverage()
                // A level that fails (a start timing out on a loaded machine, say) is reported and the suite goes on,
                // so one bad run does not cost the whole suite's figures.
                do {
                    let run = try await evflow(workers: count, level: options.workerLevel, database: "evflow_r\(round)_w\(count)", options, cluster, simulator, tools, http)
                    results.add(run, .workers, count)
                    log("round \(round) evflow \(count) worker(s) \(options.workerLevel): \(summary(run)); load \(FlowBench.format(load))")
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    results.failures.append("round \(round), \(count) workers at \(options.workerLevel) in flight (load \(FlowBench.format(load))): \(error)")
                    log("round \(round) evflow \(count) worker(s) \(options.workerLevel): FAILED, going on: \(error)")
                }
            }
            // The floor does what one worker's run at the worker level did per flow (this round's, else the level run's).
            guard let calibration = results.runs[.workers]?[1]?.last ?? results.runs[.evflow]?[options.workerLevel]?.last else { continue }
            let work = PGFloor.work(from: calibration.cost, document: calibration.document ?? PGFloor.paddedDocument(bytes: 4096))
            results.floorWork = work
            let load = loadAverage()
            let database = "floor_r\(round)"
            try await cluster.createDatabase(database)
            let before = try await cluster.counters(database)
            let cpuBefore = processCPUMicroseconds()
            let floor = try await PGFloor.run(work, cluster: cluster, database: database, connections: 64, request: request,
                                              concurrency: options.workerLevel, warmup: options.warmup, window: options.window)
            let after = try await settledCounters(cluster, database)
            try await cluster.retire(database)
            var cost = before.perFlow(until: after, flows: floor.total)
            cost.engineCPUSeconds = (processCPUMicroseconds() - cpuBefore) / 1e6 / Double(max(1, floor.total))
            results.add(PGRun(load: floor, cost: cost), .floor, options.workerLevel)
            log("round \(round) floor \(options.workerLevel): \(summary(PGRun(load: floor, cost: cost))); \(work); load \(FlowBench.format(load))")
        }
        return results
    }

    /// `workers` evflow serve processes on a new database, `level` sessions in flight over HTTP.
    private static func evflow(
        workers count: Int, level: Int, database: String, _ options: PGBenchOptions, _ cluster: PGCluster,
        _ simulator: FlowSimulatorProcess, _ tools: ScaleTools, _ http: HTTPClient
    ) async throws -> PGRun {
        try await cluster.createDatabase(database)
        let workers = try PGWorkers(count: count, storeURL: cluster.url(database), tools: tools, simulatorURL: simulator.baseURL)
        defer { workers.stop() }
        let before = try await cluster.counters(database)
        let cpuBefore = workers.cpuSeconds()
        let session = PGSession(http: http, workers: workers.baseURLs, token: workers.token, webhookSecret: workers.webhookSecret)
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let load = try await FlowLoad.run(concurrency: level, warmup: options.warmup, window: options.window) { number, _ in
            try await session.run(id: "s\(run)-\(number)", number: number)
        }
        let cpu = workers.cpuSeconds() - cpuBefore
        let document = try await typicalDocument(cluster, database)
        // Stopped before the counters are read: a backend reports its counters when its connection closes.
        workers.stop()
        let after = try await settledCounters(cluster, database)
        try await cluster.retire(database)
        var cost = before.perFlow(until: after, flows: load.total)
        cost.engineCPUSeconds = cpu / Double(max(1, load.total))
        return PGRun(load: load, cost: cost, pollsPerFlow: Double(session.polls.load(ordering: .relaxed)) / Double(max(1, load.total)),
                     document: document)
    }

    /// The DBOS peer on a database of its own (DBOS creates it) on the same cluster.
    private static func dbos(
        level: Int, database: String, _ options: PGBenchOptions, _ cluster: PGCluster, _ simulator: FlowSimulatorProcess, _ state: URL
    ) async throws -> (run: PGRun, version: String) {
        var peer = FlowDBOSPeer(baseURL: simulator.baseURL, stateDirectory: state, pollInterval: 1.0, journalMode: "wal")
        peer.systemDatabaseURL = "postgresql://evflow@\(cluster.host):\(cluster.port)/\(database)"
        let before = try await cluster.counters(database)
        let result = try await peer.measure(concurrency: level, warmup: options.warmup, window: options.window)
        let after = try await settledCounters(cluster, database)
        try await cluster.retire(database)
        var cost = before.perFlow(until: after, flows: result.load.total)
        if let object = try? JSONSerialization.jsonObject(with: Data(result.line.utf8)) as? [String: Any],
           let cpu = object["cpu_seconds"] as? Double, result.load.measured > 0 {
            cost.engineCPUSeconds = cpu / Double(result.load.measured)  // the peer reports its CPU in the window only
        }
        return (PGRun(load: result.load, cost: cost), result.version)
    }

    /// The counters once the run's backends have exited and reported (a closed connection's backend flushes its
    /// statistics as it exits; the postmaster then adds its CPU time).
    private static func settledCounters(_ cluster: PGCluster, _ database: String) async throws -> PGCounters {
        try await Task.sleep(for: .milliseconds(800))
        return try await cluster.counters(database)
    }

    /// One of the run's instance documents, the one whose length is nearest the mean of those still in flight: the
    /// floor writes it, so its
    /// database parses, stores and compresses what evflow's did (a padding string of the same length compresses to
    /// almost nothing and parses at once, which made the floor's writes cheaper than evflow's).
    private static func typicalDocument(_ cluster: PGCluster, _ database: String) async throws -> String? {
        let connection = try await cluster.connect(database: database)
        do {
            // Of the sessions still in flight when the run ended, if any (an average save is of a document part way
            // through its flow, smaller than a finished one's).
            let rows = try await connection.query("""
                WITH pool AS (SELECT id, state::text AS document FROM instances
                              WHERE status <> 'succeeded' OR NOT EXISTS (SELECT 1 FROM instances WHERE status <> 'succeeded'))
                SELECT document FROM pool
                ORDER BY abs(length(document) - (SELECT avg(length(document)) FROM pool)), id LIMIT 1
                """, logger: Logger(label: "evflow-bench.pg")).collect()
            let document = try rows.first?.decode(String.self)
            try await connection.close()
            return document
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func summary(_ run: PGRun) -> String {
        FlowBench.summary(run.load) + String(format: "; per flow %.1f commits, %.1f round trips, %.1f writes, %.2f WAL syncs, db %.1f ms, engine %.1f ms CPU",
                                             run.cost.commits, run.cost.roundTrips, run.cost.writeStatements, run.cost.walSyncs,
                                             run.cost.databaseCPUSeconds * 1000, (run.cost.engineCPUSeconds ?? .nan) * 1000)
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}
