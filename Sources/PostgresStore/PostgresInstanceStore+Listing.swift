import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Listing for `evflow list`, the console, the stuck diagnosis and a worker's or serve's start-up: pages of
/// outlines the database cuts out of the documents, and every lease in one read.
///
/// Why: the protocol's default read each instance's whole document in a query of its own and decoded it in
/// Swift; over many instances that was one round trip and one full JSON parse per instance. Here PostgreSQL
/// projects, per row, only the fields ``InstanceOutline`` reads (the step list cut to the last record and, while
/// no payment is recorded, the earlier records that carry an intent), so the client parses a few hundred bytes
/// per instance and makes one round trip per page (``PostgresInstanceStore/Options/listingPage`` instances, in id
/// order). The outline is decoded by ``InstanceOutline``'s own decoder from the document's own fields, so it is
/// the one ``loadOutline(_:)`` and the file store give, times exact (the `timestamptz` columns keep microseconds,
/// the document the engine's `Date`).
extension PostgresInstanceStore {
    package func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        var results: [(id: String, outline: Result<InstanceOutline, StoreError>)] = []
        let decoder = StateFileCoding.decoder()
        var after = ""
        while true {
            let rows = try connections.query("list instance outlines", instanceID: nil, """
                SELECT id, jsonb_build_object(
                    'id', state->'id', 'flow', state->'flow', 'status', state->'status', 'createdAt', state->'createdAt',
                    'updatedAt', state->'updatedAt', 'currentStep', state->'currentStep', 'wakeAt', state->'wakeAt',
                    'payment', state->'payment', 'failure', state->'failure', 'seenSignalIDs', state->'seenSignalIDs',
                    'refunds', state->'refunds',
                    'steps', CASE WHEN coalesce(state->'payment', 'null'::jsonb) = 'null'::jsonb
                                  THEN jsonb_path_query_array(state, '$.steps[0 to last-1] ? (exists(@.intent) || @.type() != "object")')
                                  ELSE '[]'::jsonb END
                             || jsonb_path_query_array(state, '$.steps[last]'))::text
                FROM instances WHERE id > \(after) ORDER BY id LIMIT \(options.listingPage)
                """)
            let page = try decodeRows(rows, "list instance outlines") { try $0.decode((String, String).self) }
            for (id, text) in page {
                results.append((id, outline(id, projected: text, decoder)))
            }
            guard page.count == options.listingPage, let last = page.last else { return results }
            after = last.0
        }
    }

    /// Who holds each of `ids`' leases, from one read of `leases` (the stuck diagnosis asks for every listed instance).
    package func lockHolders(_ ids: [String]) -> [String: LockHolder] {
        let wanted = Set(ids)
        let rows = try? connections.query("read every held lease", instanceID: nil, """
            SELECT instance_id, owner, extract(epoch FROM clock_timestamp() - renewed_at)::float8, expires_at < clock_timestamp()
            FROM leases WHERE token IS NOT NULL
            """)
        var holders: [String: LockHolder] = [:]
        for row in rows ?? [] {
            guard let lease = try? row.decode((String, String, Double, Bool).self), wanted.contains(lease.0) else { continue }
            holders[lease.0] = holder(owner: lease.1, sinceRenewal: lease.2, expired: lease.3)
        }
        return holders
    }

    /// What a lease row says about its holder: abandoned once expired, or at once when its owner was a process of
    /// this host that no longer exists.
    func holder(owner: String, sinceRenewal: Double, expired: Bool) -> LockHolder {
        let pid = localProcessID(owner)
        let gone = pid.map { !Self.isAlive($0) } ?? false
        return LockHolder(processID: pid, isAbandoned: expired || gone, owner: owner, sinceRenewal: sinceRenewal)
    }

    /// The outline in a projected row; a row whose projection does not decode (a damaged document) is read again
    /// whole by ``loadOutline(_:)``, which reports it and sets it aside as ``load(_:)`` does.
    private func outline(_ id: String, projected text: String, _ decoder: JSONDecoder) -> Result<InstanceOutline, StoreError> {
        if let outline = try? decoder.decode(InstanceOutline.self, from: Data(text.utf8)), outline.id == id {
            return .success(outline)
        }
        return Result { () throws(StoreError) in try loadOutline(id) }
    }
}
