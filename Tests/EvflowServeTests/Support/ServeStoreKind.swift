import FlowEngine
import Foundation
import PostgresStore
import Testing

/// Which store a serve test's server runs on: the state folder (always), and a fresh PostgreSQL schema of the test
/// cluster when `EVFLOW_TEST_POSTGRES_URL` is set (`make test` sets it), so the same sessions prove both.
struct ServeStoreKind: Sendable, CustomTestStringConvertible {
    struct Storage {
        /// `nil`: the fixture's own state folder.
        var location: StoreLocation?
        var remove: @Sendable () -> Void
    }

    var name: String
    var make: @Sendable () throws -> Storage

    var testDescription: String { name }

    static let folder = ServeStoreKind(name: "state folder") { Storage(location: nil, remove: {}) }

    /// A migrated schema of its own, dropped afterwards.
    static let postgres = ServeStoreKind(name: "PostgreSQL") {
        let url = try #require(ProcessInfo.processInfo.environment["EVFLOW_TEST_POSTGRES_URL"])
        let schema = "serve_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let address = try PostgresAddress(url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
        _ = try PostgresInstanceStore.migrate(address)
        return Storage(location: .postgres(address), remove: { try? PostgresInstanceStore.dropSchema(address) })
    }

    /// Every kind this run can use.
    static var all: [ServeStoreKind] {
        let configured = !(ProcessInfo.processInfo.environment["EVFLOW_TEST_POSTGRES_URL"] ?? "").isEmpty
        return configured ? [.folder, .postgres] : [.folder]
    }
}
