import Crypto
import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Signals, pinned definitions and what was set aside. The inbox's key (instance, signal id) is the
/// deduplication: a second delivery of the same id finds it taken, from any host.
extension PostgresInstanceStore {
    /// Durable once the statement commits (each statement is its own transaction): `arrival` is told after that.
    package func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool {
        try Self.validate(id)
        let document: String
        do {
            document = String(decoding: try StateFileCoding.compactEncoder().encode(signal), as: UTF8.self)
        } catch {
            throw StoreError(.io, instanceID: id, detail: "could not encode signal \(signal.id) as JSON, nothing was written: \(error)")
        }
        let rows = try connections.query("deliver a signal", instanceID: id, """
            WITH delivered AS (
                INSERT INTO inbox (instance_id, signal_id, received_at, signal)
                SELECT \(id), \(signal.id), \(signal.receivedAt), \(document)::jsonb WHERE EXISTS (SELECT 1 FROM instances WHERE id = \(id))
                ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM delivered), EXISTS (SELECT 1 FROM instances WHERE id = \(id))
            """)
        let (delivered, exists) = try decodeRows(rows, "deliver a signal") { try $0.decode((Bool, Bool).self) }.first ?? (false, false)
        guard exists else {
            throw StoreError(.notFound, instanceID: id, detail: "no such instance to deliver signal \"\(signal.name)\" (\(signal.id)) to")
        }
        if delivered {
            counters.writes.add(1, ordering: .relaxed)
            notify(id)
            arrival.announce()
        }
        return delivered
    }

    /// Oldest first, then by signal id. A signal that does not decode is moved to `set_aside` and reported as
    /// ``StoreError/Code/corrupt``; the next call returns the rest.
    package func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] {
        try Self.validate(id)
        let rows = try connections.query("read the inbox", instanceID: id, "SELECT signal_id, signal::text FROM inbox WHERE instance_id = \(id)")
        var signals: [ReceivedSignal] = []
        for (signalID, text) in try decodeRows(rows, "read the inbox", { try $0.decode((String, String).self) }) {
            do {
                signals.append(try StateFileCoding.decoder().decode(ReceivedSignal.self, from: Data(text.utf8)))
            } catch {
                let problem = "a signal in the inbox is not valid: \(StateFileCoding.describe(error))"
                let moved = try connections.query("set aside a damaged signal", instanceID: id, """
                    WITH moved AS (DELETE FROM inbox WHERE instance_id = \(id) AND signal_id = \(signalID) RETURNING signal::text AS document)
                    INSERT INTO set_aside (instance_id, name, problem, document)
                    SELECT \(id), \(Self.asideName("\(id)-inbox")), \(problem), document FROM moved
                    RETURNING number
                    """)
                let number = try decodeRows(moved, "set aside", { try $0.decode(Int64.self) }).first
                throw StoreError(.corrupt, instanceID: id, path: "inbox of \(id), signal \(signalID)",
                                 quarantinedTo: number.map { "set_aside #\($0) in \(address.redacted)" }, detail: problem)
            }
        }
        return signals.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
    }

    package func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError) {
        try Self.validate(id)
        guard !signalIDs.isEmpty else { return }
        _ = try connections.query("remove signals from the inbox", instanceID: id,
                                  "DELETE FROM inbox WHERE instance_id = \(id) AND signal_id = ANY(\(signalIDs))")
    }

    package func instancesWithPendingSignals() throws(StoreError) -> [String] {
        let rows = try connections.query("list pending signals", instanceID: nil, "SELECT DISTINCT instance_id FROM inbox")
        return try decodeRows(rows, "list pending signals") { try $0.decode(String.self) }
    }

    // MARK: Definitions

    /// - Throws: ``StoreError/Code/invalidID`` when `contentHash` is not the lower-case hex SHA-256 of `bytes`.
    package func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) {
        try StoreError.checkContentHash(contentHash)
        let actual = JSONNode.contentHash(of: bytes)
        guard actual == contentHash else {
            throw StoreError(.invalidID, instanceID: nil, detail: "the definition's bytes hash to \(actual), not to the content hash \(contentHash) they were to be stored under")
        }
        _ = try connections.query("save a definition", instanceID: nil,
                                  "INSERT INTO definitions (content_hash, bytes) VALUES (\(contentHash), \(ByteBuffer(bytes: bytes))) ON CONFLICT DO NOTHING")
        counters.writes.add(1, ordering: .relaxed)
    }

    package func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]? {
        try StoreError.checkContentHash(contentHash)
        let rows = try connections.query("load a definition", instanceID: nil, "SELECT bytes FROM definitions WHERE content_hash = \(contentHash)")
        guard let buffer = try decodeRows(rows, "load a definition", { try $0.decode(ByteBuffer.self) }).first else { return nil }
        let bytes = Array(buffer.readableBytesView)
        let actual = JSONNode.contentHash(of: bytes)
        guard actual == contentHash else {
            throw StoreError(.corrupt, instanceID: nil, detail: "the stored definition \(contentHash) hashes to \(actual); instances pinned to it cannot continue until the original definition is saved again")
        }
        return bytes
    }

    // MARK: Set aside, wake-ups

    package func setAsideRecords() -> [SetAsideRecord] {
        guard let rows = try? connections.query("list set-aside records", instanceID: nil,
                                                "SELECT name, set_aside_at FROM set_aside ORDER BY set_aside_at, name") else { return [] }
        return rows.compactMap { row in
            guard let record = try? row.decode((String, Date).self) else { return nil }
            return SetAsideRecord(name: record.0, setAsideAt: record.1)
        }
    }

    /// The channel every handle on this schema listens on: instance ids that have something new.
    ///
    /// `evflow_<schema>`, or for a schema name too long for that (PostgreSQL refuses a channel of 64 bytes or more
    /// in `pg_notify`, and `LISTEN` would cut it to 63) `evflow_` and a digest of the name.
    var wakeChannel: String { Self.wakeChannel(schema: address.schema) }

    /// Rings every worker's doorbell (best effort: the poll is the fallback), in a transaction of its own.
    ///
    /// Not in the statement that wrote the row, which would save a round trip: PostgreSQL takes one cluster-wide
    /// lock for every committing transaction that notifies and holds it through that transaction's WAL flush, so
    /// every create and signal of every worker would commit one at a time, with no group commit among them. A
    /// transaction that only notifies writes no WAL, and holds that lock for a moment.
    func notify(_ id: String) {
        _ = try? connections.perform("notify workers", instanceID: id, window: 0) { connection in
            try connections.run("SELECT pg_notify(\(wakeChannel), \(id))", on: connection)
        }
    }

    static func wakeChannel(schema: String) -> String {
        let plain = "evflow_\(schema)"
        guard plain.utf8.count > 63 else { return plain }
        let digest = SHA256.hash(data: Data(schema.utf8)).map { String(format: "%02x", $0) }.joined()
        return "evflow_" + digest.prefix(40)
    }
}
