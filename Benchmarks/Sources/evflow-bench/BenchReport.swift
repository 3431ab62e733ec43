import Foundation

/// Turns the measurements into result keys, a table for people, and a merge into the shared results file.
struct BenchReport {
    let options: BenchOptions
    let measurements: Measurements
    let swiftVersion: String
    let date = Date()
    /// Other work on the machine skews a 2-core benchmark; recorded so a noisy run can be recognised.
    let loadAverageAtStart: Double?

    /// The issue's targets: CurlHTTP at least as fast as AHC with many in flight, p50 within 10% sequentially.
    static let minimumThroughputRatio = 1.0
    static let maximumP50Ratio = 1.10

    private var concurrentSuffix: String { String(options.inFlight) }

    /// Every figure under its key in `results/latest.json`.
    var figures: [String: Any] {
        var keys: [String: Any] = [
            "http.meta.date": ISO8601DateFormatter().string(from: date),
            "http.meta.cores": ProcessInfo.processInfo.activeProcessorCount,
            "http.meta.swift_version": swiftVersion,
            "http.meta.rounds": options.rounds,
            "http.meta.requests_seq": options.sequentialRequests,
            "http.meta.requests_\(concurrentSuffix)": options.concurrentRequests,
            "http.meta.in_flight": options.inFlight,
            "http.meta.body_bytes": options.bodySize,
            "http.meta.server": "bench-server (SwiftNIO HTTP/1.1, 1 event-loop thread, separate process, 127.0.0.1)",
            "http.meta.statistic": "median over rounds",
            "http.meta.load_average_1m_at_start": rounded(loadAverageAtStart, 2),
        ]
        for client in measurements.clients {
            for (phase, suffix) in [(Phase.sequential, "seq"), (.concurrent, concurrentSuffix)] {
                let prefix = "http.\(client)."
                keys[prefix + "per_s_\(suffix)"] = rounded(measurements.median(client, phase) { $0.result.perSecond }, 1)
                keys[prefix + "p50_ms_\(suffix)"] = rounded(measurements.median(client, phase) { $0.result.p50Milliseconds }, 4)
                keys[prefix + "p99_ms_\(suffix)"] = rounded(measurements.median(client, phase) { $0.result.p99Milliseconds }, 4)
                keys[prefix + "cpu_us_per_req_\(suffix)"] = rounded(measurements.median(client, phase) { $0.result.cpuMicrosecondsPerRequest }, 2)
                keys[prefix + "server_cpu_us_per_req_\(suffix)"] = rounded(measurements.median(client, phase) { $0.serverCPUMicrosecondsPerRequest }, 2)
            }
            let opened = [Phase.sequential, .concurrent].flatMap { measurements.rounds(client, $0) }.map(\.connectionsOpened).reduce(0, +)
            keys["http.\(client).connections_opened_measured"] = opened
        }
        if let ratios {
            keys["http.curl_vs_ahc.throughput_ratio_\(concurrentSuffix)"] = rounded(ratios.throughputConcurrent, 3)
            keys["http.curl_vs_ahc.throughput_ratio_seq"] = rounded(ratios.throughputSequential, 3)
            keys["http.curl_vs_ahc.p50_ratio_seq"] = rounded(ratios.p50Sequential, 3)
            keys["http.curl_vs_ahc.p99_ratio_seq"] = rounded(ratios.p99Sequential, 3)
            keys["http.curl_vs_ahc.p50_ratio_\(concurrentSuffix)"] = rounded(ratios.p50Concurrent, 3)
            keys["http.curl_vs_ahc.p99_ratio_\(concurrentSuffix)"] = rounded(ratios.p99Concurrent, 3)
            keys["http.curl_vs_ahc.targets_met"] = ratios.targetsMet
        }
        return keys.compactMapValues { $0 is NSNull ? nil : $0 }
    }

    struct Ratios {
        var throughputConcurrent: Double
        var throughputSequential: Double
        var p50Sequential: Double
        var p99Sequential: Double
        var p50Concurrent: Double
        var p99Concurrent: Double
        var targetsMet: Bool {
            throughputConcurrent >= BenchReport.minimumThroughputRatio && p50Sequential <= BenchReport.maximumP50Ratio
        }
    }

