import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The tables evflow keeps in PostgreSQL, and the migrations that make them, numbered from 1.
///
/// - `instances`: one row per instance; `state` is the JSONB document the file store writes to
///   `instances/<id>.json` (so `show --json` and every tool read the same thing), beside indexed columns for
///   listings and claims (flow, version, status, current step, wake time, payment reference, times) and a
///   `revision` every save increments.
/// - `inbox`: signals waiting for their instance, keyed by (instance, signal id): the key is the deduplication.
/// - `leases`: who runs an instance (owner `host/pid`, a claim token, an epoch bumped by every claim, expiry and
///   last renewal); saves are conditional on the epoch (fencing).
/// - `definitions`: pinned definitions by content hash.
/// - `set_aside`: documents that did not decode, byte for byte, moved out of `instances` or `inbox`.
/// - `evflow_schema`: the schema version.
///
/// `evflow db migrate` applies what is missing in one transaction under an advisory lock, so two migrators never
/// race; a worker refuses a database at another version (``check(_:)``).
enum PostgresSchema {
    /// The version this evflow writes and reads.
    static let version = 1

    /// Migration `n` is `migrations[n - 1]`, one statement per element (the extended protocol runs one at a time).
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE IF NOT EXISTS instances (
                id text PRIMARY KEY,
                flow text NOT NULL,
                flow_version integer NOT NULL,
                status text NOT NULL,
                current_step text,
                wake_at timestamptz,
                payment_reference text,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                revision bigint NOT NULL DEFAULT 1,
                state jsonb NOT NULL
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS instances_status_wake ON instances (status, wake_at)
            """,
            """
            CREATE INDEX IF NOT EXISTS instances_payment_reference ON instances (payment_reference) WHERE payment_reference IS NOT NULL
            """,
            """
            CREATE INDEX IF NOT EXISTS instances_flow ON instances (flow, flow_version)
            """,
            """
            CREATE TABLE IF NOT EXISTS inbox (
                instance_id text NOT NULL,
                signal_id text NOT NULL,
                received_at timestamptz NOT NULL,
                signal jsonb NOT NULL,
                PRIMARY KEY (instance_id, signal_id)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS leases (
                instance_id text PRIMARY KEY,
                owner text,
                token text,
                epoch bigint NOT NULL DEFAULT 0,
                expires_at timestamptz,
                renewed_at timestamptz
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS definitions (
                content_hash text PRIMARY KEY,
                bytes bytea NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS set_aside (
                number bigserial PRIMARY KEY,
                instance_id text,
                name text NOT NULL,
                problem text NOT NULL,
                document text NOT NULL,
                set_aside_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
        ],
    ]

    /// What ``migrate(_:)`` did.
    package struct Outcome: Sendable, Equatable {
        package var from: Int
        package var to: Int
    }

    /// Brings the schema to ``version``; a no-op when it is there already.
    /// - Throws: ``StoreError/Code/incompatibleSchema`` when the database is newer than this evflow.
    static func migrate(_ connections: PostgresConnections) throws(StoreError) -> Outcome {
        let address = connections.address
        return try connections.perform("migrate the schema", instanceID: nil) { connection in
            _ = try connections.run("BEGIN", on: connection)
            do {
                // One migrator (even creating the schema) at a time per schema; the lock ends with the transaction.
                _ = try connections.run("SELECT pg_advisory_xact_lock(hashtext(\(address.schema + ":evflow-migrate")))", on: connection)
                _ = try connections.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(address.schema)"), on: connection)
                _ = try connections.run("CREATE TABLE IF NOT EXISTS evflow_schema (version integer NOT NULL)", on: connection)
                let rows = try connections.run("SELECT max(version) FROM evflow_schema", on: connection)
                let from = try rows.first.flatMap { try $0.decode(Int?.self) } ?? 0
                if from > version {
                    _ = try connections.run("ROLLBACK", on: connection)
                    throw newerSchema(from, address)
                }
                for number in stride(from: from + 1, through: version, by: 1) {
                    for statement in migrations[number - 1] {
                        _ = try connections.run(PostgresQuery(unsafeSQL: statement), on: connection)
                    }
                }
                _ = try connections.run("DELETE FROM evflow_schema", on: connection)
                _ = try connections.run("INSERT INTO evflow_schema (version) VALUES (\(version))", on: connection)
                _ = try connections.run("COMMIT", on: connection)
                return Outcome(from: from, to: version)
            } catch {
                _ = try? connections.run("ROLLBACK", on: connection)
                throw error
            }
        }
    }

    /// Refuses a database without evflow's tables, or at a version other than ``version``.
    static func check(_ connections: PostgresConnections, window: TimeInterval) throws(StoreError) {
        let address = connections.address
        let found = try connections.perform("read the schema version", instanceID: nil, window: window) { connection in
            let rows = try connections.run("SELECT to_regclass('evflow_schema') IS NOT NULL", on: connection)
            guard try rows.first?.decode(Bool.self) == true else { return 0 }
            let versions = try connections.run("SELECT max(version) FROM evflow_schema", on: connection)
            return try versions.first.flatMap { try $0.decode(Int?.self) } ?? 0
        }
        if found > version { throw newerSchema(found, address) }
        if found < version {
            throw StoreError(.incompatibleSchema, instanceID: nil, detail: found == 0
                ? "the database \(address.redacted) has no evflow tables yet: run `evflow db migrate --store \(address.redacted)` first"
                : "the database \(address.redacted) is at schema version \(found), this evflow needs \(version): run `evflow db migrate --store \(address.redacted)`")
        }
    }

    private static func newerSchema(_ found: Int, _ address: PostgresAddress) -> StoreError {
        StoreError(.incompatibleSchema, instanceID: nil, detail: "the database \(address.redacted) is at schema version \(found), newer than this evflow knows (\(version)): a newer evflow migrated it; run that version (or newer) here, never an older one against it")
    }
}
