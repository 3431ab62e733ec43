import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// The PostgreSQL store's decoded-instance cache: a load of a row still at the version this handle saved or read
/// returns the instance without the document, and any other write (another worker's save, a row deleted and
/// created again) is read afresh.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct DecodedRowCacheTests {
    @Test func aLoadAfterASaveSkipsTheDocument() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let store = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        var instance = InstanceSamples.instance("cached-1")
        _ = try store.create(instance)
        #expect(try store.load("cached-1") == instance)
        instance.variables["energy"] = .integer(7350)
        try store.save(instance)
        #expect(try store.load("cached-1") == instance)
        #expect(try store.loadOutline("cached-1") == InstanceOutline(instance))
        #expect(store.decoded.statistics == .init(hits: 3, misses: 0), "\(store.decoded.statistics)")
    }

    @Test func anotherWorkersSaveIsReadAfresh() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let first = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        let second = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-b/2"))
        var instance = InstanceSamples.instance("cached-2")
        _ = try first.create(instance)
        #expect(try second.load("cached-2") == instance, "decoded, then cached by the second handle")
        #expect(try second.load("cached-2") == instance, "the row has not moved: cached")
        instance.variables["by"] = .string("first")
        try first.save(instance)
        #expect(try second.load("cached-2") == instance, "the first handle's save is seen")
        #expect(second.decoded.statistics == .init(hits: 1, misses: 2), "\(second.decoded.statistics)")

        // An unchanged document saved again is a new version too (its revision moved); the content is the same.
        try first.save(instance)
        #expect(try second.load("cached-2") == instance)
        #expect(second.decoded.statistics.misses == 3)
    }

    /// A row deleted and created again starts over at revision 1, like the row cached: the writing transaction
    /// (`xmin`) tells them apart.
    @Test func aRowCreatedAgainIsNotTakenForTheOldOne() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let first = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        let second = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-b/2"))
        let old = InstanceSamples.instance("cached-3")
        _ = try first.create(old)
        #expect(try first.load("cached-3") == old)
        _ = try first.connections.query("delete a row behind the cache", instanceID: nil, "DELETE FROM instances WHERE id = 'cached-3'")
        var new = InstanceSamples.instance("cached-3")
        new.variables["incarnation"] = .integer(2)
        #expect(try second.create(new) == nil, "created again, at revision 1")
        #expect(try first.load("cached-3") == new)
        #expect(try first.loadOutline("cached-3") == InstanceOutline(new))
    }

    /// After a connection is lost (a restart or failover, which may lose commits the cache saw and reuse their
    /// transaction ids), nothing cached from before is used: the next load reads the document.
    @Test func nothingCachedBeforeAConnectionWasLostIsUsed() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let store = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        let instance = InstanceSamples.instance("cached-4")
        _ = try store.create(instance)
        #expect(try store.load("cached-4") == instance)
        #expect(store.decoded.statistics == .init(hits: 1, misses: 0))
        let killed = try TestDatabase.execute(address, """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = \("evflow/" + address.schema) AND pid <> pg_backend_pid() AND datname = current_database() AND state = 'idle'
            """)
        #expect(!killed.isEmpty, "the store kept an idle connection to kill")
        #expect(try store.load("cached-4") == instance)
        #expect(store.connections.interruptions > 0, "the lost connection was met: \(store.connections.retried)")
        #expect(store.decoded.statistics.misses == 1, "read afresh after the interruption: \(store.decoded.statistics)")
        #expect(try store.load("cached-4") == instance)
        #expect(store.decoded.statistics.hits == 2, "and cached again: \(store.decoded.statistics)")
    }
}
