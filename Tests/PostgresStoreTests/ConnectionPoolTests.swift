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
        // 24 threads, each statement holding its connection for 20 ms: without the bound, up to 24 at once.
        DispatchQueue.concurrentPerform(iterations: 24) { _ in
            for _ in 0..<3 {
                do {
                    _ = try connections.query("sleep briefly", instanceID: nil, "SELECT pg_sleep(0.02)")
                } catch {
                    failures.update { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        #expect(connections.opened <= 3, "72 statements on 24 threads opened \(connections.opened) connections")
        let open = try TestDatabase.execute(address, """
            SELECT count(*)::int FROM pg_stat_activity WHERE application_name = \("evflow/" + address.schema) AND pid <> pg_backend_pid()
            """)
        #expect(try open.first?.decode(Int.self) ?? 99 <= 3, "and kept them for reuse")
    }
}
