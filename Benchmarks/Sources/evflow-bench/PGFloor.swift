import Foundation
import Logging
import PostgresNIO

/// The `pg` suite's floor: per "flow", the statements (and so the commits and round trips) evflow's run needed per
/// flow, and the flow's ePayment calls, with no engine: postgres-nio's pool straight to a table shaped like
/// `instances`, at the same closed loop and concurrency. Its flows/s is what an engine with no overhead of its own
/// would reach with that much database work on this machine; `pg.floor_ratio_C` is evflow ÷ floor.
///
/// Writes upsert one row per session with one of evflow's own instance documents from the calibrating run (each
/// its own transaction, as evflow's are); reads select it back. A write precedes each HTTP call, as an engine records intent first.
enum PGFloor {
    struct Work: Sendable, CustomStringConvertible {
        /// Writes of the document (evflow's creates and saves).
        var writes: Int
        /// Small single-row writes (evflow's lease claims and releases, inbox inserts and deletes).
        var smallWrites: Int
        var reads: Int
        var httpCalls: Int
        /// What each write stores: one of evflow's instance documents from the run it is calibrated on.
        var document: String
        var documentBytes: Int { document.utf8.count }

        var description: String {
            "\(writes) upserts of one of evflow's \(documentBytes)-byte instance documents as jsonb + \(smallWrites) single-row updates of its revision + \(reads) primary-key reads of it (each its own transaction) + \(httpCalls) HTTP calls"
        }
    }

    /// The floor's work from evflow's measured cost per flow: its write and other statements, rounded.
    static func work(from cost: PGCost, document: String) -> Work {
        let writes = max(1, Int(cost.documentWrites.rounded()))
        let smallWrites = max(0, Int(cost.writeStatements.rounded()) - writes)
        let reads = max(0, Int((cost.roundTrips - cost.writeStatements).rounded()))
        return Work(writes: writes, smallWrites: smallWrites, reads: reads, httpCalls: FlowMeasurements.httpCallsPerFlow, document: document)
    }

    /// A stand-in document of `bytes` bytes, when the calibrating run left none to copy.
    static func paddedDocument(bytes: Int) -> String {
        #"{"pad": ""# + String(repeating: "x", count: max(0, bytes - 12)) + #""}"#
    }

    /// Runs the floor on `database` (made and migrated here) with `connections` pooled connections.
    static func run(
        _ work: Work, cluster: PGCluster, database: String, connections: Int, request: FloorRequest, concurrency: Int,
        warmup: Duration, window: Duration
    ) async throws -> FlowLoad.Result {
        let logger = {
            var logger = Logger(label: "evflow-bench.pg-floor")
            logger.logLevel = .critical
            return logger
        }()
        var configuration = PostgresClient.Configuration(host: cluster.host, port: cluster.port, username: "evflow", password: nil,
                                                         database: database, tls: .disable)
        configuration.options.maximumConnections = connections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let document = work.document
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            for try await _ in try await client.query("CREATE TABLE floor_instances (id text PRIMARY KEY, revision bigint NOT NULL, state jsonb NOT NULL)", logger: logger) {}
            let steps = max(work.writes, work.httpCalls)
            let result = try await FlowLoad.run(concurrency: concurrency, warmup: warmup, window: window) { number, _ in
                let id = "floor-\(number)"
                for step in 0..<steps {
                    if step < work.writes {
                        let rows = try await client.query("""
                            INSERT INTO floor_instances (id, revision, state) VALUES (\(id), 1, \(document)::jsonb)
                            ON CONFLICT (id) DO UPDATE SET revision = floor_instances.revision + 1, state = EXCLUDED.state
                            """, logger: logger)
                        for try await _ in rows {}
                    }
                    if step < work.httpCalls { try await request.send() }
                }
                for _ in 0..<work.smallWrites {
                    let rows = try await client.query("UPDATE floor_instances SET revision = revision + 1 WHERE id = \(id)", logger: logger)
                    for try await _ in rows {}
                }
                for _ in 0..<work.reads {
                    // Small reads, as most of evflow's other statements are now (claims, releases, the inbox, version
                    // checks that find the cached document current): the floor is not slowed by reading documents.
                    let rows = try await client.query("SELECT revision FROM floor_instances WHERE id = \(id)", logger: logger)
                    for try await _ in rows {}
                }
            }
            group.cancelAll()
            return result
        }
    }
}
