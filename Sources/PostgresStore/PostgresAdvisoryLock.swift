import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The meter-binding lock: held as long as its connection holds the advisory lock.
final class PostgresAdvisoryLock: InstanceLock {
    private let connections: PostgresConnections
    private let key: String
    private let connection: Mutex<PostgresConnection?>

    init(connections: PostgresConnections, connection: PostgresConnection, key: String) {
        self.connections = connections
        self.key = key
        self.connection = Mutex(connection)
    }

    func release() {
        guard let connection = connection.withLock({ held in defer { held = nil }; return held }) else { return }
        // Unlocked before the close is answered, so a waiter elsewhere gets it at once; closing alone would also end it.
        _ = try? connections.run("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", on: connection)
        connections.close(connection)
    }
}
