import CurlHTTP
import EPayment
import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import PostgresStore

/// The runner lets go of an instance whose lease another worker took over mid-run: its save is fenced by the
/// database, nothing it computed is written, no payment call follows, and the new owner's lease is left alone.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct RunnerFencingTests {
    /// The real store, with another worker's takeover (a claim at the next epoch, as `lock` makes it) slipped in
    /// just before the runner's first save reaches the database.
    final class TakeoverBeforeFirstSave: InstanceStoreDecorator {
        let base: any InstanceStore
        let address: PostgresAddress
        let done = Mutex(false)

        init(base: any InstanceStore, address: PostgresAddress) {
            self.base = base
            self.address = address
        }

        func save(_ instance: FlowInstance) throws(StoreError) {
            if done.withLock({ done in defer { done = true }; return !done }) {
                do {
                    try TestDatabase.execute(address, """
                        UPDATE leases SET owner = 'host-z/9', token = 'other-worker', epoch = epoch + 1,
                            expires_at = clock_timestamp() + interval '60 seconds', renewed_at = clock_timestamp()
                        WHERE instance_id = \(instance.id)
                        """)
                } catch {
                    Issue.record("takeover failed: \(error)")
                }
            }
            try base.save(instance)
        }
    }

    /// The shipped flow on `store`, with a provider nobody listens on: a payment call would fail loudly instead of
    /// being skipped.
    static func configuration(store: any InstanceStore, flows: URL, address: PostgresAddress) throws -> EvflowConfiguration {
        let settings = EPaymentConfiguration(baseURL: "http://127.0.0.1:9", clientID: "fencing", clientSecret: Secret("secret"),
                                             subscriptionKey: Secret("key"), merchantSerialNumber: "123456")
        return EvflowConfiguration(store: .opening({ store }, describedAs: address.redacted),
                                   definitions: try FlowDefinitionLoader().load(directory: flows), payments: .settings(settings))
    }

    static let inputs: [String: Value] = [
        "phoneNumber": .phoneNumber("4791234567"),
        "maxAmount": .money(Money(minorUnits: 50_000, currency: "NOK")),
        "pricePerKWh": .money(Money(minorUnits: 399, currency: "NOK")),
        "startFee": .money(Money(minorUnits: 0, currency: "NOK")),
    ]

    @Test func aFencedRunLetsGoWithoutWritingOrCalling() async throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let store = try PostgresInstanceStore(address: address)
        let stealing = TakeoverBeforeFirstSave(base: store, address: address)
        let configuration = try Self.configuration(store: stealing, flows: flows, address: address)
        try await withHTTPClient { http in
            let runtime = try EvflowRuntime(configuration, httpClient: http)
            _ = try runtime.runner.start(flow: "ev-charging", id: "fenced-run", inputs: Self.inputs)
            let before = try store.load("fenced-run")
            let error = try await #require(throws: StoreError.self) { try await runtime.runner.runReporting("fenced-run") }
            #expect(error.code == .leaseLost, "\(error)")
            #expect(try store.load("fenced-run") == before, "the fenced run wrote nothing")
            #expect(store.counters.fencingRejections.load(ordering: .relaxed) == 1)
            let lease = try TestDatabase.execute(address, "SELECT owner, token FROM leases WHERE instance_id = 'fenced-run'")
            let (owner, token) = try #require(lease.first).decode((String?, String?).self)
            #expect(owner == "host-z/9" && token == "other-worker", "letting go left the new owner's lease alone")
            #expect(store.leases.held("fenced-run") == nil, "and forgot its own")
            #expect(try store.lock("fenced-run") == nil, "the new owner holds it")
        }
    }

    /// A worker that finds an instance leased by another worker lets go of it instead of claiming again every
    /// second: the holder runs it on, and the poll finds it claimable if the holder stops. (Each retry cost a claim,
    /// a load and a save, per wake-up and per worker: the cost per flow rose with every worker added.)
    @Test func aWorkerLetsGoOfAnInstanceAnotherWorkerHolds() async throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let store = try PostgresInstanceStore(address: address)
        let configuration = try Self.configuration(store: store, flows: flows, address: address)
        try await withHTTPClient { http in
            let runtime = try EvflowRuntime(configuration, httpClient: http)
            _ = try runtime.runner.start(flow: "ev-charging", id: "held-elsewhere", inputs: Self.inputs)
            #expect(runtime.runner.scheduledCount == 1, "the start scheduled it")
            // Another worker (another store handle, as another process has) holds it.
            let other = try PostgresInstanceStore(address: address)
            let lease = try #require(try other.lock("held-elsewhere"))
            defer { lease.release() }
            let before = try store.load("held-elsewhere")
            let writes = store.counters.writes.load(ordering: .relaxed)
            try await runtime.runner.runReporting("held-elsewhere")
            #expect(try store.load("held-elsewhere") == before, "nothing was run")
            #expect(runtime.runner.scheduledCount == 0, "let go, not rescheduled a second later: \(String(describing: runtime.runner.nextWake))")
            #expect(store.counters.writes.load(ordering: .relaxed) == writes, "no save after the failed claim")
        }
    }

    /// A wait for the end (`GET …?wait=finished`) on one worker sees an instance finish on another, whose run rings
    /// no bell here: the wait reads it again every second on a shared store instead of sleeping to its bound.
    @Test func aWaitForTheEndSeesTheInstanceFinishOnAnotherWorker() async throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let flows = try ShippedFlows.evChargingFolder()
        defer { TemporaryFolder.remove(flows) }
        let store = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-a/1"))
        let otherWorker = try PostgresInstanceStore(address: address, options: TestDatabase.options(lease: 30, owner: "host-b/2"))
        let configuration = try Self.configuration(store: store, flows: flows, address: address)
        try await withHTTPClient { http in
            let runtime = try EvflowRuntime(configuration, httpClient: http)
            _ = try runtime.runner.start(flow: "ev-charging", id: "ended-elsewhere", inputs: Self.inputs)
            let clock = ContinuousClock()
            let asked = clock.now
            async let waited = runtime.runner.waitUntilFinished("ended-elsewhere", timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(300))
            var finished = try otherWorker.load("ended-elsewhere")
            finished.status = .succeeded
            finished.currentStep = nil
            try otherWorker.save(finished)
            let (instance, timedOut) = try await waited
            #expect(!timedOut && instance.status == .succeeded)
            #expect(clock.now - asked < .seconds(15), "seen within seconds, not at the 20 s bound: \(clock.now - asked)")
        }
    }
}
