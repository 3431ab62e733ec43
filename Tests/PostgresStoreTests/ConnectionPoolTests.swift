import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// The store's connection pool: runner threads share at most `maximumConnections` connections and wait for a free
/// one, instead of each opening (and the pool then closing) a connection of its own. The churn made every burst of
/// statements fork and authenticate new server processes, most of the database's CPU per flow with 4 workers.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct ConnectionPoolTests {
    @Test func manyThreadsShareAFewConnectionsWithoutOpeningMore() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let connections = try PostgresConnections(address: address, retryWindow: 30, maximumConnections: 3)
        defer { connections.shutdown() }
        let failures = Synchronized<[String]>([])
        let waiting = Synchronized((now: 0, peak: 0))
        let done = DispatchGroup()
        let gate = DispatchSemaphore(value: 0)
        // 24 threads of their own (not concurrentPerform, which runs one per core), released together, each
        // statement holding its connection for 20 ms: without the bound, up to 24 connections at once.
        let threads = (0..<24).map { _ in
            Thread {
                gate.wait()
                for _ in 0..<3 {
                    waiting.update { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                    do {
                        _ = try connections.query("sleep briefly", instanceID: nil, "SELECT pg_sleep(0.02)")
                    } catch {
                        failures.update { $0.append("\(error)") }
                    }
                    waiting.update { $0.now -= 1 }
                }
                done.leave()
            }
        }
        for thread in threads {
            done.enter()
            thread.start()
        }
        for _ in threads { gate.signal() }
        #expect(done.wait(timeout: .now() + 60) == .success, "every thread finished")
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        #expect(waiting.value.peak >= 8, "the threads did contend: \(waiting.value.peak) statements at once")
        #expect(connections.opened <= 3, "72 statements on 24 threads opened \(connections.opened) connections")
        let open = try TestDatabase.execute(address, """
            SELECT count(*)::int FROM pg_stat_activity WHERE application_name = \("evflow/" + address.schema) AND pid <> pg_backend_pid()
            """)
        #expect((1...3).contains(try open.first?.decode(Int.self) ?? 0), "and kept them open for reuse")
    }
}
