import Foundation

/// `evflow-bench scale`: what 100,000 and 1,000,000 parked sessions cost the operator and the server.
///
/// - `scale.list_100k_s`: `evflow list --status waiting` over 100,000 parked instances, output drained from a
///   pipe (also `--json`); median of the rounds, read from the outline index. `scale.list_100k_without_index_s`
///   is one `list` on the same folder with its index deleted first (every file read, then the index written).
/// - The same keys with `1m` for the `--large-count` folder (default 1,000,000), and `scale.list_growth_ratio`,
///   `scale.recovery_growth_ratio` (1m ÷ 100k).
/// - `scale.recovery_100k_s`: launching `evflow serve` on that folder until the worker has recovered every
///   instance (its "worker started" log line, confirmed by `/healthz` reporting them all scheduled).
/// - `scale.serve_rss_10k_mb`: VmRSS of `serve` holding 10,000 waiting sessions once recovery has settled.
///
/// Everything runs the release `evflow` binary as users do; the folders are generated once under
/// `Benchmarks/.build/scale` (see ``ScaleFixture``).
enum ScaleBench {
    static func run(_ arguments: [String]) async throws {
        let options = try ScaleOptions.parse(arguments)
        let tools = try ScaleTools(evflow: options.evflow, simulator: options.simulator)
        let loadAtStart = loadAverage()
        var figures: [String: Any] = ["scale.meta.load_average_1m_at_start": loadAtStart ?? -1, "scale.meta.rounds": options.rounds]
        var rows: [(String, String)] = []
        let rssSize = ScaleOptions.sizeLabel(options.rssCount)
        let (sim, simulatorURL) = try tools.startSimulator()
        defer { sim.stop() }

        for (position, count) in ([options.count] + options.largeCounts).enumerated() {
            let size = ScaleOptions.sizeLabel(count)
            let large = try ScaleFixture.prepare(count: count, tools: tools, regenerate: options.regenerate, log: log)
            if position == 0 {
                figures["scale.meta.instance_file_bytes"] = fileSize(large.directory.appendingPathComponent("instances/\(ScaleFixture.id(0)).json"))
            }
            figures["scale.meta.load_average_1m_before_\(size)"] = loadAverage() ?? -1
            if options.parts.contains(.list) {
                // Before: a folder without its outline index, as every folder was before it existed (or after a
                // restore): `list` reads every instance file, then writes the index.
                let indexFile = large.directory.appendingPathComponent("index/outlines.log").path
                try? FileManager.default.removeItem(atPath: indexFile)
                let scan = try list(large, tools: tools, json: false)
                guard FileManager.default.fileExists(atPath: indexFile) else { throw BenchError("evflow list did not write \(indexFile)") }
                figures["scale.list_\(size)_without_index_s"] = scan
                log("\(size): list --status waiting without an index (reads every file, writes the index): \(format(scan)) s (load \(format(loadAverage() ?? -1)))")
                rows.append(("list without index (\(size))", "\(format(scan)) s   (reads every file, then writes the index)"))
                for (json, key, label) in [(false, "scale.list_\(size)_s", "list --status waiting"), (true, "scale.list_\(size)_json_s", "list --status waiting --json")] {
                    var times: [Double] = []
                    for round in 1...options.rounds {
                        let seconds = try list(large, tools: tools, json: json)
                        times.append(seconds)
                        log("round \(round) \(label), \(count) instances: \(format(seconds)) s (load \(format(loadAverage() ?? -1)))")
                    }
                    figures[key] = median(times)
                    rows.append(("\(label) (\(size))", "\(format(median(times))) s   (rounds: \(times.map(format).joined(separator: ", ")))"))
                }
            }
            if options.parts.contains(.recovery) {
                var runs: [ScaleServeRun] = []
                for round in 1...options.rounds {
                    let run = try await ScaleServeRun.measure(large, tools: tools, simulatorURL: simulatorURL)
                    runs.append(run)
                    log("round \(round) serve recovery, \(count) instances: worker started after \(format(run.recoverySeconds)) s, "
                        + "listening after \(format(run.listeningSeconds)) s, /healthz all scheduled after \(format(run.healthySeconds)) s, "
                        + "VmRSS \(format(run.rssMiB)) MiB (peak \(format(run.peakMiB))) (load \(format(loadAverage() ?? -1)))")
                }
                let recovery = median(runs.map(\.recoverySeconds))
                figures["scale.recovery_\(size)_s"] = recovery
                figures["scale.recovery_\(size)_healthz_s"] = median(runs.map(\.healthySeconds))
                figures["scale.serve_rss_\(size)_mb"] = median(runs.map(\.rssMiB))
                figures["scale.serve_hwm_\(size)_mb"] = median(runs.map(\.peakMiB))
                rows.append(("serve recovery (\(size))", "\(format(recovery)) s   (rounds: \(runs.map { format($0.recoverySeconds) }.joined(separator: ", ")))"))
                rows.append(("  /healthz all scheduled", "\(format(median(runs.map(\.healthySeconds)))) s"))
                rows.append(("  serve VmRSS (\(size))", "\(format(median(runs.map(\.rssMiB)))) MiB, peak \(format(median(runs.map(\.peakMiB)))) MiB"))
            }
        }
        if let small = options.largeCounts.first, let base = figures["scale.list_\(ScaleOptions.sizeLabel(options.count))_s"] as? Double,
           let big = figures["scale.list_\(ScaleOptions.sizeLabel(small))_s"] as? Double {
            figures["scale.list_growth_ratio"] = big / base
        }
        if let small = options.largeCounts.first, let base = figures["scale.recovery_\(ScaleOptions.sizeLabel(options.count))_s"] as? Double,
           let big = figures["scale.recovery_\(ScaleOptions.sizeLabel(small))_s"] as? Double {
            figures["scale.recovery_growth_ratio"] = big / base
        }

        if options.parts.contains(.rss) {
            let small = try ScaleFixture.prepare(count: options.rssCount, tools: tools, regenerate: options.regenerate, log: log)
            var runs: [ScaleServeRun] = []
            for round in 1...options.rounds {
                let run = try await ScaleServeRun.measure(small, tools: tools, simulatorURL: simulatorURL)
                runs.append(run)
                log("round \(round) serve memory, \(options.rssCount) waiting: VmRSS \(format(run.rssMiB)) MiB, peak \(format(run.peakMiB)) MiB, "
                    + "recovered after \(format(run.recoverySeconds)) s (load \(format(loadAverage() ?? -1)))")
            }
            figures["scale.serve_rss_\(rssSize)_mb"] = median(runs.map(\.rssMiB))
            figures["scale.serve_hwm_\(rssSize)_mb"] = median(runs.map(\.peakMiB))
            figures["scale.recovery_\(rssSize)_s"] = median(runs.map(\.recoverySeconds))
            rows.append(("serve VmRSS, \(rssSize) waiting", "\(format(median(runs.map(\.rssMiB)))) MiB, peak \(format(median(runs.map(\.peakMiB)))) MiB"))
            rows.append(("  recovery (\(rssSize))", "\(format(median(runs.map(\.recoverySeconds)))) s"))
        }

        print("evflow-bench scale: release evflow \(tools.evflow)")
        print("load average (1m) at start: \(format(loadAtStart ?? -1)); medians of \(options.rounds) round(s)")
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows { print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
        if let output = options.output {
            try ResultsFile.merge(figures, into: output)
            print("results merged into \(output)")
        }
    }

    /// One `evflow list --status waiting` over the folder; checks that it lists every instance.
    private static func list(_ fixture: ScaleFixture, tools: ScaleTools, json: Bool) throws -> Double {
        var arguments = ["list", "--status", "waiting", "--state-dir", fixture.directory.path, "--flows-dir", tools.flows]
        if json { arguments.append("--json") }
        let result = try ScaleProcess.run(tools.evflow, arguments)
        guard result.status == 0 else { throw BenchError("evflow \(arguments.joined(separator: " ")) exited with \(result.status): \(result.errors)") }
        let listed: Int
        if json {
            listed = (try? JSONSerialization.jsonObject(with: result.output) as? [Any])?.count ?? -1
        } else {
            listed = result.output.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } - 1
        }
        guard listed == fixture.count else {
            throw BenchError("evflow \(arguments.joined(separator: " ")) listed \(listed) instances, expected \(fixture.count)")
        }
        return result.seconds
    }

    private static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? -1
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func format(_ value: Double) -> String { String(format: value < 10 ? "%.3f" : "%.1f", value) }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}
