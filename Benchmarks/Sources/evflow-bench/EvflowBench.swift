import Foundation

/// Compares evflow's CurlHTTP with AsyncHTTPClient against one loopback server: requests/s and p50/p99
/// latency, one request at a time and with many in flight. Results are printed as a table and merged into
/// `results/latest.json`.
@main
struct EvflowBench {
    /// The benchmark suites, named by the first argument (`http` when none is given).
    enum Suite: String {
        /// CurlHTTP versus AsyncHTTPClient (`http.*` keys).
        case http
        /// Floors, the EV flow at 1/16/256 concurrent sessions, writes and fsyncs per flow (`floor.*`, `flow.*`).
        case flow
        /// 100,000 parked instances: list, recovery, and serve's memory with 10,000 waiting (`scale.*`).
        case scale
        /// 1,000 flow-definition scenarios of 10-hour virtual sessions (`tests.*`).
        case scenarios
        /// The EV flow on PostgreSQL: 1/16/256 in flight, 1/2/4 workers, DBOS on PostgreSQL, a postgres-nio floor (`pg.*`).
        case pg
    }

    static func main() async {
        do {
            var arguments = Array(CommandLine.arguments.dropFirst())
            let suite = arguments.first.flatMap(Suite.init(rawValue:)) ?? .http
            if arguments.first == suite.rawValue { arguments.removeFirst() }
            switch suite {
            case .http: try await run(try BenchOptions.parse(arguments))
            case .flow: try await FlowBench.run(arguments)
            case .scale: try await ScaleBench.run(arguments)
            case .scenarios: try await ScenarioBench.run(arguments)
            case .pg: try await PGBench.run(arguments)
            }
        } catch {
            log("evflow-bench: \(error)")
            exit(1)
        }
    }

    static func run(_ options: BenchOptions) async throws {
        let loadAtStart = loadAverage()
        let server = try ServerProcess(executable: options.server ?? ServerProcess.defaultExecutable(), bodySize: options.bodySize)
        defer { server.stop() }
        let baseURL = "http://127.0.0.1:\(server.port)"
        let clients: [any BenchClient] = options.clients.map { name in
            name == "curl"
                ? CurlBenchClient(baseURL: baseURL, maximumConnections: options.inFlight) as any BenchClient
                : AHCBenchClient(baseURL: baseURL, maximumConnections: options.inFlight, eventLoops: options.ahcEventLoops)
        }
        log("bench-server pid \(server.pid) on \(baseURL); clients: \(options.clients.joined(separator: ", "))")

        var measurements = Measurements()
        do {
            for client in clients {
                let before = try await connections(client)
                try await warmUp(client, options)
                let after = try await connections(client)
                log("warm-up \(client.name): \(options.warmup) sequential + \(options.inFlight * 8) concurrent, \(after - before) connection(s) opened")
            }
            for round in 1...options.rounds {
                // Alternate the order so neither client always runs first (caches, CPU frequency, server state).
                let order = round % 2 == 1 ? clients : clients.reversed()
                for client in order {
                    let result = try await measure(client, server) {
                        try await LoadRunner.sequential(client, count: options.sequentialRequests, expectedBodySize: options.bodySize)
                    }
                    measurements.add(result, client: client.name, phase: .sequential)
                    log("round \(round) \(client.name) sequential: \(result.summary)")
                }
                for client in order {
                    let result = try await measure(client, server) {
                        try await LoadRunner.concurrent(
                            client, count: options.concurrentRequests, inFlight: options.inFlight, expectedBodySize: options.bodySize
                        )
                    }
                    measurements.add(result, client: client.name, phase: .concurrent)
                    log("round \(round) \(client.name) \(options.inFlight) in flight: \(result.summary)")
                }
            }
        } catch {
            for client in clients { try? await client.shutdown() }
            throw error
        }
        for client in clients { try await client.shutdown() }

        let report = BenchReport(
            options: options, measurements: measurements, swiftVersion: swiftVersion(), loadAverageAtStart: loadAtStart
        )
        print(report.table())
        if let output = options.output {
            try report.merge(into: output)
            print("results merged into \(output)")
        }
    }

    private static func warmUp(_ client: any BenchClient, _ options: BenchOptions) async throws {
        for _ in 0..<options.warmup { _ = try await client.get(LoadRunner.path) }
        _ = try await LoadRunner.concurrent(
            client, count: options.inFlight * 8, inFlight: options.inFlight, expectedBodySize: options.bodySize
        )
    }

    /// Runs one phase and adds what it cost the server and how many connections it opened.
    private static func measure(
        _ client: any BenchClient, _ server: ServerProcess, _ phase: () async throws -> PhaseResult
    ) async throws -> MeasuredPhase {
        let connectionsBefore = try await connections(client)
        let serverCPUBefore = server.cpuMicroseconds()
        let result = try await phase()
        let serverCPUAfter = server.cpuMicroseconds()
        let connectionsAfter = try await connections(client)
        var serverCPU: Double?
        if let serverCPUBefore, let serverCPUAfter { serverCPU = (serverCPUAfter - serverCPUBefore) / Double(result.requests) }
        return MeasuredPhase(result: result, serverCPUMicrosecondsPerRequest: serverCPU, connectionsOpened: connectionsAfter - connectionsBefore)
    }

    /// The number of connections the server has accepted so far, asked through `client` (over a pooled
    /// connection, so asking does not open one).
    private static func connections(_ client: any BenchClient) async throws -> Int {
        let body = try await client.get("/connections")
        guard let count = Int(String(decoding: body, as: UTF8.self)) else { throw BenchError("bad /connections answer") }
        return count
    }

    private static func log(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}

extension MeasuredPhase {
    var summary: String {
        let r = result
        return String(format: "%8.0f req/s  p50 %.3f ms  p99 %.3f ms  cpu %.1f µs/req  %d new conn",
                      r.perSecond, r.p50Milliseconds, r.p99Milliseconds, r.cpuMicrosecondsPerRequest, connectionsOpened)
    }
}
