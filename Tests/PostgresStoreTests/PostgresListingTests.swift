import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// `evflow list`, `list --status stuck`, the console and serve's start-up read a PostgreSQL store through pages of
/// projected outlines and one read of the leases: what they show must be what the file store shows for the same
/// instances, and an instance whose worker stopped renewing its lease must still be found stuck.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct PostgresListingTests {
    /// A moment after every sample's times, so overdue timers and orphaned runs are stuck.
    static let now = InstanceSamples.start.addingTimeInterval(3600)

    /// Instances in the states a listing tells apart.
    static func samples() -> [FlowInstance] {
        var overdue = InstanceSamples.instance("overdue-1")
        overdue.failure = nil
        var orphaned = InstanceSamples.instance("orphaned-1")
        orphaned.status = .running
        orphaned.failure = nil
        orphaned.wakeAt = nil
        orphaned.currentStep = "capture"
        var held = InstanceSamples.instance("held-1")
        held.status = .failed
        held.wakeAt = nil
        var done = InstanceSamples.instance("done-1")
        done.status = .succeeded
        done.currentStep = nil
        done.wakeAt = nil
        done.failure = nil
        var fresh = InstanceSamples.instance("fresh-1")
        fresh.failure = nil
        fresh.payment = nil
        fresh.wakeAt = now.addingTimeInterval(600)
        return [overdue, orphaned, held, done, fresh]
    }

    static func store(_ store: any InstanceStore, _ instances: [FlowInstance]) throws {
        for instance in instances {
            _ = try store.create(InstanceSamples.instance(instance.id))
            try store.save(instance)
        }
    }

    static func listing(_ store: any InstanceStore) throws -> [InstanceSummary] {
        let inspector = InstanceInspector(store: store, catalog: DefinitionCatalog(definitions: [:], store: store))
        let (summaries, unreadable) = try inspector.summaries(StuckDiagnosis(grace: 60, now: now))
        #expect(unreadable.isEmpty, "\(unreadable)")
        return summaries
    }

    @Test func theListingIsTheFileStoresForTheSameInstances() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "pg-listing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try FileInstanceStore(stateDirectory: folder)
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        // Pages of two, so five instances take three queries and the page boundaries are crossed.
        var options = PostgresInstanceStore.Options()
        options.listingPage = 2
        let database = try PostgresInstanceStore(address: address, options: options)
        try Self.store(files, Self.samples())
        try Self.store(database, Self.samples())

        let expected = try Self.listing(files)
        let listed = try Self.listing(database)
        #expect(listed.map(\.id) == expected.map(\.id))
        #expect(listed == expected)
        let encoder = StateFileCoding.encoder()
        #expect(try encoder.encode(listed) == encoder.encode(expected), "byte for byte, as `evflow list --json` prints it")
        let stuck = Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0.stuck) })
        #expect(stuck["overdue-1"]??.hasPrefix("timer due") == true, "\(stuck)")
        #expect(stuck["orphaned-1"]??.hasPrefix("running but no worker") == true, "\(stuck)")
        #expect(stuck["held-1"]??.hasPrefix("failed with") == true, "\(stuck)")
        #expect(stuck["done-1"] == .some(nil) && stuck["fresh-1"] == .some(nil), "\(stuck)")
        #expect(try database.allOutlines().count == 5, "every page read, none twice")
    }

    @Test func anInstanceWhoseWorkerStoppedRenewingIsListedStuck() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let options = TestDatabase.options(lease: 1, owner: "host-b/4121")
        let worker = try PostgresInstanceStore(address: address, options: options)
        var running = InstanceSamples.instance("leased-1")
        running.status = .running
        running.updatedAt = Date()
        // No payment, so no capture deadline (the sample's lapsed long ago by the wall clock) adds a reason of its own.
        running.payment = nil
        try Self.store(worker, [running])
        _ = try #require(try worker.lock("leased-1"))
        worker.leases.stopRenewing()

        let operatorStore = try PostgresInstanceStore(address: address)
        let inspector = InstanceInspector(store: operatorStore, catalog: DefinitionCatalog(definitions: [:], store: operatorStore))
        let diagnosis = { StuckDiagnosis(grace: 60, now: Date()) }
        #expect(try inspector.summaries(diagnosis()).summaries.first?.stuck == nil, "a live lease, just saved: not stuck")
        Thread.sleep(forTimeInterval: 1.5)
        let stuck = try #require(try inspector.summaries(diagnosis()).summaries.first?.stuck)
        #expect(stuck.hasPrefix("worker host-b/4121 stopped renewing ") && stuck.contains(" s ago; another worker takes it over"), "\(stuck)")
        #expect(operatorStore.lockHolders(["leased-1", "other-1"]).keys.sorted() == ["leased-1"], "held leases only, of the ids asked")
    }
}
