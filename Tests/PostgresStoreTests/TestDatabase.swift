import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// The test cluster `make test` starts (scripts/test-postgres.sh): `EVFLOW_TEST_POSTGRES_URL`, and a schema of
/// its own for each test so tests run in parallel without seeing each other's rows.
enum TestDatabase {
    static let urlVariable = "EVFLOW_TEST_POSTGRES_URL"

    /// The cluster's URL, or `nil` when no cluster is configured (the PostgreSQL tests are then disabled, and
    /// ``RequirePostgresTests`` fails when `EVFLOW_REQUIRE_POSTGRES=1`).
    static var url: String? { ProcessInfo.processInfo.environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 } }

    static var isConfigured: Bool { url != nil }

    /// A migrated schema of its own (`t_<random>`), and its address.
    /// - Parameter longName: a name of the longest length a schema may have (63), for what derives names from it.
    static func freshSchema(migrated: Bool = true, longName: Bool = false) throws -> PostgresAddress {
        let url = try #require(url, "\(urlVariable) is not set")
        var name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        if longName { name += String(repeating: "x", count: 63 - name.count) }
        let address = try PostgresAddress(url + (url.contains("?") ? "&" : "?") + "schema=\(name)")
        if migrated { _ = try PostgresInstanceStore.migrate(address) }
        return address
    }

    /// Runs SQL in `address`'s schema (creating the schema first when missing), for what only a test does: damage a row, drop the schema.
    @discardableResult
    static func execute(_ address: PostgresAddress, _ query: PostgresQuery) throws -> [PostgresRow] {
        let connections = try PostgresConnections(address: address, retryWindow: 10)
        defer { connections.shutdown() }
        return try connections.query("run a test statement", instanceID: nil, query)
    }

    static func drop(_ address: PostgresAddress) {
        try? PostgresInstanceStore.dropSchema(address)
    }

    /// Fast leases for lease tests.
    static func options(lease: TimeInterval = 15, owner: String? = nil) -> PostgresInstanceStore.Options {
        var options = PostgresInstanceStore.Options()
        options.leaseDuration = lease
        if let owner { options.owner = owner }
        return options
    }
}

extension InstanceStoreKind {
    /// ``PostgresInstanceStore`` on a fresh schema of the test cluster; a second handle is a second store (its own
    /// connections, as another worker's); damage writes a document that does not decode as an instance; set-aside
    /// records are the documents in `set_aside`.
    static let postgres = InstanceStoreKind(name: "postgres") {
        let address = try TestDatabase.freshSchema()
        let store = try PostgresInstanceStore(address: address)
        return InstanceStoreSubject(
            store: store,
            openAnotherHandle: { try PostgresInstanceStore(address: address) },
            damage: { id in
                let rows = try TestDatabase.execute(address, """
                    UPDATE instances SET state = jsonb_build_object('id', \(id)::text, 'flow', jsonb_build_object('name', 'ev-charging', 'version', 'th'))
                    WHERE id = \(id) RETURNING state::text
                    """)
                return Array(try #require(rows.first).decode(String.self).utf8)
            },
            setAside: { id in
                let rows = try TestDatabase.execute(address, "SELECT document FROM set_aside WHERE instance_id = \(id) ORDER BY number")
                return try rows.map { Array(try $0.decode(String.self).utf8) }
            },
            remove: { TestDatabase.drop(address) })
    }
}
