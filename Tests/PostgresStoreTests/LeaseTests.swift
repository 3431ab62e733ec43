import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import PostgresStore

/// Leases and fencing: a worker that stops renewing loses its instance to another after the lease, and can then
/// never overwrite what the new owner saved.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct LeaseTests {
    @Test func aStalledWorkersSaveIsFencedAfterATakeover() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let stalledOptions = TestDatabase.options(lease: 1, owner: "host-a/1001")
        let stalled = try PostgresInstanceStore(address: address, options: stalledOptions)
        let otherOptions = TestDatabase.options(lease: 1, owner: "host-b/2002")
        let other = try PostgresInstanceStore(address: address, options: otherOptions)
        var instance = InstanceSamples.instance("fenced-1")
        _ = try stalled.create(instance)
        let lease = try #require(try stalled.lock("fenced-1"))
        stalled.leases.stopRenewing()  // as if the process were paused (SIGSTOP) or cut off
        #expect(try other.lock("fenced-1") == nil, "refused while the lease stands")
        let waitStart = Date()
        var takeover: (any InstanceLock)?
        while takeover == nil && Date().timeIntervalSince(waitStart) < 10 {
            Thread.sleep(forTimeInterval: 0.1)
            takeover = try other.lock("fenced-1")
        }
        let newLease = try #require(takeover, "an expired lease is taken over")
        #expect(Date().timeIntervalSince(waitStart) < 5, "within about the lease's length")
        let holder = try #require(stalled.lockHolder("fenced-1"))
        #expect(holder.owner == "host-b/2002" && !holder.isAbandoned, "\(holder)")

        instance.variables["by"] = .string("new owner")
        try other.save(instance)
        var stale = instance
        stale.variables["by"] = .string("stalled worker")
        let error = try #require(expectStoreError(.leaseLost) { try stalled.save(stale) })
        #expect(error.instanceID == "fenced-1" && error.detail.contains("host-a/1001"), "\(error)")
        #expect(try other.load("fenced-1").variables["by"] == .string("new owner"), "newer state never overwritten")
        #expect(stalled.counters.fencingRejections.load(ordering: .relaxed) == 1)
        #expect(other.counters.takeovers.load(ordering: .relaxed) == 1)
        lease.release()  // the stalled worker letting go must not free the new owner's lease
        #expect(try stalled.lock("fenced-1") == nil, "still the new owner's")
        newLease.release()
    }

    /// Claims racing for an instance's first lease (the row is inserted) and for a released one (the row is updated):
    /// each time exactly one worker wins, and the others are refused rather than handed the same lease.
    @Test func racingClaimsHaveExactlyOneWinner() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let stores = try (0..<6).map { number in
            try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-\(number)/\(1000 + number)"))
        }
        _ = try stores[0].create(InstanceSamples.instance("raced-1"))
        for round in ["first claim", "after a release"] {
            let won = Synchronized<[Int]>([])
            let failures = Synchronized<[String]>([])
            let leases = Synchronized<[any InstanceLock]>([])
            let gate = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            for (number, store) in stores.enumerated() {
                done.enter()
                Thread {
                    gate.wait()
                    do {
                        if let lease = try store.lock("raced-1") {
                            won.update { $0.append(number) }
                            leases.update { $0.append(lease) }
                        }
                    } catch {
                        failures.update { $0.append("\(error)") }
                    }
                    done.leave()
                }.start()
            }
            for _ in stores { gate.signal() }
            #expect(done.wait(timeout: .now() + 30) == .success)
            #expect(failures.value.isEmpty, "\(round): \(failures.value)")
            #expect(won.value.count == 1, "\(round): exactly one winner, got \(won.value)")
            for lease in leases.value { lease.release() }
        }
    }

    @Test func aHeldLeaseIsRenewedPastItsLength() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let store = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 1))
        let other = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 1))
        var instance = InstanceSamples.instance("renewed-1")
        _ = try store.create(instance)
        let lease = try #require(try store.lock("renewed-1"))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try other.lock("renewed-1") == nil, "renewed while held")
        instance.variables["saved"] = .boolean(true)
        try store.save(instance)
        lease.release()
        #expect(try other.lock("renewed-1") != nil, "free once released")
    }

    @Test func anExpiredLeaseIsReportedAsStoppedRenewing() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let options = TestDatabase.options(lease: 1, owner: "host-b/4121")
        let store = try PostgresInstanceStore(address: address, options: options)
        _ = try store.create(InstanceSamples.instance("stopped-1"))
        _ = try #require(try store.lock("stopped-1"))
        store.leases.stopRenewing()
        Thread.sleep(forTimeInterval: 1.5)
        let holder = try #require(store.lockHolder("stopped-1"))
        #expect(holder.isAbandoned)
        let lapse = try #require(holder.lapse)
        #expect(lapse.hasPrefix("worker host-b/4121 stopped renewing ") && lapse.hasSuffix(" s ago"), "\(lapse)")
    }

    /// A schema name of the longest length allowed still gives a channel PostgreSQL takes: another worker's
    /// listener is woken by a create (`LISTEN` would cut a longer name to 63 bytes, `pg_notify` refuses it).
    @Test func aLongSchemaNameStillWakesOtherWorkers() throws {
        let address = try TestDatabase.freshSchema(longName: true)
        defer { TestDatabase.drop(address) }
        #expect(address.schema.count == 63)
        let store = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        let other = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-b/2"))
        let woken = Mutex<[String]>([])
        let subscription = other.subscribeToWakeUps { id in woken.withLock { $0.append(id) } }
        defer { subscription?.cancel() }
        // The listener connects in the background: wait until a wake-up gets through.
        let start = Date()
        var number = 0
        while woken.withLock({ $0.isEmpty }) && Date().timeIntervalSince(start) < 10 {
            number += 1
            _ = try store.create(InstanceSamples.instance("long-\(number)"))
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(!woken.withLock { $0.isEmpty }, "a create on a 63-character schema woke the other worker")
        #expect(try store.deliver(InstanceSamples.signal("end-1", name: "sessionEnded"), to: "long-1"))
        #expect(PostgresInstanceStore.wakeChannel(schema: address.schema).utf8.count <= 63)
    }
}
