import CurlHTTP
import EvflowTestSupport
import Foundation
import Synchronization
import Testing

@testable import FlowEngine

/// `serve` reads every outline once at start-up, for its payment-reference index and for the worker's schedule:
/// the worker loop starts from that recovery instead of reading the store again.
@Suite struct StartupRecoveryTests {
    final class Reads: Sendable {
        let count = Mutex(0)
    }

    @Test func theWorkerStartsFromARecoveryItWasGivenWithoutReadingTheStoreAgain() async throws {
        try await StoreFixtures.withStore { base, _ in
            for number in 0..<5 {
                var instance = InstanceSamples.instance("parked-\(number)")
                instance.wakeAt = Date().addingTimeInterval(86_400)
                _ = try base.create(instance)
            }
            let reads = Reads()
            let counted = OutlineReadCounterBox(base: base, reads: reads)
            let configuration = EvflowConfiguration(
                store: .opening({ counted.store }, describedAs: "counted store"), definitions: [:], payments: .settings(EvflowRuntimeTests.settings))
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                let outlines = try runtime.store.allOutlines()
                #expect(runtime.runner.recover(from: outlines) == 5)
                await runtime.runner.work(while: { false })
                #expect(runtime.runner.scheduledCount == 5)
                #expect(reads.count.withLock { $0 } == 1, "read once, by the caller, not again by work()")
                await runtime.runner.work(while: { false })
                #expect(reads.count.withLock { $0 } == 2, "a later worker loop recovers for itself")
            }
        }
    }

    /// Only a damaged file (or an id or schema no retry changes) is set aside at start-up; an outline that could not
    /// be read just now (a process out of descriptors, a disk error) is tried again a few seconds later.
    @Test func recoverySetsAsideOnlyWhatIsDamaged() async throws {
        try await StoreFixtures.withStore { base, _ in
            let configuration = EvflowConfiguration(
                store: .opening({ base }, describedAs: "file store"), definitions: [:], payments: .settings(EvflowRuntimeTests.settings))
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                func failure(_ code: StoreError.Code, _ id: String) -> (id: String, outline: Result<InstanceOutline, StoreError>) {
                    (id, .failure(StoreError(code, instanceID: id, detail: "test")))
                }
                let found = runtime.runner.recover(from: [
                    failure(.io, "blip-1"), failure(.unavailable, "blip-2"), failure(.corrupt, "damaged-1"),
                    failure(.incompatibleSchema, "newer-1"), failure(.notFound, "gone-1"),
                ])
                #expect(found == 0, "an outline that could not be read is not counted as an unfinished instance found")
                #expect(Set(runtime.runner.unrunnable.keys) == ["damaged-1", "newer-1"])
                #expect(runtime.runner.scheduledCount == 2, "the two that may pass are scheduled")
                let wake = try #require(runtime.runner.nextWake)
                #expect(wake > Date() && wake < Date().addingTimeInterval(FlowRunner.retryDelay + 1), "a few seconds later: \(wake)")
            }
        }
    }
}

/// Builds the counting layer around the file store (the closure the configuration takes must be `Sendable`).
struct OutlineReadCounterBox: Sendable {
    let base: FileInstanceStore
    let reads: StartupRecoveryTests.Reads

    var store: any InstanceStore { Counter(base: base, reads: reads) }

    struct Counter: InstanceStoreDecorator {
        let base: any InstanceStore
        let reads: StartupRecoveryTests.Reads

        func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
            reads.count.withLock { $0 += 1 }
            return try base.allOutlines()
        }
    }
}

/// A store whose database is unreachable (the lock cannot be claimed for longer than the retry window), or that
/// refuses the claim for a reason of its own (a statement the database rejected, a process out of descriptors),
/// leaves the instance scheduled for another try, instead of marking it unrunnable until the process restarts:
/// a lock reads nothing of the instance, so its failure says nothing is wrong with it.
@Suite struct UnavailableStoreTests {
    final class Outage: Sendable {
        let left = Mutex(1)
        let code: StoreError.Code

        init(code: StoreError.Code) { self.code = code }
    }

    struct FailingLock: InstanceStoreDecorator {
        let base: any InstanceStore
        let outage: Outage

        func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? {
            if outage.left.withLock({ left in defer { left -= 1 }; return left > 0 }) {
                throw StoreError(outage.code, instanceID: id, detail: "the lock cannot be taken (test)")
            }
            return try base.lock(id)
        }
    }

    @Test(arguments: [StoreError.Code.unavailable, .io])
    func aLockThatFailsIsRetriedNotSetAside(code: StoreError.Code) async throws {
        try await StoreFixtures.withStore { base, _ in
            // Finished, so a run that gets the lock loads it and is done (this runtime has no definitions).
            var finished = InstanceSamples.instance("outage-1")
            finished.status = .succeeded
            finished.currentStep = nil
            _ = try base.create(finished)
            let outage = Outage(code: code)
            let failing = FailingLockBox(base: base, outage: outage)
            let configuration = EvflowConfiguration(
                store: .opening({ failing.store }, describedAs: "failing store"), definitions: [:], payments: .settings(EvflowRuntimeTests.settings))
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                let error = try await #require(throws: StoreError.self) { try await runtime.runner.runReporting("outage-1") }
                #expect(error.code == code)
                #expect(runtime.runner.unrunnable["outage-1"] == nil, "not set aside: \(runtime.runner.unrunnable)")
                #expect(runtime.runner.scheduledCount == 1, "scheduled for another try")
                #expect(runtime.runner.nextWake.map { $0 > Date() } == true, "a few seconds later, not at once")
                // The next try, with the lock back, runs the instance: it is finished, so it leaves the schedule.
                try await runtime.runner.runReporting("outage-1")
                #expect(runtime.runner.unrunnable.isEmpty)
                #expect(runtime.runner.scheduledCount == 0, "run to its end, not scheduled again")
            }
        }
    }
}

/// A load that no retry can change (a schema newer than this worker, an invalid id) sets the instance aside, as a
/// lock failing that way does, instead of being retried every few seconds forever.
@Suite struct PermanentLoadFailureTests {
    struct NewerSchema: InstanceStoreDecorator {
        let base: any InstanceStore

        func load(_ id: String) throws(StoreError) -> FlowInstance {
            throw StoreError(.incompatibleSchema, instanceID: id, detail: "the schema is newer (test)")
        }
    }

    struct Box: Sendable {
        let base: FileInstanceStore
        var store: any InstanceStore { NewerSchema(base: base) }
    }

    @Test func aLoadRefusedForGoodIsSetAsideNotRetried() async throws {
        try await StoreFixtures.withStore { base, _ in
            _ = try base.create(InstanceSamples.instance("newer-1"))
            let box = Box(base: base)
            let configuration = EvflowConfiguration(
                store: .opening({ box.store }, describedAs: "newer schema"), definitions: [:], payments: .settings(EvflowRuntimeTests.settings))
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                let error = try await #require(throws: StoreError.self) { try await runtime.runner.runReporting("newer-1") }
                #expect(error.code == .incompatibleSchema)
                #expect(runtime.runner.unrunnable["newer-1"] != nil, "set aside")
                #expect(runtime.runner.scheduledCount == 0, "not scheduled for another try")
            }
        }
    }
}

struct FailingLockBox: Sendable {
    let base: FileInstanceStore
    let outage: UnavailableStoreTests.Outage

    var store: any InstanceStore { UnavailableStoreTests.FailingLock(base: base, outage: outage) }
}
