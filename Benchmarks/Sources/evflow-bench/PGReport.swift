import Foundation

/// Turns a `pg` run into result keys (`pg.*`) and a table for people.
struct PGReport: ReportFormatting {
    /// Issue 15: evflow ÷ DBOS, both on PostgreSQL, at 256 sessions in flight.
    static let dbosRatioGoal = 3.0
    /// Issue 15: evflow reaches at least half of what the same commits and HTTP calls allow.
    static let floorRatioGoal = 0.5
    static let hosting = "two cores host PostgreSQL, epayment-sim, the evflow workers (or DBOS) and the load driver together: every process competes for them"

    let options: PGBenchOptions
    let measurements: PGMeasurements
    let settings: [String: String]
    let loadAverageAtStart: Double?
    let loadAverageAtEnd: Double?
    let swiftVersion: String
    let revision: String
    let peerProblem: String?
    let date = Date()

    private func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
        guard let numerator, let denominator, denominator > 0 else { return nil }
        return numerator / denominator
    }

    private var level: Int { options.workerLevel }

    /// Flows/s of every one-worker run at the floor's level, lowest first: the level run and the 1-worker run are
    /// the same set-up, and the floor is calibrated on the latter, so the ratio takes both.
    private var oneWorkerRates: [Double] {
        let m = measurements
        let runs = (m.runs[.evflow]?[level] ?? []) + (options.levels.contains(level) ? (m.runs[.workers]?[1] ?? []) : [])
        return runs.map(\.load.perSecond).sorted()
    }

    /// evflow ÷ floor: the median of ``oneWorkerRates`` over the floor's median.
    private var floorRatio: Double? {
        let rates = oneWorkerRates
        guard !rates.isEmpty else { return nil }
        let median = rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
        return ratio(median, measurements.perSecond(.floor, level))
    }

    var figures: [String: Any] {
        let m = measurements
        var keys: [String: Any?] = [
            "pg.meta.date": ISO8601DateFormatter().string(from: date),
            "pg.meta.cores": ProcessInfo.processInfo.activeProcessorCount,
            "pg.meta.hosting": Self.hosting,
            "pg.meta.swift_version": swiftVersion,
            "pg.meta.revision": revision,
            "pg.meta.rounds": options.rounds,
            "pg.meta.window_s": options.window / .seconds(1),
            "pg.meta.warmup_s": options.warmup / .seconds(1),
            "pg.meta.statistic": "median over rounds of flows finished in the window / window; closed loop (C sessions in flight)",
            "pg.meta.load_average_1m_at_start": rounded(loadAverageAtStart, 2),
            "pg.meta.load_average_1m_at_end": rounded(loadAverageAtEnd, 2),
            "pg.meta.postgres_settings": settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
            "pg.meta.cluster": "scripts/test-postgres.sh: throwaway cluster on this machine's disk, 127.0.0.1, pg_stat_statements loaded; a database per run",
            "pg.meta.simulator": "epayment-sim release build, child process, 127.0.0.1, --auto-approve-ms 0 --no-rate-limits",
            "pg.meta.flow": "flows/ev-charging.json, the session of evflow-bench flow: start (wait: payment), AUTHORIZED webhook, meterReading 7350 Wh, sessionEnded 12345 Wh; 5416 captured, 44584 released, checked per session",
            "pg.meta.evflow": "evflow serve --store postgres://… release build, child processes, driven over its HTTP API (each session's calls spread over the workers in turn); GET /v1/instances/{id}?wait=finished&waitSeconds=10 until finished (the server holds each read until the end or the bound)",
            "pg.meta.worker_level": level,
            "pg.meta.failed_runs": m.failures.isEmpty ? "none" : m.failures.joined(separator: "; "),
            "pg.meta.counters": "per flow over the whole run (warm-up and drain included): commits = pg_stat_database.xact_commit (read-only transactions included), round trips = pg_stat_statements calls, WAL syncs = pg_stat_wal.wal_sync, database CPU = exited backends (postmaster cutime+cstime), worker CPU = /proc utime+stime of the evflow serve processes",
        ]
        func cost(_ prefix: String, _ engine: PGMeasurements.Engine, _ key: Int) {
            guard m.runs[engine]?[key] != nil else { return }
            keys["\(prefix)commits_per_flow"] = rounded(m.median(engine, key) { $0.cost.commits }, 2)
            keys["\(prefix)round_trips_per_flow"] = rounded(m.median(engine, key) { $0.cost.roundTrips }, 2)
            keys["\(prefix)write_statements_per_flow"] = rounded(m.median(engine, key) { $0.cost.writeStatements }, 2)
            keys["\(prefix)wal_syncs_per_flow"] = rounded(m.median(engine, key) { $0.cost.walSyncs }, 2)
            keys["\(prefix)database_cpu_ms_per_flow"] = rounded(m.median(engine, key) { $0.cost.databaseCPUSeconds * 1000 }, 2)
            keys["\(prefix)engine_cpu_ms_per_flow"] = rounded(m.median(engine, key) { $0.cost.engineCPUSeconds.map { $0 * 1000 } }, 2)
        }
        for level in options.levels {
            keys["pg.per_s_\(level)"] = rounded(m.perSecond(.evflow, level), 2)
            keys["pg.p50_ms_\(level)"] = rounded(m.median(.evflow, level) { $0.load.p50Milliseconds }, 2)
            keys["pg.p99_ms_\(level)"] = rounded(m.median(.evflow, level) { $0.load.p99Milliseconds }, 2)
            keys["pg.polls_per_flow_\(level)"] = rounded(m.median(.evflow, level) { $0.pollsPerFlow }, 2)
            cost("pg.c\(level).", .evflow, level)
            if m.runs[.dbos]?[level] != nil {
                keys["pg.dbos.per_s_\(level)"] = rounded(m.perSecond(.dbos, level), 2)
                keys["pg.dbos.p50_ms_\(level)"] = rounded(m.median(.dbos, level) { $0.load.p50Milliseconds }, 2)
                keys["pg.dbos.p99_ms_\(level)"] = rounded(m.median(.dbos, level) { $0.load.p99Milliseconds }, 2)
                keys["pg.vs_dbos_ratio_\(level)"] = rounded(ratio(m.perSecond(.evflow, level), m.perSecond(.dbos, level)), 3)
                cost("pg.dbos.c\(level).", .dbos, level)
            }
        }
        for count in options.workers {
            keys["pg.workers_\(count)_per_s"] = rounded(m.perSecond(.workers, count), 2)
            keys["pg.workers_\(count)_p50_ms"] = rounded(m.median(.workers, count) { $0.load.p50Milliseconds }, 2)
            cost("pg.workers_\(count)_", .workers, count)
        }
        // The headline cost per flow: one worker at the worker level (the floor's calibration).
        keys["pg.commits_per_flow"] = rounded(m.median(.workers, 1) { $0.cost.commits } ?? m.median(.evflow, level) { $0.cost.commits }, 2)
        keys["pg.round_trips_per_flow"] = rounded(m.median(.workers, 1) { $0.cost.roundTrips } ?? m.median(.evflow, level) { $0.cost.roundTrips }, 2)
        keys["pg.http_calls_per_flow"] = FlowMeasurements.httpCallsPerFlow
        if let ratio = ratio(m.perSecond(.evflow, level), m.perSecond(.dbos, level)) {
            keys["pg.vs_dbos_ratio_\(level)"] = rounded(ratio, 3)
            keys["pg.vs_dbos_ratio_goal"] = Self.dbosRatioGoal
            keys["pg.vs_dbos_ratio_goal_met"] = ratio >= Self.dbosRatioGoal
        }
        if m.runs[.dbos] != nil {
            keys["pg.dbos.meta.version"] = m.dbosVersion
            keys["pg.dbos.meta.setup"] = "Benchmarks/peers/dbos/ev_flow.py: DBOS \(m.dbosVersion ?? "?") on PostgreSQL (its own database on the same cluster, LISTEN/NOTIFY), in-process driver (no HTTP API), requests.Session keep-alive, threads; child process per measurement"
        } else if let peerProblem {
            keys["pg.dbos.meta.skipped"] = peerProblem
        }
        if m.runs[.floor]?[level] != nil {
            keys["pg.floor_per_s_\(level)"] = rounded(m.perSecond(.floor, level), 2)
            keys["pg.floor.meta.work_per_flow"] = m.floorWork?.description
            cost("pg.floor.", .floor, level)
            let floorRates = (m.runs[.floor]?[level] ?? []).map(\.load.perSecond).sorted()
            keys["pg.floor.meta.ratio_runs"] = "evflow with 1 worker at \(level): " + oneWorkerRates.map { String(format: "%.1f", $0) }.joined(separator: ", ")
                + " flows/s; floor: " + floorRates.map { String(format: "%.1f", $0) }.joined(separator: ", ") + " flows/s; the ratio divides their medians"
            if let ratio = floorRatio {
                keys["pg.floor_ratio_\(level)"] = rounded(ratio, 3)
                keys["pg.floor_ratio_goal"] = Self.floorRatioGoal
                keys["pg.floor_ratio_goal_met"] = ratio >= Self.floorRatioGoal
            }
        }
        return keys.compactMapValues { value in
            guard let value, !(value is NSNull) else { return nil }
            return value
        }
    }

    func table() -> String {
        let m = measurements
        var lines: [String] = []
        let load = [loadAverageAtStart, loadAverageAtEnd].map { $0.map { String(format: "%.2f", $0) } ?? "?" }.joined(separator: " → ")
        lines.append("EV flow on PostgreSQL against epayment-sim (closed loop; median of \(options.rounds) round(s), "
            + "\(format(options.window / .seconds(1), 1)) s windows; load average \(load), \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        lines.append(Self.hosting)
        lines.append("PostgreSQL: " + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        lines.append("")
        lines.append(pad("run", 28) + pad("flows/s", 10, right: true) + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true)
            + pad("commits", 9, right: true) + pad("trips", 8, right: true) + pad("writes", 8, right: true)
            + pad("WAL syncs", 11, right: true) + pad("db ms", 8, right: true) + pad("engine ms", 11, right: true))
        func row(_ name: String, _ engine: PGMeasurements.Engine, _ key: Int) {
            guard m.runs[engine]?[key] != nil else { return }
            lines.append(pad(name, 28) + pad(format(m.perSecond(engine, key), 1), 10, right: true)
                + pad(format(m.median(engine, key) { $0.load.p50Milliseconds }, 1), 9, right: true)
                + pad(format(m.median(engine, key) { $0.load.p99Milliseconds }, 1), 9, right: true)
                + pad(format(m.median(engine, key) { $0.cost.commits }, 1), 9, right: true)
                + pad(format(m.median(engine, key) { $0.cost.roundTrips }, 1), 8, right: true)
                + pad(format(m.median(engine, key) { $0.cost.writeStatements }, 1), 8, right: true)
                + pad(format(m.median(engine, key) { $0.cost.walSyncs }, 2), 11, right: true)
                + pad(format(m.median(engine, key) { $0.cost.databaseCPUSeconds * 1000 }, 1), 8, right: true)
                + pad(format(m.median(engine, key) { $0.cost.engineCPUSeconds.map { $0 * 1000 } }, 1), 11, right: true))
        }
        for level in options.levels {
            row("evflow, 1 worker, \(level)", .evflow, level)
            row("DBOS, \(level)", .dbos, level)
        }
        for count in options.workers { row("evflow, \(count) worker(s), \(level)", .workers, count) }
        row("floor (postgres-nio), \(level)", .floor, level)
        lines.append("(per flow: commits, round trips = statements, write statements, WAL syncs, database and engine CPU ms)")
        if let work = m.floorWork { lines.append("floor flow: \(work)") }
        lines.append("")
        if let ratio = ratio(m.perSecond(.evflow, level), m.perSecond(.dbos, level)) {
            lines.append(String(format: "pg.vs_dbos_ratio_%d = %.3f (goal ≥ %.1f: ", level, ratio, Self.dbosRatioGoal) + (ratio >= Self.dbosRatioGoal ? "met)" : "NOT met)"))
        }
        if let ratio = floorRatio {
            lines.append(String(format: "pg.floor_ratio_%d = %.3f (goal ≥ %.1f: ", level, ratio, Self.floorRatioGoal) + (ratio >= Self.floorRatioGoal ? "met)" : "NOT met)"))
        }
        if m.runs[.dbos] == nil, let peerProblem { lines.append("DBOS not measured: \(peerProblem)") }
        for failure in m.failures { lines.append("FAILED and left out: \(failure)") }
        return lines.joined(separator: "\n")
    }
}
