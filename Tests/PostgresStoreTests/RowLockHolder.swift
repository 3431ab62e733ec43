import Foundation
import PostgresNIO

@testable import PostgresStore

/// Another session's open transaction holding an instance row's lock, as an operator's forgotten `psql` session
/// or a long migration would: a save of that instance waits for it (until the statement timeout, or until it is
/// cut off), which is how the fault tests put a statement of the store in the server's hands at a known moment.
final class RowLockHolder {
    private let connections: PostgresConnections
    private let connection: PostgresConnection

    /// Begins the transaction and locks `id`'s row (an update that changes nothing).
    init(_ address: PostgresAddress, locking id: String) throws {
        let connections = try PostgresConnections(address: address, retryWindow: 5)
        self.connections = connections
        connection = try connections.perform("hold a row lock", instanceID: id, keepsConnection: true) { connection in
            _ = try connections.run("BEGIN", on: connection)
            let locked = try connections.run("UPDATE instances SET updated_at = updated_at WHERE id = \(id) RETURNING 1", on: connection)
            guard locked.count == 1 else { throw NoSuchRow(id: id) }
            return connection
        }
    }

    /// Commits (the waiting save goes on) and closes the connection.
    func commit() throws {
        defer { close() }
        _ = try connections.run("COMMIT", on: connection)
    }

    /// Closes the connection (the server rolls the transaction back).
    func close() {
        connections.close(connection)
        connections.shutdown()
    }

    struct NoSuchRow: Error { var id: String }
}
