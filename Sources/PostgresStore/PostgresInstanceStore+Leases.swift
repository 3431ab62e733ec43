import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Leases: one worker at a time runs an instance, across hosts, and a worker that stops renewing loses it.
///
/// Expiry is measured by the database's clock (`clock_timestamp()`), so hosts' clocks need not agree. A lease
/// held by a process on this host that no longer exists is taken over at once (as a file lock is released when
/// its process dies); one held on another host is taken over once it expires.
extension PostgresInstanceStore {
    package func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? {
        try Self.validate(id)
        if leases.held(id) != nil { return nil }
        let token = UUID().uuidString
        let sent = Date()
        var claimed = try claim(id, token: token, replacing: nil)
        if claimed == nil { claimed = try takeOverFromDeadLocalProcess(id, token: token) }
        guard let epoch = claimed else { return nil }
        let duration = options.leaseDuration
        leases.record(id, LeaseBook.Held(token: token, epoch: epoch, standsUntil: sent.addingTimeInterval(duration)),
                      duration: duration, renewEvery: duration / 3) { [weak self] held in self?.renew(held) }
        return PostgresLease(store: self, instanceID: id, token: token)
    }

    /// Claims the lease when it is free, expired, already ours (a repeated claim), or held by `replacing`.
    ///
    /// An `UPDATE` of the existing row, conditional on it being claimable, rather than an upsert: `INSERT … ON
    /// CONFLICT DO UPDATE … WHERE` locks the conflicting row even when its condition then fails, so every failed
    /// claim (one per wake-up for each worker that does not win) took a transaction id and a WAL flush at commit.
    /// A claim that finds the lease held in its snapshot writes nothing (one that loses a race to a claim still in
    /// flight does lock the row). Only an instance's first claim inserts the row; a repeat of it (its answer was
    /// lost while it was still uncommitted) finds the row its first attempt inserted with this token, and takes it.
    /// - Returns: the new epoch, or `nil` when someone else holds it.
    private func claim(_ id: String, token: String, replacing: String?) throws(StoreError) -> Int64? {
        let seconds = options.leaseDuration
        let replaced = replacing ?? ""
        let rows = try connections.query("claim the instance's lease", instanceID: id, """
            WITH previous AS (SELECT token IS NOT NULL AND token <> \(token) AND expires_at < clock_timestamp() AS expired
                              FROM leases WHERE instance_id = \(id)),
            claimed AS (
                UPDATE leases AS l SET owner = \(options.owner), token = \(token), epoch = l.epoch + 1,
                    expires_at = clock_timestamp() + \(seconds) * interval '1 second', renewed_at = clock_timestamp()
                WHERE l.instance_id = \(id)
                  AND (l.token IS NULL OR l.expires_at < clock_timestamp() OR l.token = \(token) OR l.token = \(replaced))
                RETURNING l.epoch),
            created AS (
                INSERT INTO leases (instance_id, owner, token, epoch, expires_at, renewed_at)
                SELECT \(id), \(options.owner), \(token), 1, clock_timestamp() + \(seconds) * interval '1 second', clock_timestamp()
                WHERE NOT EXISTS (SELECT 1 FROM previous)
                ON CONFLICT (instance_id) DO UPDATE SET epoch = leases.epoch + 1, expires_at = EXCLUDED.expires_at,
                    renewed_at = EXCLUDED.renewed_at
                WHERE leases.token = EXCLUDED.token
                RETURNING epoch)
            SELECT epoch, coalesce((SELECT expired FROM previous), false) FROM claimed
            UNION ALL SELECT epoch, false FROM created
            """)
        guard let row = rows.first else { return nil }
        let (epoch, tookOver) = try decodeRows([row], "claim the instance's lease") { try $0.decode((Int64, Bool).self) }[0]
        if tookOver || !replaced.isEmpty { counters.takeovers.add(1, ordering: .relaxed) }
        return epoch
    }

    /// A lease whose owner is a process of this host that has exited is taken over without waiting for expiry.
    private func takeOverFromDeadLocalProcess(_ id: String, token: String) throws(StoreError) -> Int64? {
        let rows = try connections.query("read the instance's lease", instanceID: id,
                                         "SELECT owner, token FROM leases WHERE instance_id = \(id) AND token IS NOT NULL")
        guard let row = rows.first, let lease = try decodeRows([row], "read the lease", { try $0.decode((String, String).self) }).first,
              let pid = localProcessID(lease.0), !Self.isAlive(pid)
        else { return nil }
        return try claim(id, token: token, replacing: lease.1)
    }

    /// Ends a lease this handle holds (best effort: a lease not released expires).
    func release(_ id: String, token: String) {
        guard leases.forget(id, token: token) != nil else { return }
        _ = try? connections.perform("release the instance's lease", instanceID: id, window: 2, bounded: false) { connection in
            try connections.run("UPDATE leases SET owner = NULL, token = NULL, expires_at = NULL WHERE instance_id = \(id) AND token = \(token)",
                                on: connection)
        }
    }

    /// Extends every lease in `held`; the ids renewed, or `nil` when the database could not be asked.
    func renew(_ held: [String: LeaseBook.Held]) -> Set<String>? {
        let ids = Array(held.keys), tokens = held.values.map(\.token)
        let seconds = options.leaseDuration
        let rows = try? connections.perform("renew leases", instanceID: nil, window: seconds / 3, bounded: false) { connection in
            try connections.run("""
                UPDATE leases SET expires_at = clock_timestamp() + \(seconds) * interval '1 second', renewed_at = clock_timestamp()
                WHERE instance_id = ANY(\(ids)) AND token = ANY(\(tokens))
                RETURNING instance_id, token
                """, on: connection)
        }
        guard let rows else { return nil }
        var renewed = Set<String>()
        for row in rows {
            guard let lease = try? row.decode((String, String).self), held[lease.0]?.token == lease.1 else { continue }
            renewed.insert(lease.0)
        }
        return renewed
    }

    package func lockHolder(_ id: String) -> LockHolder? {
        guard InstanceID.problem(with: id) == nil else { return nil }
        let rows = try? connections.query("read the instance's lease", instanceID: id, """
            SELECT owner, extract(epoch FROM clock_timestamp() - renewed_at)::float8, expires_at < clock_timestamp()
            FROM leases WHERE instance_id = \(id) AND token IS NOT NULL
            """)
        guard let row = rows?.first, let lease = try? row.decode((String, Double, Bool).self) else { return nil }
        return holder(owner: lease.0, sinceRenewal: lease.1, expired: lease.2)
    }

    /// Waits for the instance's meter-binding lock: a session advisory lock on a connection of its own, so it is
    /// released with the connection if this process dies.
    package func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock {
        try Self.validate(id)
        let key = "\(address.schema):meter:\(id)"
        let connection = try connections.perform("take the meter-binding lock", instanceID: id, keepsConnection: true) { connection in
            _ = try connections.run("SELECT pg_advisory_lock(hashtextextended(\(key), 0))", on: connection)
            return connection
        }
        return PostgresAdvisoryLock(connections: connections, connection: connection, key: key)
    }

    /// The pid in `owner` when the owner is a process of this host.
    func localProcessID(_ owner: String) -> Int32? {
        let host = ProcessInfo.processInfo.hostName
        guard owner.hasPrefix(host + "/") else { return nil }
        return Int32(owner.dropFirst(host.count + 1))
    }

    /// Whether a process with this pid exists (EPERM: it exists, owned by someone else).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
