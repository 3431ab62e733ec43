import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// What a store shared by many workers adds to the file store's contract: claimable instances, wake-ups, the
/// payment-reference index and lease counters.
extension PostgresInstanceStore {
    package func subscribeToWakeUps(_ wake: @escaping @Sendable (_ instanceID: String) -> Void) -> (any WakeUpSubscription)? {
        let listener = WakeUpListener(connections: connections, channel: wakeChannel, wake: wake)
        listener.start()
        return listener
    }

    /// Unfinished instances due by `date` without a live lease, earliest first. `FOR UPDATE SKIP LOCKED` lets
    /// workers that look at the same moment pass over each other's rows instead of queueing; the claim itself is
    /// ``lock(_:)``'s conditional lease update, which only one worker can win.
    package func claimableInstances(dueBy date: Date, limit: Int) throws(StoreError) -> [String] {
        let rows = try connections.query("find claimable instances", instanceID: nil, """
            SELECT i.id FROM instances i
            WHERE (i.status = 'running' OR (i.status = 'waiting' AND i.wake_at <= \(date)))
              AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.instance_id = i.id AND l.token IS NOT NULL AND l.expires_at > clock_timestamp())
            ORDER BY i.wake_at NULLS FIRST
            LIMIT \(limit)
            FOR UPDATE OF i SKIP LOCKED
            """)
        return try decodeRows(rows, "find claimable instances") { try $0.decode(String.self) }
    }

    package var leaseStatistics: LeaseStatistics? {
        LeaseStatistics(held: leases.tokens().count, takeovers: counters.takeovers.load(ordering: .relaxed),
                        fencingRejections: counters.fencingRejections.load(ordering: .relaxed))
    }
}

extension PostgresInstanceStore {
    /// From the indexed `payment_reference` column: a webhook reaching any server finds the instance another
    /// server created.
    package func instanceID(paymentReference reference: String) throws(StoreError) -> String? {
        let rows = try connections.query("find an instance by payment reference", instanceID: nil,
                                         "SELECT id FROM instances WHERE payment_reference = \(reference) LIMIT 1")
        return try decodeRows(rows, "find an instance by payment reference") { try $0.decode(String.self) }.first
    }
}
