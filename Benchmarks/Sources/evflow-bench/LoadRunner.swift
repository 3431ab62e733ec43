import Synchronization

/// Drives one client with a fixed load shape and measures it.
enum LoadRunner {
    /// The path every measured request asks for; the server answers any path with the same small body.
    static let path = "/bench"

    /// One request at a time, `count` times.
    static func sequential(_ client: any BenchClient, count: Int, expectedBodySize: Int) async throws -> PhaseResult {
        var latencies: [UInt64] = []
        latencies.reserveCapacity(count)
        let cpuBefore = processCPUMicroseconds()
        let start = monotonicNanoseconds()
        for _ in 0..<count {
            let sent = monotonicNanoseconds()
            let body = try await client.get(path)
            latencies.append(monotonicNanoseconds() - sent)
            try check(body, expectedBodySize, client)
        }
        let elapsed = monotonicNanoseconds() - start
        let cpu = processCPUMicroseconds() - cpuBefore
        latencies.sort()
        return PhaseResult(requests: count, seconds: Double(elapsed) / 1e9, latencies: latencies, cpuMicroseconds: cpu)
    }

    /// `inFlight` workers that each send the next request as soon as their previous one completes, until
    /// `count` requests have been sent in total, so exactly `inFlight` requests are outstanding throughout.
    static func concurrent(_ client: any BenchClient, count: Int, inFlight: Int, expectedBodySize: Int) async throws -> PhaseResult {
        let tickets = Tickets()
        let cpuBefore = processCPUMicroseconds()
        let start = monotonicNanoseconds()
        var latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<inFlight {
                group.addTask {
                    var mine: [UInt64] = []
                    mine.reserveCapacity(count / inFlight + 1)
                    while tickets.take() < count {
                        let sent = monotonicNanoseconds()
                        let body = try await client.get(path)
                        mine.append(monotonicNanoseconds() - sent)
                        try check(body, expectedBodySize, client)
                    }
                    return mine
                }
            }
            var all: [UInt64] = []
            all.reserveCapacity(count)
            for try await part in group { all += part }
            return all
        }
        let elapsed = monotonicNanoseconds() - start
        let cpu = processCPUMicroseconds() - cpuBefore
        latencies.sort()
        return PhaseResult(requests: latencies.count, seconds: Double(elapsed) / 1e9, latencies: latencies, cpuMicroseconds: cpu)
    }

    private static func check(_ body: [UInt8], _ expected: Int, _ client: any BenchClient) throws {
        guard body.count == expected else { throw UnexpectedBody(client: client.name, expected: expected, actual: body.count) }
    }
}

/// Hands out request numbers to the concurrent workers.
private final class Tickets: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}

struct UnexpectedBody: Error, CustomStringConvertible {
    var client: String
    var expected: Int
    var actual: Int
    var description: String { "\(client): expected a \(expected)-byte body, got \(actual) bytes" }
}
