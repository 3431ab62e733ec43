import EvflowTestSupport
import Foundation
import Synchronization
import Testing

@testable import FlowEngine

/// Inputs that ride on their run's sync (``Arrival``): a start or a signal is announced as soon as its record is
/// appended, may wait for another save's sync to cover it, and still returns only once a sync has.
struct ArrivalTests {
    /// The announcement starts "the run" on another thread, which saves the instance: that save's one fsync
    /// makes both durable, where a delivery alone and a save alone cost one each.
    @Test func aDeliveryWaitsForTheSaveItsAnnouncementStartsAndSharesItsSync() async throws {
        try await StoreFixtures.withStore { store, layout in
            var instance = InstanceSamples.instance("riding-1")
            _ = try store.create(instance)
            instance.currentStep = "absorbed"
            let saved = instance
            let before = store.statistics
            let run = DispatchGroup()
            let runFailure = Mutex<String?>(nil)
            let announcements = Mutex(0)
            let arrival = Arrival(announce: {
                announcements.withLock { $0 += 1 }
                run.enter()
                Thread.detachNewThread {
                    do { try store.save(saved) } catch { runFailure.withLock { $0 = "\(error)" } }
                    run.leave()
                }
            }, patience: .seconds(10))
            let started = ContinuousClock.now
            let delivered = try store.deliver(InstanceSamples.signal("reading-1"), to: "riding-1", arrival: arrival)
            #expect(delivered)
            let waited = ContinuousClock.now - started
            run.wait()
            #expect(runFailure.withLock { $0 } == nil)
            #expect(announcements.withLock { $0 } == 1)
            let after = store.statistics
            #expect(after.durableWrites - before.durableWrites == 2)
            #expect(after.fsyncs - before.fsyncs == 1, "the delivery and the save it started should share one fsync")
            #expect(waited < .seconds(5), "the delivery returned after \(waited): it should return with the save's sync, not at its patience")
            #expect(try store.inbox(of: "riding-1").map(\.id) == ["reading-1"])
            #expect(FileManager.default.fileExists(atPath: layout.signalFile("reading-1", of: "riding-1")))
        }
    }

    /// A retried webhook while the first delivery still waits for its run: "duplicate" may only be answered once
    /// the first is durable, so the retry leads the sync, which also ends the first one's wait.
    @Test func aDuplicateIsAnsweredOnlyOnceTheOriginalIsDurable() async throws {
        try await StoreFixtures.withStore { store, _ in
            _ = try store.create(InstanceSamples.instance("retried-1"))
            let before = store.statistics
            let retry = DispatchGroup()
            let retried = Mutex<Result<Bool, StoreError>?>(nil)
            let arrival = Arrival(announce: {
                retry.enter()
                Thread.detachNewThread {
                    let answer = Result { () throws(StoreError) in try store.deliver(InstanceSamples.signal("webhook-1"), to: "retried-1") }
                    retried.withLock { $0 = answer }
                    retry.leave()
                }
            }, patience: .seconds(10))
            let started = ContinuousClock.now
            let delivered = try store.deliver(InstanceSamples.signal("webhook-1"), to: "retried-1", arrival: arrival)
            let waited = ContinuousClock.now - started
            retry.wait()
            #expect(delivered)
            #expect(try retried.withLock { $0 }?.get() == false, "the retry is a duplicate")
            #expect(waited < .seconds(5), "the first delivery returned after \(waited): the duplicate should have synced it")
            #expect(store.statistics.fsyncs - before.fsyncs == 1)
        }
    }

    /// The same from another process (a second store on the folder has a journal handle of its own, as a CLI
    /// command beside `serve` does): it has nothing pending itself, and must still sync the shared journal before
    /// answering "duplicate", since the first delivery's record is in it and may not be on the disk yet.
    @Test func aDuplicateFromAnotherProcessSyncsTheSharedJournalFirst() async throws {
        try await StoreFixtures.withStore { store, _ in
            _ = try store.create(InstanceSamples.instance("retried-2"))
            let other = try FileInstanceStore(stateDirectory: store.stateDirectory)
            let retried = Mutex<Result<Bool, StoreError>?>(nil)
            let otherFsyncs = Mutex<Int?>(nil)
            let arrival = Arrival(announce: {
                let before = other.statistics.fsyncs
                let answer = Result { () throws(StoreError) in try other.deliver(InstanceSamples.signal("webhook-2"), to: "retried-2") }
                retried.withLock { $0 = answer }
                otherFsyncs.withLock { $0 = other.statistics.fsyncs - before }
            }, patience: .milliseconds(200))
            let delivered = try store.deliver(InstanceSamples.signal("webhook-2"), to: "retried-2", arrival: arrival)
            #expect(delivered)
            #expect(try retried.withLock { $0 }?.get() == false, "the retry is a duplicate")
            #expect(otherFsyncs.withLock { $0 } == 1, "the other process synced the journal before answering")
        }
    }

    /// Nobody follows (the run is busy, or there is none): the write waits out its patience, then syncs alone.
    @Test func aPatientWriteThatNobodyFollowsSyncsItselfOnceItsPatienceIsOver() async throws {
        try await StoreFixtures.withStore { store, _ in
            let before = store.statistics
            let announcements = Mutex(0)
            let arrival = Arrival(announce: { announcements.withLock { $0 += 1 } }, patience: .milliseconds(50))
            let started = ContinuousClock.now
            let existing = try store.create(InstanceSamples.instance("alone-1"), arrival: arrival)
            #expect(existing == nil)
            let waited = ContinuousClock.now - started
            #expect(announcements.withLock { $0 } == 1)
            #expect(waited >= .milliseconds(45), "returned after \(waited), before its patience was over")
            #expect(store.statistics.fsyncs - before.fsyncs == 1, "it must still have been synced before returning")
            #expect(store.statistics.durableWrites - before.durableWrites == 1)
        }
    }

    /// A duplicate signal and an existing instance write nothing, so there is nothing to announce or wait for; each
    /// answer costs one sync of the journal, so that what it answers for is durable.
    @Test func nothingWrittenIsNothingAnnounced() async throws {
        try await StoreFixtures.withStore { store, _ in
            let instance = InstanceSamples.instance("twice-1")
            _ = try store.create(instance)
            #expect(try store.deliver(InstanceSamples.signal("once"), to: "twice-1"))
            let before = store.statistics
            let announcements = Mutex(0)
            let arrival = Arrival(announce: { announcements.withLock { $0 += 1 } }, patience: .seconds(10))
            let started = ContinuousClock.now
            let existing = try store.create(instance, arrival: arrival)
            let delivered = try store.deliver(InstanceSamples.signal("once"), to: "twice-1", arrival: arrival)
            #expect(existing == instance)
            #expect(delivered == false)
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(announcements.withLock { $0 } == 0)
            #expect(store.statistics.durableWrites == before.durableWrites)
            #expect(store.statistics.fsyncs - before.fsyncs == 2, "each answer syncs the journal first (see the duplicate tests)")
        }
    }
}
