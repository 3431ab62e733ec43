import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// `evflow db migrate` and the version check every worker makes, and a database that is down at start.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct PostgresSchemaTests {
    @Test func anUnmigratedDatabaseIsRefusedUntilMigrated() throws {
        let address = try TestDatabase.freshSchema(migrated: false)
        defer { TestDatabase.drop(address) }
        let error = try #require(expectStoreError(.incompatibleSchema) { try PostgresInstanceStore(address: address) })
        #expect(error.detail.contains("evflow db migrate"), "\(error)")
        let first = try PostgresInstanceStore.migrate(address)
        #expect(first.from == 0 && first.to == PostgresInstanceStore.schemaVersion)
        let again = try PostgresInstanceStore.migrate(address)
        #expect(again.from == again.to, "migrating twice changes nothing")
        _ = try PostgresInstanceStore(address: address)
    }

    @Test func migratorsRunningTogetherDoNotRace() throws {
        let address = try TestDatabase.freshSchema(migrated: false)
        defer { TestDatabase.drop(address) }
        let failures = Synchronized<[String]>([])
        let threads = (0..<4).map { _ in
            Thread {
                do { _ = try PostgresInstanceStore.migrate(address) } catch { failures.update { $0.append("\(error)") } }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(60)
        while threads.contains(where: { !$0.isFinished }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(failures.value.isEmpty, "\(failures.value)")
        _ = try PostgresInstanceStore(address: address)
    }

    @Test func aNewerSchemaIsRefused() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        try TestDatabase.execute(address, "UPDATE evflow_schema SET version = 99")
        let error = try #require(expectStoreError(.incompatibleSchema) { try PostgresInstanceStore(address: address) })
        #expect(error.detail.contains("99") && error.detail.contains("newer"), "\(error)")
        expectStoreError(.incompatibleSchema) { try PostgresInstanceStore.migrate(address) }
    }

    @Test func aDatabaseThatIsDownIsNamedWithoutItsPassword() throws {
        // A port nothing listens on.
        let address = try PostgresAddress("postgres://evflow:hunter2-secret@127.0.0.1:9/evflow", environment: [:])
        var options = PostgresInstanceStore.Options()
        options.openWindow = 0.5
        let started = Date()
        let error = try #require(expectStoreError(.unavailable) { try PostgresInstanceStore(address: address, options: options) })
        #expect(Date().timeIntervalSince(started) < 20, "reported quickly")
        #expect(error.description.contains("postgres://evflow@127.0.0.1:9/evflow"), "names the address: \(error)")
        #expect(!error.description.contains("hunter2"), "never the password: \(error)")
    }
}

/// A value several test threads update.
final class Synchronized<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