    /// curl / ahc for every headline figure; `nil` unless both clients ran.
    var ratios: Ratios? {
        func ratio(_ phase: Phase, _ figure: @escaping (MeasuredPhase) -> Double) -> Double? {
            guard let curl = measurements.median("curl", phase, figure), let ahc = measurements.median("ahc", phase, figure) else { return nil }
            return curl / ahc
        }
        guard let throughputConcurrent = ratio(.concurrent, { $0.result.perSecond }),
              let throughputSequential = ratio(.sequential, { $0.result.perSecond }),
              let p50Sequential = ratio(.sequential, { $0.result.p50Milliseconds }),
              let p99Sequential = ratio(.sequential, { $0.result.p99Milliseconds }),
              let p50Concurrent = ratio(.concurrent, { $0.result.p50Milliseconds }),
              let p99Concurrent = ratio(.concurrent, { $0.result.p99Milliseconds }) else { return nil }
        return Ratios(
            throughputConcurrent: throughputConcurrent, throughputSequential: throughputSequential,
            p50Sequential: p50Sequential, p99Sequential: p99Sequential,
            p50Concurrent: p50Concurrent, p99Concurrent: p99Concurrent
        )
    }

    // MARK: Table

    func table() -> String {
        let clients = measurements.clients
        var lines: [String] = []
        lines.append("")
        lines.append("HTTP client benchmark: GET, \(options.bodySize)-byte body, keep-alive HTTP/1.1 to 127.0.0.1 (bench-server in its own process)")
        let load = loadAverageAtStart.map { String(format: ", load average %.2f at start", $0) } ?? ""
        lines.append("\(ProcessInfo.processInfo.activeProcessorCount) cores\(load), \(swiftVersion); median of \(options.rounds) round(s): "
            + "\(options.sequentialRequests) sequential, \(options.concurrentRequests) with \(options.inFlight) in flight")
        lines.append("")
        let header = pad("", 37) + clients.map { pad($0 == "curl" ? "CurlHTTP" : "AHC", 12, right: true) }.joined()
            + (clients.count == 2 ? pad("curl/ahc", 12, right: true) : "")
        lines.append(header)
        for (phase, title) in [(Phase.sequential, "sequential"), (.concurrent, "\(options.inFlight) in flight")] {
            let rows: [(String, (MeasuredPhase) -> Double?, Int)] = [
                ("requests/s", { $0.result.perSecond }, 0),
                ("p50 ms", { $0.result.p50Milliseconds }, 3),
                ("p99 ms", { $0.result.p99Milliseconds }, 3),
                ("client CPU µs/request", { $0.result.cpuMicrosecondsPerRequest }, 1),
                ("server CPU µs/request", { $0.serverCPUMicrosecondsPerRequest }, 1),
            ]
            for (index, row) in rows.enumerated() {
                var line = pad(index == 0 ? title : "", 15) + pad(row.0, 22)
                let values = clients.map { measurements.median($0, phase, row.1) }
                line += values.map { pad(format($0, row.2), 12, right: true) }.joined()
                if values.count == 2, let curl = values[0], let ahc = values[1], ahc > 0 {
                    line += pad(String(format: "%.2f×", curl / ahc), 12, right: true)
                }
                lines.append(line)
            }
            let perRound = clients.map { client in
                "\(client) " + measurements.rounds(client, phase).map { String(format: "%.0f", $0.result.perSecond) }.joined(separator: "/")
            }
            lines.append(pad("", 15) + "req/s by round: " + perRound.joined(separator: ", "))
            lines.append("")
        }
        let opened = clients.map { client in
            "\(client) \([Phase.sequential, .concurrent].flatMap { measurements.rounds(client, $0) }.map(\.connectionsOpened).reduce(0, +))"
        }
        lines.append("connections opened during measured phases: " + opened.joined(separator: ", "))
        if let ratios {
            lines.append(String(format: "target: throughput with %d in flight ≥ %.2f× AHC: %.2f× %@", options.inFlight,
                                Self.minimumThroughputRatio, ratios.throughputConcurrent,
                                ratios.throughputConcurrent >= Self.minimumThroughputRatio ? "MET" : "MISSED"))
            lines.append(String(format: "target: sequential p50 ≤ %.2f× AHC: %.3f× %@", Self.maximumP50Ratio, ratios.p50Sequential,
                                ratios.p50Sequential <= Self.maximumP50Ratio ? "MET" : "MISSED"))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Results file

    /// Writes the figures into the JSON object in `path`, keeping every key that other benchmarks put there.
    func merge(into path: String) throws {
        try ResultsFile.merge(figures, into: path)
    }

    private func rounded(_ value: Double?, _ places: Int) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    private func format(_ value: Double?, _ places: Int) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.\(places)f", value)
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}

/// The 1-minute load average from /proc/loadavg, or `nil` where there is none.
func loadAverage() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
    return text.split(separator: " ").first.flatMap { Double($0) }
}

/// The first line of `swift --version`, or "unknown" where no toolchain is on PATH.
func swiftVersion() -> String {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "--version"]
    process.standardOutput = output
    process.standardError = output
    do {
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.contains("Swift version") }
        return first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    } catch {
        return "unknown"
    }
}
