import Foundation

/// Turns a `flow` run into result keys (`floor.*`, `flow.*`) and a table for people.
struct FlowReport: ReportFormatting {
    /// The issue's goal: evflow reaches at least half of what the floor allows at 256 sessions.
    static let floorRatioGoal = 0.5
    /// Issue 19: evflow reaches at least half of what its HTTP calls alone allow at 256 sessions.
    static let httpFloorRatioGoal = 0.5
    /// Issue 19: at one session in flight, where nothing can be shared, about five durable points per flow.
    static let fsyncsPerFlowGoal1 = 6.0
    /// Issue 19: evflow ÷ DBOS at each level.
    static let dbosRatioGoal = 10.0

    let options: FlowBenchOptions
    let measurements: FlowMeasurements
    let loadAverageAtStart: Double?
    let loadAverageAtEnd: Double?
    let disk: String
    let stateDirectory: String
    /// Why DBOS was not measured, if it was not.
    let peerProblem: String?
    let swiftVersion: String
    /// The commit measured (see ``FlowBench/revision(of:)``).
    let revision: String
    let date = Date()

    private func perSecond(_ engine: FlowMeasurements.Engine, _ level: Int) -> Double? {
        measurements.median(engine, level) { $0.perSecond }
    }

    private func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
        guard let numerator, let denominator, denominator > 0 else { return nil }
        return numerator / denominator
    }

    /// The level the headline ratios are quoted at: 256 when measured, else the largest.
    private var headlineLevel: Int? { options.levels.contains(256) ? 256 : options.levels.max() }

    var figures: [String: Any] {
        var keys: [String: Any?] = [
            "flow.meta.date": ISO8601DateFormatter().string(from: date),
            "flow.meta.cores": ProcessInfo.processInfo.activeProcessorCount,
            "flow.meta.swift_version": swiftVersion,
            "flow.meta.revision": revision,
            "flow.meta.rounds": options.rounds,
            "flow.meta.window_s": options.window / .seconds(1),
            "flow.meta.warmup_s": options.warmup / .seconds(1),
            "flow.meta.statistic": "median over rounds of flows finished in the window / window; closed loop (C sessions in flight)",
            "flow.meta.load_average_1m_at_start": rounded(loadAverageAtStart, 2),
            "flow.meta.load_average_1m_at_end": rounded(loadAverageAtEnd, 2),
            "flow.meta.disk": disk,
            "flow.meta.state_directory": stateDirectory,
            "flow.meta.simulator": "epayment-sim release build, child process, 127.0.0.1, --auto-approve-ms 0 --no-rate-limits",
            "flow.meta.flow": "flows/ev-charging.json: start, paymentUpdated(AUTHORIZED), meterReading 7350 Wh, sessionEnded 12345 Wh; 5416 of 50000 NOK minor units captured, rest released",
            "flow.meta.engine_max_concurrency": options.engineConcurrency ?? 64,
            "flow.meta.instance_file_bytes": measurements.instanceFileBytes,
            "flow.meta.http_calls_source": "flow definition: create, get, capture, cancel (token cached per client)",
            "flow.durable_writes_per_flow": rounded(measurements.writesPerFlow, 2),
            "flow.fsyncs_per_flow": rounded(measurements.fsyncsPerFlow, 2),
            "flow.http_calls_per_flow": FlowMeasurements.httpCallsPerFlow,
            "floor.fsync_write_ms": rounded(measurements.costs?.fsyncWriteMilliseconds, 4),
            "floor.http_rtt_ms": rounded(measurements.costs?.httpRoundTripMilliseconds, 4),
            "floor.fsync_write_p99_ms": rounded(measurements.costs?.fsyncWriteP99Milliseconds, 4),
            "floor.http_rtt_p99_ms": rounded(measurements.costs?.httpRoundTripP99Milliseconds, 4),
            "floor.samples": options.floorSamples,
            "floor.meta.write_bytes": measurements.instanceFileBytes ?? FloorWrite.typicalBytes,
            "floor.meta.blocking_calls": "on a thread per session (serial dispatch queue), so C sessions can keep C fsyncs queued",
        ]
        for level in options.levels {
            keys["flow.per_s_\(level)"] = rounded(perSecond(.evflow, level), 2)
            keys["flow.p50_ms_\(level)"] = rounded(measurements.median(.evflow, level) { $0.p50Milliseconds }, 2)
            keys["flow.p99_ms_\(level)"] = rounded(measurements.median(.evflow, level) { $0.p99Milliseconds }, 2)
            keys["flow.floor_per_s_\(level)"] = rounded(perSecond(.floor, level), 2)
            keys["floor.meta.work_per_flow_\(level)"] = measurements.floorWork[level]?.description
            keys["flow.floor_ratio_\(level)"] = rounded(ratio(perSecond(.evflow, level), perSecond(.floor, level)), 3)
            if measurements.loads[.httpFloor]?[level] != nil {
                keys["flow.http_floor_per_s_\(level)"] = rounded(perSecond(.httpFloor, level), 2)
                keys["flow.http_floor_ratio_\(level)"] = rounded(ratio(perSecond(.evflow, level), perSecond(.httpFloor, level)), 3)
            }
            if measurements.loads[.floorPool]?[level] != nil {
                keys["flow.floor_pool_per_s_\(level)"] = rounded(perSecond(.floorPool, level), 2)
                keys["flow.floor_pool_ratio_\(level)"] = rounded(ratio(perSecond(.evflow, level), perSecond(.floorPool, level)), 3)
            }
            if let work = measurements.evflowWork[level] {
                keys["flow.durable_writes_per_flow_\(level)"] = rounded(FlowMeasurements.median(work.map(\.writes)), 2)
                keys["flow.fsyncs_per_flow_\(level)"] = rounded(FlowMeasurements.median(work.map(\.fsyncs)), 2)
            }
            if measurements.loads[.dbos]?[level] != nil {
                keys["flow.dbos.per_s_\(level)"] = rounded(perSecond(.dbos, level), 2)
                keys["flow.dbos.p50_ms_\(level)"] = rounded(measurements.median(.dbos, level) { $0.p50Milliseconds }, 2)
                keys["flow.vs_dbos_ratio_\(level)"] = rounded(ratio(perSecond(.evflow, level), perSecond(.dbos, level)), 3)
            }
        }
        if let level = headlineLevel {
            if let floorRatio = ratio(perSecond(.evflow, level), perSecond(.floor, level)) {
                keys["flow.floor_ratio_goal"] = Self.floorRatioGoal
                keys["flow.floor_ratio_goal_met"] = floorRatio >= Self.floorRatioGoal
            }
            if measurements.loads[.dbos]?[level] != nil {
                keys["flow.vs_dbos_ratio"] = rounded(ratio(perSecond(.evflow, level), perSecond(.dbos, level)), 3)
            }
            if let httpRatio = ratio(perSecond(.evflow, level), perSecond(.httpFloor, level)) {
                keys["flow.http_floor_ratio_goal"] = Self.httpFloorRatioGoal
                keys["flow.http_floor_ratio_goal_met"] = httpRatio >= Self.httpFloorRatioGoal
            }
        }
        if let fsyncs = measurements.evflowWork[1].map({ FlowMeasurements.median($0.map(\.fsyncs)) }) ?? nil {
            keys["flow.fsyncs_per_flow_1_goal"] = Self.fsyncsPerFlowGoal1
            keys["flow.fsyncs_per_flow_1_goal_met"] = fsyncs <= Self.fsyncsPerFlowGoal1
        }
        let dbosRatios = options.levels.compactMap { ratio(perSecond(.evflow, $0), perSecond(.dbos, $0)) }
        if !dbosRatios.isEmpty {
            keys["flow.vs_dbos_ratio_goal"] = Self.dbosRatioGoal
            keys["flow.vs_dbos_ratio_goal_met"] = dbosRatios.count == options.levels.count && dbosRatios.allSatisfy { $0 >= Self.dbosRatioGoal }
        }
        if measurements.loads[.dbos] != nil {
            keys["flow.dbos.meta.version"] = measurements.dbosVersion
            keys["flow.dbos.meta.setup"] = "Benchmarks/peers/dbos/ev_flow.py: DBOS \(measurements.dbosVersion ?? "?") on SQLite (journal \(options.dbosJournalMode), synchronous FULL), notification polling \(options.dbosPollInterval) s, requests.Session keep-alive, threads; child process per measurement"
        } else if let peerProblem {
            keys["flow.dbos.meta.skipped"] = peerProblem
        }
        return keys.compactMapValues { value in
            guard let value, !(value is NSNull) else { return nil }
            return value
        }
    }

    func table() -> String {
        var lines: [String] = []
        let load = [loadAverageAtStart, loadAverageAtEnd].map { $0.map { String(format: "%.2f", $0) } ?? "?" }.joined(separator: " → ")
        lines.append("EV flow end to end against epayment-sim (closed loop; median of \(options.rounds) round(s), "
            + "\(format(options.window / .seconds(1), 1)) s windows; load average \(load), \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        lines.append("state on \(disk)")
        if let costs = measurements.costs {
            lines.append(String(format: "floor: durable write %.3f ms (p99 %.3f) · HTTP round trip %.3f ms (p99 %.3f)",
                                costs.fsyncWriteMilliseconds, costs.fsyncWriteP99Milliseconds, costs.httpRoundTripMilliseconds,
                                costs.httpRoundTripP99Milliseconds))
            for level in options.levels {
                if let work = measurements.floorWork[level] { lines.append("floor flow at \(level): \(work)") }
            }
        }
        lines.append("evflow per flow: \(format(measurements.writesPerFlow, 2)) durable writes, \(format(measurements.fsyncsPerFlow, 2)) fsyncs, \(FlowMeasurements.httpCallsPerFlow) HTTP calls")
        lines.append("")
        let hasDBOS = measurements.loads[.dbos] != nil
        let hasPool = measurements.loads[.floorPool] != nil
        var header = pad("sessions in flight", 20) + pad("evflow/s", 11, right: true) + pad("p50 ms", 10, right: true)
            + pad("floor/s", 11, right: true) + pad("÷ floor", 9, right: true)
        let hasHTTPFloor = measurements.loads[.httpFloor] != nil
        if hasHTTPFloor { header += pad("HTTP floor/s", 14, right: true) + pad("÷ HTTP", 9, right: true) }
        if hasPool { header += pad("pool floor/s", 14, right: true) }
        if hasDBOS { header += pad("DBOS/s", 10, right: true) + pad("p50 ms", 10, right: true) + pad("÷ DBOS", 9, right: true) }
        lines.append(header)
        for level in options.levels {
            let evflow = perSecond(.evflow, level)
            let floor = perSecond(.floor, level)
            var row = pad(String(level), 20) + pad(format(evflow, 1), 11, right: true)
                + pad(format(measurements.median(.evflow, level) { $0.p50Milliseconds }, 1), 10, right: true)
                + pad(format(floor, 1), 11, right: true) + pad(format(ratio(evflow, floor), 3), 9, right: true)
            if hasHTTPFloor {
                row += pad(format(perSecond(.httpFloor, level), 1), 14, right: true)
                    + pad(format(ratio(evflow, perSecond(.httpFloor, level)), 3), 9, right: true)
            }
            if hasPool { row += pad(format(perSecond(.floorPool, level), 1), 14, right: true) }
            if hasDBOS {
                let dbos = perSecond(.dbos, level)
                row += pad(format(dbos, 1), 10, right: true)
                    + pad(format(measurements.median(.dbos, level) { $0.p50Milliseconds }, 1), 10, right: true)
                    + pad(format(ratio(evflow, dbos), 2), 9, right: true)
            }
            lines.append(row)
        }
        if let level = headlineLevel, let floorRatio = ratio(perSecond(.evflow, level), perSecond(.floor, level)) {
            lines.append("")
            lines.append(String(format: "flow.floor_ratio_%d = %.3f (goal ≥ %.1f: ", level, floorRatio, Self.floorRatioGoal)
                + (floorRatio >= Self.floorRatioGoal ? "met)" : "NOT met)"))
        }
        if !hasDBOS, let peerProblem { lines.append("DBOS not measured: \(peerProblem)") }
        return lines.joined(separator: "\n")
    }
}
